use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::platform_signing_keys;

/// The algorithm of every platform signature (the `algorithm` of exports and certificates).
pub const ALGORITHM: &str = "ECDSA-P256-SHA256";

#[derive(Queryable, Insertable, Selectable, Debug, Clone)]
#[diesel(table_name = platform_signing_keys)]
pub struct KeyRow {
    pub key_id: String,
    pub algorithm: String,
    pub public_key: String,
    pub valid_from: NaiveDateTime,
    pub valid_until: Option<NaiveDateTime>,
}

/// One verification key of the platform.
#[derive(Serialize, Debug, Clone, utoipa::ToSchema)]
pub struct VerificationKey {
    /// The id signed documents name (`key_id`): SHA-256 of the uncompressed point, first 8 bytes, hex.
    pub key_id: String,
    /// `ECDSA-P256-SHA256`.
    pub algorithm: String,
    /// Uncompressed SEC1 point, hex (what `--public-key` and certificates carry).
    pub public_key_hex: String,
    /// SubjectPublicKeyInfo PEM, for `openssl dgst -sha256 -verify`.
    pub public_key_pem: String,
    /// First use of the key by this platform (UTC).
    #[serde(with = "crate::timestamp")]
    pub valid_from: NaiveDateTime,
    /// When a newer key replaced it (UTC); none while it signs.
    #[serde(with = "crate::timestamp::option")]
    pub valid_until: Option<NaiveDateTime>,
    /// The key the platform signs with now.
    pub current: bool,
}

/// `GET /api/v1/platform/keys`.
#[derive(Serialize, Debug, Clone, utoipa::ToSchema)]
pub struct VerificationKeys {
    /// Newest first.
    pub keys: Vec<VerificationKey>,
}
