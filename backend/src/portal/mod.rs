//! The participant's side: sign-in by magic link (TOM ACC-2, PRIV-3, TRANS-3), sessions
//! held only by the browser tab (PRIV-2), own bookings, cancelling, a full data export
//! (RIGHTS-1), requests about their data and unsubscribing from optional mail (INPUT-6).
pub mod model;
pub mod principal;
pub mod routes;
pub mod service;
pub mod store;
