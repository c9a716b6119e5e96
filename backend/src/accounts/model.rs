use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::accounts;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = accounts)]
pub struct Account {
    pub id: String,
    /// Encrypted under the platform keys; see `MasterKey::platform_keys`.
    pub email_ciphertext: Vec<u8>,
    pub email_index: Vec<u8>,
    pub password_hash: String,
    pub is_platform_admin: bool,
    pub disabled_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_sign_in_at: Option<NaiveDateTime>,
    /// The confirmed TOTP secret, encrypted under the platform keys (TOM ACC-6).
    pub totp_secret_ciphertext: Option<Vec<u8>>,
    /// A secret shown for enrolment but not yet confirmed with a code.
    pub totp_pending_ciphertext: Option<Vec<u8>>,
    pub totp_enabled_at: Option<NaiveDateTime>,
    /// The last accepted TOTP time step: a code works once.
    pub totp_last_step: Option<i64>,
    /// Wrong second-factor codes in a row; reaching the limit locks the step (TOM ACC-6).
    pub factor_failures: i32,
    pub factor_locked_until: Option<NaiveDateTime>,
}

impl Account {
    pub fn mfa_enabled(&self) -> bool {
        self.totp_enabled_at.is_some() && self.totp_secret_ciphertext.is_some()
    }
}
