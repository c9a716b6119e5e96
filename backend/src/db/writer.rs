//! SQLite's writers (issue #16). Write transactions take turns at one FIFO gate and run on
//! one connection, and writes that follow each other closely share a commit: the first
//! write of a batch runs in it directly, each later one in a savepoint, so one that fails
//! is undone alone. The write whose turn ends with nobody waiting, or that fills the batch,
//! commits it; every write of a batch returns only once the batch has committed (or
//! failed), so an answer never rests on a change that is not stored.
//!
//! One connection: SQLite empties a connection's page cache whenever another connection
//! has written since its last transaction, so with the writes spread over the pool every
//! write transaction read its pages anew.
//!
//! Shared commits: a commit writes each page the transaction changed into the log, one
//! `pwrite` per page and one per frame header, and consecutive taps change the same pages
//! (the last leaf of each table and index). Committed one by one, those writes were a fifth
//! of the CPU time sampled in the check-in bench at 10 connections, all of it inside the
//! one turn every writer waits for.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use diesel::connection::TransactionManager;
use diesel::r2d2::R2D2Connection;

use super::{begin, DatabaseUrl, DbConnection, KnownHeads, Mode, TenantScope, Tx, TxHeads, WRITING};
use crate::error::AppError;
use crate::runtime::{FifoGate, Pass};

/// Most writes one commit holds. Every write of a batch waits for its commit, so this
/// bounds how long the first waits for the last.
const MOST_PER_BATCH: usize = 16;

/// How long a write waits for its batch's commit before it takes a turn to commit the batch
/// itself. Only reached when the writers that were to commit it gave up waiting for their
/// turn.
const COMMIT_WAIT: Duration = Duration::from_secs(1);

pub(super) struct Writers {
    gate: FifoGate,
    writer: Mutex<Writer>,
    settled: Settled,
}

/// The connection and the batch open on it.
#[derive(Default)]
struct Writer {
    /// Opened by the first writer; opened again after a writer left it broken.
    conn: Option<DbConnection>,
    batch: Option<Batch>,
    /// The number of the last batch begun.
    last: u64,
    /// Writes run and batches committed so far (metrics: writes per commit).
    writes: u64,
    commits: u64,
}

struct Batch {
    number: u64,
    writes: usize,
    /// Set while a write runs; still set at the next turn if that write panicked.
    running: bool,
}

/// A writer's turn: the gate's pass, and the thread marked as writing (a write opened
/// inside another takes a pooled connection instead of waiting for this turn).
struct Turn<'g> {
    _pass: Pass<'g>,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        WRITING.with(|w| w.set(false));
    }
}

/// The outcome of each batch, for the writes that wait for theirs.
#[derive(Default)]
struct Settled {
    state: Mutex<Outcomes>,
    changed: Condvar,
}

#[derive(Default)]
struct Outcomes {
    /// Every batch up to this number has ended (in order: one is open at a time).
    up_to: u64,
    /// The latest batches that failed with writes waiting for them, with the reason. Such
    /// a failure is rare (a full disk, a broken connection): 64 are kept.
    failed: VecDeque<(u64, String)>,
}

impl Settled {
    fn settle(&self, number: u64, failure: Option<String>) {
        let mut outcomes = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        outcomes.up_to = number;
        if let Some(reason) = failure {
            outcomes.failed.push_back((number, reason));
            if outcomes.failed.len() > 64 {
                outcomes.failed.pop_front();
            }
        }
        self.changed.notify_all();
    }

    /// Batch `number`'s outcome; `None` if it has not ended within `wait`.
    fn outcome(&self, number: u64, wait: Duration) -> Option<Result<(), AppError>> {
        let outcomes = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (outcomes, _) = self.changed.wait_timeout_while(outcomes, wait, |o| o.up_to < number).unwrap_or_else(PoisonError::into_inner);
        (outcomes.up_to >= number).then(|| match outcomes.failed.iter().find(|(n, _)| *n == number) {
            Some((_, reason)) => Err(AppError::Unavailable(format!("the write could not be committed: {reason}"))),
            None => Ok(()),
        })
    }
}

impl Writer {
    /// Opens the connection and a batch on it unless one is open; the batch's number.
    fn join(&mut self, url: &DatabaseUrl, settled: &Settled) -> Result<u64, AppError> {
        if self.batch.as_ref().is_some_and(|b| b.running) {
            self.fail(settled, "a write of the batch did not end");
        }
        // Between batches only: diesel counts an open transaction as broken.
        if self.batch.is_none() && self.conn.as_mut().is_some_and(|c| c.is_broken()) {
            self.conn = None;
        }
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => self.conn.insert(url.connect().map_err(|e| AppError::Unavailable(e.to_string()))?),
        };
        if let Some(batch) = &self.batch {
            return Ok(batch.number);
        }
        begin(conn, Mode::Write, None)?;
        self.last += 1;
        self.batch = Some(Batch { number: self.last, writes: 0, running: false });
        Ok(self.last)
    }

    /// Commits the open batch and tells its writes.
    fn commit(&mut self, settled: &Settled) -> Result<(), AppError> {
        let (Some(batch), Some(conn)) = (self.batch.take(), self.conn.as_mut()) else { return Ok(()) };
        match <DbConnection as TransactionManager<DbConnection>>::commit_transaction(conn) {
            Ok(()) => {
                self.commits += 1;
                settled.settle(batch.number, None);
                Ok(())
            }
            Err(e) => {
                self.batch = Some(batch);
                self.fail(settled, &e.to_string());
                Err(e.into())
            }
        }
    }

    /// Rolls back the open batch, whose only write failed. No other write waits for it,
    /// so it takes no place among the failures waiting writes look up.
    fn roll_back(&mut self, settled: &Settled) {
        let (Some(batch), Some(conn)) = (self.batch.take(), self.conn.as_mut()) else { return };
        if <DbConnection as TransactionManager<DbConnection>>::rollback_transaction(conn).is_err() {
            self.conn = None;
        }
        settled.settle(batch.number, None);
    }

    /// Gives the open batch up: the connection is closed, which rolls back whatever it
    /// holds, and the batch's writes learn that it failed.
    fn fail(&mut self, settled: &Settled, reason: &str) {
        self.conn = None;
        if let Some(batch) = self.batch.take() {
            settled.settle(batch.number, Some(reason.to_owned()));
        }
    }
}

impl Writers {
    pub(super) fn new() -> Self {
        Self { gate: FifoGate::new(1), writer: Default::default(), settled: Default::default() }
    }

    fn turn(&self, wait: Duration) -> Result<Turn<'_>, AppError> {
        let pass = self.gate.enter(wait).ok_or_else(|| AppError::Unavailable("the database is busy; try again".into()))?;
        WRITING.with(|w| w.set(true));
        Ok(Turn { _pass: pass })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Writer> {
        // Poisoned only by a writer that panicked; `join` then gives its batch up.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn waiting(&self) -> usize {
        self.gate.waiting()
    }

    /// Writes run and batches committed so far.
    pub(super) fn counts(&self) -> (u64, u64) {
        let writer = self.lock();
        (writer.writes, writer.commits)
    }

    /// Runs `f` in its turn, in the open batch (after its first write, in a savepoint of
    /// it), and returns once the batch has ended: `f`'s value if it committed.
    pub(super) fn write<T>(
        &self,
        url: &DatabaseUrl,
        known: &std::sync::Arc<KnownHeads>,
        scope: Option<&TenantScope>,
        wait: Duration,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let turn = self.turn(wait)?;
        let mut writer = self.lock();
        let number = writer.join(url, &self.settled)?;
        let heads = TxHeads::new(known.clone());
        let Writer { conn: Some(conn), batch: Some(batch), .. } = &mut *writer else {
            return Err(AppError::Internal("the writer has no open batch".into()));
        };
        batch.running = true;
        let first = batch.writes == 0;
        let run = |conn: &mut DbConnection| f(&mut Tx { conn, scope: scope.cloned(), heads: &heads });
        let outcome = if first {
            // The batch's first write runs in it directly; if it fails, the batch, which
            // holds nothing else, is rolled back. A savepoint would copy every page it
            // changes, which is what a lone write (one connection, a quiet server) pays.
            Ok(run(conn))
        } else {
            match <DbConnection as TransactionManager<DbConnection>>::begin_transaction(conn) {
                // The write did not start; the batch is as it was.
                Err(e) => Ok(Err(e.into())),
                Ok(()) => {
                    let result = run(conn);
                    let ended = match &result {
                        Ok(_) => <DbConnection as TransactionManager<DbConnection>>::commit_transaction(conn),
                        Err(_) => <DbConnection as TransactionManager<DbConnection>>::rollback_transaction(conn),
                    };
                    ended.map(|()| result)
                }
            }
        };
        batch.running = false;
        batch.writes += 1;
        writer.writes += 1;
        let result = match outcome {
            Ok(Err(e)) if first => {
                writer.roll_back(&self.settled);
                return Err(e);
            }
            Ok(result) => result,
            Err(e) => {
                writer.fail(&self.settled, &e.to_string());
                return Err(e.into());
            }
        };
        let full = writer.batch.as_ref().is_some_and(|b| b.writes >= MOST_PER_BATCH);
        let committed = if full || self.gate.waiting() == 0 {
            let committed = writer.commit(&self.settled);
            drop(writer);
            drop(turn);
            committed
        } else {
            drop(writer);
            drop(turn);
            self.committed(number, wait)
        };
        let value = result?;
        committed?;
        heads.committed();
        Ok(value)
    }

    /// Waits for batch `number` to end. If the writers that were to commit it gave up
    /// waiting for their turn, takes a turn and commits it.
    fn committed(&self, number: u64, wait: Duration) -> Result<(), AppError> {
        loop {
            if let Some(outcome) = self.settled.outcome(number, COMMIT_WAIT) {
                return outcome;
            }
            let _turn = self.turn(wait)?;
            let mut writer = self.lock();
            match writer.batch.as_ref() {
                // No write runs outside a turn: this one's writer panicked.
                Some(b) if b.number == number && b.running => writer.fail(&self.settled, "a write of the batch did not end"),
                Some(b) if b.number == number => writer.commit(&self.settled)?,
                _ => {}
            }
        }
    }
}
