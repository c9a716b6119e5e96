//! Tenant offboarding (TOM DEL-1..4): a platform or tenant admin ends a tenant; it turns
//! read-only and its admins can download a full export archive for 30 days (DEL-2); then
//! the deletion job deletes its personal data, destroys its data and index keys and its
//! keyring secret, so every backup's copy becomes unreadable (DEL-1, DEL-4), and issues a
//! deletion certificate signed by the platform (DEL-3), checked offline with
//! `anwesend certificate verify FILE`.

pub mod archive;
pub mod certificate;
pub mod guard;
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
