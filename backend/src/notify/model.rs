use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::mail_outbox;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = mail_outbox)]
pub struct OutboxRow {
    pub id: String,
    /// The tenant whose key encrypts the payload; none for platform mail.
    pub sender_tenant_id: Option<String>,
    /// What the mail is for, e.g. `invitation`.
    pub purpose: String,
    /// Blind index of the recipient: find a person's mail without decrypting anything.
    pub recipient_index: Vec<u8>,
    /// The encrypted `Message`; dropped once sent.
    pub payload_ciphertext: Option<Vec<u8>>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    /// The transport's error, without addresses or content.
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// A rendered mail, as it is encrypted into the outbox.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Message {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// A file sent with a mail (a booking's calendar entry).
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Attachment {
    pub filename: String,
    /// The media type with parameters, e.g. `text/calendar; charset=utf-8; method=PUBLISH`.
    pub content_type: String,
    pub content: String,
}

/// What the outbox encrypts: the message and its attachments (none: the same JSON as a
/// bare `Message`, so payloads queued before attachments existed still read).
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Envelope {
    #[serde(flatten)]
    pub message: Message,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MailStatus {
    Queued,
    Sent,
    Failed,
    Bounced,
}

impl MailStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Bounced => "bounced",
        }
    }

    pub fn from_code(code: &str) -> Self {
        match code {
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            "bounced" => Self::Bounced,
            _ => Self::Queued,
        }
    }
}
