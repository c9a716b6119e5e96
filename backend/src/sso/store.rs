use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{IdentityRow, LoginRow, ProviderRow};
use crate::db::schema::{saml_assertions, sso_identities, sso_logins, sso_providers};
use crate::db::{DbConnection, TenantTx};

pub fn providers(tx: &mut TenantTx<'_>) -> QueryResult<Vec<ProviderRow>> {
    let (conn, tenant) = tx.parts();
    sso_providers::table
        .filter(sso_providers::tenant_id.eq(tenant))
        .order(sso_providers::created_at.asc())
        .select(ProviderRow::as_select())
        .load(conn)
}

pub fn provider(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<Option<ProviderRow>> {
    let (conn, tenant) = tx.parts();
    sso_providers::table.find((tenant, id)).select(ProviderRow::as_select()).first(conn).optional()
}

pub fn insert_provider(tx: &mut TenantTx<'_>, row: &ProviderRow) -> QueryResult<usize> {
    diesel::insert_into(sso_providers::table).values(row).execute(tx.conn())
}

pub fn update_provider(tx: &mut TenantTx<'_>, row: &ProviderRow) -> QueryResult<usize> {
    let (conn, tenant) = tx.parts();
    diesel::update(sso_providers::table.find((tenant, &row.id))).set(row).execute(conn)
}

/// Deletes the provider with its identities and pending sign-ins (cascade).
pub fn delete_provider(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<usize> {
    let (conn, tenant) = tx.parts();
    diesel::delete(sso_identities::table.filter(sso_identities::tenant_id.eq(tenant)).filter(sso_identities::provider_id.eq(id)))
        .execute(conn)?;
    diesel::delete(sso_logins::table.filter(sso_logins::tenant_id.eq(tenant)).filter(sso_logins::provider_id.eq(id))).execute(conn)?;
    diesel::delete(sso_providers::table.find((tenant, id))).execute(conn)
}

pub fn identity_by_subject(tx: &mut TenantTx<'_>, provider_id: &str, subject_index: &[u8]) -> QueryResult<Option<IdentityRow>> {
    let (conn, tenant) = tx.parts();
    sso_identities::table
        .filter(sso_identities::tenant_id.eq(tenant))
        .filter(sso_identities::provider_id.eq(provider_id))
        .filter(sso_identities::subject_index.eq(subject_index))
        .select(IdentityRow::as_select())
        .first(conn)
        .optional()
}

pub fn identity_of_account(tx: &mut TenantTx<'_>, provider_id: &str, account_id: &str) -> QueryResult<Option<IdentityRow>> {
    let (conn, tenant) = tx.parts();
    sso_identities::table
        .filter(sso_identities::tenant_id.eq(tenant))
        .filter(sso_identities::provider_id.eq(provider_id))
        .filter(sso_identities::account_id.eq(account_id))
        .select(IdentityRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_identity(tx: &mut TenantTx<'_>, row: &IdentityRow) -> QueryResult<usize> {
    diesel::insert_into(sso_identities::table).values(row).execute(tx.conn())
}

pub fn record_identity_sign_in(tx: &mut TenantTx<'_>, id: &str, managed_roles: &str, at: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant) = tx.parts();
    diesel::update(sso_identities::table.find((tenant, id)))
        .set((sso_identities::managed_roles.eq(managed_roles), sso_identities::last_sign_in_at.eq(at)))
        .execute(conn)
}

pub fn insert_login(tx: &mut TenantTx<'_>, row: &LoginRow) -> QueryResult<usize> {
    diesel::insert_into(sso_logins::table).values(row).execute(tx.conn())
}

/// Takes a pending sign-in by its state: read and deleted in one transaction, so it
/// works once. Expired ones of the tenant go with it.
pub fn take_login(tx: &mut TenantTx<'_>, state_hash: &[u8], now: NaiveDateTime) -> QueryResult<Option<LoginRow>> {
    let (conn, tenant) = tx.parts();
    let row = sso_logins::table
        .filter(sso_logins::tenant_id.eq(tenant))
        .filter(sso_logins::state_hash.eq(state_hash))
        .select(LoginRow::as_select())
        .first(conn)
        .optional()?;
    if let Some(row) = &row {
        diesel::delete(sso_logins::table.find((tenant, &row.id))).execute(conn)?;
    }
    diesel::delete(sso_logins::table.filter(sso_logins::tenant_id.eq(tenant)).filter(sso_logins::expires_at.le(now))).execute(conn)?;
    Ok(row)
}

/// Records an accepted SAML assertion (by the hash of issuer and ID) until it expires;
/// answers false when it was accepted before: a replay. Expired records go first.
pub fn accept_saml_assertion(
    tx: &mut TenantTx<'_>,
    provider_id: &str,
    id_hash: &[u8],
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    use diesel::sql_types::{Binary, Text, Timestamp};
    let (conn, tenant) = tx.parts();
    diesel::delete(saml_assertions::table.filter(saml_assertions::tenant_id.eq(tenant)).filter(saml_assertions::expires_at.lt(now)))
        .execute(conn)?;
    // Two nodes taking the same assertion at once: the key decides, the loser inserts nothing.
    let sql = match conn {
        DbConnection::Postgres(_) => {
            "INSERT INTO saml_assertions (tenant_id, id_hash, provider_id, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
        }
        DbConnection::Sqlite(_) => {
            "INSERT INTO saml_assertions (tenant_id, id_hash, provider_id, expires_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING"
        }
    };
    let inserted = diesel::sql_query(sql)
        .bind::<Text, _>(tenant)
        .bind::<Binary, _>(id_hash)
        .bind::<Text, _>(provider_id)
        .bind::<Timestamp, _>(expires_at)
        .execute(conn)?;
    Ok(inserted == 1)
}

/// Unscoped: the email-first sign-in page names only a domain (checked: letters, digits,
/// `-` and `.`, so no LIKE wildcard). Answers (tenant, provider) of the enabled providers
/// whose sign-in or just-in-time domains hold it, at most 20; on PostgreSQL through
/// `sso_providers_for_domain`, the one way past row-level security for it. The caller
/// reads each provider in its tenant's scope and checks the domain exactly.
pub fn providers_for_domain(conn: &mut DbConnection, domain: &str) -> QueryResult<Vec<(String, String)>> {
    let pattern = format!("%\"{domain}\"%");
    match conn {
        DbConnection::Postgres(c) => Ok(diesel::sql_query("SELECT found_tenant, found_id FROM sso_providers_for_domain($1)")
            .bind::<diesel::sql_types::Text, _>(domain)
            .load::<crate::db::Located>(c)?
            .into_iter()
            .map(|l| (l.found_tenant, l.found_id))
            .collect()),
        DbConnection::Sqlite(c) => sso_providers::table
            .filter(sso_providers::enabled.eq(true))
            .filter(sso_providers::sign_in_domains.like(&pattern).or(sso_providers::jit_domains.like(&pattern)))
            .order((sso_providers::tenant_id.asc(), sso_providers::created_at.asc()))
            .select((sso_providers::tenant_id, sso_providers::id))
            .limit(20)
            .load(c),
    }
}
