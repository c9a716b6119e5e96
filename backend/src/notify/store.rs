use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{MailStatus, OutboxRow};
use crate::db::schema::mail_outbox;
use crate::db::{DbConnection, TenantTx};

pub fn insert(conn: &mut DbConnection, row: &OutboxRow) -> QueryResult<usize> {
    diesel::insert_into(mail_outbox::table).values(row).execute(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<OutboxRow>> {
    mail_outbox::table.find(id).select(OutboxRow::as_select()).first(conn).optional()
}

/// Claims up to `limit` queued messages whose time has come, oldest first, for one
/// delivery attempt each: their next attempt moves to `until`, so no other worker takes
/// them meanwhile. Call in a write transaction. PostgreSQL skips the rows that another
/// node's claim holds (`FOR UPDATE SKIP LOCKED`), so nodes share the outbox without waiting
/// for each other or sending a message twice; SQLite's write transactions run one at a time.
pub fn claim_due(conn: &mut DbConnection, now: NaiveDateTime, limit: i64, until: NaiveDateTime) -> QueryResult<Vec<OutboxRow>> {
    let due = mail_outbox::table
        .filter(mail_outbox::status.eq("queued"))
        .filter(mail_outbox::next_attempt_at.le(now))
        .order(mail_outbox::next_attempt_at.asc())
        .limit(limit);
    let rows = match conn {
        DbConnection::Postgres(c) => due.for_update().skip_locked().select(OutboxRow::as_select()).load(c)?,
        DbConnection::Sqlite(c) => due.select(OutboxRow::as_select()).load(c)?,
    };
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    diesel::update(mail_outbox::table.filter(mail_outbox::id.eq_any(&ids))).set(mail_outbox::next_attempt_at.eq(until)).execute(conn)?;
    Ok(rows)
}

pub fn mark_sent(conn: &mut DbConnection, id: &str, now: NaiveDateTime, attempts: i32) -> QueryResult<usize> {
    diesel::update(mail_outbox::table.find(id))
        .set((
            mail_outbox::status.eq("sent"),
            mail_outbox::sent_at.eq(now),
            mail_outbox::attempts.eq(attempts),
            mail_outbox::payload_ciphertext.eq(None::<Vec<u8>>),
            mail_outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
}

/// Records a failed attempt: `Queued` retries at `next`; `Failed`/`Bounced` give up and drop the payload.
pub fn mark_attempt_failed(
    conn: &mut DbConnection,
    id: &str,
    attempts: i32,
    next: NaiveDateTime,
    error: &str,
    status: MailStatus,
) -> QueryResult<usize> {
    let give_up = status != MailStatus::Queued;
    let status = status.code();
    let payload =
        diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Binary>>(if give_up { "NULL" } else { "payload_ciphertext" });
    diesel::update(mail_outbox::table.find(id))
        .set((
            mail_outbox::status.eq(status),
            mail_outbox::attempts.eq(attempts),
            mail_outbox::next_attempt_at.eq(next),
            mail_outbox::last_error.eq(error),
            mail_outbox::payload_ciphertext.eq(payload),
        ))
        .execute(conn)
}

/// The mails sent for a tenant to one recipient (by blind index), oldest first.
pub fn for_recipient(tx: &mut TenantTx<'_>, recipient_index: &[u8]) -> QueryResult<Vec<OutboxRow>> {
    let (conn, tenant_id) = tx.parts();
    mail_outbox::table
        .filter(mail_outbox::sender_tenant_id.eq(tenant_id))
        .filter(mail_outbox::recipient_index.eq(recipient_index))
        .order(mail_outbox::created_at.asc())
        .select(OutboxRow::as_select())
        .load(conn)
}

/// Messages per status (metrics).
pub fn count_by_status(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    mail_outbox::table.group_by(mail_outbox::status).select((mail_outbox::status, diesel::dsl::count_star())).load(conn)
}

/// When the oldest message still queued was queued (metrics: a stuck outbox).
pub fn oldest_queued(conn: &mut DbConnection) -> QueryResult<Option<NaiveDateTime>> {
    mail_outbox::table.filter(mail_outbox::status.eq("queued")).select(diesel::dsl::min(mail_outbox::created_at)).first(conn)
}
