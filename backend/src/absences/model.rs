use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{absence_alerts, absence_settings, absences};

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = absences, treat_none_as_null = true)]
pub struct AbsenceRow {
    pub tenant_id: String,
    pub id: String,
    pub session_id: String,
    pub participant_id: String,
    pub booking_id: String,
    pub excused: bool,
    /// `ill` or `other` when excused.
    pub reason: Option<String>,
    /// The note, encrypted with the tenant's data key (personal data; TOM PSEUDO-1).
    pub note_ciphertext: Option<Vec<u8>>,
    /// `staff` or `participant`.
    pub reported_by: String,
    pub recorded_by: Option<String>,
    pub recorded_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = absence_settings)]
pub struct AbsenceSettingsRow {
    pub tenant_id: String,
    pub event_id: String,
    pub threshold_percent: Option<i32>,
    pub notify_organiser: bool,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = absence_alerts)]
pub struct AbsenceAlertRow {
    pub tenant_id: String,
    pub event_id: String,
    pub participant_id: String,
    pub sent_at: NaiveDateTime,
}

closed_set! {
    /// Why someone is excused.
    pub enum AbsenceReason {
        Ill = "ill",
        Other = "other",
    }
}

closed_set! {
    /// Who recorded an absence: staff, or the person ahead in the portal.
    pub enum AbsenceSource {
        Staff = "staff",
        Participant = "participant",
    }
}

/// The longest note (characters).
pub const NOTE_MAX: usize = 200;

/// Staff mark one booked person's absence from a session.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AbsenceInput {
    pub booking_id: String,
    pub excused: bool,
    /// `ill` or `other`; required when excused, empty otherwise.
    #[serde(default)]
    pub reason: Option<String>,
    /// A short note (personal data, stored encrypted).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub note: String,
}

/// A participant reports ahead that they will miss a session.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AbsenceReport {
    pub session_id: String,
    /// `ill` or `other`.
    pub reason: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub note: String,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct AbsenceView {
    pub session_id: String,
    pub booking_id: String,
    pub excused: bool,
    pub reason: Option<AbsenceReason>,
    pub note: String,
    pub reported_by: AbsenceSource,
    #[serde(with = "crate::timestamp")]
    pub recorded_at: NaiveDateTime,
}

/// One person's absences in a course, over its sessions that have ended.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct PersonAbsences {
    pub booking_id: String,
    pub participant_id: String,
    pub name: String,
    /// Sessions of the course that have ended.
    pub sessions: i64,
    /// Of those, without a check-in.
    pub absent: i64,
    pub excused: i64,
    pub unexcused: i64,
    /// `absent / sessions` in whole percent (0 with no ended session).
    pub rate_percent: i64,
    /// The rate is above the course's threshold.
    pub flagged: bool,
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AbsenceSettings {
    /// Flag people who missed more than this share of ended sessions; null: off.
    #[schema(minimum = 1, maximum = 100)]
    pub threshold_percent: Option<i64>,
    /// Mail the course's organiser once per flagged person.
    pub notify_organiser: bool,
}

#[derive(Serialize, ToSchema)]
pub struct EventAbsences {
    pub event_id: String,
    pub settings: AbsenceSettings,
    pub people: Vec<PersonAbsences>,
}

/// An absence as the participant sees it in the portal.
#[derive(Serialize, ToSchema)]
pub struct PortalAbsence {
    pub event_title: String,
    #[serde(with = "crate::timestamp")]
    pub starts_at: NaiveDateTime,
    #[serde(flatten)]
    pub absence: AbsenceView,
}
