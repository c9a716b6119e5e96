use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::secure_card_settings;

/// The tenant's card keys (encrypted with its data key) and whether UID-only taps are refused.
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = secure_card_settings)]
pub struct SettingsRow {
    pub tenant_id: String,
    pub setting: String,
    pub required: bool,
    pub meta_read_key_ciphertext: Vec<u8>,
    pub file_read_master_ciphertext: Vec<u8>,
    pub updated_at: NaiveDateTime,
}

#[derive(Serialize, ToSchema)]
pub struct SecureCardSettings {
    /// The tenant has card keys: secure cards can be provisioned and are checked.
    pub enabled: bool,
    /// Taps by card UID alone are refused: only secure cards check in.
    pub required: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecureCardSettingsChange {
    /// Refuse taps by card UID alone. Saving makes the tenant's card keys if it has none.
    pub required: bool,
}

/// `POST /api/v1/device/card-keys` (signed): the keys for the one card being provisioned.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardKeysRequest {
    /// The UID of the card on the reader (7 bytes, hex).
    #[schema(max_length = 20)]
    pub card_id: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct CardKeys {
    /// `SDMMetaReadKey` (the tenant's), AES-128, hex.
    pub meta_read_key: String,
    /// `SDMFileReadKey`, diversified for this card's UID, AES-128, hex.
    pub file_read_key: String,
}
