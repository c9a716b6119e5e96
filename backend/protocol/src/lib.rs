//! The wire contract between the anwesend server and its clients (the NFC agent).
//! No database or web framework types here: both sides depend on this crate.
//!
//! Device requests are signed (TOM TRANS-2): HMAC-SHA256 with the device secret over
//! the protocol version, method, path, timestamp, nonce and SHA-256 of the body. The
//! server refuses timestamps more than `MAX_SKEW_SECONDS` away from its clock and any
//! nonce it has seen before for the device.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Version of the device protocol; part of every signature.
pub const PROTOCOL_VERSION: u32 = 1;

/// Headers of a signed device request.
pub const HEADER_DEVICE: &str = "x-anwesend-device";
pub const HEADER_TIMESTAMP: &str = "x-anwesend-timestamp";
pub const HEADER_NONCE: &str = "x-anwesend-nonce";
pub const HEADER_SIGNATURE: &str = "x-anwesend-signature";

/// How far a request's timestamp may be from the server's clock.
pub const MAX_SKEW_SECONDS: i64 = 120;

/// Paths of the device endpoints.
pub const PATH_ENROL: &str = "/api/v1/device/enrol";
pub const PATH_HEARTBEAT: &str = "/api/v1/device/heartbeat";
pub const PATH_TAPS: &str = "/api/v1/device/taps";
/// The keys of the one secure card being provisioned (while the device is in "enrol card" mode).
pub const PATH_CARD_KEYS: &str = "/api/v1/device/card-keys";

/// The bytes that are signed.
pub fn canonical(method: &str, path: &str, timestamp: i64, nonce: &str, body: &[u8]) -> Vec<u8> {
    let body_hash = hex::encode(Sha256::digest(body));
    format!("anwesend-device-v{PROTOCOL_VERSION}\n{}\n{path}\n{timestamp}\n{nonce}\n{body_hash}", method.to_ascii_uppercase()).into_bytes()
}

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length; this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!("HMAC accepts every key length"))
}

/// The signature of a request, hex.
pub fn sign(secret: &[u8], method: &str, path: &str, timestamp: i64, nonce: &str, body: &[u8]) -> String {
    let mut m = mac(secret);
    m.update(&canonical(method, path, timestamp, nonce, body));
    hex::encode(m.finalize().into_bytes())
}

/// Checks a signature in constant time.
pub fn verify(secret: &[u8], method: &str, path: &str, timestamp: i64, nonce: &str, body: &[u8], signature_hex: &str) -> bool {
    let Ok(signature) = hex::decode(signature_hex) else { return false };
    let mut m = mac(secret);
    m.update(&canonical(method, path, timestamp, nonce, body));
    m.verify_slice(&signature).is_ok()
}

/// A nonce the server accepts: 16–64 characters of `A-Z a-z 0-9 - _`.
pub fn nonce_is_valid(nonce: &str) -> bool {
    (16..=64).contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The four headers of a signed request, ready to send.
pub fn signed_headers(
    device_id: &str,
    secret: &[u8],
    method: &str,
    path: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> [(&'static str, String); 4] {
    [
        (HEADER_DEVICE, device_id.to_owned()),
        (HEADER_TIMESTAMP, timestamp.to_string()),
        (HEADER_NONCE, nonce.to_owned()),
        (HEADER_SIGNATURE, sign(secret, method, path, timestamp, nonce, body)),
    ]
}

/// JSON Schema's `integer` includes `37.0`; serde's integers do not. Integers read from
/// requests go through here, so every value the published schema allows is read, and a
/// fraction or an out-of-range number is still refused.
pub mod whole_number {
    use serde::de::{Deserializer, Error, Visitor};
    use serde::Deserialize;

    struct Whole;

    impl Visitor<'_> for Whole {
        type Value = i64;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number")
        }
        fn visit_i64<E: Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(|_| E::custom("number out of range"))
        }
        fn visit_f64<E: Error>(self, v: f64) -> Result<i64, E> {
            // -2^63 and 2^63 are exact as f64; a whole number inside them converts exactly.
            let limit = -(i64::MIN as f64);
            if v.fract() == 0.0 && (-limit..limit).contains(&v) {
                #[allow(clippy::cast_possible_truncation)]
                Ok(v as i64)
            } else {
                Err(E::custom("expected a whole number"))
            }
        }
    }

    struct Field<T>(T);

    impl<'de, T: TryFrom<i64>> Deserialize<'de> for Field<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let v = d.deserialize_any(Whole)?;
            T::try_from(v).map(Field).map_err(|_| D::Error::custom("number out of range"))
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: TryFrom<i64>>(d: D) -> Result<T, D::Error> {
        Field::deserialize(d).map(|Field(v)| v)
    }

    /// The same for an optional field (`null` or absent: `None`; use with `#[serde(default)]`).
    pub fn option<'de, D: Deserializer<'de>, T: TryFrom<i64>>(d: D) -> Result<Option<T>, D::Error> {
        Option::<Field<T>>::deserialize(d).map(|v| v.map(|Field(v)| v))
    }
}

/// `POST /api/v1/device/enrol` (not signed: the one-time code is the credential).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The code the admin's screen shows, e.g. `ABCD-EFGH`.
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub agent_version: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolResponse {
    pub device_id: String,
    /// The device secret, hex; shown once, keep it in a file only the agent can read.
    pub secret: String,
    pub device_name: String,
    pub tenant_name: String,
    pub config: DeviceConfig,
}

/// Configuration set on the server, picked up with every heartbeat (TOM DEV-1).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceConfig {
    /// `check_in` or `check_out`.
    pub mode: String,
    /// The same card on this device within this many seconds counts once.
    pub duplicate_window_seconds: u32,
    /// Taps older than this many seconds when they arrive are marked as late uploads.
    pub late_upload_after_seconds: u32,
    /// Event sessions this device serves; empty: every session at its location.
    pub session_ids: Vec<String>,
}

/// `POST /api/v1/device/heartbeat` (signed).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HeartbeatRequest {
    pub agent_version: String,
    /// Names of the connected readers.
    pub readers: Vec<String>,
    /// Taps waiting in the agent's offline queue.
    #[serde(deserialize_with = "whole_number::deserialize")]
    pub queue_length: u32,
    /// The agent reads secure cards (NTAG 424 DNA) and sends their `sun` message with each
    /// tap. Agents from before secure cards leave it out.
    #[serde(default)]
    pub secure_cards: bool,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeartbeatResponse {
    pub config: DeviceConfig,
    /// The oldest agent version the server still accepts without a warning (TOM DEV-2).
    pub minimum_agent_version: String,
    /// True when this agent is older than that.
    pub outdated: bool,
}

/// `POST /api/v1/device/taps` (signed): one card tap.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TapRequest {
    /// Unique per tap on this device: a replayed tap (offline queue sent twice) counts once.
    pub idempotency_key: String,
    /// The card's UID as hex, as read with `FF CA 00 00 00`.
    pub card_id: String,
    /// When the card was tapped, Unix seconds (the agent's clock).
    #[serde(deserialize_with = "whole_number::deserialize")]
    pub tapped_at: i64,
    pub reader: String,
    /// A secure card's Secure Unique NFC message: the URL of its NDEF record, which holds
    /// the encrypted UID and read counter (`picc_data`) and their MAC (`cmac`). Absent for
    /// other cards and from agents without secure-card support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 512))]
    pub sun: Option<String>,
}

/// What a tap did.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TapOutcome {
    CheckedIn,
    CheckedOut,
    /// Already checked in (or out) for this session: nothing recorded.
    AlreadyRecorded,
    /// The card is bound to nobody in this tenant.
    UnknownCard,
    /// No session runs at this device's location now.
    NoSession,
    /// The card's owner has no confirmed booking for the running session.
    NoBooking,
    /// Checking out without having checked in.
    NotCheckedIn,
    /// The card was bound to the participant chosen in "enrol card" mode.
    CardBound,
    /// This card is bound to someone else already.
    CardInUse,
    /// The processing of the owner's data is restricted (Art. 18 GDPR): no check-in.
    Restricted,
}

impl TapOutcome {
    /// True for the outcomes that greet the person (a success signal on the reader).
    pub fn is_success(self) -> bool {
        matches!(self, Self::CheckedIn | Self::CheckedOut | Self::CardBound)
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TapResponse {
    pub outcome: TapOutcome,
    /// First name only, for the greeting (TOM PRIV-1).
    pub first_name: Option<String>,
    /// The tap arrived later than the configured window (offline queue).
    pub late_upload: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    struct Numbers {
        #[serde(deserialize_with = "whole_number::deserialize")]
        small: i32,
        #[serde(default, deserialize_with = "whole_number::option")]
        maybe: Option<u32>,
    }

    fn numbers(json: &str) -> Result<Numbers, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn priv_5_whole_numbers_are_read_as_json_schema_defines_integer() {
        assert_eq!(numbers(r#"{"small": 37.0, "maybe": 5.0}"#).map(|n| (n.small, n.maybe)), Ok((37, Some(5))));
        assert_eq!(numbers(r#"{"small": -3}"#).map(|n| (n.small, n.maybe)), Ok((-3, None)));
        assert_eq!(numbers(r#"{"small": 1, "maybe": null}"#).map(|n| n.maybe), Ok(None));
        for refused in
            [r#"{"small": 37.5}"#, r#"{"small": 3e10}"#, r#"{"small": "7"}"#, r#"{"small": 1, "maybe": -1}"#, r#"{"small": 1e300}"#]
        {
            assert!(numbers(refused).is_err(), "{refused} must be refused");
        }
    }

    #[test]
    fn trans_2_signature_covers_every_part_of_the_request() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let sig = sign(secret, "POST", PATH_TAPS, 1_700_000_000, "nonce-0123456789ab", b"{}");
        assert!(verify(secret, "post", PATH_TAPS, 1_700_000_000, "nonce-0123456789ab", b"{}", &sig));
        assert!(!verify(b"another secret", "POST", PATH_TAPS, 1_700_000_000, "nonce-0123456789ab", b"{}", &sig));
        assert!(!verify(secret, "PUT", PATH_TAPS, 1_700_000_000, "nonce-0123456789ab", b"{}", &sig));
        assert!(!verify(secret, "POST", PATH_HEARTBEAT, 1_700_000_000, "nonce-0123456789ab", b"{}", &sig));
        assert!(!verify(secret, "POST", PATH_TAPS, 1_700_000_001, "nonce-0123456789ab", b"{}", &sig));
        assert!(!verify(secret, "POST", PATH_TAPS, 1_700_000_000, "nonce-0123456789ac", b"{}", &sig));
        assert!(!verify(secret, "POST", PATH_TAPS, 1_700_000_000, "nonce-0123456789ab", b"{ }", &sig));
        assert!(!verify(secret, "POST", PATH_TAPS, 1_700_000_000, "nonce-0123456789ab", b"{}", "zz"));
    }

    #[test]
    fn nonces_have_a_bounded_alphabet() {
        assert!(nonce_is_valid("AbC-_0123456789xy"));
        assert!(!nonce_is_valid("short"));
        assert!(!nonce_is_valid("with space 0123456789"));
        assert!(!nonce_is_valid(&"a".repeat(65)));
    }
}
