//! The canonical encoding of an entry and its hash (TOM INPUT-5).
//!
//! Every field is length-prefixed in a fixed order; optional fields carry a presence
//! byte. Times are truncated to microseconds before storing, so both databases give back
//! exactly the value that was hashed.

use chrono::{NaiveDateTime, Timelike};
use sha2::{Digest, Sha256};

use super::model::Entry;

pub const GENESIS: [u8; 32] = [0; 32];

pub fn truncate_to_micros(t: NaiveDateTime) -> NaiveDateTime {
    t.with_nanosecond(t.nanosecond() / 1_000 * 1_000).unwrap_or(t)
}

fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn put_opt(out: &mut Vec<u8>, value: Option<&[u8]>) {
    match value {
        Some(v) => {
            out.push(1);
            put(out, v);
        }
        None => out.push(0),
    }
}

pub fn canonical(e: &Entry) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    put(&mut out, b"anwesend-audit-v1");
    put(&mut out, e.chain.as_bytes());
    put(&mut out, &e.seq.to_be_bytes());
    put(&mut out, e.id.as_bytes());
    put(&mut out, e.occurred_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string().as_bytes());
    put(&mut out, e.actor_type.as_bytes());
    put_opt(&mut out, e.actor_id.as_deref().map(str::as_bytes));
    put_opt(&mut out, e.actor_role.as_deref().map(str::as_bytes));
    put(&mut out, e.action.as_bytes());
    put(&mut out, e.target_type.as_bytes());
    put_opt(&mut out, e.target_id.as_deref().map(str::as_bytes));
    put(&mut out, e.outcome.as_bytes());
    put_opt(&mut out, e.subject_ref.as_deref().map(str::as_bytes));
    put_opt(&mut out, e.company_id.as_deref().map(str::as_bytes));
    put_opt(&mut out, e.request_id.as_deref().map(str::as_bytes));
    put_opt(&mut out, e.ip_hash.as_deref());
    put_opt(&mut out, e.ip_key_id.as_deref().map(str::as_bytes));
    put(&mut out, e.detail.as_bytes());
    put(&mut out, &e.prev_hash);
    out
}

pub fn hash(e: &Entry) -> Vec<u8> {
    Sha256::digest(canonical(e)).to_vec()
}
