//! The audit trail: same-transaction entries (INPUT-1), hashed IPs (INPUT-2), role-scoped
//! views (INPUT-3), signed exports (INPUT-4), tamper evidence (INPUT-5), deletion log (PRIV-4).

use std::sync::Arc;

use anwesend::audit::deletion::{self, NewDeletion};
use anwesend::audit::export::{self, ExportError, ExportFormat};
use anwesend::audit::model::{Entry, Filter, Visibility, PLATFORM_CHAIN};
use anwesend::audit::{self, Action, Event};
use anwesend::crypto::PlatformSigner;
use anwesend::db::TenantScope;
use anwesend::locations::model::NewLocation;
use anwesend::locations::service as locations;
use anwesend::privacy::retention;
use anwesend::tenants::model::NewTenant;
use anwesend::tenants::service as tenants;
use anwesend::AppError;
use diesel::connection::SimpleConnection;
use serde_json::Value;

use crate::common::{test_app, Backend, TestApp};

fn tenant(app: &TestApp, slug: &str) -> TenantScope {
    let t =
        tenants::create(&app.state.db, &app.state.master, &app.ctx(), NewTenant { slug: slug.into(), name: slug.into(), is_demo: false })
            .expect("tenant");
    TenantScope::named_by_operator(t.id)
}

fn entries(app: &TestApp, scope: Option<&TenantScope>, visibility: &Visibility, filter: &Filter) -> Vec<Entry> {
    let run = |tx: &mut anwesend::db::Tx<'_>| {
        let chain = audit::service::chain_of(tx);
        audit::service::search(tx, &chain, visibility, filter, None, 1000)
    };
    app.state.db.tx_in(scope, run).expect("search")
}

fn all(app: &TestApp, scope: &TenantScope) -> Vec<Entry> {
    entries(app, Some(scope), &Visibility::WholeChain, &Filter::default())
}

fn verify(app: &TestApp, scope: &TenantScope) -> audit::VerifyReport {
    app.state.db.tenant_tx(scope, |tx| audit::verify_chain(tx, scope.tenant_id())).expect("verify")
}

fn new_location(name: &str, parent: Option<&str>) -> NewLocation {
    NewLocation { name: name.into(), parent_id: parent.map(str::to_owned) }
}

#[test]
fn input_1_every_change_is_recorded_with_who_when_where() {
    let app = test_app();
    let a = tenant(&app, "verein-a");
    let ctx = app.ctx();
    let hall = locations::create(&app.state.db, &a, &ctx, new_location("Halle", None)).expect("create");
    locations::rename(&app.state.db, &a, &ctx, &hall.id, "Halle Nord").expect("rename");

    let chain = all(&app, &a);
    let actions: Vec<&str> = chain.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["location.updated", "location.created", "tenant.created"], "newest first");
    let created = &chain[1];
    assert_eq!(created.target_id.as_deref(), Some(hall.id.as_str()));
    assert_eq!(created.actor_type, "account");
    assert_eq!(created.actor_id.as_deref(), Some("0193-test-admin"));
    assert_eq!(created.actor_role.as_deref(), Some("tenant_admin"));
    assert_eq!(created.outcome, "success");
    assert_eq!(created.request_id, ctx.request_id);
    assert_eq!(created.occurred_at, audit::chain::truncate_to_micros(ctx.at.naive_utc()));
    // INPUT-2: the address only as a keyed hash plus the key's id, never itself.
    let ip = ctx.ip.as_ref().expect("ip");
    assert_eq!(created.ip_hash.as_deref(), Some(ip.hash.as_slice()));
    assert_eq!(created.ip_key_id.as_deref(), Some(ip.key_id.as_str()));
    // The stored value is a 32-byte keyed hash, not the address's bytes. (A check for the
    // hex digits "203" failed by chance in about 1 of 70 runs.)
    let stored = created.ip_hash.as_deref().unwrap_or_default();
    assert_eq!(stored.len(), 32);
    assert!(!stored.windows(4).any(|w| w == [203, 0, 113, 9]), "no raw address bytes");
    assert!(!created.detail.contains("Halle"), "names of things stay out of the detail: {}", created.detail);

    // The platform chain saw the tenant, not the tenant's inside (INPUT-3).
    let platform = entries(&app, None, &Visibility::WholeChain, &Filter::default());
    assert!(platform.iter().any(|e| e.action == "tenant.created" && e.target_id.as_deref() == Some(a.tenant_id())));
    assert!(platform.iter().all(|e| !e.action.starts_with("location.")));
    assert!(platform.iter().any(|e| e.action == "crypto.ip_hash_key_created"), "key rotation is audited");
}

#[test]
fn input_1_failed_change_leaves_no_entry() {
    let app = test_app();
    let a = tenant(&app, "verein-a");
    let b = tenant(&app, "verein-b");
    let other = locations::create(&app.state.db, &b, &app.ctx(), new_location("Fremd", None)).expect("B");
    let before = all(&app, &a).len();
    let err = locations::create(&app.state.db, &a, &app.ctx(), new_location("Raum", Some(&other.id))).expect_err("cross-tenant parent");
    assert!(matches!(err, AppError::Invalid { .. }));
    assert!(locations::create(&app.state.db, &a, &app.ctx(), new_location("", None)).is_err());
    assert_eq!(all(&app, &a).len(), before, "no entry for changes that did not happen");
    assert!(verify(&app, &a).intact);
}

/// Appends skip the head check for chains whose head is known (`db::KnownHeads`). A chain
/// becomes known only when the transaction that made its head commits: if that
/// transaction rolls back, the next append still makes the head, and its entry lands.
#[test]
fn input_1_a_chain_whose_first_append_rolled_back_takes_entries_later() {
    let app = test_app();
    let chain = uuid::Uuid::now_v7().to_string();
    let scope = TenantScope::named_by_operator(chain.clone());
    let ctx = app.ctx();
    let append = |tx: &mut anwesend::db::TenantTx<'_>| -> Result<(), AppError> {
        audit::record(tx, &ctx, Event::new(Action::LocationCreated, "location", Some("loc-1")))?;
        audit::record(tx, &ctx, Event::new(Action::LocationUpdated, "location", Some("loc-1")))?;
        Ok(())
    };
    let rolled_back = app.state.db.tenant_tx(&scope, |tx| {
        append(tx)?;
        Err::<(), _>(AppError::Internal("the change fails after its entries".into()))
    });
    assert!(rolled_back.is_err());
    app.state.db.tenant_tx(&scope, |tx| append(tx)).expect("the first committed appends make the head");
    app.state.db.tenant_tx(&scope, |tx| append(tx)).expect("later appends find it");
    let report = verify(&app, &scope);
    assert!(report.intact, "{report:?}");
    assert_eq!(report.head_seq, 4, "the rolled-back entries are gone, the four committed ones are chained");
}

#[test]
fn input_1_failed_entry_write_aborts_the_change() {
    let app = test_app();
    let a = tenant(&app, "verein-a");

    // The entry is refused by the code (detail too large): the location goes with it.
    let result = app.state.db.tenant_tx(&a, |tx| {
        let now = chrono::Utc::now().naive_utc();
        anwesend::locations::store::insert(
            tx,
            &anwesend::locations::model::Location {
                tenant_id: a.tenant_id().into(),
                id: "loc-1".into(),
                parent_id: None,
                name: "Halle".into(),
                created_at: now,
                updated_at: now,
            },
        )?;
        audit::record(tx, &app.ctx(), Event::new(Action::LocationCreated, "location", Some("loc-1")).detail("x", "y".repeat(5000)))?;
        Ok(())
    });
    assert!(result.is_err());
    assert!(locations::list(&app.state.db, &a).expect("list").is_empty(), "the change rolled back with its entry");

    // The database refuses the entry: the service's change fails and leaves nothing.
    let mut owner = app.db.inspect();
    match app.db.backend {
        Backend::Sqlite => owner
            .batch_execute("CREATE TRIGGER audit_sabotage BEFORE INSERT ON audit_entries BEGIN SELECT RAISE(ABORT, 'disk full'); END;")
            .expect("sabotage"),
        Backend::Postgres => owner.batch_execute("REVOKE INSERT ON audit_entries FROM anwesend_app").expect("sabotage"),
    }
    assert!(locations::create(&app.state.db, &a, &app.ctx(), new_location("Halle", None)).is_err(), "no audit, no change");
    assert!(locations::list(&app.state.db, &a).expect("list").is_empty());
}

/// Records an event about a person of a company, as later capabilities will.
fn about(app: &TestApp, scope: &TenantScope, person: &str, company: Option<&str>) {
    app.state
        .db
        .tenant_tx(scope, |tx| {
            audit::record(tx, &app.ctx(), Event::new(Action::LocationUpdated, "participant", Some(person)).subject(person, company))?;
            Ok(())
        })
        .expect("record");
}

#[test]
fn input_3_each_role_sees_its_slice() {
    let app = test_app();
    let a = tenant(&app, "verein-a");
    let b = tenant(&app, "verein-b");
    about(&app, &a, "p-anna", Some("c-acme"));
    about(&app, &a, "p-ben", Some("c-acme"));
    about(&app, &a, "p-cem", Some("c-globex"));
    about(&app, &a, "p-dora", None);
    about(&app, &b, "p-erik", Some("c-acme"));

    let targets = |v: &Visibility, scope: Option<&TenantScope>| -> Vec<String> {
        let mut t: Vec<String> = entries(&app, scope, v, &Filter { target_type: Some("participant".into()), ..Filter::default() })
            .into_iter()
            .filter_map(|e| e.target_id)
            .collect();
        t.sort();
        t
    };
    // Tenant admin of A: all of A, nothing of B.
    assert_eq!(targets(&Visibility::WholeChain, Some(&a)), ["p-anna", "p-ben", "p-cem", "p-dora"]);
    // Company admin of acme in A: only acme's people of A (company ids are per tenant).
    assert_eq!(targets(&Visibility::Companies(vec!["c-acme".into()]), Some(&a)), ["p-anna", "p-ben"]);
    assert_eq!(targets(&Visibility::Companies(vec!["c-globex".into()]), Some(&a)), ["p-cem"]);
    assert!(targets(&Visibility::Companies(vec![]), Some(&a)).is_empty());
    // A participant: only entries about themselves.
    assert_eq!(targets(&Visibility::Subject("p-cem".into()), Some(&a)), ["p-cem"]);
    assert!(targets(&Visibility::Subject("p-erik".into()), Some(&a)).is_empty(), "B's person is not in A's chain");
    // Tenant B sees only B.
    assert_eq!(targets(&Visibility::WholeChain, Some(&b)), ["p-erik"]);
    // Platform admin (no tenant scope): platform events only.
    assert!(targets(&Visibility::WholeChain, None).is_empty());
    if app.db.backend == Backend::Postgres {
        // RLS: reading A's chain from B's transaction yields nothing, whatever the query says.
        let leaked = app
            .state
            .db
            .tenant_tx(&b, |tx| audit::service::search(tx, a.tenant_id(), &Visibility::WholeChain, &Filter::default(), None, 100))
            .expect("search");
        assert!(leaked.is_empty());
    }
}

#[test]
fn input_3_filters_by_time_actor_action_and_record() {
    let app = test_app();
    let a = tenant(&app, "verein-a");
    let first = locations::create(&app.state.db, &a, &app.ctx(), new_location("Halle", None)).expect("create");
    app.clock.advance(chrono::Duration::hours(2));
    let second = locations::create(&app.state.db, &a, &app.ctx(), new_location("Platz", None)).expect("create");
    locations::rename(&app.state.db, &a, &app.ctx(), &first.id, "Halle 1").expect("rename");

    let f = |filter: Filter| {
        entries(&app, Some(&a), &Visibility::WholeChain, &filter).into_iter().map(|e| (e.action, e.target_id)).collect::<Vec<_>>()
    };
    let later = app.clock_now_naive() - chrono::Duration::minutes(1);
    assert_eq!(
        f(Filter { from: Some(later), ..Filter::default() }),
        vec![("location.updated".into(), Some(first.id.clone())), ("location.created".into(), Some(second.id.clone()))]
    );
    assert_eq!(f(Filter { action: Some("location.updated".into()), ..Filter::default() }).len(), 1);
    assert_eq!(f(Filter { target_id: Some(first.id.clone()), ..Filter::default() }).len(), 2);
    assert_eq!(f(Filter { actor_id: Some("nobody".into()), ..Filter::default() }).len(), 0);
    assert_eq!(
        f(Filter { to: Some(later), target_type: Some("location".into()), ..Filter::default() }),
        vec![("location.created".into(), Some(first.id.clone()))]
    );

    // Paging: newest first, by cursor, without gaps or repeats.
    let page1 = app
        .state
        .db
        .tenant_tx(&a, |tx| audit::service::search(tx, a.tenant_id(), &Visibility::WholeChain, &Filter::default(), None, 2))
        .expect("p1");
    let cursor = page1.last().map(|e| e.seq);
    let page2 = app
        .state
        .db
        .tenant_tx(&a, |tx| audit::service::search(tx, a.tenant_id(), &Visibility::WholeChain, &Filter::default(), cursor, 2))
        .expect("p2");
    let seqs: Vec<i64> = page1.iter().chain(page2.iter()).map(|e| e.seq).collect();
    assert_eq!(seqs, vec![4, 3, 2, 1]);
}

impl TestApp {
    fn clock_now_naive(&self) -> chrono::NaiveDateTime {
        use anwesend::clock::Clock;
        self.clock.now_naive()
    }
}

#[derive(diesel::QueryableByName)]
struct Trigger {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    sql: String,
}

/// Runs SQL as the database owner with the append-only guards on the entries and the
/// anchor lifted: an attacker with database access, which is what the chain must expose.
/// The guards come back as the migrations define them.
pub(crate) fn tamper(app: &TestApp, sql: &str) {
    use diesel::RunQueryDsl;
    let mut owner = app.db.inspect();
    let (off, on) = match app.db.backend {
        Backend::Sqlite => {
            let triggers: Vec<Trigger> = diesel::sql_query(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('audit_entries', 'audit_heads') ORDER BY name",
            )
            .load(&mut owner)
            .expect("triggers");
            assert!(triggers.iter().any(|t| t.name == "audit_entries_no_delete"), "the guard exists");
            (
                triggers.iter().map(|t| format!("DROP TRIGGER {};", t.name)).collect::<String>(),
                triggers.iter().map(|t| format!("{};", t.sql)).collect::<String>(),
            )
        }
        Backend::Postgres => (
            "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only; ALTER TABLE audit_heads DISABLE TRIGGER audit_heads_anchor_guard;".to_owned(),
            "ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only; ALTER TABLE audit_heads ENABLE TRIGGER audit_heads_anchor_guard;".to_owned(),
        ),
    };
    owner.batch_execute(&format!("{off} {sql}; {on}")).expect("tamper");
}

fn chain_with_entries(app: &TestApp) -> (TenantScope, Vec<Entry>) {
    let a = tenant(app, "verein-a");
    for i in 0..5 {
        locations::create(&app.state.db, &a, &app.ctx(), new_location(&format!("Raum {i}"), None)).expect("create");
    }
    let mut chain = all(app, &a);
    chain.reverse();
    assert_eq!(chain.len(), 6);
    (a, chain)
}

#[test]
fn input_5_chain_detects_edit_delete_and_swap() {
    let app = test_app();
    let (a, chain) = chain_with_entries(&app);
    let report = verify(&app, &a);
    assert!(report.intact, "{report:?}");
    assert_eq!(report.entries_checked, 6);
    // The append-only guard stops even the owner's plain UPDATE.
    assert!(app.db.inspect().batch_execute("UPDATE audit_entries SET detail = '{}'").is_err());
    assert!(app.db.inspect().batch_execute("DELETE FROM audit_entries").is_err());

    tamper(&app, &format!("UPDATE audit_entries SET detail = '{{\"forged\":true}}' WHERE id = '{}'", chain[2].id));
    let report = verify(&app, &a);
    let b = report.first_break.expect("edit detected");
    assert_eq!((b.seq, b.entry_id.as_deref()), (3, Some(chain[2].id.as_str())), "{}", b.reason);
}

#[test]
fn input_5_chain_detects_a_deleted_entry() {
    let app = test_app();
    let (a, chain) = chain_with_entries(&app);
    tamper(&app, &format!("DELETE FROM audit_entries WHERE id = '{}'", chain[3].id));
    let b = verify(&app, &a).first_break.expect("deletion detected");
    assert_eq!(b.seq, 4, "{}", b.reason);

    // Removing the newest entry is caught by the head.
    let app = test_app();
    let (a, chain) = chain_with_entries(&app);
    tamper(&app, &format!("DELETE FROM audit_entries WHERE id = '{}'", chain[5].id));
    let b = verify(&app, &a).first_break.expect("truncation detected");
    assert_eq!(b.seq, 6, "{}", b.reason);
}

#[test]
fn input_5_chain_detects_swapped_entries() {
    let app = test_app();
    let (a, chain) = chain_with_entries(&app);
    // Swap positions 2 and 4 (seq is the order).
    tamper(
        &app,
        &format!(
            "UPDATE audit_entries SET seq = -1 WHERE id = '{two}';
             UPDATE audit_entries SET seq = 2 WHERE id = '{four}';
             UPDATE audit_entries SET seq = 4 WHERE id = '{two}'",
            two = chain[1].id,
            four = chain[3].id
        ),
    );
    let b = verify(&app, &a).first_break.expect("swap detected");
    assert_eq!((b.seq, b.entry_id.as_deref()), (2, Some(chain[3].id.as_str())), "{}", b.reason);
}

#[test]
fn input_5_concurrent_writers_keep_the_chain_linear() {
    let app = test_app();
    let a = tenant(&app, "verein-a");
    let app = Arc::new(app);
    let threads: Vec<_> = (0..8)
        .map(|w| {
            let app = app.clone();
            let a = a.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    locations::create(&app.state.db, &a, &app.ctx(), new_location(&format!("W{w} R{i}"), None)).expect("create");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("writer");
    }
    let report = verify(&app, &a);
    assert!(report.intact, "{report:?}");
    assert_eq!(report.entries_checked, 1 + 8 * 25);
    assert_eq!(locations::list(&app.state.db, &a).expect("list").len(), 8 * 25);
}

/// Six entries 25 months old and one new, then the retention job (24 months by default):
/// entries 1–6 are gone, the anchor is on 6, the rest (7: the new location, 8: its
/// deletion-log entry, 9: `audit.pruned`, 10: `retention.run`) verifies from there.
fn pruned_chain(app: &TestApp) -> (TenantScope, Vec<Entry>) {
    let (a, old) = chain_with_entries(app);
    app.clock.advance(chrono::Duration::days(761));
    locations::create(&app.state.db, &a, &app.ctx(), new_location("Neu", None)).expect("create");
    let report = retention::run(&app.state).expect("run");
    assert_eq!((report.audit_pruned, report.failed_tenants), (6, 0), "{report:?}");
    let mut rest = all(app, &a);
    rest.reverse();
    let actions: Vec<(i64, &str)> = rest.iter().map(|e| (e.seq, e.action.as_str())).collect();
    assert_eq!(actions, [(7, "location.created"), (8, "deletion.recorded"), (9, "audit.pruned"), (10, "retention.run")]);
    let report = verify(app, &a);
    assert!(report.intact && report.anchor_seq == 6 && report.entries_checked == 4, "{report:?}");
    assert_eq!(rest[0].prev_hash, old[5].entry_hash, "the first remaining entry links to the anchor");
    (a, rest)
}

#[test]
fn input_5_pruning_cannot_hide_tampering() {
    let app = test_app();
    let (a, rest) = pruned_chain(&app);

    // Outside the prune path the application's own connection can neither remove an
    // entry nor move the anchor: the database refuses (PostgreSQL: no DELETE grant and no
    // grant on the anchor columns; SQLite: the guard triggers).
    let chain = a.tenant_id().to_owned();
    let mut attempts = vec![
        format!("DELETE FROM audit_entries WHERE chain = '{chain}' AND seq = 7"),
        format!("DELETE FROM audit_entries WHERE chain = '{chain}'"),
        format!("UPDATE audit_heads SET anchor_seq = 7 WHERE chain = '{chain}'"),
        format!("UPDATE audit_entries SET detail = '{{}}' WHERE chain = '{chain}' AND seq = 8"),
    ];
    if app.db.backend == Backend::Postgres {
        attempts.push(format!("INSERT INTO audit_prune_guard (chain, upto_seq) VALUES ('{chain}', 7)"));
        attempts.push(format!("UPDATE audit_heads SET anchor_hash = head_hash WHERE chain = '{chain}'"));
    }
    for sql in attempts {
        let refused = app.state.db.tenant_tx(&a, |tx| Ok(diesel::RunQueryDsl::execute(diesel::sql_query(sql.as_str()), &mut **tx)?));
        assert!(refused.is_err(), "the app connection ran: {sql}");
    }
    // Even with a guard row in place (SQLite has no roles: the app connection can write
    // it), an entry goes only once the anchor is on it; and the anchor moves only onto
    // the hash of the entry it names.
    if app.db.backend == Backend::Sqlite {
        let sneaky = app.state.db.tenant_tx(&a, |tx| {
            diesel::RunQueryDsl::execute(
                diesel::sql_query(format!("INSERT INTO audit_prune_guard (chain, upto_seq) VALUES ('{chain}', 7)")),
                &mut **tx,
            )?;
            Ok(diesel::RunQueryDsl::execute(
                diesel::sql_query(format!("DELETE FROM audit_entries WHERE chain = '{chain}' AND seq = 7")),
                &mut **tx,
            )?)
        });
        assert!(sneaky.is_err(), "no removal without the anchor");
        let forged = app.state.db.tenant_tx(&a, |tx| {
            diesel::RunQueryDsl::execute(
                diesel::sql_query(format!("INSERT INTO audit_prune_guard (chain, upto_seq) VALUES ('{chain}', 7)")),
                &mut **tx,
            )?;
            Ok(diesel::RunQueryDsl::execute(
                diesel::sql_query(format!("UPDATE audit_heads SET anchor_seq = 7, anchor_hash = zeroblob(32) WHERE chain = '{chain}'")),
                &mut **tx,
            )?)
        });
        assert!(forged.is_err(), "the anchor takes the pruned entry's hash only");
    }
    // The owner's plain statements meet the append-only trigger as before.
    assert!(app.db.inspect().batch_execute(&format!("DELETE FROM audit_entries WHERE chain = '{chain}' AND seq = 7")).is_err());
    assert!(app.db.inspect().batch_execute(&format!("UPDATE audit_heads SET anchor_seq = 7 WHERE chain = '{chain}'")).is_err());
    let report = verify(&app, &a);
    assert!(report.intact && report.anchor_seq == 6, "nothing changed: {report:?}");

    // With the guards lifted (database access): removing the first remaining entry
    // without moving the anchor is noticed right at the anchor.
    tamper(&app, &format!("DELETE FROM audit_entries WHERE id = '{}'", rest[0].id));
    let b = verify(&app, &a).first_break.expect("removal after the anchor detected");
    assert_eq!((b.seq, b.entry_id), (7, None), "{}", b.reason);

    // Editing a remaining entry.
    let app = test_app();
    let (a, rest) = pruned_chain(&app);
    tamper(&app, &format!("UPDATE audit_entries SET detail = '{{\"forged\":true}}' WHERE id = '{}'", rest[1].id));
    let b = verify(&app, &a).first_break.expect("edit detected");
    assert_eq!((b.seq, b.entry_id.as_deref()), (8, Some(rest[1].id.as_str())), "{}", b.reason);

    // A prune of its own, without the deletion log and the `audit.pruned` entry: entry 7
    // removed and the anchor moved onto it, exactly as a prune leaves it.
    let app = test_app();
    let (a, rest) = pruned_chain(&app);
    let hash = hex::encode(&rest[0].entry_hash);
    let set_anchor = match app.db.backend {
        Backend::Sqlite => format!("UPDATE audit_heads SET anchor_seq = 7, anchor_hash = X'{hash}' WHERE chain = '{}'", a.tenant_id()),
        Backend::Postgres => {
            format!("UPDATE audit_heads SET anchor_seq = 7, anchor_hash = decode('{hash}', 'hex') WHERE chain = '{}'", a.tenant_id())
        }
    };
    tamper(&app, &format!("DELETE FROM audit_entries WHERE id = '{}'; {set_anchor}", rest[0].id));
    let b = verify(&app, &a).first_break.expect("unrecorded anchor detected");
    assert!(b.reason.contains("no audit.pruned entry records that anchor"), "{b:?}");

    // The same through the application's connection, by the database's own prune path
    // but without the deletion log and the `audit.pruned` entry: allowed, and noticed.
    let app = test_app();
    let (a, _) = pruned_chain(&app);
    let chain = a.tenant_id().to_owned();
    let statements = match app.db.backend {
        Backend::Postgres => vec![format!("SELECT audit_prune('{chain}', 7)")],
        Backend::Sqlite => vec![
            format!("INSERT INTO audit_prune_guard (chain, upto_seq) VALUES ('{chain}', 7)"),
            format!("UPDATE audit_heads SET anchor_seq = 7, anchor_hash = (SELECT entry_hash FROM audit_entries WHERE chain = '{chain}' AND seq = 7) WHERE chain = '{chain}'"),
            format!("DELETE FROM audit_entries WHERE chain = '{chain}' AND seq <= 7"),
            format!("DELETE FROM audit_prune_guard WHERE chain = '{chain}'"),
        ],
    };
    app.state
        .db
        .tenant_tx(&a, |tx| {
            for sql in &statements {
                diesel::RunQueryDsl::execute(diesel::sql_query(sql.as_str()), &mut **tx)?;
            }
            Ok(())
        })
        .expect("an unlogged prune");
    let report = verify(&app, &a);
    assert_eq!(report.anchor_seq, 7);
    assert!(report.first_break.is_some_and(|b| b.reason.contains("no audit.pruned entry records that anchor")), "unlogged prune detected");

    // Hiding that a prune happened: the anchor back at the start.
    let app = test_app();
    let (a, _) = pruned_chain(&app);
    let genesis = match app.db.backend {
        Backend::Sqlite => "zeroblob(32)",
        Backend::Postgres => "decode(repeat('00', 32), 'hex')",
    };
    tamper(&app, &format!("UPDATE audit_heads SET anchor_seq = 0, anchor_hash = {genesis} WHERE chain = '{}'", a.tenant_id()));
    let b = verify(&app, &a).first_break.expect("missing history detected");
    assert_eq!(b.seq, 1, "{}", b.reason);

    // A chain that was tampered with before its entries are due is not pruned: the job
    // keeps them (the tenant counts as failed) so the break stays visible.
    let app = test_app();
    let (a, old) = chain_with_entries(&app);
    tamper(&app, &format!("UPDATE audit_entries SET detail = '{{\"forged\":true}}' WHERE id = '{}'", old[2].id));
    app.clock.advance(chrono::Duration::days(761));
    let report = retention::run(&app.state).expect("run");
    assert_eq!((report.audit_pruned, report.failed_tenants), (0, 1), "{report:?}");
    let report = verify(&app, &a);
    assert_eq!((report.anchor_seq, report.first_break.map(|b| b.seq)), (0, Some(3)));
    assert_eq!(all(&app, &a).len(), 6, "nothing removed");
}

fn signer(app: &TestApp) -> PlatformSigner {
    PlatformSigner::from_master(&app.state.master).expect("signer")
}

#[test]
fn input_4_exports_round_trip_and_carry_a_proof() {
    let app = test_app();
    let (a, chain) = chain_with_entries(&app);
    let signer = signer(&app);
    let ctx = app.ctx();

    let json = audit::service::export_entries(
        &app.state.db,
        Some(&a),
        &Visibility::WholeChain,
        &Filter::default(),
        ExportFormat::Json,
        &ctx,
        &signer,
    )
    .expect("json");
    let verified = export::verify(&json, &signer).expect("untouched JSON verifies");
    assert_eq!((verified.kind.as_str(), verified.chain.as_str(), verified.records, verified.head_seq), ("audit", a.tenant_id(), 6, 6));
    let document: Value = serde_json::from_slice(&json).expect("JSON");
    let exported: Vec<Value> = document["records"].as_array().expect("records").clone();
    let columns = audit::service::export_columns(true);
    let expected: Vec<Value> = chain.iter().map(|e| audit::service::export_record(e, &columns)).collect();
    assert_eq!(exported, expected, "JSON round trip");

    let csv = audit::service::export_entries(
        &app.state.db,
        Some(&a),
        &Visibility::WholeChain,
        &Filter::default(),
        ExportFormat::Csv,
        &ctx,
        &signer,
    )
    .expect("csv");
    let verified = export::verify(&csv, &signer).expect("untouched CSV verifies");
    assert_eq!(verified.records, 7, "the first export is itself in the chain now");
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).from_reader(csv.as_slice());
    let header: Vec<String> = reader.headers().expect("header").iter().map(str::to_owned).collect();
    assert_eq!(header, columns, "no platform-keyed IP hash in a tenant's export (INPUT-2)");
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    assert_eq!(rows.len(), 7);
    for (row, entry) in rows.iter().zip(chain.iter()) {
        let value = serde_json::to_value(entry).expect("value");
        for (i, column) in header.iter().enumerate() {
            let expected = match &value[column] {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(&row[i], expected, "{column}");
        }
    }
    assert_eq!(&rows[6][7], "audit.exported", "exports are recorded (TRANS-6)");

    // One changed byte anywhere fails verification.
    for file in [&json, &csv] {
        for position in [10, file.len() / 2, file.len() - 20] {
            let mut edited = file.clone();
            edited[position] = if edited[position] == b'0' { b'1' } else { b'0' };
            assert!(export::verify(&edited, &signer).is_err(), "byte {position} edited");
        }
    }
    let mut spaced = json.clone();
    spaced.insert(1, b' ');
    assert_eq!(export::verify(&spaced, &signer).expect_err("reformatted"), ExportError::ContentChanged);
    // Another platform's key does not vouch for it.
    let other =
        PlatformSigner::from_master(&anwesend::crypto::MasterKey::generate(anwesend::crypto::MasterKeyOrigin::Operator)).expect("other");
    assert!(matches!(export::verify(&json, &other), Err(ExportError::UnknownKey(_))));
}

#[test]
fn priv_4_deletion_log_records_what_why_and_who_without_personal_data() {
    let app = test_app();
    let a = tenant(&app, "verein-a");
    let ctx = app.ctx();
    app.state
        .db
        .tenant_tx(&a, |tx| {
            deletion::record(
                tx,
                &ctx,
                NewDeletion {
                    category: "participant_profile",
                    record_count: 1,
                    subject_ref: Some("p-0193"),
                    reason_code: "erasure_request",
                    reason_text: "Antrag vom 20.11.",
                    legal_basis: "GDPR Art. 17(1)(a)",
                },
            )?;
            Ok(())
        })
        .expect("record");
    let bad = app.state.db.tenant_tx(&a, |tx| {
        deletion::record(
            tx,
            &ctx,
            NewDeletion {
                category: "Bad Category!",
                record_count: 1,
                subject_ref: None,
                reason_code: "x",
                reason_text: "",
                legal_basis: "x",
            },
        )
    });
    assert!(matches!(bad, Err(AppError::Invalid { field: "category", .. })));

    let rows = app.state.db.tenant_tx(&a, |tx| Ok(audit::store::deletions(tx, None, None)?)).expect("list");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].category.as_str(), rows[0].record_count, rows[0].actor_id.as_deref()),
        ("participant_profile", 1, Some("0193-test-admin"))
    );
    assert!(all(&app, &a).iter().any(|e| e.action == "deletion.recorded" && e.target_id.as_deref() == Some(rows[0].id.as_str())));

    let signer = signer(&app);
    let file = audit::service::export_deletions(&app.state.db, &a, &Filter::default(), ExportFormat::Csv, &ctx, &signer).expect("export");
    let verified = export::verify(&file, &signer).expect("verifies");
    assert_eq!((verified.kind.as_str(), verified.records), ("deletion_log", 1));
    assert!(String::from_utf8_lossy(&file).contains("erasure_request"));
    // Append-only.
    assert!(app.db.inspect().batch_execute("DELETE FROM deletion_log").is_err());
}

#[test]
fn input_5_platform_chain_records_platform_events() {
    let app = test_app();
    tenant(&app, "verein-a");
    let report = app.state.db.platform_tx(|tx| audit::verify_chain(tx, PLATFORM_CHAIN)).expect("verify");
    assert!(report.intact, "{report:?}");
    assert!(report.entries_checked >= 2, "IP-hash key and tenant creation: {report:?}");
}

/// The scan that runs on every test database's audit trail catches a leak.
#[test]
#[should_panic(expected = "INPUT-1: an audit or deletion-log entry holds the plaintext")]
fn input_1_plaintext_scan_catches_personal_data_in_an_entry() {
    let app = test_app();
    let a = tenant(&app, "verein-a");
    app.state
        .db
        .tenant_tx(&a, |tx| {
            audit::record(tx, &app.ctx(), Event::new(Action::LocationUpdated, "participant", None).detail("note", "Anna Beispiel"))?;
            Ok(())
        })
        .expect("record");
}
