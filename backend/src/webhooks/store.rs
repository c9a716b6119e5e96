use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{DeliveryRow, DeliveryStatus, EndpointRow};
use crate::db::schema::{webhook_deliveries as d, webhook_endpoints as e};
use crate::db::{DbConnection, TenantTx};

pub fn endpoints(tx: &mut TenantTx<'_>) -> QueryResult<Vec<EndpointRow>> {
    let (conn, t) = tx.parts();
    e::table.filter(e::tenant_id.eq(t)).order((e::created_at.asc(), e::id)).select(EndpointRow::as_select()).load(conn)
}

pub fn endpoint(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<Option<EndpointRow>> {
    let (conn, t) = tx.parts();
    e::table.filter(e::tenant_id.eq(t)).filter(e::id.eq(id)).select(EndpointRow::as_select()).first(conn).optional()
}

pub fn insert_endpoint(tx: &mut TenantTx<'_>, row: &EndpointRow) -> QueryResult<usize> {
    let (conn, _) = tx.parts();
    diesel::insert_into(e::table).values(row).execute(conn)
}

pub fn update_endpoint(tx: &mut TenantTx<'_>, row: &EndpointRow) -> QueryResult<usize> {
    let (conn, t) = tx.parts();
    diesel::update(e::table.filter(e::tenant_id.eq(t)).filter(e::id.eq(&row.id))).set(row).execute(conn)
}

pub fn delete_endpoint(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<usize> {
    let (conn, t) = tx.parts();
    diesel::delete(d::table.filter(d::tenant_id.eq(t)).filter(d::endpoint_id.eq(id))).execute(conn)?;
    diesel::delete(e::table.filter(e::tenant_id.eq(t)).filter(e::id.eq(id))).execute(conn)
}

/// Turns an endpoint off (the receiver answered 410) and cancels what it still had queued.
pub fn disable(tx: &mut TenantTx<'_>, id: &str, reason: &str, now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, t) = tx.parts();
    diesel::update(e::table.filter(e::tenant_id.eq(t)).filter(e::id.eq(id)))
        .set((e::enabled.eq(false), e::disabled_reason.eq(reason), e::updated_at.eq(now)))
        .execute(conn)?;
    cancel_pending(conn, t, id, now)
}

pub fn cancel_pending(conn: &mut DbConnection, tenant_id: &str, endpoint_id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        d::table
            .filter(d::tenant_id.eq(tenant_id))
            .filter(d::endpoint_id.eq(endpoint_id))
            .filter(d::status.eq(DeliveryStatus::Pending.as_str())),
    )
    .set((d::status.eq(DeliveryStatus::Cancelled.as_str()), d::finished_at.eq(now), d::payload_ciphertext.eq(None::<Vec<u8>>)))
    .execute(conn)
}

pub fn insert_delivery(tx: &mut TenantTx<'_>, row: &DeliveryRow) -> QueryResult<usize> {
    let (conn, _) = tx.parts();
    diesel::insert_into(d::table).values(row).execute(conn)
}

pub fn deliveries(tx: &mut TenantTx<'_>, endpoint_id: &str, limit: i64) -> QueryResult<Vec<DeliveryRow>> {
    let (conn, t) = tx.parts();
    d::table
        .filter(d::tenant_id.eq(t))
        .filter(d::endpoint_id.eq(endpoint_id))
        .order((d::created_at.desc(), d::id.desc()))
        .limit(limit)
        .select(DeliveryRow::as_select())
        .load(conn)
}

/// Claims up to `limit` due deliveries of the tenant for one attempt each: their next
/// attempt moves to `until`, so no other worker takes them meanwhile (PostgreSQL skips
/// rows another node's claim holds, as the mail outbox does).
pub fn claim_due(tx: &mut TenantTx<'_>, now: NaiveDateTime, limit: i64, until: NaiveDateTime) -> QueryResult<Vec<DeliveryRow>> {
    let (conn, t) = tx.parts();
    let due = d::table
        .filter(d::tenant_id.eq(t))
        .filter(d::status.eq(DeliveryStatus::Pending.as_str()))
        .filter(d::next_attempt_at.le(now))
        .order(d::next_attempt_at.asc())
        .limit(limit);
    let rows = match conn {
        DbConnection::Postgres(c) => due.for_update().skip_locked().select(DeliveryRow::as_select()).load(c)?,
        DbConnection::Sqlite(c) => due.select(DeliveryRow::as_select()).load(c)?,
    };
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    diesel::update(d::table.filter(d::tenant_id.eq(t)).filter(d::id.eq_any(&ids))).set(d::next_attempt_at.eq(until)).execute(conn)?;
    Ok(rows)
}

/// Records an attempt's result. A finished delivery drops its payload.
#[allow(clippy::too_many_arguments)]
pub fn record_attempt(
    tx: &mut TenantTx<'_>,
    id: &str,
    status: DeliveryStatus,
    attempts: i32,
    next: NaiveDateTime,
    last_status: Option<i32>,
    last_error: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let (conn, t) = tx.parts();
    let finished = status != DeliveryStatus::Pending;
    let target = d::table.filter(d::tenant_id.eq(t)).filter(d::id.eq(id));
    let n = diesel::update(target)
        .set((
            d::status.eq(status.as_str()),
            d::attempts.eq(attempts),
            d::next_attempt_at.eq(next),
            d::last_status.eq(last_status),
            d::last_error.eq(last_error),
            d::finished_at.eq(finished.then_some(now)),
        ))
        .execute(conn)?;
    if finished {
        diesel::update(d::table.filter(d::tenant_id.eq(t)).filter(d::id.eq(id)))
            .set(d::payload_ciphertext.eq(None::<Vec<u8>>))
            .execute(conn)?;
    }
    Ok(n)
}

/// Tenants with deliveries due (the worker visits only those). On PostgreSQL the table is
/// under row-level security, so this asks each tenant's scope; see `service::deliver_due`.
pub fn has_due(tx: &mut TenantTx<'_>, now: NaiveDateTime) -> QueryResult<bool> {
    let (conn, t) = tx.parts();
    diesel::select(diesel::dsl::exists(
        d::table.filter(d::tenant_id.eq(t)).filter(d::status.eq(DeliveryStatus::Pending.as_str())).filter(d::next_attempt_at.le(now)),
    ))
    .get_result(conn)
}
