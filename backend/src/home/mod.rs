//! The start page of a signed-in staff member (issue 23): what is on today and next, what
//! waits for someone, and for tenant admins what needs attention.
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
