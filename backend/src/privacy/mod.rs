//! Data subject rights (TOM RIGHTS-2, PRIV-4): the tenant's request queue, restriction,
//! erasure with a deletion log, and an erasure ledger that survives restoring an older
//! copy of the database. Retention (PRIV-6, PSEUDO-2): the daily anonymisation job. The
//! processing record (RIGHTS-3).

pub mod ledger;
pub mod model;
pub mod record;
pub mod retention;
pub mod routes;
pub mod service;
pub mod store;
