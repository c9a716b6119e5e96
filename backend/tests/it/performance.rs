//! The parts of issue 16 that are behaviour, not speed: writers take turns in the order
//! they came (the SQLite write gate, the Argon2 turns) and share commits without an answer
//! resting on a change that is not stored. Speed itself is measured by
//! `make bench`, never asserted here.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anwesend::db::{Db, TenantScope, TenantTx};
use anwesend::error::AppError;
use anwesend::locations::model::Location;
use anwesend::runtime::FifoGate;

use crate::common::test_app;
use crate::fixtures::tenant;

/// Waits (bounded) until `waiting()` counts `n` callers queued.
fn until_queued(n: usize, waiting: impl Fn() -> usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while waiting() < n {
        assert!(std::time::Instant::now() < deadline, "{n} callers never queued");
        std::thread::yield_now();
    }
}

/// Waits (bounded) until `n` callers wait at the gate.
fn until_waiting(gate: &FifoGate, n: usize) {
    until_queued(n, || gate.waiting());
}

#[test]
fn avail_5_fifo_gate_lets_waiting_writers_in_in_the_order_they_came() {
    let gate = Arc::new(FifoGate::new(1));
    let order = Arc::new(Mutex::new(Vec::new()));
    let held = gate.enter(Duration::from_secs(60)).expect("free gate");
    let mut threads = Vec::new();
    for i in 0..8 {
        let (waiter, order) = (gate.clone(), order.clone());
        threads.push(std::thread::spawn(move || {
            let _pass = waiter.enter(Duration::from_secs(60)).expect("turn");
            order.lock().expect("order").push(i);
        }));
        // The next one arrives only after this one has queued.
        until_waiting(&gate, i + 1);
    }
    drop(held);
    for t in threads {
        t.join().expect("writer");
    }
    assert_eq!(*order.lock().expect("order"), (0..8).collect::<Vec<_>>(), "first come, first served");
}

#[test]
fn avail_5_fifo_gate_gives_up_after_its_wait_and_the_queue_moves_on() {
    let gate = Arc::new(FifoGate::new(1));
    let held = gate.enter(Duration::from_secs(60)).expect("free gate");
    assert!(gate.enter(Duration::from_millis(1)).is_none(), "no turn while the gate is held");
    let later = {
        let gate = gate.clone();
        std::thread::spawn(move || gate.enter(Duration::from_secs(60)).is_some())
    };
    until_waiting(&gate, 1);
    drop(held);
    assert!(later.join().expect("waiter"), "the abandoned ticket does not block the next caller");
    // Two permits: two holders at once, the third waits.
    let pair = FifoGate::new(2);
    let (a, b) = (pair.enter(Duration::from_secs(1)), pair.enter(Duration::from_secs(1)));
    assert!(a.is_some() && b.is_some());
    assert!(pair.enter(Duration::from_millis(1)).is_none());
}

/// A room named `Raum {i}` of `scope`, not yet stored.
fn room(tx: &mut TenantTx<'_>, i: usize) -> Location {
    let at = chrono::Utc::now().naive_utc();
    Location {
        tenant_id: tx.tenant_id().to_owned(),
        id: uuid::Uuid::now_v7().to_string(),
        parent_id: None,
        name: format!("Raum {i}"),
        created_at: at,
        updated_at: at,
    }
}

/// The names of `scope`'s rooms made by `room`, as a read on another connection sees them.
fn stored_rooms(db: &Db, scope: &TenantScope) -> Vec<String> {
    let rooms = db.tenant_read(scope, |tx| Ok(anwesend::locations::store::list(tx)?)).expect("read");
    let mut names: Vec<String> = rooms.into_iter().map(|l| l.name).filter(|n| n.starts_with("Raum ")).collect();
    names.sort();
    names
}

/// Runs `writes` writes at once, write `i` doing `write(i, tx)`. On SQLite the first holds
/// its turn until all the others wait behind it, so they share its batch. `then(i,
/// answer)` runs in each writer's thread as soon as its write has returned.
fn queued_writes(
    db: &Db,
    scope: &TenantScope,
    writes: usize,
    write: impl Fn(usize, &mut TenantTx<'_>) -> Result<(), AppError> + Sync,
    then: impl Fn(usize, &Result<(), AppError>) + Sync,
) -> Vec<Result<(), AppError>> {
    let sqlite = !db.url().is_postgres();
    let (inside, first_is_inside) = std::sync::mpsc::channel();
    std::thread::scope(|threads| {
        let running: Vec<_> = (0..writes)
            .map(|i| {
                let (inside, write, then) = (inside.clone(), &write, &then);
                let thread = threads.spawn(move || {
                    let answer = db.tenant_tx(scope, |tx| {
                        let written = write(i, tx);
                        if i == 0 {
                            inside.send(()).expect("signal");
                            if sqlite {
                                until_queued(writes - 1, || db.writers_waiting());
                            }
                        }
                        written
                    });
                    then(i, &answer);
                    answer
                });
                if i == 0 {
                    first_is_inside.recv().expect("the first write runs");
                }
                thread
            })
            .collect();
        running.into_iter().map(|t| t.join().expect("writer")).collect()
    })
}

/// TOM INPUT-1 with shared commits (issue #16): on SQLite the writes queued behind one
/// another share one commit. Each still returns only once its change is stored (a read on
/// another connection sees it at once), and one that fails is undone alone. On
/// PostgreSQL each write commits on its own; the same holds.
#[test]
fn input_1_writes_sharing_a_commit_return_once_stored_and_a_failed_one_is_undone_alone() {
    const WRITES: usize = 12;
    let app = test_app();
    let scope = tenant(&app, "gemeinsam");
    let db = &app.state.db;
    let before = db.write_counts();
    let answers = queued_writes(
        db,
        &scope,
        WRITES,
        |i, tx| {
            let row = room(tx, i);
            anwesend::locations::store::insert(tx, &row)?;
            match i % 4 {
                3 => Err(AppError::invalid("name", "refused after its row was written")),
                _ => Ok(()),
            }
        },
        |i, answer| {
            if answer.is_ok() {
                assert!(stored_rooms(db, &scope).contains(&format!("Raum {i}")), "Raum {i} is stored when its write returns");
            }
        },
    );
    let kept: Vec<usize> = (0..WRITES).filter(|i| answers[*i].is_ok()).collect();
    assert_eq!(kept, (0..WRITES).filter(|i| i % 4 != 3).collect::<Vec<_>>(), "only the refused writes fail: {answers:?}");
    let mut expected: Vec<String> = kept.iter().map(|i| format!("Raum {i}")).collect();
    expected.sort();
    assert_eq!(stored_rooms(db, &scope), expected, "exactly the writes that returned a value are stored");
    if let Some((writes, commits)) = before {
        let counts = (writes + WRITES as u64, commits + 1);
        assert_eq!(db.write_counts(), Some(counts), "the {WRITES} writes queued behind the first share its commit");
        let metrics = anwesend::metrics::render(&app.state).expect("metrics");
        for line in [format!("anwesend_db_writes_total {}", counts.0), format!("anwesend_db_write_commits_total {}", counts.1)] {
            assert!(metrics.lines().any(|l| l == line), "operators see writes per commit: {line}");
        }
    }
}

/// A shared commit that fails fails every write in it: none answers with a value, none is
/// stored. SQLite only (PostgreSQL's writes never share a commit): the first write defers
/// its foreign keys and leaves a room without its venue, so the commit, not the write,
/// is refused.
#[test]
fn input_1_a_shared_commit_that_fails_fails_each_of_its_writes() {
    let app = test_app();
    if app.state.db.url().is_postgres() {
        return;
    }
    let scope = tenant(&app, "gescheitert");
    let db = &app.state.db;
    let answers = queued_writes(
        db,
        &scope,
        4,
        |i, tx| {
            let mut row = room(tx, i);
            if i == 0 {
                diesel::RunQueryDsl::execute(diesel::sql_query("PRAGMA defer_foreign_keys = ON"), tx.conn())?;
                row.parent_id = Some("no-such-venue".into());
            }
            anwesend::locations::store::insert(tx, &row)?;
            Ok(())
        },
        |_, _| {},
    );
    assert!(answers.iter().all(Result::is_err), "each write answers an error: their commit failed: {answers:?}");
    assert_eq!(stored_rooms(db, &scope), Vec::<String>::new(), "nothing of the failed commit is stored");
    // The writer goes on after the failure.
    db.tenant_tx(&scope, |tx| Ok(anwesend::locations::store::list(tx)?)).expect("the next write commits");
}
