//! Sealing (issue #16): `audit::record` writes an entry unsealed in the caller's
//! transaction (INPUT-1), the sealer links committed entries into the chain; a sealed
//! entry can no longer change, and an unsealed one only gets its seq and hashes (INPUT-5).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anwesend::audit::{self, sealer, Action, Event};
use anwesend::db::{DbConnection, TenantScope};
use anwesend::tenants::model::NewTenant;
use anwesend::tenants::service as tenants;
use anwesend::AppError;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::common::{test_app, Backend, TestApp};

fn tenant(app: &TestApp, slug: &str) -> TenantScope {
    let t =
        tenants::create(&app.state.db, &app.state.master, &app.ctx(), NewTenant { slug: slug.into(), name: slug.into(), is_demo: false })
            .expect("tenant");
    TenantScope::named_by_operator(t.id)
}

/// Records one entry in its own transaction, returns its id.
fn append(app: &TestApp, scope: &TenantScope, target: &str) -> String {
    app.state
        .db
        .tenant_tx(scope, |tx| Ok(audit::record(tx, &app.ctx(), Event::new(Action::LocationUpdated, "location", Some(target)))?.id))
        .expect("record")
}

/// (seq, id) of a chain's rows as the database holds them, unsealed ones with seq `None`.
fn rows(app: &TestApp, chain: &str) -> Vec<(Option<i64>, String)> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        seq: Option<i64>,
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let sql = match app.db.backend {
        Backend::Sqlite => "SELECT seq, id FROM audit_entries WHERE chain = ? ORDER BY seq IS NULL, seq, id",
        Backend::Postgres => "SELECT seq, id FROM audit_entries WHERE chain = $1 ORDER BY seq NULLS LAST, id",
    };
    let loaded: Vec<Row> =
        diesel::sql_query(sql).bind::<diesel::sql_types::Text, _>(chain).load(&mut app.db.inspect()).expect("audit rows");
    loaded.into_iter().map(|r| (r.seq, r.id)).collect()
}

fn unsealed(app: &TestApp, chain: &str) -> usize {
    rows(app, chain).iter().filter(|(seq, _)| seq.is_none()).count()
}

fn verify(app: &TestApp, scope: &TenantScope) -> audit::VerifyReport {
    app.state.db.tenant_tx(scope, |tx| audit::verify_chain(tx, scope.tenant_id())).expect("verify")
}

/// Runs `sql` through the application's own connection (PostgreSQL: the app role) in the
/// tenant's scope; true when the database refused it.
fn refused_for_app(app: &TestApp, scope: &TenantScope, sql: &str) -> bool {
    app.state.db.tenant_tx(scope, |tx| Ok(diesel::sql_query(sql).execute(&mut **tx)?)).is_err()
}

fn hex_literal(app: &TestApp, bytes: &str) -> String {
    match app.db.backend {
        Backend::Sqlite => format!("X'{bytes}'"),
        Backend::Postgres => format!("decode('{bytes}', 'hex')"),
    }
}

#[test]
fn input_5_sealed_entry_cannot_be_rewritten_by_app_role() {
    let app = test_app();
    let a = tenant(&app, "verein-a");
    let chain = a.tenant_id().to_owned();
    let sealed_id = append(&app, &a, "r-1");
    assert!(sealer::seal(&app.state.db, Some(&chain)).expect("seal") >= 1);
    let open_id = append(&app, &a, "r-2");
    assert_eq!(unsealed(&app, &chain), 1, "recorded, not yet sealed");
    let forged = hex_literal(&app, &"ab".repeat(32));

    // A sealed entry: neither its place, nor its links, nor its content.
    let on_sealed = [
        format!("UPDATE audit_entries SET seq = 99 WHERE id = '{sealed_id}'"),
        format!("UPDATE audit_entries SET prev_hash = {forged} WHERE id = '{sealed_id}'"),
        format!("UPDATE audit_entries SET entry_hash = {forged} WHERE id = '{sealed_id}'"),
        format!("UPDATE audit_entries SET detail = '{{\"forged\":true}}' WHERE id = '{sealed_id}'"),
        format!("UPDATE audit_entries SET seq = NULL, prev_hash = NULL, entry_hash = NULL WHERE id = '{sealed_id}'"),
        format!("DELETE FROM audit_entries WHERE id = '{sealed_id}'"),
    ];
    // An unsealed entry: its content never changes, it is sealed whole or not at all, and
    // it is not removed.
    let on_unsealed = [
        format!("UPDATE audit_entries SET detail = '{{\"forged\":true}}' WHERE id = '{open_id}'"),
        format!("UPDATE audit_entries SET action = 'location.created' WHERE id = '{open_id}'"),
        format!(
            "UPDATE audit_entries SET seq = 100, prev_hash = {forged}, entry_hash = {forged}, outcome = 'failure' WHERE id = '{open_id}'"
        ),
        format!("UPDATE audit_entries SET seq = 100 WHERE id = '{open_id}'"),
        format!("DELETE FROM audit_entries WHERE id = '{open_id}'"),
    ];
    for sql in on_sealed.iter().chain(on_unsealed.iter()) {
        assert!(refused_for_app(&app, &a, sql), "the app connection ran: {sql}");
        // The owner meets the same trigger on both databases (PostgreSQL's app role has no
        // grant on the content columns to begin with).
        assert!(app.db.inspect().batch_execute(sql).is_err(), "the owner ran: {sql}");
    }
    if app.db.backend == Backend::Postgres {
        // The app role may write the seal columns only: its UPDATE of content is refused
        // by privilege, before any trigger.
        let err = app
            .state
            .db
            .tenant_tx(&a, |tx| {
                Ok(diesel::sql_query(format!("UPDATE audit_entries SET detail = '{{}}' WHERE id = '{open_id}'")).execute(&mut **tx)?)
            })
            .expect_err("refused");
        assert!(err.to_string().contains("permission denied"), "{err}");
    }

    // Nothing changed: the entry is sealed in its turn and the chain verifies.
    let report = verify(&app, &a);
    assert!(report.intact, "{report:?}");
    assert_eq!(unsealed(&app, &chain), 0);
    let all = rows(&app, &chain);
    assert_eq!(all.last().map(|r| r.1.as_str()), Some(open_id.as_str()), "sealed after the others");
    assert_eq!(report.head_seq, all.len() as i64);
}

#[test]
fn input_1_rolled_back_change_leaves_no_unsealed_entry() {
    let app = test_app();
    let a = tenant(&app, "verein-a");
    let chain = a.tenant_id().to_owned();
    sealer::seal(&app.state.db, Some(&chain)).expect("seal");
    let before = rows(&app, &chain);

    // The entry is written, then the change fails: the entry goes with it.
    let result: Result<(), AppError> = app.state.db.tenant_tx(&a, |tx| {
        audit::record(tx, &app.ctx(), Event::new(Action::LocationUpdated, "location", Some("rolled-back")))?;
        Err(AppError::invalid("name", "the change fails after its entry was written"))
    });
    assert!(result.is_err());
    assert_eq!(rows(&app, &chain), before, "no entry, sealed or unsealed");
    assert_eq!(sealer::seal(&app.state.db, Some(&chain)).expect("seal"), 0, "nothing for the sealer");

    // A committed one waits unsealed for the sealer (or the next reader), then joins.
    append(&app, &a, "committed");
    assert_eq!(unsealed(&app, &chain), 1);
    assert_eq!(sealer::seal(&app.state.db, Some(&chain)).expect("seal"), 1);
    assert_eq!(unsealed(&app, &chain), 0);
    let report = verify(&app, &a);
    assert!(report.intact && report.entries_checked == before.len() as i64 + 1, "{report:?}");
}

#[test]
fn input_5_concurrent_appenders_and_sealers_keep_the_chain_whole() {
    const WRITERS: usize = 8;
    const EACH: usize = 40;
    let app = Arc::new(test_app());
    let a = tenant(&app, "verein-a");
    let chain = a.tenant_id().to_owned();
    let done = Arc::new(AtomicBool::new(false));
    // Two sealers at once, as two servers would run them, while the writers append.
    let sealers: Vec<_> = (0..2)
        .map(|_| {
            let (app, chain, done) = (app.clone(), chain.clone(), done.clone());
            std::thread::spawn(move || {
                let mut sealed = 0;
                while !done.load(Ordering::Acquire) {
                    sealed += sealer::seal(&app.state.db, Some(&chain)).expect("seal");
                    std::thread::yield_now();
                }
                sealed
            })
        })
        .collect();
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (app, a) = (app.clone(), a.clone());
            std::thread::spawn(move || {
                for i in 0..EACH {
                    append(&app, &a, &format!("w{w}-{i}"));
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    done.store(true, Ordering::Release);
    let sealed_meanwhile: usize = sealers.into_iter().map(|s| s.join().expect("sealer")).sum();
    sealer::seal(&app.state.db, Some(&chain)).expect("final seal");

    let all = rows(&app, &chain);
    let seqs: Vec<Option<i64>> = all.iter().map(|r| r.0).collect();
    let expected: Vec<Option<i64>> = (1..=all.len() as i64).map(Some).collect();
    assert_eq!(seqs, expected, "consecutive, none left unsealed");
    assert_eq!(all.len(), 1 + WRITERS * EACH, "tenant.created and every append, once each");
    let report = verify(&app, &a);
    assert!(report.intact, "{report:?}");
    assert_eq!(report.entries_checked, (1 + WRITERS * EACH) as i64);
    assert!(sealed_meanwhile <= WRITERS * EACH + 1, "no entry sealed twice: {sealed_meanwhile}");
}

/// Issue #16: an append does not wait for a sealer that holds the chain's head. On
/// PostgreSQL the sealer keeps the head row locked and updated until it commits; appenders
/// only read it. (On SQLite every write waits for the one write gate by design, so there
/// is nothing to show there.)
#[test]
fn input_5_appends_do_not_wait_for_a_sealer_holding_the_head() {
    let app = test_app();
    if app.db.backend == Backend::Sqlite {
        return;
    }
    let a = tenant(&app, "verein-a");
    append(&app, &a, "to-seal");
    let (holding, held) = std::sync::mpsc::channel();
    let (appended, heard) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        let (app, a) = (&app, &a);
        let sealer = s.spawn(move || {
            app.state.db.tx_in(Some(a), |tx| {
                assert_eq!(sealer::seal_pending(tx, a.tenant_id())?, 2, "tenant.created and the append");
                holding.send(()).expect("signal");
                // Holds the head until the append below is done, or gives up after 30 s.
                Ok(heard.recv_timeout(std::time::Duration::from_secs(30)).is_ok())
            })
        });
        held.recv().expect("the sealer holds the head");
        append(app, a, "beside-the-sealer");
        let _ = appended.send(());
        assert!(sealer.join().expect("sealer").expect("seal"), "the append waited for the sealer's transaction to end");
    });
    sealer::seal(&app.state.db, Some(a.tenant_id())).expect("seal");
    let report = verify(&app, &a);
    assert!(report.intact && report.entries_checked == 3, "{report:?}");
}

#[test]
fn input_5_the_sealer_finds_every_chain_with_unsealed_entries() {
    let app = test_app();
    let (a, b) = (tenant(&app, "verein-a"), tenant(&app, "verein-b"));
    append(&app, &a, "in-a");
    append(&app, &b, "in-b");
    app.state
        .db
        .platform_tx(|tx| {
            audit::record(tx, &app.ctx(), Event::new(Action::LocationUpdated, "location", Some("on-the-platform")))?;
            Ok(())
        })
        .expect("platform entry");
    let mut pending = {
        let mut conn = app.state.db.conn().expect("conn");
        let conn: &mut DbConnection = &mut conn;
        sealer::pending_chains(conn).expect("pending")
    };
    pending.sort();
    let mut expected = vec![a.tenant_id().to_owned(), b.tenant_id().to_owned(), "platform".to_owned()];
    expected.sort();
    assert_eq!(pending, expected, "through the app's connection, across tenants (PostgreSQL: past row-level security)");

    assert!(sealer::seal(&app.state.db, None).expect("seal all") >= 3);
    for chain in &expected {
        assert_eq!(unsealed(&app, chain), 0, "{chain}");
    }
    assert_eq!(sealer::seal(&app.state.db, None).expect("seal again"), 0, "a second sealer finds nothing to do");
    for scope in [&a, &b] {
        assert!(verify(&app, scope).intact);
    }
    let platform = app.state.db.platform_tx(|tx| audit::verify_chain(tx, "platform")).expect("verify platform");
    assert!(platform.intact, "{platform:?}");
}
