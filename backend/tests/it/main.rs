//! The backend's one integration-test binary. Every test gets its own database: a temp
//! SQLite file, or a fresh PostgreSQL database when ANWESEND_TEST_DATABASE=postgres.

mod agent;
mod attendance;
mod audit;
mod audit_sealer;
mod auth;
mod backups;
mod bookings;
mod cli;
mod common;
mod config;
mod contract;
mod crypto;
mod fixtures;
mod hardening;
mod http;
mod limits;
mod metrics;
mod nodes;
mod offboarding;
mod organiser;
mod outage;
mod passkeys;
mod pcsc;
mod performance;
mod permissions;
mod privacy;
mod public_pages;
mod record;
mod retention;
mod schema_parity;
mod secure_cards;
mod separation;
mod sessions;
mod sso;
mod staff;
