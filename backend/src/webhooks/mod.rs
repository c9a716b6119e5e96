//! Webhooks and Microsoft Teams (TOM TRANS-2, TRANS-6): tenant admins add endpoints and
//! choose events; services `emit` an event inside their transaction, which queues one
//! delivery per subscribed endpoint (the outbox, `webhook_deliveries`); the worker sends
//! due deliveries signed per Standard Webhooks (`signature`), through `target`'s checks
//! (https in production; private, loopback and link-local addresses refused after DNS
//! resolution, the connection made to the checked address; no redirects), retries with
//! back-off and jitter, disables an endpoint that answers 410, and audits every attempt
//! with its recipient host.

pub mod model;
pub mod routes;
pub mod service;
pub mod signature;
mod store;
pub mod target;
pub mod worker;
