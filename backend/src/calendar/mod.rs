//! Calendars (issue 23): iCalendar files for a booking's confirmation mail and an
//! instructor's personal feed of the sessions they teach, read with a secret, revocable
//! token (TOM ACC-2: 256-bit, only its SHA-256 stored, shown once, reads this feed only).

pub mod ics;
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
