//! Tenants: the organisations that use the platform, each with its own keys (SEP-1).
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
