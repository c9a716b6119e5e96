//! Participants and bookings: the public booking page, capacity and waiting list under
//! concurrency (TOM AVAIL-5), the organiser's lists, search and CSV export. Personal
//! data is encrypted with the tenant's data key and found through blind indexes
//! (TOM PSEUDO-1).
pub mod import;
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
