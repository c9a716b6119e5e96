use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{magic_links, participant_sessions, subject_requests};
use crate::events::model::SessionView;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = magic_links)]
pub struct MagicLinkRow {
    pub id: String,
    pub tenant_id: String,
    pub participant_id: String,
    /// The email the link was sent to: the link dies if the participant's email changes.
    pub email_index: Vec<u8>,
    /// SHA-256 of the token; the token exists only in the mail.
    pub token_hash: Vec<u8>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = participant_sessions)]
pub struct ParticipantSessionRow {
    pub id: String,
    pub tenant_id: String,
    pub participant_id: String,
    pub token_hash: Vec<u8>,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = subject_requests)]
pub struct SubjectRequestRow {
    pub tenant_id: String,
    pub id: String,
    pub participant_id: String,
    pub kind: String,
    pub message_ciphertext: Option<Vec<u8>>,
    pub status: String,
    /// `portal`, or how staff received it (`phone`, `letter`, …).
    pub received_via: String,
    pub created_at: NaiveDateTime,
    /// One month after receipt (Art. 12(3) GDPR).
    pub due_at: NaiveDateTime,
    pub handled_at: Option<NaiveDateTime>,
    /// The staff account that executed it.
    pub handled_by: Option<String>,
}

/// When a request received at `received` must be answered: one month (Art. 12(3) GDPR).
pub fn due_from(received: NaiveDateTime) -> NaiveDateTime {
    received.checked_add_months(chrono::Months::new(1)).unwrap_or(received + chrono::Duration::days(30))
}

closed_set! {
    /// What a data subject asks for (Art. 15–18, 21 GDPR).
    pub enum RequestKind {
        Access = "access",
        Correction = "correction",
        Erasure = "erasure",
        Restriction = "restriction",
        Objection = "objection",
    }
}

closed_set! {
    /// A request is open until staff handled it.
    pub enum RequestStatus {
        Open = "open",
        Done = "done",
        /// Allowed by the table; no page offers it yet.
        Rejected = "rejected",
    }
}

closed_set! {
    /// How a request arrived: through the portal, or how staff received it.
    pub enum ReceivedVia {
        Portal = "portal",
        Phone = "phone",
        Letter = "letter",
        Email = "email",
        InPerson = "in_person",
    }
}

impl RequestKind {
    /// The kind a request asks for; anything else answers `invalid_field` on `kind`.
    pub fn parse(kind: &str) -> Result<Self, crate::error::AppError> {
        Self::from_code(kind).ok_or_else(|| {
            let all: Vec<&str> = Self::ALL.iter().map(|k| k.as_str()).collect();
            crate::error::AppError::invalid("kind", format!("must be one of {}", all.join(", ")))
        })
    }
}

impl ReceivedVia {
    /// How staff may have received a request (the portal is not one of them).
    pub const STAFF: &'static [ReceivedVia] = &[Self::Phone, Self::Letter, Self::Email, Self::InPerson];

    /// How staff received a request; anything else answers `invalid_field` on `received_via`.
    pub fn parse_staff(via: &str) -> Result<Self, crate::error::AppError> {
        Self::STAFF.iter().copied().find(|v| v.as_str() == via).ok_or_else(|| {
            let all: Vec<&str> = Self::STAFF.iter().map(|v| v.as_str()).collect();
            crate::error::AppError::invalid("received_via", format!("must be one of {}", all.join(", ")))
        })
    }
}
pub const OPT_OUT_REASONS: &[&str] = &["too_many", "not_relevant", "other"];

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    #[schema(max_length = 254)]
    pub email: String,
    /// Language of the mail: `de` (default) or `en`.
    #[serde(default)]
    pub language: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LinkRequested {}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemLink {
    #[schema(max_length = 128)]
    pub token: String,
}

#[derive(Serialize, ToSchema)]
pub struct ParticipantSession {
    /// Send as `Authorization: Bearer …`; keep it in the tab only (TOM PRIV-2).
    pub token: String,
    #[serde(with = "crate::timestamp")]
    pub expires_at: NaiveDateTime,
    pub name: String,
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct PortalMe {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub language: String,
    pub tenant_name: String,
    pub tenant_slug: String,
    /// No optional mails (the participant unsubscribed).
    pub mail_opt_out: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PortalBooking {
    pub id: String,
    pub event_id: String,
    pub title: String,
    pub kind: crate::events::model::EventKind,
    pub sessions: Vec<SessionView>,
    pub status: crate::bookings::model::BookingStatus,
    #[serde(with = "crate::timestamp")]
    pub created_at: NaiveDateTime,
    #[serde(with = "crate::timestamp::option")]
    pub cancelled_at: Option<NaiveDateTime>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    /// `access`, `correction`, `erasure`, `restriction` or `objection`.
    pub kind: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct RequestView {
    pub id: String,
    pub kind: RequestKind,
    pub status: RequestStatus,
    #[serde(with = "crate::timestamp")]
    pub created_at: NaiveDateTime,
    #[serde(with = "crate::timestamp")]
    pub due_at: NaiveDateTime,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Unsubscribe {
    /// `too_many`, `not_relevant` or `other`.
    pub reason: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub text: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MailPreference {
    pub mail_opt_out: bool,
}
