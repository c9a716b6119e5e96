use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{MagicLinkRow, ParticipantSessionRow, SubjectRequestRow};
use crate::db::schema::{magic_links, participant_sessions, subject_requests};
use crate::db::{DbConnection, Located, TenantTx};

pub fn insert_link(tx: &mut TenantTx<'_>, row: &MagicLinkRow) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(magic_links::table).values(row).execute(conn)
}

/// A sign-in link of this tenant by its token: links are redeemed on their tenant's page,
/// so another tenant's link is not found.
pub fn link_by_token_hash(tx: &mut TenantTx<'_>, hash: &[u8]) -> QueryResult<Option<MagicLinkRow>> {
    let (conn, tenant_id) = tx.parts();
    magic_links::table
        .filter(magic_links::tenant_id.eq(tenant_id))
        .filter(magic_links::token_hash.eq(hash))
        .select(MagicLinkRow::as_select())
        .first(conn)
        .optional()
}

/// Marks a link used; 0 when it was used already (single use, even under a race).
pub fn use_link(tx: &mut TenantTx<'_>, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(magic_links::table.find((tenant_id, id)).filter(magic_links::used_at.is_null()))
        .set(magic_links::used_at.eq(now))
        .execute(conn)
}

pub fn insert_session(tx: &mut TenantTx<'_>, row: &ParticipantSessionRow) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(participant_sessions::table).values(row).execute(conn)
}

/// Unscoped: a participant request names its session by token only. Answers the tenant
/// and id; the session is then read in that tenant (`TenantScope::named_by_session`).
pub fn locate_session_by_token_hash(conn: &mut DbConnection, hash: &[u8]) -> QueryResult<Option<Located>> {
    match conn {
        DbConnection::Postgres(c) => diesel::sql_query("SELECT found_tenant, found_id FROM participant_session_by_token($1)")
            .bind::<diesel::sql_types::Binary, _>(hash)
            .get_result(c)
            .optional(),
        DbConnection::Sqlite(c) => participant_sessions::table
            .filter(participant_sessions::token_hash.eq(hash))
            .select((participant_sessions::tenant_id, participant_sessions::id))
            .first::<(String, String)>(c)
            .optional()
            .map(|found| found.map(Located::from)),
    }
}

pub fn session(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<Option<ParticipantSessionRow>> {
    let (conn, tenant_id) = tx.parts();
    participant_sessions::table.find((tenant_id, id)).select(ParticipantSessionRow::as_select()).first(conn).optional()
}

pub fn touch_session(tx: &mut TenantTx<'_>, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(participant_sessions::table.find((tenant_id, id))).set(participant_sessions::last_seen_at.eq(now)).execute(conn)
}

pub fn end_session(tx: &mut TenantTx<'_>, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(participant_sessions::table.find((tenant_id, id)).filter(participant_sessions::ended_at.is_null()))
        .set(participant_sessions::ended_at.eq(now))
        .execute(conn)
}

pub fn insert_request(tx: &mut TenantTx<'_>, row: &SubjectRequestRow) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(subject_requests::table).values(row).execute(conn)
}

pub fn requests_of(tx: &mut TenantTx<'_>, participant_id: &str) -> QueryResult<Vec<SubjectRequestRow>> {
    let (conn, tenant_id) = tx.parts();
    subject_requests::table
        .filter(subject_requests::tenant_id.eq(tenant_id))
        .filter(subject_requests::participant_id.eq(participant_id))
        .order(subject_requests::created_at.desc())
        .select(SubjectRequestRow::as_select())
        .load(conn)
}
