//! The parts of issue 16 that are behaviour, not speed: writers take turns in the order
//! they came (the SQLite write gate, the Argon2 turns). Speed itself is measured by
//! `make bench`, never asserted here.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anwesend::runtime::FifoGate;

/// Waits (bounded) until `n` callers sleep at the gate.
fn until_waiting(gate: &FifoGate, n: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while gate.waiting() < n {
        assert!(std::time::Instant::now() < deadline, "{n} callers never queued");
        std::thread::yield_now();
    }
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
