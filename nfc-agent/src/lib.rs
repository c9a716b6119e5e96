//! anwesend-agent: reads NFC cards over PC/SC and sends signed taps to the anwesend
//! server, with an offline queue (TOM AVAIL-4) and card ids only over TLS (TRANS-1).

pub mod agent;
pub mod card;
pub mod client;
pub mod debounce;
pub mod identity;
pub mod queue;
pub mod readers;
