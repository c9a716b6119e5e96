//! Members of a tenant: the access review, role assignment under the admin rules, and
//! disabling (TOM AUTHZ-3, AUTHZ-4, AUTHZ-5, ACC-8).
pub mod model;
pub mod routes;
pub mod service;
