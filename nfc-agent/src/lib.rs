//! anwesend-agent: reads NFC cards over PC/SC and sends signed taps to the anwesend
//! server, with an offline queue (TOM AVAIL-4) and card ids only over TLS (TRANS-1); secure cards
//! (NTAG 424 DNA) send their Secure Unique NFC message with each tap (TRANS-2).

pub mod agent;
pub mod card;
pub mod client;
pub mod debounce;
pub mod identity;
pub mod ndef;
pub mod ntag424;
pub mod queue;
pub mod readers;
