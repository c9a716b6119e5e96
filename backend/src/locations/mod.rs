//! Venues and rooms of a tenant: the first tenant-owned table (SEP-2 isolation tests).
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
