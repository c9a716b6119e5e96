//! Invitations: a tenant admin invites a colleague by email; the link expires, works
//! once, and leads to setting a password (TOM AUTHZ-3, AUTHZ-4, ACC-4).
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
