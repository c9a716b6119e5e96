use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{booking_holds, booking_settings, bookings, participant_terms, participants};
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

/// A booking request waiting for the link mailed to its address (TOM PRIV-1, ACC-2).
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = booking_holds)]
pub struct HoldRow {
    pub tenant_id: String,
    pub id: String,
    pub event_id: String,
    /// Blind index of the address: one hold per address and event.
    pub email_index: Vec<u8>,
    /// SHA-256 of the link's token.
    pub token_hash: Vec<u8>,
    /// `HeldRequest` as encrypted JSON.
    pub request_ciphertext: Vec<u8>,
    pub consent_text: String,
    /// A seat was free when the hold was made; it keeps one until it expires.
    pub seat: bool,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// What the public form sent, kept until the link is opened.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct HeldRequest {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub note: Option<String>,
    pub language: String,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = booking_settings)]
pub struct BookingSettingsRow {
    pub tenant_id: String,
    /// Always `confirmation` (one row per tenant).
    pub setting: String,
    pub confirm_open_events: bool,
    pub link_hours: i32,
    pub updated_at: NaiveDateTime,
}

/// Hours a confirmation link works: the default, and the bounds a tenant may set.
pub const LINK_HOURS_DEFAULT: i32 = 24;
pub const LINK_HOURS_MIN: i32 = 1;
pub const LINK_HOURS_MAX: i32 = 168;

closed_set! {
    /// The one answer to a booking request, whoever the email belongs to.
    pub enum BookingAnswer {
        /// "Please confirm your booking through the link in the email."
        CheckMail = "check_mail",
    }
}

/// The answer to every accepted booking request: the mail to the address says what
/// happened (TOM PRIV-1), never the answer.
#[derive(Serialize, ToSchema)]
pub struct BookingRequested {
    pub message: BookingAnswer,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBooking {
    /// The token from the link in the mail.
    #[schema(max_length = 128)]
    pub token: String,
}

/// The booking made by opening the link.
#[derive(Serialize, ToSchema)]
pub struct BookingConfirmed {
    pub booking_id: String,
    /// `confirmed` or `waiting`.
    pub status: BookingStatus,
    pub event_id: String,
    pub title: String,
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
    #[serde(with = "crate::timestamp")]
    pub created_at: NaiveDateTime,
    #[serde(with = "crate::timestamp::option")]
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
    #[serde(with = "crate::timestamp::option")]
    pub restricted_at: Option<NaiveDateTime>,
}

#[derive(Serialize, ToSchema)]
pub struct BookingSettings {
    /// Shown on every booking page; the participant agrees to it by booking.
    pub consent_text: String,
    /// Bookings of events without a company wait for the link mailed to the address
    /// (on by default). Off: people not known yet are booked at once; known people
    /// always confirm by link, and their data never changes from the form.
    pub confirm_open_events: bool,
    /// How long a confirmation link works, in hours (1–168, default 24).
    pub link_hours: i32,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingSettingsChange {
    #[schema(max_length = 2000)]
    pub consent_text: String,
    /// Unchanged when left out.
    #[serde(default)]
    pub confirm_open_events: Option<bool>,
    /// Unchanged when left out; 1–168.
    #[serde(default, deserialize_with = "anwesend_protocol::whole_number::option")]
    pub link_hours: Option<i32>,
}
