//! Check-in devices: enrolment with a one-time code, signed requests (TOM TRANS-2),
//! heartbeat with remote configuration, version monitoring and instant revocation
//! (TOM DEV-1, DEV-2).
pub mod model;
pub mod routes;
pub mod service;
pub mod signed;
pub mod store;
