//! The report's own queries (TOM REVIEW-1); every other figure comes from the capability
//! that owns it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{accounts, ip_hash_keys, sessions, tenant_keys};
use crate::db::{DbConnection, TenantTx};

/// The stored password hashes (PHC strings) of every account, or of `accounts` only.
pub fn password_hashes(conn: &mut DbConnection, only: Option<&[String]>) -> QueryResult<Vec<String>> {
    match only {
        Some(ids) => accounts::table.filter(accounts::id.eq_any(ids)).select(accounts::password_hash).load(conn),
        None => accounts::table.select(accounts::password_hash).load(conn),
    }
}

/// Staff sessions open now: not ended, before their absolute end, used within the idle
/// timeout; only those acting in `tenant_id` if given.
pub fn open_sessions(conn: &mut DbConnection, now: NaiveDateTime, idle_since: NaiveDateTime, tenant_id: Option<&str>) -> QueryResult<i64> {
    let open = sessions::table
        .filter(sessions::ended_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(idle_since));
    match tenant_id {
        Some(tenant) => open.filter(sessions::active_tenant_id.eq(tenant)).count().get_result(conn),
        None => open.count().get_result(conn),
    }
}

/// An IP-hash key's period, creation and destruction (no key material).
#[derive(Queryable, Debug, Clone, Copy)]
pub struct IpKeyPeriod {
    pub valid_from: NaiveDateTime,
    pub valid_until: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub destroyed_at: Option<NaiveDateTime>,
}

/// Every IP-hash key's period, creation and destruction.
pub fn ip_hash_keys(conn: &mut DbConnection) -> QueryResult<Vec<IpKeyPeriod>> {
    ip_hash_keys::table
        .select((ip_hash_keys::valid_from, ip_hash_keys::valid_until, ip_hash_keys::created_at, ip_hash_keys::destroyed_at))
        .load(conn)
}

/// The tenant's keys (live, destroyed) in scope.
pub fn tenant_key_counts(tx: &mut TenantTx<'_>) -> QueryResult<(i64, i64)> {
    let (conn, tenant_id) = tx.parts();
    let destroyed: Vec<Option<NaiveDateTime>> =
        tenant_keys::table.filter(tenant_keys::tenant_id.eq(tenant_id)).select(tenant_keys::destroyed_at).load(conn)?;
    let gone = destroyed.iter().filter(|d| d.is_some()).count();
    Ok((i64::try_from(destroyed.len() - gone).unwrap_or(i64::MAX), i64::try_from(gone).unwrap_or(i64::MAX)))
}

/// The platform admins' account ids.
pub fn platform_admins(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    accounts::table.filter(accounts::is_platform_admin.eq(true)).select(accounts::id).load(conn)
}
