//! The platform's published verification keys (offline checks for auditors): every
//! signing key the platform has used, public half only, with when it was in use.
//! `record_current` runs at every start (server and operator commands): a master key
//! whose signing key is not yet listed closes the listed one's validity and opens its own,
//! so documents signed before a master-key rotation still verify with the list.

pub mod model;
pub mod routes;
pub mod service;
mod store;
