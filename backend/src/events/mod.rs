//! Events and courses: what organisers publish, with dated sessions, capacity, booking
//! window, waiting list and the fields asked from participants (TOM PRIV-1, SEP-3).
pub mod access;
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
