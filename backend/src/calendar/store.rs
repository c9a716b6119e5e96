use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::FeedRow;
use crate::db::schema::calendar_feeds;
use crate::db::TenantTx;

pub fn insert(tx: &mut TenantTx<'_>, row: &FeedRow) -> QueryResult<usize> {
    diesel::insert_into(calendar_feeds::table).values(row).execute(tx.conn())
}

/// The account's live feed, if any.
pub fn live_of(tx: &mut TenantTx<'_>, account_id: &str) -> QueryResult<Option<FeedRow>> {
    let (conn, t) = tx.parts();
    calendar_feeds::table
        .filter(calendar_feeds::tenant_id.eq(t))
        .filter(calendar_feeds::account_id.eq(account_id))
        .filter(calendar_feeds::revoked_at.is_null())
        .select(FeedRow::as_select())
        .first(conn)
        .optional()
}

/// Revokes the account's live feeds; how many there were.
pub fn revoke_of(tx: &mut TenantTx<'_>, account_id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, t) = tx.parts();
    diesel::update(
        calendar_feeds::table
            .filter(calendar_feeds::tenant_id.eq(t))
            .filter(calendar_feeds::account_id.eq(account_id))
            .filter(calendar_feeds::revoked_at.is_null()),
    )
    .set(calendar_feeds::revoked_at.eq(now))
    .execute(conn)
}

/// The live feed whose token hashes to `hash`.
pub fn live_by_token_hash(tx: &mut TenantTx<'_>, hash: &[u8]) -> QueryResult<Option<FeedRow>> {
    let (conn, t) = tx.parts();
    calendar_feeds::table
        .filter(calendar_feeds::tenant_id.eq(t))
        .filter(calendar_feeds::token_hash.eq(hash))
        .filter(calendar_feeds::revoked_at.is_null())
        .select(FeedRow::as_select())
        .first(conn)
        .optional()
}
