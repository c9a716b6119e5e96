//! PostgreSQL `LISTEN/NOTIFY` between server nodes. A notification is sent after the
//! change it announces has committed (`Notifier`); it carries ids only, and each receiver
//! reads the rest through its normal scoped read. The listener is a connection of its own,
//! opened exactly as the pool opens its connections (libpq through diesel,
//! `DatabaseUrl::connect`), so `sslmode`, `sslrootcert` and every other setting of
//! `database_url` apply to it alike; it runs on a thread of its own and collects what has
//! arrived every `POLL` (libpq reads the socket without blocking). SQLite has no such
//! channel (one node only).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::RunQueryDsl;

use super::{DatabaseUrl, DbConnection};
use crate::error::AppError;

/// How long the listener waits for a notification before it checks that its connection
/// still answers (a peer that vanished without closing the socket sends nothing).
const IDLE_CHECK: Duration = Duration::from_secs(30);
/// How often the listener collects the notifications that arrived: a tap reaches the
/// screens of every node within this (and the commit). At 20 ms the kiosk bench's tap →
/// screen p50 was 21 ms on PostgreSQL against 1 ms on SQLite; a collection that finds
/// nothing is one non-blocking read, so 200 of them a second cost next to nothing.
const POLL: Duration = Duration::from_millis(5);
/// The longest pause between two connection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Sends notifications on one channel from a thread of its own (PostgreSQL), each after
/// the change it announces has committed, so nothing is announced that a rollback undid.
/// Not inside the change's transaction: PostgreSQL lets one notifying transaction commit
/// at a time (a lock per database, held until its commit is flushed), which made
/// concurrent taps wait for each other's commits. Not one transaction per notice either:
/// that cost every tap a second transaction and round trip on the request's path (issue
/// #16). What is queued while a send runs goes out together in the next send. The thread's
/// connection is its own, opened as the pool opens its connections, and does not wait for
/// its commits to be flushed: a notice lost in a crash loses nothing stored. Dropping the
/// notifier ends the thread once what is queued has been sent.
pub struct Notifier {
    queue: std::sync::mpsc::SyncSender<String>,
    /// Notices refused since the thread last said so, because the queue was full.
    dropped: Arc<AtomicUsize>,
}

/// Most notices one send carries.
const BATCH: usize = 500;
/// Most notices waiting to be sent; beyond it a notice is dropped (the thread logs how
/// many), as when it cannot be sent: the change is stored, a screen shows the next one.
const QUEUE: usize = 10_000;

impl Notifier {
    /// `channel` must be a plain identifier (it is a constant of the code).
    pub fn spawn(url: &DatabaseUrl, channel: &'static str) -> Self {
        let (queue, queued) = std::sync::mpsc::sync_channel(QUEUE);
        let dropped = Arc::new(AtomicUsize::new(0));
        let (url, lost) = (url.clone(), dropped.clone());
        let started =
            std::thread::Builder::new().name(format!("notify-{channel}")).spawn(move || send_queued(&url, channel, &queued, &lost));
        if let Err(e) = started {
            tracing::error!(cause = %e, channel, "cannot start the notifier");
        }
        Self { queue, dropped }
    }

    /// Queues `payload`; never waits.
    pub fn send(&self, payload: String) {
        if self.queue.try_send(payload).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn send_queued(url: &DatabaseUrl, channel: &str, queued: &std::sync::mpsc::Receiver<String>, dropped: &AtomicUsize) {
    let mut conn: Option<diesel::PgConnection> = None;
    let mut backoff = Duration::from_millis(100);
    while let Ok(first) = queued.recv() {
        let batch: Vec<String> = std::iter::once(first).chain(queued.try_iter().take(BATCH - 1)).collect();
        let sent = notifier_connection(url, &mut conn).and_then(|c| {
            diesel::sql_query("SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload")
                .bind::<diesel::sql_types::Text, _>(channel)
                .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(&batch)
                .execute(c)
                .map_err(AppError::from)
        });
        if let Err(e) = sent {
            tracing::warn!(cause = %e, channel, notices = batch.len(), "notifications could not be sent");
            conn = None;
            // The database is away: what arrives meanwhile waits in the queue, or is dropped.
            std::thread::sleep(backoff);
            backoff = (backoff * 2).min(MAX_BACKOFF);
        } else {
            backoff = Duration::from_millis(100);
        }
        let lost = dropped.swap(0, Ordering::Relaxed);
        if lost > 0 {
            tracing::warn!(channel, notices = lost, "notifications dropped: too many were waiting");
        }
    }
}

fn notifier_connection<'c>(
    url: &DatabaseUrl,
    conn: &'c mut Option<diesel::PgConnection>,
) -> Result<&'c mut diesel::PgConnection, AppError> {
    if conn.is_none() {
        let DbConnection::Postgres(mut c) = url.connect().map_err(|e| AppError::Unavailable(e.to_string()))? else {
            return Err(AppError::Internal("notifications are PostgreSQL's".into()));
        };
        c.batch_execute("SET synchronous_commit = off")?;
        *conn = Some(c);
    }
    Ok(conn.as_mut().expect("connected above"))
}

/// What the listener passes on.
pub enum Heard<'a> {
    /// The payload of one notification.
    Message(&'a str),
    /// The listener is listening again after a gap: what was sent meanwhile is lost.
    Resumed,
    /// Nothing for a while (or a reconnect pending): a chance to stop.
    Idle,
}

/// What the receiver answers: go on, or stop listening for good (its owner is gone).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    Listening,
    Stop,
}

/// Set once the listener has run `LISTEN` for the first time.
#[derive(Default)]
pub struct Listening {
    up: Mutex<bool>,
    signal: Condvar,
}

impl Listening {
    fn set(&self) {
        if let Ok(mut up) = self.up.lock() {
            *up = true;
            self.signal.notify_all();
        }
    }

    /// Waits until the listener listens or `timeout` has passed; true if it listens.
    pub fn wait(&self, timeout: Duration) -> bool {
        let Ok(up) = self.up.lock() else { return false };
        self.signal.wait_timeout_while(up, timeout, |up| !*up).map(|(up, _)| *up).unwrap_or(false)
    }
}

/// Listens on `channel` on a thread of its own until `receive` answers `Stop`, reconnecting
/// after any loss with a growing pause; after each reconnect `receive` hears `Resumed`.
/// `channel` must be a plain identifier (it is a constant of the code).
pub fn spawn(url: &DatabaseUrl, channel: &'static str, receive: impl FnMut(Heard<'_>) -> Keep + Send + 'static) -> Arc<Listening> {
    let listening = Arc::new(Listening::default());
    if !url.is_postgres() {
        return listening;
    }
    let (url, flag) = (url.clone(), listening.clone());
    let started = std::thread::Builder::new().name(format!("listen-{channel}")).spawn(move || run(&url, channel, &flag, receive));
    if let Err(e) = started {
        tracing::error!(cause = %e, channel, "cannot start the notification listener");
    }
    listening
}

fn run(url: &DatabaseUrl, channel: &str, listening: &Listening, mut receive: impl FnMut(Heard<'_>) -> Keep) {
    let mut backoff = Duration::from_millis(100);
    let mut gap = false;
    loop {
        match url.connect() {
            Ok(DbConnection::Postgres(mut conn)) => match conn.batch_execute(&format!("LISTEN {channel}")) {
                Ok(()) => {
                    listening.set();
                    backoff = Duration::from_millis(100);
                    if gap && receive(Heard::Resumed) == Keep::Stop {
                        return;
                    }
                    if listen(&mut conn, &mut receive) == Keep::Stop {
                        return;
                    }
                    tracing::warn!(channel, "the notification listener lost its connection; reconnecting");
                }
                Err(e) => tracing::warn!(cause = %e, channel, "LISTEN failed"),
            },
            Ok(DbConnection::Sqlite(_)) => return,
            Err(e) => tracing::warn!(cause = %e, channel, "the notification listener cannot connect"),
        }
        gap = true;
        std::thread::sleep(backoff);
        backoff = (backoff * 2).min(MAX_BACKOFF);
        // Asked between attempts, so a listener whose owner is gone does not retry for ever.
        if receive(Heard::Idle) == Keep::Stop {
            return;
        }
    }
}

/// Passes notifications on until the connection fails (`Listening`) or the receiver stops.
fn listen(conn: &mut diesel::PgConnection, receive: &mut impl FnMut(Heard<'_>) -> Keep) -> Keep {
    let mut quiet_since = std::time::Instant::now();
    loop {
        let mut heard = false;
        for next in conn.notifications_iter() {
            match next {
                Ok(notification) => {
                    heard = true;
                    if receive(Heard::Message(&notification.payload)) == Keep::Stop {
                        return Keep::Stop;
                    }
                }
                // The socket is closed or broken.
                Err(_) => return Keep::Listening,
            }
        }
        if heard {
            quiet_since = std::time::Instant::now();
        } else if quiet_since.elapsed() >= IDLE_CHECK {
            // Quiet for a while: is the server still there (and the owner)?
            if receive(Heard::Idle) == Keep::Stop {
                return Keep::Stop;
            }
            if conn.batch_execute("SELECT 1").is_err() {
                return Keep::Listening;
            }
            quiet_since = std::time::Instant::now();
        }
        std::thread::sleep(POLL);
    }
}
