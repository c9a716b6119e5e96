use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::calendar_feeds;

/// A staff member's feed token: only its SHA-256 is stored.
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = calendar_feeds)]
pub struct FeedRow {
    pub tenant_id: String,
    pub id: String,
    pub account_id: String,
    pub token_hash: Vec<u8>,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Whether the signed-in staff member has a feed (the URL is shown only once).
#[derive(Serialize, utoipa::ToSchema)]
pub struct FeedStatus {
    pub active: bool,
    #[serde(with = "crate::timestamp::option")]
    pub created_at: Option<NaiveDateTime>,
}

/// A new feed: its secret URL, shown this once.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FeedCreated {
    /// Subscribe to this in a calendar app; whoever has it reads the feed.
    pub url: String,
    #[serde(with = "crate::timestamp")]
    pub created_at: NaiveDateTime,
}
