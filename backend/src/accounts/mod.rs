//! Staff accounts. Platform admins exist only through the server CLI (TOM AUTHZ-3).
pub mod model;
pub mod service;
pub mod store;
