//! What a signed document holds: the content its canonical JSON is made of (and its PDF
//! shows). Times are RFC 3339 in the tenant's time zone; the fields marked `skip` are
//! only for the printed page (the same times, formatted for people).

use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// `de` (default) or `en`.
    pub lang: Option<String>,
}

/// The language of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    De,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    pub fn german(self) -> bool {
        self == Lang::De
    }

    /// German or English text.
    pub fn t(self, de: &'static str, en: &'static str) -> &'static str {
        if self.german() {
            de
        } else {
            en
        }
    }
}

#[derive(Serialize, Clone, Debug)]
pub struct Issuer {
    pub id: String,
    pub name: String,
}

#[derive(Serialize, Clone, Debug)]
pub struct Named {
    pub id: String,
    pub title: String,
}

/// A drawn signature: strokes of x, y points in tenths of a unit on the 1000 × 400 field
/// (integers, so the canonical JSON is the same in every language that reads it).
#[derive(Serialize, Clone, Debug)]
pub struct DrawnSignature {
    pub signed_at: String,
    pub strokes: Vec<Vec<i64>>,
    #[serde(skip)]
    pub shown_at: String,
}

#[derive(Serialize, Clone, Debug)]
pub struct ListAttendee {
    pub name: String,
    /// `present`, `late`, `left_early` or `absent`.
    pub status: String,
    pub checked_in_at: Option<String>,
    pub checked_out_at: Option<String>,
    /// How the check-in was recorded: `card`, `late_upload` (a card tap sent later by the
    /// reader), `manual` or `correction`; none without a check-in.
    pub source: Option<String>,
    pub signature: Option<DrawnSignature>,
    /// An excused absence (`excused`) or an unexcused one recorded by staff.
    pub absence: Option<String>,
    #[serde(skip)]
    pub shown_in: String,
    #[serde(skip)]
    pub shown_out: String,
}

#[derive(Serialize, Clone, Debug)]
pub struct ListClosing {
    pub closed_at: String,
    pub closed_by: String,
    pub signature: DrawnSignature,
}

#[derive(Serialize, Clone, Debug)]
pub struct ListSession {
    pub id: String,
    pub starts_at: String,
    pub ends_at: String,
    #[serde(skip)]
    pub shown: String,
}

/// The attendance list of one session.
#[derive(Serialize, Clone, Debug)]
pub struct AttendanceList {
    pub format: &'static str,
    pub kind: &'static str,
    pub lang: &'static str,
    pub tenant: Issuer,
    pub time_zone: String,
    pub event: Named,
    pub session: ListSession,
    pub location: Option<String>,
    pub instructors: Vec<String>,
    pub signature_required: bool,
    pub attendees: Vec<ListAttendee>,
    /// People who asked for restriction (Art. 18 GDPR) are left out, counted here.
    pub restricted_left_out: usize,
    /// Closed and signed by its instructor or organiser; `false`: "nicht abgeschlossen".
    pub closed: bool,
    pub closing: Option<ListClosing>,
    /// Closings re-opened by a correction since.
    pub reopened_closings: usize,
    pub issued_at: String,
    #[serde(skip)]
    pub shown_issued: String,
}

#[derive(Serialize, Clone, Debug)]
pub struct CertificateSession {
    pub starts_at: String,
    pub ends_at: String,
    pub attended: bool,
    /// The session's length when attended, else 0.
    pub minutes: i64,
    /// Not attended: `excused` or `unexcused`.
    pub absence: Option<String>,
    #[serde(skip)]
    pub shown: String,
}

#[derive(Serialize, Clone, Debug)]
pub struct AbsenceCount {
    pub excused: i64,
    pub unexcused: i64,
}

#[derive(Serialize, Clone, Debug)]
pub struct Person {
    pub id: String,
    pub name: String,
}

/// A certificate of attendance of one participant for one event.
#[derive(Serialize, Clone, Debug)]
pub struct Certificate {
    pub format: &'static str,
    pub kind: &'static str,
    pub lang: &'static str,
    pub tenant: Issuer,
    pub time_zone: String,
    pub participant: Person,
    pub event: Named,
    /// The sessions that have ended (and any attended), oldest first.
    pub sessions: Vec<CertificateSession>,
    pub sessions_attended: i64,
    pub minutes_attended: i64,
    pub absences: AbsenceCount,
    pub issued_at: String,
    pub issued_on: String,
    #[serde(skip)]
    pub shown_issued: String,
}

pub const KIND_LIST: &str = "attendance_list";
pub const KIND_CERTIFICATE: &str = "certificate";
