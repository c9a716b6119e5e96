//! Reports at a glance (issue 21): attendance rate per course and per session, late
//! arrivals, no-shows against bookings, check-ins per hour and location, device health.
//! Numbers only, over the events the caller may see (TOM SEP-3); names of people never.
pub mod model;
pub mod routes;
pub mod service;
