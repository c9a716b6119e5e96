//! The backend's one integration-test binary. Every test gets its own database: a temp
//! SQLite file, or a fresh PostgreSQL database when ANWESEND_TEST_DATABASE=postgres.

mod agent;
mod attendance;
mod audit;
mod audit_sealer;
mod auth;
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
mod offboarding;
mod passkeys;
mod pcsc;
mod performance;
mod permissions;
mod privacy;
mod record;
mod retention;
mod schema_parity;
mod separation;
mod sessions;
mod staff;
