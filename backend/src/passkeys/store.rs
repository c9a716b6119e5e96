use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{CeremonyRow, PasskeyRow};
use crate::db::schema::{passkeys, webauthn_ceremonies};
use crate::db::DbConnection;

pub fn of_account(conn: &mut DbConnection, account_id: &str) -> QueryResult<Vec<PasskeyRow>> {
    passkeys::table.filter(passkeys::account_id.eq(account_id)).order(passkeys::created_at.asc()).select(PasskeyRow::as_select()).load(conn)
}

pub fn count_of_account(conn: &mut DbConnection, account_id: &str) -> QueryResult<i64> {
    passkeys::table.filter(passkeys::account_id.eq(account_id)).count().get_result(conn)
}

pub fn by_credential_id(conn: &mut DbConnection, credential_id: &[u8]) -> QueryResult<Option<PasskeyRow>> {
    passkeys::table.filter(passkeys::credential_id.eq(credential_id)).select(PasskeyRow::as_select()).first(conn).optional()
}

pub fn insert(conn: &mut DbConnection, row: &PasskeyRow) -> QueryResult<usize> {
    diesel::insert_into(passkeys::table).values(row).execute(conn)
}

/// Stores the credential after a use; only while the counter has not moved meanwhile, so
/// a concurrent use of a clone cannot roll it back. Returns 0 when it had moved.
pub fn record_use(
    conn: &mut DbConnection,
    id: &str,
    seen_count: i64,
    credential: &str,
    sign_count: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(passkeys::table.find(id).filter(passkeys::sign_count.eq(seen_count)))
        .set((passkeys::credential.eq(credential), passkeys::sign_count.eq(sign_count), passkeys::last_used_at.eq(now)))
        .execute(conn)
}

/// Deletes one of the account's passkeys; 0 when it has none with that id.
pub fn delete(conn: &mut DbConnection, account_id: &str, id: &str) -> QueryResult<usize> {
    diesel::delete(passkeys::table.find(id).filter(passkeys::account_id.eq(account_id))).execute(conn)
}

pub fn delete_all_of(conn: &mut DbConnection, account_id: &str) -> QueryResult<usize> {
    diesel::delete(passkeys::table.filter(passkeys::account_id.eq(account_id))).execute(conn)
}

/// Stores a new ceremony and drops every expired one.
pub fn insert_ceremony(conn: &mut DbConnection, row: &CeremonyRow) -> QueryResult<usize> {
    diesel::delete(webauthn_ceremonies::table.filter(webauthn_ceremonies::expires_at.le(row.created_at))).execute(conn)?;
    diesel::insert_into(webauthn_ceremonies::table).values(row).execute(conn)
}

/// Takes a ceremony: reads and deletes it, so it finishes once at most, even under
/// concurrent requests (only one DELETE removes the row).
pub fn take_ceremony(conn: &mut DbConnection, id: &str) -> QueryResult<Option<CeremonyRow>> {
    let Some(row) = webauthn_ceremonies::table.find(id).select(CeremonyRow::as_select()).first(conn).optional()? else {
        return Ok(None);
    };
    let taken = diesel::delete(webauthn_ceremonies::table.find(id)).execute(conn)?;
    Ok((taken == 1).then_some(row))
}

/// Which of these passkey ids still exist.
pub fn existing(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<String>> {
    passkeys::table.filter(passkeys::id.eq_any(ids)).select(passkeys::id).load(conn)
}
