//! The wire contract between the anwesend server and its clients (the NFC agent).
//! No database or web framework types here: both sides depend on this crate.

/// Version of the device protocol; the agent sends it with every request.
pub const PROTOCOL_VERSION: u32 = 1;
