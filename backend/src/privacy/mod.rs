//! Data subject rights (TOM RIGHTS-2, PRIV-4): the tenant's request queue, restriction,
//! erasure with a deletion log, and an erasure ledger that survives restoring an older
//! copy of the database.

pub mod ledger;
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
