//! Sealing: how recorded entries join their chain (TOM INPUT-1, INPUT-5).
//!
//! `audit::record` inserts an entry in the caller's transaction, unsealed (no seq,
//! prev_hash or entry_hash), and touches nothing shared: appends to one chain commit side
//! by side, and a rolled-back change takes its entry with it. The sealer, in a write
//! transaction of the chain's scope, locks the chain head, reads the committed unsealed
//! entries in id order (UUIDv7: creation order), gives them consecutive seqs after the
//! head, links and hashes them with `chain::hash` as before, and moves the head. The chain
//! order is the seal order: an entry that commits after a seal is sealed in the next
//! round with a higher seq, so there are no gaps to explain. The database lets an entry
//! be sealed once and never changed afterwards (migration `audit_sealer`).
//!
//! Who seals: every reader of a chain by seq (list, search, verify, export, prune, the
//! offboarding certificate) first, in its own transaction; and the server every 250 ms
//! for every chain with unsealed entries (`server.rs`). Several servers may do so at once:
//! the head lock serialises them and the later one finds nothing left.

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Binary, Text};

use super::model::{NewEntry, PLATFORM_CHAIN};
use crate::db::schema::{audit_entries, audit_heads};
use crate::db::{Db, DbConnection, TenantScope};
use crate::error::AppError;

/// Most entries sealed in one transaction.
pub const BATCH: i64 = 1000;

/// Most entries the server's sealing round seals in one transaction on SQLite. Each batch
/// holds the one write turn every request waits for (about 25 µs per entry), so a round is
/// cut into short turns with requests' turns between them; a batch of 1,000 held the turn
/// for 15 ms at 2,400 check-ins/s, which was the check-in p99.
const SQLITE_ROUND_BATCH: i64 = 64;

/// How often the server seals every chain with unsealed entries.
pub const INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

/// Seals the committed unsealed entries of `chain` (or, with `None`, of every chain that
/// has any), `BATCH` (SQLite: `SQLITE_ROUND_BATCH`) at a time, each batch in its own write
/// transaction of the chain's scope. Returns how many entries were sealed. Cheap when nothing is pending.
pub fn seal(db: &Db, chain: Option<&str>) -> Result<usize, AppError> {
    let chains = match chain {
        Some(chain) => vec![chain.to_owned()],
        None => {
            let mut conn = db.conn()?;
            pending_chains(&mut conn)?
        }
    };
    let batch = if db.url().is_postgres() { BATCH } else { SQLITE_ROUND_BATCH };
    let mut sealed = 0;
    for chain in chains {
        let scope = (chain != PLATFORM_CHAIN).then(|| TenantScope::named_by_operator(chain.clone()));
        loop {
            let n = db.tx_in(scope.as_ref(), |tx| Ok(seal_batch(tx, &chain, batch)?))?;
            sealed += n;
            if (n as i64) < batch {
                break;
            }
        }
    }
    Ok(sealed)
}

/// Seals every unsealed entry of `chain` that this connection sees, inside the caller's
/// transaction if there is one (as a savepoint; a transaction of its own otherwise): for
/// readers, so what they read by seq is the whole chain up to now. The head stays locked
/// until the caller's transaction ends. Needs a write transaction.
pub fn seal_pending(conn: &mut DbConnection, chain: &str) -> QueryResult<usize> {
    conn.transaction(|conn| {
        let mut sealed = 0;
        loop {
            let n = seal_batch(conn, chain, BATCH)?;
            sealed += n;
            if (n as i64) < BATCH {
                return Ok(sealed);
            }
        }
    })
}

/// The chains that have unsealed entries. On PostgreSQL through `audit_pending_chains()`,
/// which answers chain names only: row-level security hides every other chain.
pub fn pending_chains(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Pending {
        #[diesel(sql_type = Text)]
        pending_chain: String,
    }
    let sql = match conn {
        DbConnection::Postgres(_) => "SELECT pending_chain FROM audit_pending_chains()",
        DbConnection::Sqlite(_) => "SELECT DISTINCT chain AS pending_chain FROM audit_entries WHERE seq IS NULL",
    };
    let rows: Vec<Pending> = diesel::sql_query(sql).load(conn)?;
    Ok(rows.into_iter().map(|p| p.pending_chain).collect())
}

/// Seals up to `limit` unsealed entries of `chain` after its head; the caller holds the
/// transaction. Returns how many.
fn seal_batch(conn: &mut DbConnection, chain: &str, limit: i64) -> QueryResult<usize> {
    let Some(head) = super::store::lock_head(conn, chain).optional()? else {
        return Ok(0);
    };
    let pending: Vec<NewEntry> = native!(&mut *conn, |c| audit_entries::table
        .filter(audit_entries::chain.eq(chain))
        .filter(audit_entries::seq.is_null())
        .order(audit_entries::id.asc())
        .limit(limit)
        .select(NewEntry::as_select())
        .load(c))?;
    let Some(last_at) = pending.last().map(|e| e.occurred_at) else {
        return Ok(0);
    };
    let count = pending.len();
    let (mut seq, mut prev) = (head.seq, head.head_hash);
    let mut sealed = Vec::with_capacity(count);
    for entry in pending {
        seq += 1;
        let entry = entry.seal(seq, prev);
        prev = entry.entry_hash.clone();
        sealed.push(entry);
    }
    let updated = match conn {
        DbConnection::Postgres(c) => {
            let ids: Vec<&str> = sealed.iter().map(|e| e.id.as_str()).collect();
            let seqs: Vec<i64> = sealed.iter().map(|e| e.seq).collect();
            let prevs: Vec<&[u8]> = sealed.iter().map(|e| e.prev_hash.as_slice()).collect();
            let hashes: Vec<&[u8]> = sealed.iter().map(|e| e.entry_hash.as_slice()).collect();
            diesel::sql_query(
                "UPDATE audit_entries AS e SET seq = v.seq, prev_hash = v.prev_hash, entry_hash = v.entry_hash
                 FROM unnest($1::text[], $2::bigint[], $3::bytea[], $4::bytea[]) AS v (id, seq, prev_hash, entry_hash)
                 WHERE e.id = v.id AND e.seq IS NULL",
            )
            .bind::<Array<Text>, _>(ids)
            .bind::<Array<BigInt>, _>(seqs)
            .bind::<Array<Binary>, _>(prevs)
            .bind::<Array<Binary>, _>(hashes)
            .execute(c)?
        }
        DbConnection::Sqlite(c) => {
            let mut n = 0;
            for e in &sealed {
                n += diesel::update(audit_entries::table.filter(audit_entries::id.eq(&e.id)).filter(audit_entries::seq.is_null()))
                    .set((
                        audit_entries::seq.eq(e.seq),
                        audit_entries::prev_hash.eq(&e.prev_hash),
                        audit_entries::entry_hash.eq(&e.entry_hash),
                    ))
                    .execute(c)?;
            }
            n
        }
    };
    if updated != count {
        // Another sealer got there first although the head was locked: never link twice.
        return Err(diesel::result::Error::QueryBuilderError(
            format!("sealing {chain}: {updated} of {count} entries were still unsealed").into(),
        ));
    }
    diesel::update(audit_heads::table.find(chain))
        .set((audit_heads::seq.eq(seq), audit_heads::head_hash.eq(&prev), audit_heads::updated_at.eq(last_at)))
        .execute(conn)?;
    Ok(count)
}
