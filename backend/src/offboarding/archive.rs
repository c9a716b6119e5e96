//! The tenant's export archive (TOM DEL-2): one JSON and one CSV file per table with the
//! tenant's rows decrypted, and `manifest.json` with every file's SHA-256, size and row
//! count, signed by the platform. A plain ustar archive written here (no dependency);
//! any `tar` reads it.
//!
//! Left out on purpose: secrets and credentials (device secrets, token and password
//! hashes), keyed hashes that mean nothing without the tenant's keys (blind indexes, card
//! HMACs), and queued mails (transient copies of what the other tables hold).

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use super::store;
use crate::attendance::model::{AttendanceRow, CardRow, TapRow};
use crate::audit::deletion::{self, Deletion};
use crate::audit::model::Entry;
use crate::audit::service as audit;
use crate::auth::model::Membership;
use crate::bookings::model::{BookingRow, ParticipantRow};
use crate::companies::model::Company;
use crate::crypto::sha256_hex;
use crate::crypto::{MasterKey, PlatformSigner, TenantKeys};
use crate::csv_file::{json_cell, CsvFile};
use crate::db::TenantTx;
use crate::devices::model::DeviceRow;
use crate::error::AppError;
use crate::events::model::{EventRow, InstructorRow, SessionRow};
use crate::invitations::model::Invitation;
use crate::portal::model::SubjectRequestRow;
use crate::tenants::model::Tenant;
use crate::timestamp::rfc3339;

pub const FORMAT: &str = "anwesend-tenant-archive/1";

/// One table of the archive: column names and rows in that order.
pub struct Table {
    pub name: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    fn new(name: &'static str, columns: &[&'static str]) -> Self {
        Self { name, columns: columns.to_vec(), rows: Vec::new() }
    }

    fn push(&mut self, row: Vec<Value>) {
        debug_assert_eq!(row.len(), self.columns.len(), "{}", self.name);
        self.rows.push(row);
    }

    fn json(&self) -> Vec<u8> {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|row| Value::Object(self.columns.iter().map(|c| (*c).to_owned()).zip(row.iter().cloned()).collect::<Map<String, Value>>()))
            .collect();
        let mut out = serde_json::to_vec_pretty(&rows).unwrap_or_default();
        out.push(b'\n');
        out
    }

    pub fn csv(&self) -> Vec<u8> {
        let mut file = CsvFile::new(&self.columns);
        for row in &self.rows {
            file.row(row.iter().map(json_cell));
        }
        file.into_bytes()
    }
}

fn v<T: serde::Serialize>(value: T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// A time (UTC) as RFC 3339 with `Z`; none is null.
fn time(t: impl Into<Option<NaiveDateTime>>) -> Value {
    t.into().map_or(Value::Null, |t| Value::String(rfc3339(t)))
}

/// A decrypted field; an erased person's emptied field is null.
fn plain(keys: &TenantKeys, table: &str, column: &str, id: &str, ciphertext: Option<&[u8]>) -> Result<Value, AppError> {
    match ciphertext {
        None | Some([]) => Ok(Value::Null),
        Some(c) => Ok(Value::String(keys.decrypt(table, column, id, c)?.to_string())),
    }
}

/// A drawn signature, decrypted: its strokes as JSON.
fn strokes(keys: &TenantKeys, table: &str, id: &str, ciphertext: &[u8]) -> Result<Value, AppError> {
    Ok(match plain(keys, table, "strokes", id, Some(ciphertext))? {
        Value::String(json) => serde_json::from_str(&json).unwrap_or(Value::String(json)),
        other => other,
    })
}

/// Every table of the tenant, decrypted. Run inside the tenant's transaction.
pub fn tables(tx: &mut TenantTx<'_>, keys: &TenantKeys, master: &MasterKey) -> Result<Vec<Table>, AppError> {
    let mut out = Vec::new();

    let mut table = Table::new(
        "participants",
        &[
            "id",
            "name",
            "email",
            "phone",
            "language",
            "mail_opt_out_at",
            "mail_opt_out_reason",
            "mail_opt_out_text",
            "created_at",
            "updated_at",
            "restricted_at",
            "erased_at",
        ],
    );
    let rows: Vec<ParticipantRow> = store::archive_participants(tx)?;
    for p in rows {
        table.push(vec![
            v(&p.id),
            plain(keys, "participants", "name", &p.id, Some(&p.name_ciphertext))?,
            plain(keys, "participants", "email", &p.id, Some(&p.email_ciphertext))?,
            plain(keys, "participants", "phone", &p.id, p.phone_ciphertext.as_deref())?,
            v(&p.language),
            time(p.mail_opt_out_at),
            v(&p.mail_opt_out_reason),
            plain(keys, "participants", "mail_opt_out_text", &p.id, p.mail_opt_out_text_ciphertext.as_deref())?,
            time(p.created_at),
            time(p.updated_at),
            time(p.restricted_at),
            time(p.erased_at),
        ]);
    }
    out.push(table);

    let mut table = Table::new(
        "bookings",
        &[
            "id",
            "event_id",
            "participant_id",
            "status",
            "answers",
            "consent_text",
            "consented_at",
            "queued_at",
            "created_at",
            "cancelled_at",
            "cancelled_by",
        ],
    );
    let rows: Vec<BookingRow> = store::archive_bookings(tx)?;
    for b in rows {
        let answers = match plain(keys, "bookings", "answers", &b.id, b.answers_ciphertext.as_deref())? {
            Value::String(json) => serde_json::from_str(&json).unwrap_or(Value::String(json)),
            other => other,
        };
        table.push(vec![
            v(&b.id),
            v(&b.event_id),
            v(&b.participant_id),
            v(&b.status),
            answers,
            v(&b.consent_text),
            time(b.consented_at),
            time(b.queued_at),
            time(b.created_at),
            time(b.cancelled_at),
            v(&b.cancelled_by),
        ]);
    }
    out.push(table);

    let mut table = Table::new(
        "events",
        &[
            "id",
            "kind",
            "title",
            "description",
            "location_id",
            "company_id",
            "capacity",
            "waiting_list",
            "booking_opens_at",
            "booking_closes_at",
            "fields",
            "status",
            "created_by",
            "created_at",
            "updated_at",
        ],
    );
    let rows: Vec<EventRow> = store::archive_events(tx)?;
    for e in rows {
        table.push(vec![
            v(&e.id),
            v(&e.kind),
            v(&e.title),
            v(&e.description),
            v(&e.location_id),
            v(&e.company_id),
            v(e.capacity),
            v(e.waiting_list),
            time(e.booking_opens_at),
            time(e.booking_closes_at),
            v(&e.fields),
            v(&e.status),
            v(&e.created_by),
            time(e.created_at),
            time(e.updated_at),
        ]);
    }
    out.push(table);

    let mut table = Table::new("event_sessions", &["id", "event_id", "starts_at", "ends_at"]);
    let rows: Vec<SessionRow> = store::archive_event_sessions(tx)?;
    for s in rows {
        table.push(vec![v(&s.id), v(&s.event_id), time(s.starts_at), time(s.ends_at)]);
    }
    out.push(table);

    let mut table = Table::new("event_instructors", &["event_id", "account_id"]);
    let rows: Vec<InstructorRow> = store::archive_event_instructors(tx)?;
    for i in rows {
        table.push(vec![v(&i.event_id), v(&i.account_id)]);
    }
    out.push(table);

    let mut table = Table::new(
        "attendance",
        &[
            "id",
            "session_id",
            "participant_id",
            "booking_id",
            "kind",
            "occurred_at",
            "recorded_at",
            "source",
            "device_id",
            "recorded_by",
            "late_upload",
            "supersedes_id",
            "voided",
            "reason",
        ],
    );
    let rows: Vec<AttendanceRow> = store::archive_attendance(tx)?;
    for a in rows {
        table.push(vec![
            v(&a.id),
            v(&a.session_id),
            v(&a.participant_id),
            v(&a.booking_id),
            v(&a.kind),
            time(a.occurred_at),
            time(a.recorded_at),
            v(&a.source),
            v(&a.device_id),
            v(&a.recorded_by),
            v(a.late_upload),
            v(&a.supersedes_id),
            v(a.voided),
            v(&a.reason),
        ]);
    }
    out.push(table);

    let mut table = Table::new(
        "attendance_signatures",
        &["id", "attendance_id", "session_id", "participant_id", "strokes", "signed_at", "collected_by"],
    );
    for s in store::archive_signatures(tx)? {
        table.push(vec![
            v(&s.id),
            v(&s.attendance_id),
            v(&s.session_id),
            v(&s.participant_id),
            strokes(keys, "attendance_signatures", &s.id, &s.strokes_ciphertext)?,
            time(s.signed_at),
            v(&s.collected_by),
        ]);
    }
    out.push(table);

    let mut table = Table::new(
        "session_closings",
        &["id", "session_id", "closed_by", "closed_at", "strokes", "reopened_at", "reopened_by", "reopen_reason"],
    );
    for c in store::archive_closings(tx)? {
        table.push(vec![
            v(&c.id),
            v(&c.session_id),
            v(&c.closed_by),
            time(c.closed_at),
            strokes(keys, "session_closings", &c.id, &c.strokes_ciphertext)?,
            time(c.reopened_at),
            v(&c.reopened_by),
            v(&c.reopen_reason),
        ]);
    }
    out.push(table);

    let mut table = Table::new(
        "absences",
        &["id", "session_id", "participant_id", "booking_id", "excused", "reason", "note", "reported_by", "recorded_by", "recorded_at"],
    );
    for a in store::archive_absences(tx)? {
        table.push(vec![
            v(&a.id),
            v(&a.session_id),
            v(&a.participant_id),
            v(&a.booking_id),
            v(a.excused),
            v(&a.reason),
            plain(keys, "absences", "note", &a.id, a.note_ciphertext.as_deref())?,
            v(&a.reported_by),
            v(&a.recorded_by),
            time(a.recorded_at),
        ]);
    }
    out.push(table);

    let mut table = Table::new(
        "device_taps",
        &["device_id", "idempotency_key", "tapped_at", "received_at", "outcome", "participant_id", "attendance_id", "late_upload"],
    );
    let rows: Vec<TapRow> = store::archive_device_taps(tx)?;
    for r in rows {
        table.push(vec![
            v(&r.device_id),
            v(&r.idempotency_key),
            time(r.tapped_at),
            time(r.received_at),
            v(&r.outcome),
            v(&r.participant_id),
            v(&r.attendance_id),
            v(r.late_upload),
        ]);
    }
    out.push(table);

    let mut table = Table::new(
        "subject_requests",
        &["id", "participant_id", "kind", "message", "status", "received_via", "created_at", "due_at", "handled_at", "handled_by"],
    );
    let rows: Vec<SubjectRequestRow> = store::archive_subject_requests(tx)?;
    for r in rows {
        table.push(vec![
            v(&r.id),
            v(&r.participant_id),
            v(&r.kind),
            plain(keys, "subject_requests", "message", &r.id, r.message_ciphertext.as_deref())?,
            v(&r.status),
            v(&r.received_via),
            time(r.created_at),
            time(r.due_at),
            time(r.handled_at),
            v(&r.handled_by),
        ]);
    }
    out.push(table);

    let mut table = Table::new("cards", &["id", "participant_id", "created_by", "created_at"]);
    let rows: Vec<CardRow> = store::archive_cards(tx)?;
    for c in rows {
        table.push(vec![v(&c.id), v(&c.participant_id), v(&c.created_by), time(c.created_at)]);
    }
    out.push(table);

    let mut table = Table::new(
        "devices",
        &[
            "id",
            "name",
            "location_id",
            "mode",
            "duplicate_window_seconds",
            "late_upload_after_seconds",
            "session_ids",
            "agent_version",
            "last_heartbeat_at",
            "created_by",
            "created_at",
            "revoked_at",
        ],
    );
    let rows: Vec<DeviceRow> = store::archive_devices(tx)?;
    for d in rows {
        table.push(vec![
            v(&d.id),
            v(&d.name),
            v(&d.location_id),
            v(&d.mode),
            v(d.duplicate_window_seconds),
            v(d.late_upload_after_seconds),
            v(&d.session_ids),
            v(&d.agent_version),
            time(d.last_heartbeat_at),
            v(&d.created_by),
            time(d.created_at),
            time(d.revoked_at),
        ]);
    }
    out.push(table);

    let mut table = Table::new("locations", &["id", "parent_id", "name", "created_at", "updated_at"]);
    let rows: Vec<(String, Option<String>, String, NaiveDateTime, NaiveDateTime)> = store::archive_locations(tx)?;
    for (id, parent, name, created, updated) in rows {
        table.push(vec![v(id), v(parent), v(name), time(created), time(updated)]);
    }
    out.push(table);

    let mut table = Table::new("companies", &["id", "name", "created_at"]);
    let rows: Vec<Company> = store::archive_companies(tx)?;
    for c in rows {
        table.push(vec![v(&c.id), v(&c.name), time(c.created_at)]);
    }
    out.push(table);

    // Staff: accounts are platform-level; their emails are under the platform keys.
    let platform = master.platform_keys();
    let mut table =
        Table::new("members", &["id", "account_id", "email", "role", "is_primary", "company_id", "course_id", "created_at", "disabled_at"]);
    let rows: Vec<Membership> = store::archive_memberships(tx)?;
    for m in rows {
        let email = match crate::accounts::store::find(tx, &m.account_id)? {
            Some(a) => Value::String(platform.decrypt("accounts", "email", &a.id, &a.email_ciphertext)?.to_string()),
            None => Value::Null,
        };
        table.push(vec![
            v(&m.id),
            v(&m.account_id),
            email,
            v(&m.role),
            v(m.is_primary),
            v(&m.company_id),
            v(&m.course_id),
            time(m.created_at),
            time(m.disabled_at),
        ]);
    }
    out.push(table);

    let mut table = Table::new(
        "invitations",
        &[
            "id",
            "email",
            "role",
            "company_id",
            "language",
            "invited_by",
            "created_at",
            "expires_at",
            "accepted_at",
            "accepted_account_id",
            "revoked_at",
        ],
    );
    let rows: Vec<Invitation> = store::archive_invitations(tx)?;
    for i in rows {
        table.push(vec![
            v(&i.id),
            plain(keys, "invitations", "email", &i.id, Some(&i.email_ciphertext))?,
            v(&i.role),
            v(&i.company_id),
            v(&i.language),
            v(&i.invited_by),
            time(i.created_at),
            time(i.expires_at),
            time(i.accepted_at),
            v(&i.accepted_account_id),
            time(i.revoked_at),
        ]);
    }
    out.push(table);

    let mut table = Table::new("deletion_log", deletion::COLUMNS);
    let mut rows: Vec<Deletion> = crate::audit::store::deletions(tx, None, None)?;
    rows.reverse();
    for d in rows {
        let record = v(&d);
        table.push(deletion::COLUMNS.iter().map(|c| record.get(*c).cloned().unwrap_or(Value::Null)).collect());
    }
    out.push(table);

    let columns = audit::export_columns(true);
    let mut table = Table::new("audit_entries", &columns);
    let rows: Vec<Entry> = store::archive_audit_entries(tx)?;
    for e in rows {
        let record = audit::export_record(&e, &columns);
        table.push(columns.iter().map(|c| record.get(*c).cloned().unwrap_or(Value::Null)).collect());
    }
    out.push(table);

    Ok(out)
}

/// The archive: `<slug>-export/` with `<table>.json`, `<table>.csv` and `manifest.json`.
pub fn build(tenant: &Tenant, tables: &[Table], generated_at: DateTime<Utc>, signer: &PlatformSigner) -> Vec<u8> {
    let dir = format!("{}-export", tenant.slug);
    let mtime = generated_at.timestamp();
    let mut tar = Vec::new();
    let mut files = Vec::new();
    for table in tables {
        for (ext, bytes) in [("json", table.json()), ("csv", table.csv())] {
            let name = format!("{}.{ext}", table.name);
            files.push(
                json!({ "name": name, "table": table.name, "rows": table.rows.len(), "bytes": bytes.len(), "sha256": sha256_hex(&bytes) }),
            );
            tar_entry(&mut tar, &format!("{dir}/{name}"), &bytes, mtime);
        }
    }
    let manifest = json!({
        "format": FORMAT,
        "tenant": { "id": tenant.id, "slug": tenant.slug, "name": tenant.name },
        "generated_at": generated_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        "files": files,
        "tables": tables.iter().map(|t| (t.name.to_owned(), json!(t.rows.len()))).collect::<Map<String, Value>>(),
    });
    // Signed by the platform: `manifest.signature.json` holds the signature over the
    // manifest file's bytes and the public key, so the manifest stays plain JSON.
    let manifest_bytes = {
        let mut out = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
        out.push(b'\n');
        out
    };
    let signature = json!({
        "algorithm": super::certificate::ALGORITHM,
        "key_id": signer.key_id(),
        "public_key": signer.public_key_hex(),
        "signed_file": "manifest.json",
        "sha256": sha256_hex(&manifest_bytes),
        "value": signer.sign(&manifest_bytes),
    });
    tar_entry(&mut tar, &format!("{dir}/manifest.json"), &manifest_bytes, mtime);
    let mut signature_bytes = serde_json::to_vec_pretty(&signature).unwrap_or_default();
    signature_bytes.push(b'\n');
    tar_entry(&mut tar, &format!("{dir}/manifest.signature.json"), &signature_bytes, mtime);
    tar.extend_from_slice(&[0u8; 1024]);
    tar
}

fn octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    let text = format!("{value:0width$o}");
    field[..width].copy_from_slice(&text.as_bytes()[text.len() - width..]);
    field[width] = 0;
}

/// One ustar entry: a 512-byte header, the data, zero padding to 512.
fn tar_entry(out: &mut Vec<u8>, name: &str, data: &[u8], mtime: i64) {
    let mut header = [0u8; 512];
    let name = name.as_bytes();
    let len = name.len().min(99);
    header[..len].copy_from_slice(&name[..len]);
    octal(&mut header[100..108], 0o644);
    octal(&mut header[108..116], 0);
    octal(&mut header[116..124], 0);
    octal(&mut header[124..136], data.len() as u64);
    octal(&mut header[136..148], u64::try_from(mtime).unwrap_or(0));
    header[148..156].fill(b' ');
    header[156] = b'0';
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
    let checksum = format!("{sum:06o}\0 ");
    header[148..156].copy_from_slice(checksum.as_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
}
