use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::Invitation;
use crate::db::schema::invitations;
use crate::db::{DbConnection, Located, TenantTx};

pub fn insert(tx: &mut TenantTx<'_>, invitation: &Invitation) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(invitations::table).values(invitation).execute(conn)
}

/// Unscoped: an invitation link carries a token only. Answers the tenant and id, whose
/// scope (`TenantScope::named_by_token`) every later step uses, the row read included.
pub fn locate_by_token_hash(conn: &mut DbConnection, hash: &[u8]) -> QueryResult<Option<Located>> {
    match conn {
        DbConnection::Postgres(c) => diesel::sql_query("SELECT found_tenant, found_id FROM invitation_by_token($1)")
            .bind::<diesel::sql_types::Binary, _>(hash)
            .get_result(c)
            .optional(),
        DbConnection::Sqlite(c) => invitations::table
            .filter(invitations::token_hash.eq(hash))
            .select((invitations::tenant_id, invitations::id))
            .first::<(String, String)>(c)
            .optional()
            .map(|found| found.map(Located::from)),
    }
}

pub fn find(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<Option<Invitation>> {
    let (conn, tenant_id) = tx.parts();
    invitations::table.find((tenant_id, id)).select(Invitation::as_select()).first(conn).optional()
}

pub fn open_in_tenant(tx: &mut TenantTx<'_>, now: NaiveDateTime) -> QueryResult<Vec<Invitation>> {
    let (conn, tenant_id) = tx.parts();
    invitations::table
        .filter(invitations::tenant_id.eq(tenant_id))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .order(invitations::created_at.desc())
        .select(Invitation::as_select())
        .load(conn)
}

pub fn revoke(tx: &mut TenantTx<'_>, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(
        invitations::table.find((tenant_id, id)).filter(invitations::accepted_at.is_null()).filter(invitations::revoked_at.is_null()),
    )
    .set(invitations::revoked_at.eq(now))
    .execute(conn)
}

/// Marks an open invitation accepted; 0 when someone else was quicker (single use).
pub fn accept(tx: &mut TenantTx<'_>, id: &str, account_id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(
        invitations::table.find((tenant_id, id)).filter(invitations::accepted_at.is_null()).filter(invitations::revoked_at.is_null()),
    )
    .set((invitations::accepted_at.eq(now), invitations::accepted_account_id.eq(account_id)))
    .execute(conn)
}
