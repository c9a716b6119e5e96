use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{MagicLinkRow, ParticipantSessionRow, SubjectRequestRow};
use crate::db::schema::{magic_links, participant_sessions, subject_requests};
use crate::db::DbConnection;

pub fn insert_link(conn: &mut DbConnection, row: &MagicLinkRow) -> QueryResult<usize> {
    diesel::insert_into(magic_links::table).values(row).execute(conn)
}

pub fn link_by_hash(conn: &mut DbConnection, hash: &[u8]) -> QueryResult<Option<MagicLinkRow>> {
    magic_links::table.filter(magic_links::token_hash.eq(hash)).select(MagicLinkRow::as_select()).first(conn).optional()
}

/// Marks a link used; 0 when it was used already (single use, even under a race).
pub fn use_link(conn: &mut DbConnection, tenant_id: &str, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(magic_links::table.find((tenant_id, id)).filter(magic_links::used_at.is_null()))
        .set(magic_links::used_at.eq(now))
        .execute(conn)
}

pub fn insert_session(conn: &mut DbConnection, row: &ParticipantSessionRow) -> QueryResult<usize> {
    diesel::insert_into(participant_sessions::table).values(row).execute(conn)
}

pub fn session_by_hash(conn: &mut DbConnection, hash: &[u8]) -> QueryResult<Option<ParticipantSessionRow>> {
    participant_sessions::table
        .filter(participant_sessions::token_hash.eq(hash))
        .select(ParticipantSessionRow::as_select())
        .first(conn)
        .optional()
}

pub fn touch_session(conn: &mut DbConnection, tenant_id: &str, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(participant_sessions::table.find((tenant_id, id))).set(participant_sessions::last_seen_at.eq(now)).execute(conn)
}

pub fn end_session(conn: &mut DbConnection, tenant_id: &str, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(participant_sessions::table.find((tenant_id, id)).filter(participant_sessions::ended_at.is_null()))
        .set(participant_sessions::ended_at.eq(now))
        .execute(conn)
}

pub fn insert_request(conn: &mut DbConnection, row: &SubjectRequestRow) -> QueryResult<usize> {
    diesel::insert_into(subject_requests::table).values(row).execute(conn)
}

pub fn requests_of(conn: &mut DbConnection, tenant_id: &str, participant_id: &str) -> QueryResult<Vec<SubjectRequestRow>> {
    subject_requests::table
        .filter(subject_requests::tenant_id.eq(tenant_id))
        .filter(subject_requests::participant_id.eq(participant_id))
        .order(subject_requests::created_at.desc())
        .select(SubjectRequestRow::as_select())
        .load(conn)
}
