//! How times leave the server: rows keep `NaiveDateTime` (always UTC), answers and exports
//! write RFC 3339 with `Z`, as `format: date-time` promises. Use on a field with
//! `#[serde(with = "crate::timestamp")]` (or `crate::timestamp::option`); the OpenAPI
//! schema of a `NaiveDateTime` is already `string`/`date-time`. Reading accepts both
//! forms, with or without `Z`.

use chrono::{DateTime, NaiveDateTime, SecondsFormat};
use serde::{Deserialize, Deserializer, Serializer};

/// `2026-12-02T19:34:06.125259Z`: fractional digits only as far as needed.
pub fn rfc3339(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// For `json!` documents: a time as RFC 3339, none as null.
pub fn text(t: impl Into<Option<NaiveDateTime>>) -> Option<String> {
    t.into().map(rfc3339)
}

/// The one reader of times from requests: RFC 3339 with `Z` or an offset (converted to
/// UTC), or without an offset (taken as UTC), seconds optional (`2026-12-01T18:00`, what a
/// `datetime-local` field sends).
pub fn parse(raw: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(raw).map(|t| t.naive_utc()).ok().or_else(|| {
        let raw = raw.strip_suffix('Z').unwrap_or(raw);
        ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"].iter().find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
    })
}

pub fn serialize<S: Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
    let raw = String::deserialize(d)?;
    parse(&raw).ok_or_else(|| serde::de::Error::custom(format!("`{raw}` is not an RFC 3339 time")))
}

/// The same for optional times (`null` stays `null`).
pub mod option {
    use chrono::NaiveDateTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => super::serialize(t, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDateTime>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(raw) => super::parse(&raw).map(Some).ok_or_else(|| serde::de::Error::custom(format!("`{raw}` is not an RFC 3339 time"))),
        }
    }
}
