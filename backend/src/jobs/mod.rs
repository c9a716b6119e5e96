//! Scheduled jobs shared by every server node: each runs when its period has passed since
//! its last success, on exactly one node at a time (TOM AVAIL-3 job timestamps; several
//! nodes on one PostgreSQL).

pub mod model;
pub mod service;
pub mod store;
