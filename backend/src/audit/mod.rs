//! The audit trail (TOM INPUT-1..5) and the deletion log (PRIV-4, DEL-3).
//!
//! Writing: `audit::record(tx, &ctx, Event::new(...))` inside the transaction that makes
//! the change. The chain comes from the transaction's scope, so an entry cannot land in
//! another tenant's chain, and if either the change or the entry fails, both roll back.
//! The entry is written unsealed; `sealer` links committed entries into the chain (seq,
//! prev_hash, entry_hash) before any reader reads the chain by seq, and every 250 ms.
//! Entries carry ids and pseudonyms only: never names, emails, tokens or secrets.
//!
//! Removing: only the retention job, through `service::prune_before` (TOM PRIV-6): a
//! prefix of old entries, the head's anchor moved onto the last of them, logged in the
//! deletion log and as `audit.pruned`; `verify_chain` starts at the anchor.

pub mod chain;
pub mod deletion;
pub mod export;
pub mod ip_hash;
mod ip_hash_store;
pub mod model;
pub mod refusals;
pub mod routes;
pub mod sealer;
pub mod service;
pub mod store;

pub use ip_hash::{IpHash, IpHasher};
pub use model::{Action, Actor, ActorKind, AuditContext, Event, Outcome};
pub use refusals::Refusals;
pub use service::{record, verify_chain, VerifyReport};
