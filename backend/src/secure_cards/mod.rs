//! Secure cards (issue 22): NTAG 424 DNA whose NDEF URL carries a Secure Unique NFC
//! message, the card's UID and read counter encrypted and MACed with keys only the server
//! holds (TOM TRANS-2: signed, replay refused; PSEUDO-1: the UID is still stored as a
//! keyed hash only). The tenant's keys live here; `attendance::service::tap` asks
//! `service::check` for every tap.
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
