use diesel::prelude::*;

use super::model::{Tenant, TenantKeyRow};
use crate::db::schema::{tenant_keys, tenants};
use crate::db::{DbConnection, TenantTx};

pub fn insert(conn: &mut DbConnection, tenant: &Tenant) -> QueryResult<usize> {
    diesel::insert_into(tenants::table).values(tenant).execute(conn)
}

pub fn insert_key(tx: &mut TenantTx<'_>, key: &TenantKeyRow) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(tenant_keys::table).values(key).execute(conn)
}

pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<Tenant>> {
    tenants::table.filter(tenants::slug.eq(slug)).select(Tenant::as_select()).first(conn).optional()
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Tenant>> {
    tenants::table.find(id).select(Tenant::as_select()).first(conn).optional()
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Tenant>> {
    tenants::table.order(tenants::slug.asc()).select(Tenant::as_select()).load(conn)
}

pub fn any_demo(conn: &mut DbConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(tenants::table.filter(tenants::is_demo.eq(true)))).get_result(conn)
}

/// The live keys of the tenant in scope (row-level security hides other tenants' keys).
pub fn live_keys(tx: &mut TenantTx<'_>) -> QueryResult<Vec<TenantKeyRow>> {
    let (conn, tenant_id) = tx.parts();
    tenant_keys::table
        .filter(tenant_keys::tenant_id.eq(tenant_id))
        .filter(tenant_keys::destroyed_at.is_null())
        .order(tenant_keys::created_at.desc())
        .select(TenantKeyRow::as_select())
        .load(conn)
}

pub fn set_security(
    tx: &mut TenantTx<'_>,
    mfa_required: bool,
    passkey_sign_in: bool,
    passkeys_required: bool,
    now: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    let (conn, id) = tx.parts();
    diesel::update(tenants::table.find(id))
        .set((
            tenants::mfa_required_for_admins.eq(mfa_required),
            tenants::passkey_sign_in_allowed.eq(passkey_sign_in),
            tenants::passkeys_required_for_admins.eq(passkeys_required),
            tenants::updated_at.eq(now),
        ))
        .execute(conn)
}

/// "Nur SSO" and its break-glass account (TOM ACC-7).
pub fn set_sso_only(tx: &mut TenantTx<'_>, sso_only: bool, break_glass: Option<&str>, now: chrono::NaiveDateTime) -> QueryResult<usize> {
    let (conn, id) = tx.parts();
    diesel::update(tenants::table.find(id))
        .set((tenants::sso_only.eq(sso_only), tenants::sso_break_glass_account_id.eq(break_glass), tenants::updated_at.eq(now)))
        .execute(conn)
}

pub fn set_consent_text(tx: &mut TenantTx<'_>, text: &str, now: chrono::NaiveDateTime) -> QueryResult<usize> {
    let (conn, id) = tx.parts();
    diesel::update(tenants::table.find(id)).set((tenants::booking_consent_text.eq(text), tenants::updated_at.eq(now))).execute(conn)
}

pub fn set_public_pages(
    tx: &mut TenantTx<'_>,
    time_zone: &str,
    public_list_enabled: bool,
    embed_origins: &str,
    now: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    let (conn, id) = tx.parts();
    diesel::update(tenants::table.find(id))
        .set((
            tenants::time_zone.eq(time_zone),
            tenants::public_list_enabled.eq(public_list_enabled),
            tenants::embed_origins.eq(embed_origins),
            tenants::updated_at.eq(now),
        ))
        .execute(conn)
}
