//! anwesend: privacy-first, multi-tenant participant and attendance platform.
//!
//! Capabilities live in one folder each with the same rooms: `model` (types), `store`
//! (the only place that touches diesel), `service` (rules), `routes` (HTTP).

#[macro_use]
mod macros;

pub mod absences;
pub mod accounts;
pub mod attendance;
pub mod audit;
pub mod auth;
pub mod backups;
pub mod bookings;
pub mod calendar;
pub mod cli;
pub mod clock;
pub mod companies;
pub mod config;
pub mod crypto;
pub mod csv_file;
pub mod db;
pub mod devices;
pub mod documents;
pub mod error;
pub mod events;
pub mod home;
pub mod http;
pub mod incidents;
pub mod invitations;
pub mod jobs;
pub mod locations;
pub mod members;
pub mod metrics;
pub mod notify;
pub mod offboarding;
pub mod passkeys;
pub mod platform;
pub mod portal;
pub mod privacy;
pub mod problem;
pub mod reports;
pub mod runtime;
pub mod secure_cards;
pub mod server;
pub mod signing_keys;
pub mod sso;
pub mod state;
pub mod subprocessors;
pub mod tenants;
pub mod timestamp;
pub mod toms;
pub mod webhooks;
pub mod zone;

pub use error::AppError;
