//! Staff authentication: passwords, server-side sessions, CSRF, rate limits, and the one
//! permission check (TOM ACC-1, ACC-3, ACC-4, TRANS-4, AUTHZ-1, AUTHZ-2).
pub mod mfa;
pub mod model;
pub mod password;
pub mod policy;
pub mod principal;
pub mod rate_limit;
pub mod reset;
pub mod routes;
pub mod service;
pub mod store;
pub mod streams;
pub mod totp;
