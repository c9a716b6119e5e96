//! Outgoing mail through an outbox (TOM INPUT-6): services queue a message in the same
//! transaction as the change that causes it; a worker delivers it over SMTP (or to files
//! in development), retries with backoff and records the status.

pub mod model;
pub mod routes;
pub mod service;
pub mod store;
pub mod templates;
pub mod texts;
mod transport;
pub mod worker;

pub use model::{Attachment, MailStatus, Message};
pub use service::{deliver_due, enqueue, enqueue_with};
