use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// Sessions that ended within this many days before now (1–366, default 90).
    #[param(minimum = 1, maximum = 366)]
    pub days: Option<i64>,
}

/// One course (event) over the period: its ended sessions summed up.
#[derive(Serialize, ToSchema, Clone, Debug, PartialEq, Eq)]
pub struct CourseFigures {
    pub event_id: String,
    pub title: String,
    pub sessions: i64,
    /// Confirmed bookings, summed over its sessions.
    pub booked: i64,
    /// Of those, checked in.
    pub present: i64,
    /// Of the present, checked in more than 10 minutes after the start.
    pub late: i64,
    /// Booked but never checked in.
    pub no_shows: i64,
    /// `present / booked` in whole percent (0 without bookings).
    pub attendance_rate_percent: i64,
}

/// One ended session.
#[derive(Serialize, ToSchema, Clone, Debug, PartialEq, Eq)]
pub struct SessionFigures {
    pub session_id: String,
    pub event_id: String,
    pub title: String,
    #[serde(with = "crate::timestamp")]
    pub starts_at: NaiveDateTime,
    pub booked: i64,
    pub present: i64,
    pub late: i64,
    pub no_shows: i64,
    /// No-shows with an excused absence recorded.
    pub excused: i64,
    pub attendance_rate_percent: i64,
}

/// Check-ins that began in one hour of the day (tenant's time zone) at one location.
#[derive(Serialize, ToSchema, Clone, Debug, PartialEq, Eq)]
pub struct HourFigures {
    /// The event's location; null: events without one.
    pub location_id: Option<String>,
    pub location: String,
    /// 0–23, local time.
    pub hour: i64,
    pub check_ins: i64,
}

/// A check-in device's health (for staff who may see devices).
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct DeviceHealth {
    pub device_id: String,
    pub name: String,
    pub status: crate::devices::model::DeviceStatus,
    /// Active and no heartbeat for 10 minutes.
    pub silent: bool,
    pub outdated: bool,
    pub queue_length: Option<i32>,
    #[serde(with = "crate::timestamp::option")]
    pub last_heartbeat_at: Option<NaiveDateTime>,
}

#[derive(Serialize, ToSchema)]
pub struct Report {
    pub days: i64,
    #[serde(with = "crate::timestamp")]
    pub from: NaiveDateTime,
    #[serde(with = "crate::timestamp")]
    pub to: NaiveDateTime,
    /// The zone the hours are counted in.
    pub time_zone: String,
    pub courses: Vec<CourseFigures>,
    /// Oldest first.
    pub sessions: Vec<SessionFigures>,
    pub hours: Vec<HourFigures>,
    /// Null for staff who may not see devices.
    pub devices: Option<Vec<DeviceHealth>>,
}
