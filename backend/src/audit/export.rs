//! Signed exports of the audit trail and the deletion log (TOM INPUT-4).
//!
//! JSON: one canonical (compact, sorted keys) document `{"filter", "proof", "records"}`.
//! CSV: a header, one row per record, then a last line `#anwesend-proof <json>`.
//! The proof carries the chain head at export time, the SHA-256 of the content and an
//! ECDSA P-256 signature of the platform. `verify` accepts a file only byte for byte as
//! it was written: any edited byte breaks the hash, the signature or the canonical form.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use crate::crypto::{canonical_json, sha256_hex, KnownKeys, PlatformSigner};
use crate::csv_file::{json_cell, CsvFile};

pub const FORMAT: &str = "anwesend-export/1";
const CSV_PROOF_PREFIX: &str = "#anwesend-proof ";

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize, clap::ValueEnum, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Json,
    Csv,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Csv => "csv",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// What an export covers; becomes part of the signed proof.
pub struct ExportMeta<'a> {
    /// `audit` or `deletion_log`.
    pub kind: &'a str,
    pub chain: &'a str,
    pub exported_at: DateTime<Utc>,
    pub head_seq: i64,
    pub head_hash: &'a [u8],
    pub filter: Value,
}

/// What `verify` found in an intact export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedExport {
    pub kind: String,
    pub chain: String,
    pub records: u64,
    pub head_seq: i64,
    pub exported_at: String,
    pub key_id: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExportError {
    #[error("not an anwesend export: {0}")]
    Format(String),
    #[error("the content was changed after export (hash mismatch)")]
    ContentChanged,
    #[error("the proof was changed or not made by this platform (signature invalid)")]
    BadSignature,
    #[error("signed by key {0}, which is not among the keys given to check with")]
    UnknownKey(String),
}

fn proof(meta: &ExportMeta<'_>, records: usize, content: &[u8], signer: &PlatformSigner) -> Value {
    let mut proof = json!({
        "format": FORMAT,
        "kind": meta.kind,
        "chain": meta.chain,
        "exported_at": meta.exported_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        "records": records,
        "head_seq": meta.head_seq,
        "head_hash": hex::encode(meta.head_hash),
        "content_sha256": sha256_hex(content),
        "algorithm": "ECDSA-P256-SHA256",
        "key_id": signer.key_id(),
    });
    let signature = signer.sign(canonical_json(&proof).as_bytes());
    proof["signature"] = Value::String(signature);
    proof
}

/// Writes `records` (already in export order) with `columns` for CSV.
pub fn write(format: ExportFormat, meta: &ExportMeta<'_>, columns: &[&str], records: &[Value], signer: &PlatformSigner) -> Vec<u8> {
    match format {
        ExportFormat::Json => {
            let content = json!({ "filter": meta.filter, "records": records });
            let proof = proof(meta, records.len(), canonical_json(&content).as_bytes(), signer);
            let mut document = content;
            document["proof"] = proof;
            let mut out = canonical_json(&document).into_bytes();
            out.push(b'\n');
            out
        }
        ExportFormat::Csv => {
            let mut file = CsvFile::new(columns);
            for record in records {
                file.row(columns.iter().map(|c| record.get(*c).map(json_cell).unwrap_or_default()));
            }
            let mut out = file.into_bytes();
            let proof = proof(meta, records.len(), &out, signer);
            out.extend_from_slice(CSV_PROOF_PREFIX.as_bytes());
            out.extend_from_slice(canonical_json(&proof).as_bytes());
            out.push(b'\n');
            out
        }
    }
}

fn check_proof<K: KnownKeys + ?Sized>(proof: &Value, content: &[u8], keys: &K) -> Result<VerifiedExport, ExportError> {
    let Value::Object(fields) = proof else {
        return Err(ExportError::Format("proof is not an object".into()));
    };
    let text = |key: &str| {
        fields.get(key).and_then(Value::as_str).map(str::to_owned).ok_or_else(|| ExportError::Format(format!("proof lacks {key}")))
    };
    if text("format")? != FORMAT {
        return Err(ExportError::Format("unknown format version".into()));
    }
    let key_id = text("key_id")?;
    let Some(key) = keys.find(&key_id) else {
        return Err(ExportError::UnknownKey(key_id));
    };
    let signature = text("signature")?;
    let mut unsigned: Map<String, Value> = fields.clone();
    unsigned.remove("signature");
    key.verify(canonical_json(&Value::Object(unsigned)).as_bytes(), &signature).map_err(|_| ExportError::BadSignature)?;
    if text("content_sha256")? != sha256_hex(content) {
        return Err(ExportError::ContentChanged);
    }
    Ok(VerifiedExport {
        kind: text("kind")?,
        chain: text("chain")?,
        records: fields.get("records").and_then(Value::as_u64).unwrap_or_default(),
        head_seq: fields.get("head_seq").and_then(Value::as_i64).unwrap_or_default(),
        exported_at: text("exported_at")?,
        key_id,
    })
}

/// Checks an export file written by `write` (JSON or CSV, told apart by its first byte)
/// against `keys`: the platform's own signer, or public keys alone (an auditor's check).
pub fn verify<K: KnownKeys + ?Sized>(bytes: &[u8], keys: &K) -> Result<VerifiedExport, ExportError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ExportError::Format("not UTF-8".into()))?;
    let body = text.strip_suffix('\n').ok_or_else(|| ExportError::Format("missing final newline".into()))?;
    if body.starts_with('{') {
        let mut document: Value = serde_json::from_str(body).map_err(|e| ExportError::Format(e.to_string()))?;
        if canonical_json(&document) != body {
            return Err(ExportError::ContentChanged);
        }
        let proof = document.as_object_mut().and_then(|d| d.remove("proof")).ok_or_else(|| ExportError::Format("no proof".into()))?;
        check_proof(&proof, canonical_json(&document).as_bytes(), keys)
    } else {
        let start = body
            .rfind(CSV_PROOF_PREFIX)
            .filter(|&i| i == 0 || body.as_bytes()[i - 1] == b'\n')
            .ok_or_else(|| ExportError::Format("no proof line".into()))?;
        let (content, proof_line) = body.split_at(start);
        let proof_text = &proof_line[CSV_PROOF_PREFIX.len()..];
        let proof: Value = serde_json::from_str(proof_text).map_err(|e| ExportError::Format(e.to_string()))?;
        if canonical_json(&proof) != proof_text {
            return Err(ExportError::BadSignature);
        }
        check_proof(&proof, content.as_bytes(), keys)
    }
}
