//! Queries for the audit chain. The head row is the lock that keeps each chain linear.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::query_builder::InsertStatement;
use diesel::sql_types::{BigInt, Binary, Text, Timestamp};

use super::chain::GENESIS;
use super::deletion::Deletion;
use super::model::{Entry, Filter, NewEntry, Visibility};
use crate::db::schema::{audit_entries, audit_heads, deletion_log};
use crate::db::{raw, DbConnection, TenantTx};

#[derive(QueryableByName, Queryable, Debug, Clone, PartialEq, Eq)]
pub struct Head {
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    #[diesel(sql_type = Binary)]
    pub head_hash: Vec<u8>,
    /// The last entry removed by retention (0: none); the chain starts after it.
    #[diesel(sql_type = BigInt)]
    pub anchor_seq: i64,
    /// That entry's hash (the genesis hash while nothing was removed).
    #[diesel(sql_type = Binary)]
    pub anchor_hash: Vec<u8>,
}

impl Head {
    /// A chain nobody has written to yet.
    pub fn genesis() -> Self {
        Self { seq: 0, head_hash: GENESIS.to_vec(), anchor_seq: 0, anchor_hash: GENESIS.to_vec() }
    }
}

/// Creates the chain's head row if missing. The row is looked for first, so an existing
/// head is only read: PostgreSQL's `ON CONFLICT` check alone would wait for a sealer that
/// is updating the head until it commits, making every append of the chain queue behind
/// it. `ON CONFLICT DO NOTHING` stays for two first appends at once.
pub fn ensure_head(conn: &mut DbConnection, chain: &str, now: NaiveDateTime) -> QueryResult<()> {
    raw(&[
        "INSERT INTO audit_heads (chain, seq, head_hash, updated_at) SELECT ",
        ", 0, ",
        ", ",
        " WHERE NOT EXISTS (SELECT 1 FROM audit_heads WHERE chain = ",
        ") ON CONFLICT DO NOTHING",
    ])
    .bind::<Text, _>(chain)
    .bind::<Binary, _>(GENESIS.as_slice())
    .bind::<Timestamp, _>(now)
    .bind::<Text, _>(chain)
    .execute(conn)?;
    Ok(())
}

/// Reads the head and holds it until the transaction ends, for the sealer and the prune
/// (which change its seq, hash and anchor, never its key). PostgreSQL: `FOR NO KEY
/// UPDATE`, which serialises them but not appenders, who do not lock the head; SQLite: the
/// write lock every write transaction holds.
pub fn lock_head(conn: &mut DbConnection, chain: &str) -> QueryResult<Head> {
    match conn {
        DbConnection::Postgres(c) => {
            diesel::sql_query("SELECT seq, head_hash, anchor_seq, anchor_hash FROM audit_heads WHERE chain = $1 FOR NO KEY UPDATE")
                .bind::<Text, _>(chain)
                .get_result(c)
        }
        DbConnection::Sqlite(_) => head(conn, chain),
    }
}

pub fn head(conn: &mut DbConnection, chain: &str) -> QueryResult<Head> {
    audit_heads::table
        .find(chain)
        .select((audit_heads::seq, audit_heads::head_hash, audit_heads::anchor_seq, audit_heads::anchor_hash))
        .first(conn)
}

/// The head, or the genesis state of a chain nobody has written to yet.
pub fn head_or_genesis(conn: &mut DbConnection, chain: &str) -> QueryResult<Head> {
    Ok(head(conn, chain).optional()?.unwrap_or_else(Head::genesis))
}

/// Inserts an unsealed entry: no seq, prev_hash or entry_hash, and the head untouched, so
/// appends to one chain do not wait for each other (the sealer links them later).
pub fn insert_unsealed(conn: &mut DbConnection, entry: &NewEntry) -> QueryResult<()> {
    native!(conn, |c| unsealed(entry).execute(c))?;
    Ok(())
}

/// `insert_unsealed`'s statement, to be written together with others (`db::Together`).
pub fn unsealed(entry: &NewEntry) -> InsertStatement<audit_entries::table, <&NewEntry as Insertable<audit_entries::table>>::Values> {
    diesel::insert_into(audit_entries::table).values(entry)
}

/// The first sealed entry of the chain at or after `at`, by seq.
pub fn first_seq_from(conn: &mut DbConnection, chain: &str, at: NaiveDateTime) -> QueryResult<Option<i64>> {
    audit_entries::table
        .filter(audit_entries::chain.eq(chain))
        .filter(audit_entries::occurred_at.ge(at))
        .select(diesel::dsl::min(audit_entries::seq))
        .first(conn)
}

/// The lowest entry at or before `seq` (after a prune there is none up to the anchor).
pub fn first_up_to(conn: &mut DbConnection, chain: &str, seq: i64) -> QueryResult<Option<Entry>> {
    audit_entries::table
        .filter(audit_entries::chain.eq(chain))
        .filter(audit_entries::seq.le(seq))
        .order(audit_entries::seq.asc())
        .select(Entry::as_select())
        .first(conn)
        .optional()
}

#[derive(QueryableByName)]
struct Removed {
    #[diesel(sql_type = BigInt)]
    removed: i64,
}

/// Removes the entries after the anchor up to `upto` of `chain` and moves the anchor to
/// the last of them; returns how many went. The database checks that this is the whole
/// prefix and refuses any other removal (TOM INPUT-5): PostgreSQL through the
/// `audit_prune` function (the app role has no DELETE), SQLite through the triggers on
/// `audit_prune_guard`. Call inside the transaction that logs the removal.
pub fn prune(conn: &mut DbConnection, chain: &str, upto: i64) -> QueryResult<i64> {
    match conn {
        DbConnection::Postgres(c) => {
            let r: Removed =
                diesel::sql_query("SELECT audit_prune($1, $2) AS removed").bind::<Text, _>(chain).bind::<BigInt, _>(upto).get_result(c)?;
            Ok(r.removed)
        }
        DbConnection::Sqlite(c) => {
            diesel::sql_query("INSERT INTO audit_prune_guard (chain, upto_seq) VALUES (?, ?)")
                .bind::<Text, _>(chain)
                .bind::<BigInt, _>(upto)
                .execute(c)?;
            diesel::sql_query(
                "UPDATE audit_heads SET anchor_seq = ?, anchor_hash = (SELECT entry_hash FROM audit_entries WHERE chain = ? AND seq = ?) WHERE chain = ?",
            )
            .bind::<BigInt, _>(upto)
            .bind::<Text, _>(chain)
            .bind::<BigInt, _>(upto)
            .bind::<Text, _>(chain)
            .execute(c)?;
            let removed = diesel::sql_query("DELETE FROM audit_entries WHERE chain = ? AND seq <= ?")
                .bind::<Text, _>(chain)
                .bind::<BigInt, _>(upto)
                .execute(c)?;
            diesel::sql_query("DELETE FROM audit_prune_guard WHERE chain = ?").bind::<Text, _>(chain).execute(c)?;
            Ok(removed as i64)
        }
    }
}

/// Entries in chain order, `limit` at a time after `after_seq` (for verification).
pub fn chain_page(conn: &mut DbConnection, chain: &str, after_seq: i64, limit: i64) -> QueryResult<Vec<Entry>> {
    audit_entries::table
        .filter(audit_entries::chain.eq(chain))
        .filter(audit_entries::seq.gt(after_seq))
        .order(audit_entries::seq.asc())
        .limit(limit)
        .select(Entry::as_select())
        .load(conn)
}

/// The newest sealed entries first, `before_seq` as the page cursor.
pub fn search(
    conn: &mut DbConnection,
    chain: &str,
    visibility: &Visibility,
    filter: &Filter,
    before_seq: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Entry>> {
    let mut query = audit_entries::table.filter(audit_entries::chain.eq(chain)).filter(audit_entries::seq.is_not_null()).into_boxed();
    match visibility {
        Visibility::WholeChain => {}
        Visibility::Companies(ids) => query = query.filter(audit_entries::company_id.eq_any(ids.clone())),
        Visibility::Subject(subject) => query = query.filter(audit_entries::subject_ref.eq(subject.clone())),
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_entries::occurred_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_entries::occurred_at.lt(to));
    }
    if let Some(actor) = &filter.actor_id {
        query = query.filter(audit_entries::actor_id.eq(actor.clone()));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_entries::action.eq(action.clone()));
    }
    if let Some(target_type) = &filter.target_type {
        query = query.filter(audit_entries::target_type.eq(target_type.clone()));
    }
    if let Some(target_id) = &filter.target_id {
        query = query.filter(audit_entries::target_id.eq(target_id.clone()));
    }
    if let Some(before) = before_seq {
        query = query.filter(audit_entries::seq.lt(before));
    }
    query.order(audit_entries::seq.desc()).limit(limit).select(Entry::as_select()).load(conn)
}

/// How many entries of the chain occurred before `before`.
pub fn count_before(conn: &mut DbConnection, chain: &str, before: NaiveDateTime) -> QueryResult<i64> {
    audit_entries::table.filter(audit_entries::chain.eq(chain)).filter(audit_entries::occurred_at.lt(before)).count().get_result(conn)
}

/// One entry of the tenant's deletion log (append-only: no update or delete here).
pub fn insert_deletion(tx: &mut TenantTx<'_>, deletion: &Deletion) -> QueryResult<usize> {
    diesel::insert_into(deletion_log::table).values(deletion).execute(tx.conn())
}

/// The tenant's deletion log, newest first, `from` ≤ occurred_at < `to`.
pub fn deletions(tx: &mut TenantTx<'_>, from: Option<NaiveDateTime>, to: Option<NaiveDateTime>) -> QueryResult<Vec<Deletion>> {
    let (conn, tenant_id) = tx.parts();
    let mut query = deletion_log::table.filter(deletion_log::tenant_id.eq(tenant_id)).into_boxed();
    if let Some(from) = from {
        query = query.filter(deletion_log::occurred_at.ge(from));
    }
    if let Some(to) = to {
        query = query.filter(deletion_log::occurred_at.lt(to));
    }
    query.order(deletion_log::occurred_at.desc()).select(Deletion::as_select()).load(conn)
}

/// Records a verification of every chain (counts only).
pub fn insert_verification(conn: &mut DbConnection, checked: &super::service::ChainsChecked) -> QueryResult<usize> {
    use crate::db::schema::audit_verifications as v;
    diesel::insert_into(v::table)
        .values((
            v::id.eq(uuid::Uuid::now_v7().to_string()),
            v::checked_at.eq(checked.checked_at),
            v::chains.eq(checked.chains),
            v::broken.eq(checked.broken),
        ))
        .execute(conn)
}

pub fn last_verification(conn: &mut DbConnection) -> QueryResult<Option<super::service::ChainsChecked>> {
    use crate::db::schema::audit_verifications as v;
    v::table
        .order((v::checked_at.desc(), v::id.desc()))
        .select((v::checked_at, v::chains, v::broken))
        .first::<(NaiveDateTime, i64, i64)>(conn)
        .optional()
        .map(|row| row.map(|(checked_at, chains, broken)| super::service::ChainsChecked { checked_at, chains, broken }))
}

/// The newest entries of one action in a chain, sealed or not yet: `(target_id, detail,
/// occurred_at)`, at most `limit` (e.g. the passkey clone warnings the access review shows).
pub fn recent_of_action(
    conn: &mut DbConnection,
    chain: &str,
    action: &str,
    since: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(Option<String>, String, NaiveDateTime)>> {
    audit_entries::table
        .filter(audit_entries::chain.eq(chain))
        .filter(audit_entries::action.eq(action))
        .filter(audit_entries::occurred_at.ge(since))
        .order(audit_entries::occurred_at.desc())
        .limit(limit)
        .select((audit_entries::target_id, audit_entries::detail, audit_entries::occurred_at))
        .load(conn)
}
