//! Encrypted backups (TOM AVAIL-1, AVAIL-2, DEL-4): `anwesend backup create|verify|restore`
//! and the server's schedule. One file per backup, encrypted with age to X25519 recipients
//! (the operator's offline recovery keys and the verify key in the keyring), holding a
//! manifest and the database: a SQLite snapshot or a `pg_dump -Fc` stream. The keyring and
//! the master key are never inside; they are backed up apart (docs/operations.md).

pub mod archive;
pub mod model;
pub mod routes;
pub mod service;
mod snapshot;
pub mod store;

pub use snapshot::PgUrl;
