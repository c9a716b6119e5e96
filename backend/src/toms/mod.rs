//! The TOM evidence report (TOM REVIEW-1, issue 20): one row per measure of `docs/toms.md`
//! with its control, the tests that prove it (collected at build time, `catalogue`), live
//! evidence from the running system and a status (ok / attention / failing). Platform
//! admins see every figure across tenants as counts; a tenant's admins see the measures
//! that apply to their tenant and only its figures. Exported as JSON signed by the platform.

pub mod catalogue;
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
