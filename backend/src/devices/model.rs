use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{card_enrolments, device_enrolments, devices};

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = devices)]
pub struct DeviceRow {
    pub tenant_id: String,
    pub id: String,
    pub name: String,
    pub location_id: Option<String>,
    /// The HMAC secret, encrypted with the tenant's data key: verifying an HMAC needs
    /// the secret itself, and the tenant's key destruction takes it along (DEL-4).
    pub secret_ciphertext: Vec<u8>,
    pub mode: String,
    pub duplicate_window_seconds: i32,
    pub late_upload_after_seconds: i32,
    pub session_ids: String,
    pub agent_version: Option<String>,
    pub readers: Option<String>,
    pub queue_length: Option<i32>,
    pub last_heartbeat_at: Option<NaiveDateTime>,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    /// The agent reads secure cards (NTAG 424 DNA); reported with its heartbeat.
    pub secure_cards: bool,
}

impl DeviceRow {
    pub fn config(&self) -> anwesend_protocol::DeviceConfig {
        anwesend_protocol::DeviceConfig {
            mode: self.mode.clone(),
            duplicate_window_seconds: self.duplicate_window_seconds.max(0) as u32,
            late_upload_after_seconds: self.late_upload_after_seconds.max(0) as u32,
            session_ids: self.session_ids.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        }
    }
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = device_enrolments)]
pub struct EnrolmentRow {
    pub tenant_id: String,
    pub id: String,
    pub code_hash: Vec<u8>,
    pub name: String,
    pub location_id: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub device_id: Option<String>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = card_enrolments)]
pub struct CardEnrolmentRow {
    pub tenant_id: String,
    pub device_id: String,
    pub participant_id: String,
    pub requested_by: String,
    pub expires_at: NaiveDateTime,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEnrolment {
    /// What the device is called in the list, e.g. "Eingang Halle 1".
    #[schema(max_length = 100)]
    pub name: String,
    #[serde(default)]
    pub location_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EnrolmentCode {
    /// Type it into `anwesend-agent enroll --code …`; works once, until `expires_at`.
    pub code: String,
    #[serde(with = "crate::timestamp")]
    pub expires_at: NaiveDateTime,
}

#[derive(Serialize, Deserialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct DeviceSettings {
    #[schema(max_length = 100)]
    pub name: String,
    #[serde(default)]
    pub location_id: Option<String>,
    /// `check_in` or `check_out`.
    pub mode: String,
    /// The same card on this device within this many seconds counts once (0–3600).
    #[serde(deserialize_with = "anwesend_protocol::whole_number::deserialize")]
    pub duplicate_window_seconds: i32,
    /// Taps arriving later than this (offline queue) are marked as late uploads (10–604800).
    #[serde(deserialize_with = "anwesend_protocol::whole_number::deserialize")]
    pub late_upload_after_seconds: i32,
    /// Event sessions this device serves; empty: every session at its location.
    #[serde(default)]
    pub session_ids: Vec<String>,
}

closed_set! {
    /// A revoked device is refused; its records stay.
    pub enum DeviceStatus {
        Active = "active",
        Revoked = "revoked",
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeviceView {
    pub id: String,
    pub status: DeviceStatus,
    pub settings: DeviceSettings,
    pub agent_version: Option<String>,
    /// Older than `devices.minimum_agent_version` (TOM DEV-2).
    pub outdated: bool,
    pub readers: Vec<String>,
    pub queue_length: Option<i32>,
    #[serde(with = "crate::timestamp::option")]
    pub last_heartbeat_at: Option<NaiveDateTime>,
    #[serde(with = "crate::timestamp")]
    pub created_at: NaiveDateTime,
    #[serde(with = "crate::timestamp::option")]
    pub revoked_at: Option<NaiveDateTime>,
    /// A participant waits for their card to be tapped on this device.
    pub card_enrolment_for: Option<String>,
    /// The device's agent reads secure cards (NTAG 424 DNA), as its last heartbeat said.
    pub secure_cards: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardEnrolmentRequest {
    pub participant_id: String,
}

#[derive(Serialize, ToSchema)]
pub struct CardEnrolmentPending {
    pub device_id: String,
    pub participant_id: String,
    #[serde(with = "crate::timestamp")]
    pub expires_at: NaiveDateTime,
}
