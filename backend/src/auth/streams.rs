//! Caps on long-lived streams (the kiosk feed) per session and per tenant (TOM ACC-8).
//! A slot is held by a guard that lives inside the stream, so it is given back whenever
//! the stream ends, however it ends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

type Counts = Arc<Mutex<HashMap<String, u32>>>;

#[derive(Default)]
pub struct StreamSlots {
    open: Counts,
}

/// One open stream's share of both counts; dropping it gives the slot back.
pub struct StreamSlot {
    open: Counts,
    keys: [String; 2],
}

impl StreamSlots {
    /// A slot for one more stream of `session` in `tenant`, or `None` when either is at its cap.
    pub fn acquire(&self, session: &str, per_session: u32, tenant: &str, per_tenant: u32) -> Option<StreamSlot> {
        let keys = [format!("session:{session}"), format!("tenant:{tenant}")];
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if keys.iter().zip([per_session, per_tenant]).any(|(key, cap)| open.get(key).copied().unwrap_or(0) >= cap) {
            return None;
        }
        for key in &keys {
            *open.entry(key.clone()).or_insert(0) += 1;
        }
        Some(StreamSlot { open: self.open.clone(), keys })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        for key in &self.keys {
            if let Some(n) = open.get_mut(key) {
                *n -= 1;
                if *n == 0 {
                    open.remove(key);
                }
            }
        }
    }
}
