//! In-process signals between request handlers and background threads. They live here,
//! beside the state that carries them, so neither the state nor the workers depend on the
//! other's module. Both are per process: several server nodes need a shared channel.

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
}
