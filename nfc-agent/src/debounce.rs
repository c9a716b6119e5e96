//! The same card on the same reader within the window counts once: a card held a
//! little too long, or tapped twice out of habit, is one tap.

use std::collections::HashMap;
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct Debounce {
    last: HashMap<(String, String), Instant>,
}

impl Debounce {
    /// True when this tap counts; it then starts a new window for the card.
    pub fn admit(&mut self, reader: &str, card: &str, now: Instant, window: Duration) -> bool {
        self.last.retain(|_, at| now.duration_since(*at) < window);
        let key = (reader.to_owned(), card.to_owned());
        if self.last.contains_key(&key) {
            return false;
        }
        self.last.insert(key, now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_card_same_reader_within_the_window_counts_once() {
        let mut d = Debounce::default();
        let t0 = Instant::now();
        let window = Duration::from_secs(10);
        assert!(d.admit("R1", "AA", t0, window));
        assert!(!d.admit("R1", "AA", t0 + Duration::from_secs(9), window));
        // Another card, or the same card on another reader, is another tap.
        assert!(d.admit("R1", "BB", t0 + Duration::from_secs(1), window));
        assert!(d.admit("R2", "AA", t0 + Duration::from_secs(1), window));
        // After the window the card counts again.
        assert!(d.admit("R1", "AA", t0 + Duration::from_secs(10), window));
    }

    #[test]
    fn a_zero_window_admits_every_tap() {
        let mut d = Debounce::default();
        let t0 = Instant::now();
        assert!(d.admit("R1", "AA", t0, Duration::ZERO));
        assert!(d.admit("R1", "AA", t0, Duration::ZERO));
    }
}
