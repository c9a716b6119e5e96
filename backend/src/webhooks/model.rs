use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{webhook_deliveries, webhook_endpoints};

closed_set! {
    /// What an endpoint is.
    pub enum EndpointKind {
        /// Any receiver: JSON signed per Standard Webhooks.
        Standard = "standard",
        /// A Microsoft Teams Workflows URL: an Adaptive Card message; the URL is the credential.
        Teams = "teams",
    }
}

closed_set! {
    /// The events an endpoint can receive. A new event is one line here (and its texts).
    pub enum WebhookEvent {
        BookingCreated = "booking.created",
        BookingCancelled = "booking.cancelled",
        /// A waiting-list place became a booking.
        WaitingListPromoted = "waiting_list.promoted",
        /// A request about personal data arrived (access, erasure, …).
        RequestReceived = "subject_request.received",
        /// A session's list was closed: how many were present, late, left early, absent.
        CheckInSummary = "session.check_in_summary",
        /// The platform notified the tenant of a personal data breach (an incident notice).
        IncidentNotice = "incident.notice",
    }
}

closed_set! {
    /// Personal fields an admin may add to payloads (else ids and counts only).
    pub enum PersonalField {
        Name = "name",
        Email = "email",
    }
}

closed_set! {
    pub enum DeliveryStatus {
        Pending = "pending",
        Delivered = "delivered",
        /// Given up after the last attempt, or the receiver answered 410.
        Failed = "failed",
        /// The target was refused before sending (a private address, a redirect).
        Refused = "refused",
        /// The endpoint was disabled or deleted before it went out.
        Cancelled = "cancelled",
    }
}

#[derive(Queryable, Insertable, Selectable, AsChangeset, Debug, Clone)]
#[diesel(table_name = webhook_endpoints, treat_none_as_null = true)]
pub struct EndpointRow {
    pub tenant_id: String,
    pub id: String,
    pub kind: String,
    pub name: String,
    pub url_ciphertext: Vec<u8>,
    pub host: String,
    pub secret_ciphertext: Option<Vec<u8>>,
    pub previous_secret_ciphertext: Option<Vec<u8>>,
    pub previous_secret_until: Option<NaiveDateTime>,
    pub events: String,
    pub personal_fields: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Insertable, Selectable, Debug, Clone)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub tenant_id: String,
    pub id: String,
    pub endpoint_id: String,
    pub event: String,
    pub payload_ciphertext: Option<Vec<u8>>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

/// Adding or changing an endpoint.
#[derive(Deserialize, Debug, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointInput {
    pub kind: EndpointKind,
    /// A label for the list, e.g. "Vereins-CRM" (1–80 characters).
    pub name: String,
    /// The receiver's URL (https in production; at most 2048 characters). Required when
    /// adding; absent on a change keeps the stored one.
    pub url: Option<String>,
    /// The events to send (at least one, each once).
    pub events: Vec<String>,
    /// Personal fields to include (`name`, `email`); empty: ids and counts only. Every
    /// endpoint with a field is listed as a recipient in the processing record.
    #[serde(default)]
    pub personal_fields: Vec<String>,
    pub enabled: bool,
}

/// An endpoint as admins see it: never the secret; a Teams URL only masked.
#[derive(Serialize, Debug, Clone, utoipa::ToSchema)]
pub struct EndpointView {
    pub id: String,
    pub kind: EndpointKind,
    pub name: String,
    /// The URL (standard), or its host and last characters (Teams: the URL is the credential).
    pub url_display: String,
    pub host: String,
    pub events: Vec<WebhookEvent>,
    pub personal_fields: Vec<PersonalField>,
    pub enabled: bool,
    /// Why the server turned it off (`gone`: the receiver answered 410).
    pub disabled_reason: Option<String>,
    /// A rotated-out secret still signs until then (both signatures are sent).
    #[serde(with = "crate::timestamp::option")]
    pub previous_secret_until: Option<NaiveDateTime>,
    #[serde(with = "crate::timestamp")]
    pub created_at: NaiveDateTime,
}

#[derive(Serialize, Debug, Clone, utoipa::ToSchema)]
pub struct EndpointList {
    pub endpoints: Vec<EndpointView>,
    /// Every event an endpoint can receive.
    pub events: Vec<WebhookEvent>,
}

/// Answer to adding an endpoint or rotating its secret: the signing secret is shown once.
#[derive(Serialize, Debug, Clone, utoipa::ToSchema)]
pub struct EndpointSaved {
    pub endpoint: EndpointView,
    /// `whsec_…`, for the receiver's verification (standard endpoints; shown only now).
    pub secret: Option<String>,
}

/// One delivery as admins see it (no payload).
#[derive(Serialize, Debug, Clone, utoipa::ToSchema)]
pub struct DeliveryView {
    /// The `webhook-id` the receiver saw.
    pub id: String,
    pub event: WebhookEvent,
    pub status: DeliveryStatus,
    pub attempts: i32,
    #[serde(with = "crate::timestamp::option")]
    pub next_attempt_at: Option<NaiveDateTime>,
    /// The receiver's last HTTP status.
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    #[serde(with = "crate::timestamp")]
    pub created_at: NaiveDateTime,
    #[serde(with = "crate::timestamp::option")]
    pub finished_at: Option<NaiveDateTime>,
}

#[derive(Serialize, Debug, Clone, utoipa::ToSchema)]
pub struct DeliveryList {
    /// Newest first, at most 100.
    pub deliveries: Vec<DeliveryView>,
}

/// What a service hands to `emit`: ids and counts always; personal fields only reach
/// endpoints whose admin ticked them.
#[derive(Debug, Clone, Default)]
pub struct Payload {
    pub data: serde_json::Map<String, serde_json::Value>,
    pub name: Option<String>,
    pub email: Option<String>,
    /// One line for a Teams card, without personal data (e.g. "Neue Buchung: Yoga (3 frei)").
    pub summary: String,
}
