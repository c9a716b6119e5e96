use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{bookings, participant_terms, participants};
use crate::notify::MailStatus;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = participants)]
pub struct ParticipantRow {
    pub tenant_id: String,
    pub id: String,
    pub email_ciphertext: Vec<u8>,
    pub email_index: Vec<u8>,
    pub name_ciphertext: Vec<u8>,
    pub phone_ciphertext: Option<Vec<u8>>,
    pub language: String,
    pub mail_opt_out_at: Option<NaiveDateTime>,
    /// A reason code (`too_many`, `not_relevant`, `other`); free text is encrypted.
    pub mail_opt_out_reason: Option<String>,
    pub mail_opt_out_text_ciphertext: Option<Vec<u8>>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Restricted (Art. 18 GDPR): kept, but no bookings, check-ins or mails until lifted.
    pub restricted_at: Option<NaiveDateTime>,
    /// Erased (Art. 17): the row stays as an anonymous pseudonym for statistics.
    pub erased_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = participant_terms)]
pub struct TermRow {
    pub tenant_id: String,
    pub participant_id: String,
    pub term_index: Vec<u8>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = bookings)]
pub struct BookingRow {
    pub tenant_id: String,
    pub id: String,
    pub event_id: String,
    pub participant_id: String,
    pub status: String,
    /// `Answers` as encrypted JSON.
    pub answers_ciphertext: Option<Vec<u8>>,
    pub consent_text: String,
    pub consented_at: NaiveDateTime,
    pub queued_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub cancelled_at: Option<NaiveDateTime>,
    /// `participant` or `staff`.
    pub cancelled_by: Option<String>,
    pub mail_id: Option<String>,
}

closed_set! {
    /// Where a booking stands.
    pub enum BookingStatus {
        Confirmed = "confirmed",
        Waiting = "waiting",
        Cancelled = "cancelled",
    }
}

pub const CONFIRMED: &str = BookingStatus::Confirmed.as_str();
pub const WAITING: &str = BookingStatus::Waiting.as_str();
pub const CANCELLED: &str = BookingStatus::Cancelled.as_str();

/// The extra fields a participant filled in, as the event asked.
#[derive(Serialize, Deserialize, Default, Debug, Clone)]
pub struct Answers {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A participant in plaintext, decrypted for one request.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBooking {
    #[schema(max_length = 200)]
    pub name: String,
    #[schema(max_length = 254)]
    pub email: String,
    #[serde(default)]
    #[schema(max_length = 50)]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// The participant agrees to the consent text shown; must be `true`.
    #[serde(default)]
    pub consent: bool,
    /// Language of the mails: `de` (default) or `en`.
    #[serde(default)]
    pub language: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BookingCreated {
    pub booking_id: String,
    /// `confirmed` or `waiting`.
    pub status: BookingStatus,
}

#[derive(Serialize, ToSchema)]
pub struct BookingView {
    pub id: String,
    pub event_id: String,
    pub participant_id: String,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub note: Option<String>,
    pub status: BookingStatus,
    pub created_at: NaiveDateTime,
    pub cancelled_at: Option<NaiveDateTime>,
    /// Delivery of the confirmation mail (TOM INPUT-6).
    pub mail_status: Option<MailStatus>,
    /// The person asked for restriction (Art. 18 GDPR): shown, but left out of exports.
    pub restricted: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveBooking {
    pub event_id: String,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// A whole email address, or whole words of the name.
    pub q: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ParticipantHit {
    pub id: String,
    pub name: String,
    pub email: String,
    /// Active (not cancelled) bookings.
    pub bookings: i64,
    /// Since when the processing of this person's data is restricted (Art. 18 GDPR); null if it is not.
    pub restricted_at: Option<NaiveDateTime>,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingSettings {
    /// Shown on every booking page; the participant agrees to it by booking.
    #[schema(max_length = 2000)]
    pub consent_text: String,
}
