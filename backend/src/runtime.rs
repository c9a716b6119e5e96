//! In-process signals between request handlers and background threads. They live here,
//! beside the state that carries them, so neither the state nor the workers depend on the
//! other's module. Both are per process: between server nodes the kiosk feed is fed by
//! PostgreSQL notifications (`attendance::kiosk`), and the outbox is shared in the database.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use tokio::sync::broadcast;

/// Wakes a worker early (the mail outbox after a service queued a message).
#[derive(Default)]
pub struct Wakeup {
    pending: Mutex<bool>,
    signal: Condvar,
}

impl Wakeup {
    pub fn wake(&self) {
        if let Ok(mut pending) = self.pending.lock() {
            *pending = true;
            self.signal.notify_one();
        }
    }

    /// Sleeps until woken or `timeout` has passed.
    pub fn wait(&self, timeout: Duration) {
        if let Ok(pending) = self.pending.lock() {
            if let Ok((mut pending, _)) = self.signal.wait_timeout_while(pending, timeout, |p| !*p) {
                *pending = false;
            }
        }
    }
}

/// A live broadcast to open streams (the kiosk screens). Nothing is stored: a listener
/// that was not connected misses what was sent meanwhile.
pub struct Feed<T> {
    sender: broadcast::Sender<T>,
}

impl<T: Clone> Default for Feed<T> {
    fn default() -> Self {
        Self { sender: broadcast::channel(1024).0 }
    }
}

impl<T: Clone> Feed<T> {
    pub fn publish(&self, event: T) {
        // No listener: nobody to tell.
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<T> {
        self.sender.subscribe()
    }

    /// Someone is subscribed.
    pub fn is_watched(&self) -> bool {
        self.sender.receiver_count() > 0
    }
}

/// A fair gate for at most `permits` holders at once: callers enter in the order they
/// arrived, so waiting costs a queue position, never a back-off sleep (SQLite's busy
/// handler sleeps with growing pauses, which let late writers overtake early ones). A
/// release wakes only the caller whose turn it is.
pub struct FifoGate {
    permits: usize,
    queue: Mutex<Queue>,
}

#[derive(Default)]
struct Queue {
    /// The ticket the next caller draws.
    next_ticket: u64,
    /// The ticket whose turn it is to enter.
    next_in: u64,
    /// Holders inside now.
    inside: usize,
    /// Callers asleep until their turn, by ticket.
    asleep: std::collections::BTreeMap<u64, std::thread::Thread>,
    /// Tickets whose callers gave up before their turn.
    gone: std::collections::BTreeSet<u64>,
}

impl Queue {
    fn skip_abandoned(&mut self) {
        while self.gone.remove(&self.next_in) {
            self.next_in += 1;
        }
    }

    /// Wakes the caller whose turn it is, if a permit is free for it.
    fn wake_next(&self, permits: usize) {
        if self.inside < permits {
            if let Some(thread) = self.asleep.get(&self.next_in) {
                thread.unpark();
            }
        }
    }
}

/// Inside the gate until dropped.
pub struct Pass<'g> {
    gate: &'g FifoGate,
}

impl FifoGate {
    pub fn new(permits: usize) -> Self {
        Self { permits: permits.max(1), queue: Mutex::new(Queue::default()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits for this caller's turn; `None` if it has not come within `timeout` (the
    /// ticket is then given back, so the queue moves on).
    pub fn enter(&self, timeout: Duration) -> Option<Pass<'_>> {
        let deadline = std::time::Instant::now() + timeout;
        let mut queue = self.lock();
        let ticket = queue.next_ticket;
        queue.next_ticket += 1;
        loop {
            if queue.next_in == ticket && queue.inside < self.permits {
                queue.asleep.remove(&ticket);
                queue.next_in += 1;
                queue.inside += 1;
                queue.skip_abandoned();
                // With permits left, the next in line may enter too.
                queue.wake_next(self.permits);
                return Some(Pass { gate: self });
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                queue.asleep.remove(&ticket);
                queue.gone.insert(ticket);
                queue.skip_abandoned();
                queue.wake_next(self.permits);
                return None;
            }
            queue.asleep.insert(ticket, std::thread::current());
            drop(queue);
            std::thread::park_timeout(left);
            queue = self.lock();
        }
    }
}

impl FifoGate {
    /// Callers asleep until their turn now.
    pub fn waiting(&self) -> usize {
        self.lock().asleep.len()
    }
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        let mut queue = self.gate.lock();
        queue.inside -= 1;
        queue.wake_next(self.gate.permits);
    }
}
