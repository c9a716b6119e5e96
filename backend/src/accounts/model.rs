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
}
