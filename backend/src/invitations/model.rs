use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::invitations;
use crate::notify::MailStatus;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub tenant_id: String,
    pub id: String,
    /// Encrypted with the tenant's data key.
    pub email_ciphertext: Vec<u8>,
    pub email_index: Vec<u8>,
    pub role: String,
    pub company_id: Option<String>,
    pub language: String,
    /// SHA-256 of the link's token; the token exists only in the mail.
    pub token_hash: Vec<u8>,
    pub invited_by: String,
    pub mail_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub accepted_account_id: Option<String>,
    pub revoked_at: Option<NaiveDateTime>,
}

impl Invitation {
    pub fn is_open(&self, now: NaiveDateTime) -> bool {
        self.accepted_at.is_none() && self.revoked_at.is_none() && self.expires_at > now
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    #[schema(max_length = 254)]
    pub email: String,
    /// `tenant_admin`, `company_admin`, `organiser` or `instructor`.
    pub role: String,
    #[serde(default)]
    pub company_id: Option<String>,
    /// Language of the mail: `de` (default) or `en`.
    #[serde(default)]
    pub language: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationView {
    pub id: String,
    pub email: String,
    pub role: crate::auth::model::Role,
    pub company_id: Option<String>,
    #[serde(with = "crate::timestamp")]
    pub created_at: NaiveDateTime,
    #[serde(with = "crate::timestamp")]
    pub expires_at: NaiveDateTime,
    /// Delivery of the invitation mail.
    pub mail_status: Option<MailStatus>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    #[schema(max_length = 128)]
    pub token: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationPreview {
    pub tenant_name: String,
    /// For the tenant's sign-in providers: an invited person may accept by signing in at
    /// one (TOM ACC-7).
    pub tenant_slug: String,
    pub email: String,
    pub role: crate::auth::model::Role,
    /// The email already has an account: accepting asks for its password.
    pub account_exists: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitation {
    #[schema(max_length = 128)]
    pub token: String,
    /// The new password, or the existing account's password.
    #[schema(max_length = 128)]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct Accepted {
    pub email: String,
}
