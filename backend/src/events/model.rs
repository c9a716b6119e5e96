use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{event_instructors, event_sessions, events};

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub tenant_id: String,
    pub id: String,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub location_id: Option<String>,
    pub company_id: Option<String>,
    pub capacity: i32,
    pub waiting_list: bool,
    pub booking_opens_at: Option<NaiveDateTime>,
    pub booking_closes_at: Option<NaiveDateTime>,
    /// Extra fields asked, comma-separated (see `EXTRA_FIELDS`).
    pub fields: String,
    pub status: String,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// A check-in asks the person to sign at the kiosk ("Unterschrift bei Anwesenheit").
    pub signature_required: bool,
}

impl EventRow {
    pub fn fields(&self) -> Vec<String> {
        self.fields.split(',').filter(|f| !f.is_empty()).map(str::to_owned).collect()
    }

    pub fn asks(&self, field: &str) -> bool {
        self.fields.split(',').any(|f| f == field)
    }

    /// Published and inside its booking window.
    pub fn booking_open(&self, now: NaiveDateTime) -> bool {
        self.status == STATUS_PUBLISHED && self.booking_opens_at.is_none_or(|t| t <= now) && self.booking_closes_at.is_none_or(|t| now < t)
    }
}

closed_set! {
    /// What an event is: a one-off event or a course.
    pub enum EventKind {
        Event = "event",
        Course = "course",
    }
}

closed_set! {
    /// Drafts are seen by staff only; published events take bookings.
    pub enum EventStatus {
        Draft = "draft",
        Published = "published",
        /// Allowed by the table; no page offers it yet.
        Cancelled = "cancelled",
    }
}

pub const STATUS_DRAFT: &str = EventStatus::Draft.as_str();
pub const STATUS_PUBLISHED: &str = EventStatus::Published.as_str();
/// What an event may ask besides name and email (TOM PRIV-1: nothing more by default).
pub const EXTRA_FIELDS: &[&str] = &["phone", "note"];

/// The longest a session may last (the event input refuses a longer one). A read of what
/// runs around a moment (a tap, the home page, a report) takes only the sessions that
/// began at most this long before it, through the start index, so its cost does not grow
/// with the sessions planned ahead or past (issue #16).
pub const MAX_SESSION_DAYS: i64 = 7;

/// The earliest start of a session that may still run at `at` (see `MAX_SESSION_DAYS`),
/// stopping at the start of the calendar.
pub fn earliest_start_running_at(at: NaiveDateTime) -> NaiveDateTime {
    at.checked_sub_signed(chrono::Duration::days(MAX_SESSION_DAYS)).unwrap_or(NaiveDateTime::MIN)
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = event_sessions)]
pub struct SessionRow {
    pub tenant_id: String,
    pub id: String,
    pub event_id: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = event_instructors)]
pub struct InstructorRow {
    pub tenant_id: String,
    pub event_id: String,
    pub account_id: String,
}

/// Accepts `2026-12-01T18:00`, `…:00`, `…:00.000` and a trailing `Z` (a browser's
/// `datetime-local` has no seconds).
pub fn flexible_time<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
    let raw = String::deserialize(d)?;
    crate::timestamp::parse(&raw).ok_or_else(|| serde::de::Error::custom(format!("`{raw}` is not a time like 2026-12-01T18:00")))
}

pub fn flexible_time_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDateTime>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(raw) if raw.is_empty() => Ok(None),
        Some(raw) => crate::timestamp::parse(&raw)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("`{raw}` is not a time like 2026-12-01T18:00"))),
    }
}

#[derive(Deserialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct SessionInput {
    #[serde(deserialize_with = "flexible_time")]
    #[schema(value_type = String, example = "2026-12-01T18:00")]
    pub starts_at: NaiveDateTime,
    #[serde(deserialize_with = "flexible_time")]
    #[schema(value_type = String, example = "2026-12-01T20:00")]
    pub ends_at: NaiveDateTime,
}

#[derive(Deserialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// `event` or `course`.
    pub kind: String,
    #[schema(max_length = 200)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: String,
    #[serde(default)]
    pub location_id: Option<String>,
    /// Courses may belong to a customer company (TOM SEP-3).
    #[serde(default)]
    pub company_id: Option<String>,
    #[serde(deserialize_with = "anwesend_protocol::whole_number::deserialize")]
    pub capacity: i32,
    #[serde(default)]
    pub waiting_list: bool,
    #[serde(default, deserialize_with = "flexible_time_opt")]
    #[schema(value_type = Option<String>)]
    pub booking_opens_at: Option<NaiveDateTime>,
    #[serde(default, deserialize_with = "flexible_time_opt")]
    #[schema(value_type = Option<String>)]
    pub booking_closes_at: Option<NaiveDateTime>,
    /// Extra fields asked from participants: `phone`, `note`. Name and email always.
    #[serde(default)]
    pub fields: Vec<String>,
    pub sessions: Vec<SessionInput>,
    /// Accounts with the instructor role in this tenant.
    #[serde(default)]
    pub instructor_ids: Vec<String>,
    /// A check-in asks the person to sign at the kiosk ("Unterschrift bei Anwesenheit").
    #[serde(default)]
    pub signature_required: bool,
}

/// One dated session of an event (not a sign-in session).
#[derive(Serialize, ToSchema, Clone)]
#[schema(as = EventSession)]
pub struct SessionView {
    pub id: String,
    #[serde(with = "crate::timestamp")]
    pub starts_at: NaiveDateTime,
    #[serde(with = "crate::timestamp")]
    pub ends_at: NaiveDateTime,
}

impl From<SessionRow> for SessionView {
    fn from(s: SessionRow) -> Self {
        Self { id: s.id, starts_at: s.starts_at, ends_at: s.ends_at }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub id: String,
    pub kind: EventKind,
    pub title: String,
    pub description: String,
    pub location_id: Option<String>,
    pub company_id: Option<String>,
    pub capacity: i32,
    pub waiting_list: bool,
    #[serde(with = "crate::timestamp::option")]
    pub booking_opens_at: Option<NaiveDateTime>,
    #[serde(with = "crate::timestamp::option")]
    pub booking_closes_at: Option<NaiveDateTime>,
    pub fields: Vec<String>,
    pub status: EventStatus,
    pub sessions: Vec<SessionView>,
    pub instructor_ids: Vec<String>,
    /// A check-in asks the person to sign at the kiosk.
    pub signature_required: bool,
    /// Confirmed bookings.
    pub confirmed: i64,
    /// Bookings on the waiting list.
    pub waiting: i64,
    #[serde(with = "crate::timestamp")]
    pub created_at: NaiveDateTime,
    #[serde(with = "crate::timestamp")]
    pub updated_at: NaiveDateTime,
}

/// What the public booking page shows: no staff ids, no other bookings.
#[derive(Serialize, ToSchema)]
pub struct PublicEvent {
    pub id: String,
    pub tenant_name: String,
    pub kind: EventKind,
    pub title: String,
    pub description: String,
    pub location_name: Option<String>,
    pub sessions: Vec<SessionView>,
    pub capacity: i32,
    pub seats_left: i64,
    pub waiting_list: bool,
    pub booking_open: bool,
    #[serde(with = "crate::timestamp::option")]
    pub booking_opens_at: Option<NaiveDateTime>,
    #[serde(with = "crate::timestamp::option")]
    pub booking_closes_at: Option<NaiveDateTime>,
    pub fields: Vec<String>,
    /// The text the participant consents to by booking.
    pub consent_text: String,
    /// The tenant's IANA time zone: the page shows the sessions in it.
    pub time_zone: String,
}

/// The tenant's public event list (`#/e/{slug}`): published events that take bookings
/// and have a free seat. No staff ids, no bookings, no personal data.
#[derive(Serialize, ToSchema)]
pub struct PublicEventList {
    pub tenant_name: String,
    /// The tenant's IANA time zone; months are counted in it.
    pub time_zone: String,
    /// The places the listed events take place at (venues and rooms), for the filter.
    pub locations: Vec<PublicLocation>,
    pub events: Vec<PublicEventSummary>,
}

#[derive(Serialize, ToSchema)]
pub struct PublicLocation {
    pub id: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct PublicEventSummary {
    pub id: String,
    pub kind: EventKind,
    pub title: String,
    pub location_id: Option<String>,
    pub location_name: Option<String>,
    /// The sessions that have not ended yet.
    pub sessions: Vec<SessionView>,
    pub seats_left: i64,
    #[serde(with = "crate::timestamp::option")]
    pub booking_closes_at: Option<NaiveDateTime>,
}

/// The public list's filters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicListQuery {
    /// Only events at this location or one of its rooms.
    pub location: Option<String>,
    /// Only events with a session in this month (`YYYY-MM`, the tenant's time zone).
    pub month: Option<String>,
}
