use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use crate::portal::model::RequestKind;

/// The start page: the caller's sessions and open work; `admin` only for tenant admins.
#[derive(Serialize, ToSchema)]
pub struct Home {
    /// Sessions running now or starting within `UPCOMING_DAYS`, of the events the caller may see.
    pub sessions: Vec<HomeSession>,
    /// Events ahead with people on their waiting list.
    pub waiting_lists: Vec<WaitingList>,
    /// Mails of the tenant that could not be delivered in the last `FAILED_MAIL_DAYS`, per purpose.
    pub failed_mails: Vec<FailedMails>,
    pub admin: Option<AdminHome>,
}

#[derive(Serialize, ToSchema)]
pub struct HomeSession {
    pub session_id: String,
    pub event_id: String,
    pub event_title: String,
    #[serde(with = "crate::timestamp")]
    pub starts_at: NaiveDateTime,
    #[serde(with = "crate::timestamp")]
    pub ends_at: NaiveDateTime,
    /// Confirmed bookings.
    pub booked: i64,
    pub seats: i32,
    /// People checked in and not checked out.
    pub checked_in: i64,
    pub running: bool,
}

#[derive(Serialize, ToSchema)]
pub struct WaitingList {
    pub event_id: String,
    pub event_title: String,
    pub waiting: i64,
    pub seats_left: i64,
}

#[derive(Serialize, ToSchema)]
pub struct FailedMails {
    /// What the mails were for, e.g. `booking_confirmed`.
    pub purpose: String,
    pub count: i64,
}

/// What a tenant admin looks after.
#[derive(Serialize, ToSchema)]
pub struct AdminHome {
    /// Open requests about personal data, the most urgent first.
    pub open_requests: Vec<OpenRequest>,
    /// Active devices without a heartbeat (or, never heard of, since their enrolment) for `DEVICE_SILENT_MINUTES`.
    pub devices_overdue: Vec<DeviceOverdue>,
    /// Active devices whose agent is older than the configured minimum (TOM DEV-2).
    pub outdated_agents: i64,
    /// When the retention job last ran for the tenant (TOM PRIV-6).
    #[serde(with = "crate::timestamp::option")]
    pub retention_last_run_at: Option<NaiveDateTime>,
    /// The daily retention job has not run for `RETENTION_LATE_HOURS`.
    pub retention_overdue: bool,
}

#[derive(Serialize, ToSchema)]
pub struct OpenRequest {
    pub id: String,
    pub kind: RequestKind,
    #[serde(with = "crate::timestamp")]
    pub due_at: NaiveDateTime,
    pub overdue: bool,
}

#[derive(Serialize, ToSchema)]
pub struct DeviceOverdue {
    pub id: String,
    pub name: String,
    #[serde(with = "crate::timestamp::option")]
    pub last_heartbeat_at: Option<NaiveDateTime>,
}
