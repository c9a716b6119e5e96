//! Companies: customer organisations inside a tenant; company admins and courses are
//! scoped to one (TOM SEP-3).
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
