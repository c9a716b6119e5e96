//! The platform console (issue 20): what platform admins see and do outside any tenant.
//! Tenants are shown by their status and counts only, never their personal data
//! (TOM AUTHZ-3).

pub mod model;
pub mod routes;
pub mod service;
