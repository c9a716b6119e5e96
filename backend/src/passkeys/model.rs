use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{passkeys, webauthn_ceremonies};

/// A registered credential of a staff account.
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = passkeys)]
pub struct PasskeyRow {
    pub id: String,
    pub account_id: String,
    /// The authenticator's credential id (raw bytes), unique across all accounts.
    pub credential_id: Vec<u8>,
    /// The account's own label, encrypted with the platform keys.
    pub name_ciphertext: Vec<u8>,
    /// `webauthn_rs::prelude::Passkey` as JSON: public key, counter, flags.
    pub credential: String,
    /// The signature counter last accepted (0: the authenticator keeps none).
    pub sign_count: i64,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
}

/// A started ceremony: what the server must remember between the two requests.
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = webauthn_ceremonies)]
pub struct CeremonyRow {
    pub id: String,
    pub kind: String,
    /// The account it was started for (none for passwordless sign-in).
    pub account_id: Option<String>,
    /// The session that started it (none for passwordless sign-in).
    pub session_id: Option<String>,
    /// The webauthn-rs state, encrypted with the platform keys.
    pub state_ciphertext: Vec<u8>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// What a ceremony is for; a ceremony of one kind never finishes another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CeremonyKind {
    Register,
    SecondFactor,
    SignIn,
}

impl CeremonyKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::SecondFactor => "second_factor",
            Self::SignIn => "sign_in",
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PasskeyView {
    pub id: String,
    /// The name given at registration, e.g. "YubiKey Büro".
    pub name: String,
    #[serde(with = "crate::timestamp")]
    pub created_at: NaiveDateTime,
    #[serde(with = "crate::timestamp::option")]
    pub last_used_at: Option<NaiveDateTime>,
}

#[derive(Serialize, ToSchema)]
pub struct PasskeyList {
    pub passkeys: Vec<PasskeyView>,
}

/// A started ceremony for the browser: `options` go to `navigator.credentials.create()` or
/// `.get()` as `publicKey` (binary fields base64url), `ceremony` comes back with the answer.
#[derive(Serialize, ToSchema)]
pub struct Challenge {
    pub ceremony: String,
    #[schema(value_type = std::collections::HashMap<String, serde_json::Value>)]
    pub options: serde_json::Value,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationStart {
    /// A name to recognise the passkey by, e.g. "YubiKey Büro".
    #[schema(max_length = 64)]
    pub name: String,
    /// The account's current password: a session alone must not add a way to sign in.
    #[schema(max_length = 128)]
    pub password: String,
}

/// The browser's answer to a ceremony.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CeremonyAnswer {
    #[schema(max_length = 64)]
    pub ceremony: String,
    /// The `PublicKeyCredential` as JSON, binary fields base64url.
    #[schema(value_type = std::collections::HashMap<String, serde_json::Value>)]
    pub credential: serde_json::Value,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyRemoval {
    #[schema(max_length = 128)]
    pub password: String,
}
