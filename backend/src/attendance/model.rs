use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{attendance, attendance_signatures, cards, device_taps, session_closings};

/// Inserted with `None` as NULL, not `DEFAULT`: the statement's text then never depends
/// on the values, so the connection keeps it prepared (diesel prepares an insert with
/// `DEFAULT` anew every time; on PostgreSQL that is a parse and a plan per tap).
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = attendance, treat_none_as_default_value = false)]
pub struct AttendanceRow {
    pub tenant_id: String,
    pub id: String,
    pub session_id: String,
    pub participant_id: String,
    pub booking_id: String,
    /// `check_in` or `check_out`.
    pub kind: String,
    /// When it happened (the tap time for devices).
    pub occurred_at: NaiveDateTime,
    /// When the server recorded it.
    pub recorded_at: NaiveDateTime,
    /// `device`, `manual` or `correction`.
    pub source: String,
    pub device_id: Option<String>,
    pub recorded_by: Option<String>,
    pub late_upload: bool,
    pub supersedes_id: Option<String>,
    pub voided: bool,
    pub reason: Option<String>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = cards)]
pub struct CardRow {
    pub tenant_id: String,
    pub id: String,
    /// HMAC-SHA256 of the UID under the tenant's index key; the UID is never stored.
    pub card_hmac: Vec<u8>,
    pub participant_id: String,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    /// A secure card's last read counter (`SDMReadCtr`); `None`: known by its UID only.
    pub sdm_counter: Option<i64>,
}

/// Inserted with `None` as NULL (see `AttendanceRow`).
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = device_taps, treat_none_as_default_value = false)]
pub struct TapRow {
    pub tenant_id: String,
    pub device_id: String,
    pub idempotency_key: String,
    pub tapped_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
    pub outcome: String,
    pub participant_id: Option<String>,
    pub attendance_id: Option<String>,
    pub late_upload: bool,
}

closed_set! {
    /// What a record says, and what a device records.
    pub enum AttendanceKind {
        CheckIn = "check_in",
        CheckOut = "check_out",
    }
}

closed_set! {
    /// Who made a record: a device tap, staff by hand, or staff correcting an earlier one.
    pub enum RecordSource {
        Device = "device",
        Manual = "manual",
        Correction = "correction",
    }
}

closed_set! {
    /// How a booked participant attended a session.
    pub enum AttendeeStatus {
        Present = "present",
        Late = "late",
        LeftEarly = "left_early",
        Absent = "absent",
    }
}

pub const CHECK_IN: &str = AttendanceKind::CheckIn.as_str();
pub const CHECK_OUT: &str = AttendanceKind::CheckOut.as_str();

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualRecord {
    pub session_id: String,
    pub booking_id: String,
    /// `check_in` or `check_out`.
    pub kind: String,
    /// Default: now.
    #[serde(default, deserialize_with = "crate::events::model::flexible_time_opt")]
    #[schema(value_type = Option<String>)]
    pub occurred_at: Option<NaiveDateTime>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// The corrected time; default: unchanged.
    #[serde(default, deserialize_with = "crate::events::model::flexible_time_opt")]
    #[schema(value_type = Option<String>)]
    pub occurred_at: Option<NaiveDateTime>,
    /// The record was wrong altogether (e.g. someone else's card).
    #[serde(default)]
    pub void: bool,
    /// Why (shown in the record; no personal data here).
    #[schema(max_length = 200)]
    pub reason: String,
}

/// One record as the attendance proof shows it: who recorded what and when.
#[derive(Serialize, ToSchema, Clone)]
pub struct RecordView {
    pub id: String,
    pub session_id: String,
    pub kind: AttendanceKind,
    #[serde(with = "crate::timestamp")]
    pub occurred_at: NaiveDateTime,
    #[serde(with = "crate::timestamp")]
    pub recorded_at: NaiveDateTime,
    pub source: RecordSource,
    pub device_name: Option<String>,
    /// The staff account that recorded or corrected it.
    pub recorded_by: Option<String>,
    pub recorded_by_email: Option<String>,
    pub late_upload: bool,
    pub supersedes_id: Option<String>,
    pub voided: bool,
    pub reason: Option<String>,
    /// A later correction replaced this record.
    pub superseded: bool,
}

#[derive(Serialize, ToSchema)]
pub struct AttendeeView {
    pub booking_id: String,
    pub participant_id: String,
    pub name: String,
    pub status: AttendeeStatus,
    #[serde(with = "crate::timestamp::option")]
    pub checked_in_at: Option<NaiveDateTime>,
    #[serde(with = "crate::timestamp::option")]
    pub checked_out_at: Option<NaiveDateTime>,
    pub records: Vec<RecordView>,
    /// The person asked for restriction (Art. 18 GDPR): shown, but left out of exports.
    pub restricted: bool,
    /// The check-in in force, whose signature is asked for.
    pub check_in_id: Option<String>,
    /// `missing`: the event asks for a signature and this check-in has none yet.
    pub signature: SignatureStatus,
    #[serde(with = "crate::timestamp::option")]
    pub signed_at: Option<NaiveDateTime>,
    /// The absence recorded for this session (by staff, or reported ahead by the person).
    pub absence: Option<crate::absences::model::AbsenceView>,
    /// Missed more than the course's absence threshold of its ended sessions.
    pub over_absence_threshold: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SessionAttendance {
    pub session_id: String,
    pub event_id: String,
    pub event_title: String,
    #[serde(with = "crate::timestamp")]
    pub starts_at: NaiveDateTime,
    #[serde(with = "crate::timestamp")]
    pub ends_at: NaiveDateTime,
    pub attendees: Vec<AttendeeView>,
    /// The event asks for a signature with each check-in.
    pub signature_required: bool,
    /// The list is closed (its latest closing is not re-opened): it cannot change.
    pub closed: bool,
    /// Every closing, oldest first, re-opened ones included.
    pub closings: Vec<ClosingView>,
}

#[derive(Serialize, ToSchema)]
pub struct ParticipantRecordEntry {
    /// The event (its certificate of attendance is issued per event).
    pub event_id: String,
    pub event_title: String,
    #[serde(with = "crate::timestamp")]
    pub starts_at: NaiveDateTime,
    #[serde(with = "crate::timestamp")]
    pub ends_at: NaiveDateTime,
    pub record: RecordView,
}

#[derive(Serialize, ToSchema)]
pub struct ParticipantAttendance {
    pub participant_id: String,
    pub name: String,
    /// Since when the processing of this person's data is restricted (Art. 18 GDPR); null if it is not.
    #[serde(with = "crate::timestamp::option")]
    pub restricted_at: Option<NaiveDateTime>,
    pub entries: Vec<ParticipantRecordEntry>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KioskQuery {
    /// Only taps of devices at this location.
    pub location_id: Option<String>,
}

/// What the kiosk shows of a tap: the first name only (TOM PRIV-1).
#[derive(Serialize, Clone, Debug, ToSchema)]
pub struct KioskEvent {
    #[serde(skip)]
    pub tenant_id: String,
    pub location_id: Option<String>,
    /// The event the tap counted for, if any: staff limited to some events see only theirs.
    #[serde(skip)]
    pub event_id: Option<String>,
    pub device_name: String,
    /// The device's mode (says what `already_recorded` means).
    pub mode: AttendanceKind,
    /// `checked_in`, `checked_out`, `already_recorded`, `unknown_card`, `no_session`,
    /// `no_booking`, `not_checked_in`, `card_bound` or `card_in_use`; or a secure card's
    /// refusal: `secure_card_invalid`, `secure_card_replayed`, `secure_card_required`
    /// (shown without a name).
    #[schema(value_type = String)]
    pub outcome: KioskOutcome,
    pub first_name: Option<String>,
    #[serde(with = "crate::timestamp")]
    pub at: NaiveDateTime,
    /// The check-in this tap recorded, when its event asks for a signature: the kiosk
    /// then shows the signature field.
    pub sign_for: Option<String>,
}

/// What the kiosk shows happened: a tap's outcome, or why a secure card's tap did not
/// count (TOM TRANS-2: staff at the venue see a copied or forged card refused).
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(untagged)]
pub enum KioskOutcome {
    Tap(anwesend_protocol::TapOutcome),
    Refused(crate::problem::ProblemCode),
}

/// What the open kiosk streams are told.
#[derive(Clone, Debug)]
pub enum KioskSignal {
    Tap(KioskEvent),
    /// Taps may have been missed (the node's listener reconnected, or a stream lagged):
    /// a screen that keeps a state reloads it.
    Resync,
}

/// A tap announced to every server node (PostgreSQL `NOTIFY`): ids only; each node reads
/// the tap in its tenant (`service::kiosk_event`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct TapNotice {
    pub tenant_id: String,
    pub device_id: String,
    pub idempotency_key: String,
    /// The event the tap counted for (which screens may show it); not kept on the tap row.
    pub event_id: Option<String>,
    /// A secure card's tap refused (no tap row is kept): its problem code and when it was
    /// tapped (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<(String, i64)>,
}

/// A participant's signature for one check-in: the strokes, encrypted with the tenant's
/// data key (personal data).
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = attendance_signatures)]
pub struct SignatureRow {
    pub tenant_id: String,
    pub id: String,
    pub attendance_id: String,
    pub session_id: String,
    pub participant_id: String,
    pub strokes_ciphertext: Vec<u8>,
    pub signed_at: NaiveDateTime,
    /// The staff account whose kiosk or list took it.
    pub collected_by: Option<String>,
}

/// A session's list closed and signed by its instructor or organiser; re-opened by a
/// correction, the row stays with when, by whom and why.
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = session_closings)]
pub struct ClosingRow {
    pub tenant_id: String,
    pub id: String,
    pub session_id: String,
    pub closed_by: String,
    pub closed_at: NaiveDateTime,
    pub strokes_ciphertext: Vec<u8>,
    pub reopened_at: Option<NaiveDateTime>,
    pub reopened_by: Option<String>,
    pub reopen_reason: Option<String>,
}

/// The field a signature is drawn on, in units: x from 0 to `SIGNATURE_WIDTH`, y from 0
/// to `SIGNATURE_HEIGHT` (the browser scales its canvas to it).
pub const SIGNATURE_WIDTH: f64 = 1000.0;
pub const SIGNATURE_HEIGHT: f64 = 400.0;
/// At most this many strokes, points per stroke and points in all.
pub const MAX_STROKES: usize = 100;
pub const MAX_STROKE_POINTS: usize = 2000;
pub const MAX_POINTS: usize = 5000;

/// A signature drawn with pointer, finger or pen: strokes of points, each stroke
/// `[x0, y0, x1, y1, …]` on the 1000 × 400 field.
#[derive(Deserialize, Serialize, ToSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    #[schema(max_items = 100)]
    pub strokes: Vec<Vec<f64>>,
}

closed_set! {
    /// Whether a check-in's signature is asked for and given.
    pub enum SignatureStatus {
        NotRequired = "not_required",
        Missing = "missing",
        Signed = "signed",
    }
}

/// A signature as the list and the export show it.
#[derive(Serialize, ToSchema)]
pub struct SignatureView {
    pub attendance_id: String,
    #[serde(with = "crate::timestamp")]
    pub signed_at: NaiveDateTime,
    pub strokes: Vec<Vec<f64>>,
}

/// One closing of a session's list, and its re-opening if a correction followed.
#[derive(Serialize, ToSchema, Clone)]
pub struct ClosingView {
    pub id: String,
    #[serde(with = "crate::timestamp")]
    pub closed_at: NaiveDateTime,
    pub closed_by: String,
    pub closed_by_email: Option<String>,
    #[serde(with = "crate::timestamp::option")]
    pub reopened_at: Option<NaiveDateTime>,
    pub reopened_by: Option<String>,
    pub reopened_by_email: Option<String>,
    pub reopen_reason: Option<String>,
}

/// A check-in's signature status after signing.
#[derive(Serialize, ToSchema)]
pub struct SignatureStatusView {
    pub attendance_id: String,
    pub status: SignatureStatus,
    #[serde(with = "crate::timestamp::option")]
    pub signed_at: Option<NaiveDateTime>,
}
