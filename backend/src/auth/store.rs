use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{Membership, PasswordReset, Session};
use crate::db::schema::{memberships, password_resets, recovery_codes, sessions};
use crate::db::{DbConnection, TenantTx};

pub fn insert_membership(tx: &mut TenantTx<'_>, m: &Membership) -> QueryResult<usize> {
    diesel::insert_into(memberships::table).values(m).execute(tx.conn())
}

/// Unscoped: an account's memberships in every tenant (sign-in, the tenants it may switch
/// to). On PostgreSQL through `account_memberships`, which answers one account's rows only.
pub fn memberships_of(conn: &mut DbConnection, account_id: &str) -> QueryResult<Vec<Membership>> {
    match conn {
        DbConnection::Postgres(c) => {
            diesel::sql_query("SELECT * FROM account_memberships($1)").bind::<diesel::sql_types::Text, _>(account_id).load(c)
        }
        DbConnection::Sqlite(c) => memberships::table
            .filter(memberships::account_id.eq(account_id))
            .order(memberships::created_at.asc())
            .select(Membership::as_select())
            .load(c),
    }
}

pub fn insert_session(conn: &mut DbConnection, s: &Session) -> QueryResult<usize> {
    diesel::insert_into(sessions::table).values(s).execute(conn)
}

/// Unscoped: a request names its session by token only; the row names the tenant it acts
/// in (sessions is a platform table).
pub fn session_by_token_hash(conn: &mut DbConnection, hash: &[u8]) -> QueryResult<Option<Session>> {
    sessions::table.filter(sessions::token_hash.eq(hash)).select(Session::as_select()).first(conn).optional()
}

/// Unscoped like the token lookup: an open stream re-checks the session it was opened with.
pub fn session_by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Session>> {
    sessions::table.find(id).select(Session::as_select()).first(conn).optional()
}

pub fn touch_session(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(sessions::table.find(id)).set(sessions::last_seen_at.eq(now)).execute(conn)
}

/// Ends a live session; returns 0 when it had already ended.
pub fn end_session(conn: &mut DbConnection, id: &str, now: NaiveDateTime, reason: &str) -> QueryResult<usize> {
    diesel::update(sessions::table.find(id).filter(sessions::ended_at.is_null()))
        .set((sessions::ended_at.eq(now), sessions::end_reason.eq(reason)))
        .execute(conn)
}

/// Live sessions of an account (not ended, not past their absolute end), newest first.
pub fn live_sessions(conn: &mut DbConnection, account_id: &str, now: NaiveDateTime) -> QueryResult<Vec<Session>> {
    sessions::table
        .filter(sessions::account_id.eq(account_id))
        .filter(sessions::ended_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order(sessions::last_seen_at.desc())
        .select(Session::as_select())
        .load(conn)
}

/// Ends every live session of an account, except `keep`, and only those acting in
/// `tenant_id` if given; returns the ended ids.
pub fn end_sessions_of(
    conn: &mut DbConnection,
    account_id: &str,
    keep: Option<&str>,
    tenant_id: Option<&str>,
    now: NaiveDateTime,
    reason: &str,
) -> QueryResult<Vec<String>> {
    let mut query = sessions::table
        .filter(sessions::account_id.eq(account_id))
        .filter(sessions::ended_at.is_null())
        .filter(sessions::id.ne(keep.unwrap_or("")))
        .select(sessions::id)
        .into_boxed();
    if let Some(tenant_id) = tenant_id {
        query = query.filter(sessions::active_tenant_id.eq(tenant_id));
    }
    let ids: Vec<String> = query.load(conn)?;
    if !ids.is_empty() {
        diesel::update(sessions::table.filter(sessions::id.eq_any(&ids)))
            .set((sessions::ended_at.eq(now), sessions::end_reason.eq(reason)))
            .execute(conn)?;
    }
    Ok(ids)
}

pub fn set_password_hash(conn: &mut DbConnection, account_id: &str, hash: &str, now: NaiveDateTime) -> QueryResult<usize> {
    use crate::db::schema::accounts;
    diesel::update(accounts::table.find(account_id)).set((accounts::password_hash.eq(hash), accounts::updated_at.eq(now))).execute(conn)
}

pub fn set_totp_pending(conn: &mut DbConnection, account_id: &str, ciphertext: Option<&[u8]>) -> QueryResult<usize> {
    use crate::db::schema::accounts;
    diesel::update(accounts::table.find(account_id)).set(accounts::totp_pending_ciphertext.eq(ciphertext)).execute(conn)
}

pub fn enable_totp(conn: &mut DbConnection, account_id: &str, ciphertext: &[u8], now: NaiveDateTime, step: i64) -> QueryResult<usize> {
    use crate::db::schema::accounts;
    diesel::update(accounts::table.find(account_id))
        .set((
            accounts::totp_secret_ciphertext.eq(ciphertext),
            accounts::totp_pending_ciphertext.eq(None::<Vec<u8>>),
            accounts::totp_enabled_at.eq(now),
            accounts::totp_last_step.eq(step),
        ))
        .execute(conn)
}

pub fn disable_totp(conn: &mut DbConnection, account_id: &str) -> QueryResult<usize> {
    use crate::db::schema::accounts;
    diesel::delete(recovery_codes::table.filter(recovery_codes::account_id.eq(account_id))).execute(conn)?;
    diesel::update(accounts::table.find(account_id))
        .set((
            accounts::totp_secret_ciphertext.eq(None::<Vec<u8>>),
            accounts::totp_pending_ciphertext.eq(None::<Vec<u8>>),
            accounts::totp_enabled_at.eq(None::<NaiveDateTime>),
            accounts::totp_last_step.eq(None::<i64>),
        ))
        .execute(conn)
}

/// Records `step` as used if it is newer than the last used one; 0 means replay.
pub fn advance_totp_step(conn: &mut DbConnection, account_id: &str, step: i64) -> QueryResult<usize> {
    use crate::db::schema::accounts;
    diesel::update(accounts::table.find(account_id).filter(accounts::totp_last_step.is_null().or(accounts::totp_last_step.lt(step))))
        .set(accounts::totp_last_step.eq(step))
        .execute(conn)
}

pub fn replace_recovery_codes(
    conn: &mut DbConnection,
    account_id: &str,
    codes: &[(String, Vec<u8>)],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::account_id.eq(account_id))).execute(conn)?;
    for (id, hash) in codes {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::id.eq(id),
                recovery_codes::account_id.eq(account_id),
                recovery_codes::code_hash.eq(hash),
                recovery_codes::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(codes.len())
}

/// Counts one more wrong second-factor code in a row; returns the count.
pub fn count_factor_failure(conn: &mut DbConnection, account_id: &str) -> QueryResult<i64> {
    use crate::db::schema::accounts;
    diesel::update(accounts::table.find(account_id)).set(accounts::factor_failures.eq(accounts::factor_failures + 1)).execute(conn)?;
    accounts::table.find(account_id).select(accounts::factor_failures).first::<i32>(conn).map(i64::from)
}

/// Locks the second-factor step until `until` and starts the count anew.
pub fn lock_factor(conn: &mut DbConnection, account_id: &str, until: NaiveDateTime) -> QueryResult<usize> {
    use crate::db::schema::accounts;
    diesel::update(accounts::table.find(account_id))
        .set((accounts::factor_locked_until.eq(until), accounts::factor_failures.eq(0)))
        .execute(conn)
}

pub fn reset_factor_failures(conn: &mut DbConnection, account_id: &str) -> QueryResult<usize> {
    use crate::db::schema::accounts;
    diesel::update(accounts::table.find(account_id).filter(accounts::factor_failures.ne(0)))
        .set(accounts::factor_failures.eq(0))
        .execute(conn)
}

/// (id, hash) of the account's unused recovery codes.
pub fn unused_recovery_codes(conn: &mut DbConnection, account_id: &str) -> QueryResult<Vec<(String, Vec<u8>)>> {
    recovery_codes::table
        .filter(recovery_codes::account_id.eq(account_id))
        .filter(recovery_codes::used_at.is_null())
        .select((recovery_codes::id, recovery_codes::code_hash))
        .load(conn)
}

/// Marks a recovery code used; 0 when it already was.
pub fn use_recovery_code(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(recovery_codes::table.find(id).filter(recovery_codes::used_at.is_null()))
        .set(recovery_codes::used_at.eq(now))
        .execute(conn)
}

/// Memberships of a tenant, for the access review and the admin rules.
pub fn memberships_in_tenant(tx: &mut TenantTx<'_>) -> QueryResult<Vec<Membership>> {
    let (conn, tenant_id) = tx.parts();
    memberships::table
        .filter(memberships::tenant_id.eq(tenant_id))
        .order(memberships::created_at.asc())
        .select(Membership::as_select())
        .load(conn)
}

pub fn set_memberships_disabled(tx: &mut TenantTx<'_>, account_id: &str, at: Option<NaiveDateTime>) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(memberships::table.filter(memberships::tenant_id.eq(tenant_id)).filter(memberships::account_id.eq(account_id)))
        .set(memberships::disabled_at.eq(at))
        .execute(conn)
}

pub fn live_session_count(conn: &mut DbConnection, account_id: &str, now: NaiveDateTime) -> QueryResult<i64> {
    sessions::table
        .filter(sessions::account_id.eq(account_id))
        .filter(sessions::ended_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .count()
        .get_result(conn)
}

pub fn delete_membership(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::delete(memberships::table.find((tenant_id, id))).execute(conn)
}

/// Stores a new reset link and retires the account's earlier unused ones: only the newest
/// link works.
pub fn replace_password_reset(conn: &mut DbConnection, row: &PasswordReset) -> QueryResult<usize> {
    diesel::update(
        password_resets::table.filter(password_resets::account_id.eq(&row.account_id)).filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(row.created_at))
    .execute(conn)?;
    diesel::insert_into(password_resets::table).values(row).execute(conn)
}

pub fn password_reset_by_token_hash(conn: &mut DbConnection, hash: &[u8]) -> QueryResult<Option<PasswordReset>> {
    password_resets::table.filter(password_resets::token_hash.eq(hash)).select(PasswordReset::as_select()).first(conn).optional()
}

/// Marks a reset link used; 0 when it already was (a concurrent second use).
pub fn use_password_reset(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(password_resets::table.find(id).filter(password_resets::used_at.is_null()))
        .set(password_resets::used_at.eq(now))
        .execute(conn)
}
