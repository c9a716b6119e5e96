use chrono::NaiveDateTime;
use diesel::OptionalExtension;
use serde::Serialize;
use uuid::Uuid;

use super::chain::{self, truncate_to_micros, GENESIS};
use super::deletion::{self, NewDeletion};
use super::export::{self, ExportFormat, ExportMeta};
use super::model::{Action, AuditContext, Entry, Event, Filter, NewEntry, Visibility, MAX_DETAIL_BYTES, PLATFORM_CHAIN};
use super::{sealer, store};
use crate::auth::policy::Grant;
use crate::auth::service::Principal;
use crate::crypto::PlatformSigner;
use crate::db::{Db, DbConnection, Scoped, TenantScope, TenantTx, Tx};
use crate::error::AppError;
use crate::state::AppState;

/// The chain a transaction writes to: its tenant's, or the platform's.
pub fn chain_of(tx: &impl Scoped) -> String {
    tx.tenant_scope().map_or_else(|| PLATFORM_CHAIN.to_owned(), |s| s.tenant_id().to_owned())
}

/// Appends one entry to the chain of `tx`'s scope, in `tx` (TOM INPUT-1). If this fails,
/// the caller's change fails with it; if the change rolls back, so does the entry. The
/// entry is written unsealed and no shared row is locked: the sealer (`audit::sealer`)
/// gives it its place in the chain once it is committed (TOM INPUT-5). The chain's head
/// is made here before the first entry; no foreign key checks it, as its key-share lock on
/// the one head row cost each append a multixact read (migration `shared_parent_keys`).
pub fn record(tx: &mut impl Scoped, ctx: &AuditContext, event: Event) -> Result<NewEntry, AppError> {
    let entry = entry(tx, ctx, event)?;
    store::insert_unsealed(tx, &entry)?;
    Ok(entry)
}

/// The entry `record` appends, not yet written: for a caller that writes it in `tx`
/// together with its own rows (`attendance::store::insert_tap`), in one statement.
pub fn entry(tx: &mut impl Scoped, ctx: &AuditContext, event: Event) -> Result<NewEntry, AppError> {
    let detail = serde_json::Value::Object(event.detail).to_string();
    if detail.len() > MAX_DETAIL_BYTES {
        return Err(AppError::Internal(format!("audit detail of {} bytes exceeds {MAX_DETAIL_BYTES}", detail.len())));
    }
    let chain = chain_of(tx);
    let at = truncate_to_micros(ctx.at.naive_utc());
    if !tx.heads().holds(&chain) {
        store::ensure_head(tx, &chain, at)?;
        tx.heads().found(&chain);
    }
    Ok(NewEntry {
        chain,
        id: Uuid::now_v7().to_string(),
        occurred_at: at,
        actor_type: ctx.actor.kind.code().to_owned(),
        actor_id: ctx.actor.id.clone(),
        actor_role: ctx.actor.role.clone(),
        action: event.action.code().to_owned(),
        target_type: event.target_type.to_owned(),
        target_id: event.target_id,
        outcome: event.outcome.code().to_owned(),
        subject_ref: event.subject_ref,
        company_id: event.company_id,
        request_id: ctx.request_id.clone(),
        ip_hash: ctx.ip.as_ref().map(|ip| ip.hash.clone()),
        ip_key_id: ctx.ip.as_ref().map(|ip| ip.key_id.clone()),
        detail,
    })
}

/// Where and why a chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Break {
    pub seq: i64,
    /// The id of the first bad entry, if the row exists.
    pub entry_id: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct VerifyReport {
    pub chain: String,
    /// The entries checked: those after the anchor.
    pub entries_checked: i64,
    pub intact: bool,
    pub head_seq: i64,
    #[schema(value_type = String)]
    #[serde(serialize_with = "hex_head")]
    pub head_hash: Vec<u8>,
    /// The last entry removed by the retention job (0: none); the chain is verified from
    /// the entry after it, which must link to that entry's hash (TOM PRIV-6, INPUT-5).
    pub anchor_seq: i64,
    pub first_break: Option<Break>,
}

fn hex_head<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(b))
}

/// The anchor an `audit.pruned` entry records: (up to seq, hash hex).
fn pruned_anchor(detail: &str) -> Option<(i64, String)> {
    let detail: serde_json::Value = serde_json::from_str(detail).ok()?;
    Some((detail.get("upto_seq")?.as_i64()?, detail.get("anchor_hash")?.as_str()?.to_owned()))
}

/// What is wrong with the head's anchor before any entry is read: outside the chain, a
/// hash without a prune, or entries at or before it that a prune would have removed.
fn anchor_break(conn: &mut DbConnection, chain: &str, head: &store::Head) -> Result<Option<Break>, AppError> {
    let (anchor, seq) = (head.anchor_seq, head.seq);
    if anchor < 0 || anchor > seq {
        return Ok(Some(Break { seq: anchor, entry_id: None, reason: format!("the anchor {anchor} lies outside the chain (head {seq})") }));
    }
    if anchor == 0 && head.anchor_hash != GENESIS {
        return Ok(Some(Break { seq: 1, entry_id: None, reason: "the anchor hash is set although nothing was pruned".to_owned() }));
    }
    Ok(store::first_up_to(conn, chain, anchor)?.map(|e| Break {
        seq: e.seq,
        reason: format!("entry {} is still there although the chain was pruned up to {anchor}", e.seq),
        entry_id: Some(e.id),
    }))
}

/// Walks the chain in order from its anchor and names the first entry that was altered,
/// removed or moved (TOM INPUT-5). After a prune (PRIV-6) the first remaining entry must
/// be `anchor_seq + 1` and link to `anchor_hash`, no entry up to the anchor may remain,
/// and the newest `audit.pruned` entry must record exactly this anchor: moving the anchor
/// to hide a removal needs rewriting every later entry, as any other rewrite does.
/// Run it in a write transaction of the chain's scope: it seals the chain first.
pub fn verify_chain(conn: &mut DbConnection, chain: &str) -> Result<VerifyReport, AppError> {
    const PAGE: i64 = 2000;
    sealer::seal_pending(conn, chain)?;
    let head = store::head_or_genesis(conn, chain)?;
    let mut expected_seq = head.anchor_seq + 1;
    let mut prev = head.anchor_hash.clone();
    let mut checked = 0;
    let mut last_prune: Option<(i64, String)> = None;
    let mut first_break = anchor_break(conn, chain, &head)?;
    'pages: while first_break.is_none() {
        let page = store::chain_page(conn, chain, expected_seq - 1, PAGE)?;
        if page.is_empty() {
            break;
        }
        for entry in page {
            let problem = if entry.seq != expected_seq {
                Some((expected_seq, None, format!("entry {expected_seq} is missing")))
            } else if entry.prev_hash != prev {
                Some((entry.seq, Some(entry.id.clone()), "does not link to the entry before it".to_owned()))
            } else if chain::hash(&entry) != entry.entry_hash {
                Some((entry.seq, Some(entry.id.clone()), "content does not match its hash".to_owned()))
            } else {
                None
            };
            if let Some((seq, entry_id, reason)) = problem {
                first_break = Some(Break { seq, entry_id, reason });
                break 'pages;
            }
            if entry.action == Action::AuditPruned.code() {
                last_prune = pruned_anchor(&entry.detail);
            }
            checked += 1;
            prev = entry.entry_hash;
            expected_seq += 1;
        }
    }
    if first_break.is_none() && (expected_seq - 1 != head.seq || prev != head.head_hash) {
        first_break = Some(Break {
            seq: expected_seq,
            entry_id: None,
            reason: format!("the chain ends at {} but its head says {}", expected_seq - 1, head.seq),
        });
    }
    if first_break.is_none() && head.anchor_seq > 0 && last_prune != Some((head.anchor_seq, hex::encode(&head.anchor_hash))) {
        first_break = Some(Break {
            seq: head.anchor_seq + 1,
            entry_id: None,
            reason: format!("the chain starts after entry {}, but no audit.pruned entry records that anchor", head.anchor_seq),
        });
    }
    Ok(VerifyReport {
        chain: chain.to_owned(),
        entries_checked: checked,
        intact: first_break.is_none(),
        head_seq: head.seq,
        head_hash: head.head_hash,
        anchor_seq: head.anchor_seq,
        first_break,
    })
}

/// What one prune removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pruned {
    /// The new anchor: the last removed entry.
    pub upto_seq: i64,
    pub anchor_hash: Vec<u8>,
    pub count: i64,
}

/// The deletion-log category of pruned audit entries.
pub const PRUNED_CATEGORY: &str = "audit_entries";

/// Removes the entries of the transaction's tenant chain that are older than `before`
/// (TOM PRIV-6): the longest prefix after the anchor whose entries all are, so the rest
/// stays a verifiable chain from the new anchor. In the same transaction: a deletion-log
/// entry (`audit_entries`, count, `retention_expired`) and an `audit.pruned` entry with
/// the new anchor, appended to the same chain. A chain that does not verify is not pruned
/// (an error): removing its old entries would destroy the evidence of the tampering.
/// `None` when nothing is due. The platform chain is not pruned.
pub fn prune_before(
    tx: &mut TenantTx<'_>,
    ctx: &AuditContext,
    before: NaiveDateTime,
    retention_months: i32,
) -> Result<Option<Pruned>, AppError> {
    let chain = tx.tenant_id().to_owned();
    if store::head(tx, &chain).optional()?.is_none() {
        return Ok(None);
    }
    sealer::seal_pending(tx, &chain)?;
    let head = store::lock_head(tx, &chain)?;
    // Every entry before the first one at or after `before` is older than it.
    let upto = store::first_seq_from(tx, &chain, before)?.map_or(head.seq, |first_kept| first_kept - 1);
    if upto <= head.anchor_seq {
        return Ok(None);
    }
    let report = verify_chain(tx, &chain)?;
    if let Some(b) = report.first_break {
        return Err(AppError::Internal(format!(
            "the audit chain of {chain} is broken at entry {} ({}); its old entries are kept as evidence, not pruned",
            b.seq, b.reason
        )));
    }
    let count = store::prune(tx, &chain, upto)?;
    let anchor = store::head(tx, &chain)?;
    let logged = deletion::record(
        tx,
        ctx,
        NewDeletion {
            category: PRUNED_CATEGORY,
            record_count: count,
            subject_ref: None,
            reason_code: "retention_expired",
            reason_text: "the tenant's retention period for audit entries has ended",
            legal_basis: "GDPR Art. 5(1)(e)",
        },
    )?;
    record(
        tx,
        ctx,
        Event::new(Action::AuditPruned, "audit_log", None)
            .detail("upto_seq", upto)
            .detail("anchor_hash", hex::encode(&anchor.anchor_hash))
            .detail("count", count)
            .detail("before", before.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
            .detail("retention_months", retention_months)
            .detail("deletion_id", logged.id.as_str()),
    )?;
    Ok(Some(Pruned { upto_seq: upto, anchor_hash: anchor.anchor_hash, count }))
}

/// The newest entries a viewer may see, one page at a time (TOM INPUT-3). Seals the
/// chain first, so run it in a write transaction of the chain's scope.
pub fn search(
    conn: &mut DbConnection,
    chain: &str,
    visibility: &Visibility,
    filter: &Filter,
    before_seq: Option<i64>,
    limit: i64,
) -> Result<Vec<Entry>, AppError> {
    sealer::seal_pending(conn, chain)?;
    search_sealed(conn, chain, visibility, filter, before_seq, limit)
}

/// `search` without sealing first: for a reader that has just sealed.
fn search_sealed(
    conn: &mut DbConnection,
    chain: &str,
    visibility: &Visibility,
    filter: &Filter,
    before_seq: Option<i64>,
    limit: i64,
) -> Result<Vec<Entry>, AppError> {
    if let Visibility::Companies(ids) = visibility {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
    }
    Ok(store::search(conn, chain, visibility, filter, before_seq, limit.clamp(1, 1000))?)
}

pub const ENTRY_COLUMNS: &[&str] = &[
    "chain",
    "seq",
    "id",
    "occurred_at",
    "actor_type",
    "actor_id",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "outcome",
    "subject_ref",
    "company_id",
    "request_id",
    "ip_hash",
    "ip_key_id",
    "detail",
    "prev_hash",
    "entry_hash",
];

/// The columns of an export of a tenant's chain (export, offboarding archive) leave out
/// `ip_hash`: its keys are platform-wide, so two tenants could otherwise link one visitor
/// by it (TOM INPUT-2). `ip_key_id` stays: it names a period, not a person.
pub fn export_columns(tenant: bool) -> Vec<&'static str> {
    ENTRY_COLUMNS.iter().copied().filter(|c| !tenant || *c != "ip_hash").collect()
}

/// An entry as an export record: exactly `columns`.
pub fn export_record(entry: &Entry, columns: &[&str]) -> serde_json::Value {
    let mut record = serde_json::to_value(entry).unwrap_or_default();
    if let Some(fields) = record.as_object_mut() {
        fields.retain(|k, _| columns.contains(&k.as_str()));
    }
    record
}

/// Most entries one export may hold; narrow the filter beyond that.
pub const MAX_EXPORT: usize = 500_000;

fn in_scope<T>(db: &Db, scope: Option<&TenantScope>, f: impl FnOnce(&mut Tx<'_>) -> Result<T, AppError>) -> Result<T, AppError> {
    db.tx_in(scope, f)
}

/// Exports the entries a viewer may see, oldest first, signed; the export itself is
/// recorded in the chain (TOM INPUT-4, TRANS-6).
pub fn export_entries(
    db: &Db,
    scope: Option<&TenantScope>,
    visibility: &Visibility,
    filter: &Filter,
    format: ExportFormat,
    ctx: &AuditContext,
    signer: &PlatformSigner,
) -> Result<Vec<u8>, AppError> {
    in_scope(db, scope, |tx| {
        let chain = chain_of(tx);
        // Sealed once: the export and its head are the chain as of now.
        sealer::seal_pending(tx, &chain)?;
        let mut entries = Vec::new();
        let mut before = None;
        loop {
            let page = search_sealed(tx, &chain, visibility, filter, before, 1000)?;
            let Some(last) = page.last() else { break };
            before = Some(last.seq);
            entries.extend(page);
            if entries.len() > MAX_EXPORT {
                return Err(AppError::invalid("filter", format!("more than {MAX_EXPORT} entries: narrow the time range")));
            }
        }
        entries.reverse();
        let head = store::head_or_genesis(tx, &chain)?;
        let columns = export_columns(scope.is_some());
        let records: Vec<serde_json::Value> = entries.iter().map(|e| export_record(e, &columns)).collect();
        let meta = ExportMeta {
            kind: "audit",
            chain: &chain,
            exported_at: ctx.at,
            head_seq: head.seq,
            head_hash: &head.head_hash,
            filter: serde_json::to_value(filter).unwrap_or_default(),
        };
        let bytes = export::write(format, &meta, &columns, &records, signer);
        record(
            tx,
            ctx,
            Event::new(Action::AuditExported, "audit_log", None)
                .detail("format", serde_json::to_value(format).unwrap_or_default())
                .detail("records", records.len())
                .detail("head_seq", head.seq),
        )?;
        Ok(bytes)
    })
}

/// Exports a tenant's deletion log, signed, and records the export.
pub fn export_deletions(
    db: &Db,
    scope: &TenantScope,
    filter: &Filter,
    format: ExportFormat,
    ctx: &AuditContext,
    signer: &PlatformSigner,
) -> Result<Vec<u8>, AppError> {
    db.tenant_tx(scope, |tx| {
        let mut rows = store::deletions(tx, filter.from, filter.to)?;
        rows.reverse();
        let records: Vec<serde_json::Value> = rows.iter().map(|d| serde_json::to_value(d).unwrap_or_default()).collect();
        sealer::seal_pending(tx, scope.tenant_id())?;
        let head = store::head_or_genesis(tx, scope.tenant_id())?;
        let meta = ExportMeta {
            kind: "deletion_log",
            chain: scope.tenant_id(),
            exported_at: ctx.at,
            head_seq: head.seq,
            head_hash: &head.head_hash,
            filter: serde_json::to_value(filter).unwrap_or_default(),
        };
        let bytes = export::write(format, &meta, deletion::COLUMNS, &records, signer);
        record(
            tx,
            ctx,
            Event::new(Action::DeletionLogExported, "deletion_log", None)
                .detail("format", serde_json::to_value(format).unwrap_or_default())
                .detail("records", records.len()),
        )?;
        Ok(bytes)
    })
}

/// Runs `f` in the chain a grant names: its tenant's, or the platform's.
fn in_granted_chain<T>(state: &AppState, grant: &Grant, f: impl FnOnce(&mut Tx<'_>) -> Result<T, AppError>) -> Result<T, AppError> {
    state.db.tx_in(grant.scope.as_ref(), f)
}

/// One page (1–200 entries) of what the grant may see, newest first, and the cursor of
/// the next page when there is one (TOM INPUT-3).
pub fn page(
    state: &AppState,
    grant: &Grant,
    filter: &Filter,
    before: Option<i64>,
    limit: Option<i64>,
) -> Result<(Vec<Entry>, Option<i64>), AppError> {
    let limit = limit.unwrap_or(50).clamp(1, 200);
    let mut entries = in_granted_chain(state, grant, |tx| {
        let chain = chain_of(tx);
        search(tx, &chain, &grant.visibility, filter, before, limit + 1)
    })?;
    let more = entries.len() as i64 > limit;
    entries.truncate(limit as usize);
    let next_before = if more { entries.last().map(|e| e.seq) } else { None };
    Ok((entries, next_before))
}

/// Verifies the chain the grant names (TOM INPUT-5).
pub fn verify_granted(state: &AppState, grant: &Grant) -> Result<VerifyReport, AppError> {
    in_granted_chain(state, grant, |tx| {
        let chain = chain_of(tx);
        verify_chain(tx, &chain)
    })
}

/// A signed export of what the grant may see, and its file name (TOM INPUT-4).
pub fn export_granted(
    state: &AppState,
    p: &Principal,
    grant: &Grant,
    filter: &Filter,
    format: ExportFormat,
) -> Result<(Vec<u8>, String), AppError> {
    let signer = PlatformSigner::from_master(&state.master)?;
    let bytes = export_entries(&state.db, grant.scope.as_ref(), &grant.visibility, filter, format, &p.audit, &signer)?;
    let label = match &grant.scope {
        Some(scope) => state
            .db
            .tenant_read(scope, |tx| Ok(crate::tenants::store::find(tx, scope.tenant_id())?))?
            .map_or_else(|| "tenant".into(), |t| t.slug),
        None => "platform".into(),
    };
    Ok((bytes, format!("audit-{label}-{}.{}", p.audit.at.format("%Y-%m-%d"), format.extension())))
}

/// The tenant's deletion log, newest first (TOM PRIV-4, DEL-3).
pub fn deletions(
    state: &AppState,
    scope: &TenantScope,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
) -> Result<Vec<deletion::Deletion>, AppError> {
    state.db.tenant_read(scope, |tx| Ok(store::deletions(tx, from, to)?))
}

/// A signed export of the tenant's deletion log; recorded in the audit trail.
pub fn export_deletion_log(
    state: &AppState,
    p: &Principal,
    scope: &TenantScope,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
    format: ExportFormat,
) -> Result<Vec<u8>, AppError> {
    let signer = PlatformSigner::from_master(&state.master)?;
    let filter = Filter { from, to, ..Filter::default() };
    export_deletions(&state.db, scope, &filter, format, &p.audit, &signer)
}

/// What the scheduled verification of every chain found (counts only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainsChecked {
    pub checked_at: NaiveDateTime,
    pub chains: i64,
    pub broken: i64,
}

/// Verifies the platform's chain and every tenant's (as `anwesend audit verify` does) and
/// records the counts in `audit_verifications`, for the metrics and the alert rules
/// (TOM INPUT-5, AVAIL-3). A chain that cannot be read counts as broken.
pub fn verify_all(state: &AppState) -> Result<ChainsChecked, AppError> {
    let mut chains = 1;
    let mut broken = 0;
    let platform = state.db.platform_tx(|tx| verify_chain(tx, super::model::PLATFORM_CHAIN))?;
    if !platform.intact {
        tracing::error!(chain = "platform", "the platform audit chain is broken");
        broken += 1;
    }
    for tenant in crate::tenants::service::list(&state.db)? {
        chains += 1;
        let scope = TenantScope::named_by_operator(tenant.id);
        match state.db.tenant_tx(&scope, |tx| verify_chain(tx, scope.tenant_id())) {
            Ok(report) if report.intact => {}
            Ok(_) => broken += 1,
            Err(e @ AppError::Unavailable(_)) => return Err(e),
            Err(e) => {
                tracing::error!(cause = %e, "an audit chain could not be verified");
                broken += 1;
            }
        }
    }
    let checked = ChainsChecked { checked_at: state.clock.now().naive_utc(), chains, broken };
    state.db.platform_tx(|tx| Ok(store::insert_verification(tx, &checked)?))?;
    Ok(checked)
}

/// The newest recorded verification of every chain.
pub fn last_verification(conn: &mut DbConnection) -> Result<Option<ChainsChecked>, AppError> {
    Ok(store::last_verification(conn)?)
}
