//! CSV import of participants into an event (issue 23): a class list becomes confirmed
//! bookings (or waiting-list places) through the same `place` as the public page, so
//! seats and the waiting list hold. Two steps on the same file: a preview (column
//! mapping, row-level errors, what each row would become; writes nothing) and the import
//! (checks again under the event's row lock; writes nothing when a row has an error,
//! unless the caller chose to skip those rows). The file is read as UTF-8 (with or
//! without BOM) or, failing that, Windows-1252, with `,`, `;` or tab as separator, as
//! German spreadsheets write them. Cells a spreadsheet would run as a formula are
//! refused (TOM PRIV-5). The import is audited with counts only: no names, no addresses.

use std::collections::HashSet;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::HeldRequest;
use super::service::{clean, place, promote_waiting, Actor, Mailer, Placed};
use super::store;
use crate::accounts::service::validate_email;
use crate::audit::AuditContext;
use crate::audit::{self, Action, Event};
use crate::auth::service::Principal;
use crate::db::{self, TenantScope, TenantTx};
use crate::error::AppError;
use crate::events::access::visible_event;
use crate::events::model::EventRow;
use crate::problem::ProblemCode;
use crate::state::AppState;

/// The largest file accepted, decoded (the request body limit lets a little more through
/// so this answers with a clear 413).
pub const MAX_FILE_BYTES: usize = 512 * 1024;
/// The request body limit of the import endpoints: the file in base64 and the mapping.
pub const MAX_BODY_BYTES: usize = MAX_FILE_BYTES * 4 / 3 + 16 * 1024;
/// The most rows one import takes.
pub const MAX_ROWS: usize = 2000;
/// What a booking imported from a list stores in place of the consent the public page asks.
pub const IMPORT_CONSENT: &str = "CSV-Import durch die Veranstalter / CSV import by the organisers";

/// Which column (0-based) holds what. Either `name`, or `first_name` and/or `last_name`.
#[derive(Deserialize, Serialize, ToSchema, Debug, Clone, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ImportMapping {
    #[serde(default)]
    pub name: Option<usize>,
    #[serde(default)]
    pub first_name: Option<usize>,
    #[serde(default)]
    pub last_name: Option<usize>,
    #[serde(default)]
    pub email: Option<usize>,
    /// Only for events that ask for a phone number.
    #[serde(default)]
    pub phone: Option<usize>,
    /// `de` or `en` per row (the language of the mails); empty cells: `de`.
    #[serde(default)]
    pub language: Option<usize>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// The CSV file, base64 (standard alphabet). The first row names the columns.
    pub file_base64: String,
    /// Which column holds what; none: guessed from the first row.
    #[serde(default)]
    pub mapping: Option<ImportMapping>,
    /// Import: book the rows without errors and leave out the others. Without it, an
    /// import with any row error writes nothing.
    #[serde(default)]
    pub skip_invalid: bool,
    /// Import: mail each person the booking confirmation (or waiting-list) mail.
    #[serde(default)]
    pub send_mails: bool,
}

/// A problem with one row.
#[derive(Serialize, ToSchema, Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// `name`, `email`, `phone`, `language` or `row`.
    pub field: &'static str,
    /// `missing`, `invalid`, `too_long`, `formula`, `duplicate`, `already_booked`,
    /// `restricted` or `full`.
    pub code: &'static str,
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct PreviewRow {
    /// The line in the file (the header is line 1).
    pub line: usize,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub language: String,
    pub errors: Vec<RowError>,
    /// What the row becomes: `confirmed` or `waiting`; none for a row with errors.
    pub outcome: Option<&'static str>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportPreview {
    /// `utf-8` or `windows-1252`.
    pub encoding: &'static str,
    /// `,`, `;` or a tab.
    pub delimiter: String,
    /// The first row: the columns' names.
    pub columns: Vec<String>,
    /// The mapping used (given, or guessed from the columns' names).
    pub mapping: ImportMapping,
    pub rows: Vec<PreviewRow>,
    pub valid: usize,
    pub invalid: usize,
    pub confirmed: usize,
    pub waiting: usize,
}

#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    pub imported: usize,
    pub confirmed: usize,
    pub waiting: usize,
    /// Rows with errors left out (`skip_invalid`).
    pub skipped: usize,
    pub mails: bool,
}

/// The file's text: UTF-8 (a BOM is dropped) or else Windows-1252, as Excel saves "CSV".
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), "utf-8"),
        Err(_) => (encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned(), "windows-1252"),
    }
}

/// The separator of the first line, outside quotes: the most frequent of `;`, `,`, tab.
pub fn delimiter(text: &str) -> u8 {
    let (mut quoted, mut counts) = (false, [0usize; 3]);
    for c in text.chars() {
        match c {
            '\n' | '\r' if !quoted => break,
            '"' => quoted = !quoted,
            ';' if !quoted => counts[0] += 1,
            ',' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|i| (counts[*i], usize::from(*i == 1))).unwrap_or(1);
    [b';', b',', b'\t'][best]
}

/// Guesses the columns from their names (German and English).
pub fn guess(columns: &[String]) -> ImportMapping {
    let find = |names: &[&str]| {
        columns.iter().position(|c| {
            let c = c.trim().to_lowercase().replace(['-', '_', ' ', '.'], "");
            names.contains(&c.as_str())
        })
    };
    ImportMapping {
        name: find(&["name", "vollständigername", "fullname", "teilnehmer", "teilnehmerin", "participant"]),
        first_name: find(&["vorname", "firstname", "givenname"]),
        last_name: find(&["nachname", "familienname", "lastname", "surname", "familyname"]),
        email: find(&["email", "mail", "emailadresse", "emailaddress", "mailadresse"]),
        phone: find(&["telefon", "phone", "tel", "telefonnummer", "handy", "mobil", "mobile"]),
        language: find(&["sprache", "language", "lang"]),
    }
}

/// A cell a spreadsheet would run as a formula (TOM PRIV-5); a phone number may start with `+`.
pub fn formula_like(value: &str, phone: bool) -> bool {
    let risky = value.starts_with(['=', '-', '@', '\t', '\r']) || (value.starts_with('+') && !phone);
    risky || value.contains(['\t', '\r'])
}

/// The parsed file: the columns and the data rows with their line numbers.
struct Parsed {
    encoding: &'static str,
    delimiter: u8,
    columns: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

fn parse(file_base64: &str) -> Result<Parsed, AppError> {
    // The file's size is checked before decoding it all.
    if file_base64.len() > MAX_FILE_BYTES.div_ceil(3) * 4 + 4 {
        return Err(AppError::rule(ProblemCode::BodyTooLarge, format!("the file is larger than {} KiB", MAX_FILE_BYTES / 1024)));
    }
    let bytes = STANDARD.decode(file_base64.trim().as_bytes()).map_err(|_| AppError::invalid("file_base64", "is not base64"))?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AppError::rule(ProblemCode::BodyTooLarge, format!("the file is larger than {} KiB", MAX_FILE_BYTES / 1024)));
    }
    if bytes.contains(&0) {
        return Err(AppError::invalid("file_base64", "is not a text file"));
    }
    let (text, encoding) = decode(&bytes);
    let delimiter = delimiter(&text);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let breaks: Vec<usize> = text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i).collect();
    let mut columns = None;
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        // The line the record starts on (1-based), counted from its byte offset (which,
        // after a CRLF, is the LF: a break at the offset itself counts).
        let start = reader.position().byte() as usize;
        if !reader.read_record(&mut record).map_err(|_| AppError::invalid("file_base64", "is not a readable CSV file"))? {
            break;
        }
        let line = breaks.partition_point(|b| *b <= start) + 1;
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if columns.is_none() {
            columns = Some(cells);
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(AppError::invalid("file_base64", format!("has more than {MAX_ROWS} rows")));
        }
        rows.push((line, cells));
    }
    let columns = columns.ok_or_else(|| AppError::invalid("file_base64", "holds no rows"))?;
    if columns.len() > 100 {
        return Err(AppError::invalid("file_base64", "has more than 100 columns"));
    }
    Ok(Parsed { encoding, delimiter, columns, rows })
}

/// The mapping fits the file and the event.
fn check_mapping(mapping: &ImportMapping, columns: usize, event: &EventRow) -> Result<(), AppError> {
    let all = [mapping.name, mapping.first_name, mapping.last_name, mapping.email, mapping.phone, mapping.language];
    if all.iter().flatten().any(|c| *c >= columns) {
        return Err(AppError::invalid("mapping", "names a column the file does not have"));
    }
    let used: Vec<usize> = all.iter().flatten().copied().collect();
    if used.iter().collect::<HashSet<_>>().len() != used.len() {
        return Err(AppError::invalid("mapping", "names one column twice"));
    }
    if mapping.email.is_none() {
        return Err(AppError::invalid("mapping", "needs the column of the email address"));
    }
    if mapping.name.is_none() && mapping.first_name.is_none() && mapping.last_name.is_none() {
        return Err(AppError::invalid("mapping", "needs the column of the name (or first and last name)"));
    }
    if mapping.name.is_some() && (mapping.first_name.is_some() || mapping.last_name.is_some()) {
        return Err(AppError::invalid("mapping", "takes either the name or first and last name"));
    }
    if mapping.phone.is_some() && !event.asks("phone") {
        return Err(AppError::invalid("mapping", "this event does not ask for a phone number"));
    }
    Ok(())
}

/// One row checked on its own: the request it becomes, and its errors.
fn check_row(mapping: &ImportMapping, line: usize, cells: &[String]) -> (PreviewRow, Option<HeldRequest>) {
    let cell = |c: Option<usize>| c.and_then(|c| cells.get(c)).map(String::as_str).unwrap_or_default();
    let mut errors = Vec::new();
    let name = match mapping.name {
        Some(c) => cell(Some(c)).to_owned(),
        None => format!("{} {}", cell(mapping.first_name), cell(mapping.last_name)).trim().to_owned(),
    };
    let raw_email = cell(mapping.email);
    let raw_phone = cell(mapping.phone);
    let raw_language = cell(mapping.language).to_lowercase();
    let parts = [mapping.name, mapping.first_name, mapping.last_name];
    if parts.iter().flatten().any(|c| formula_like(cell(Some(*c)), false)) {
        errors.push(RowError { field: "name", code: "formula" });
    } else if name.is_empty() {
        errors.push(RowError { field: "name", code: "missing" });
    } else if name.chars().count() > 200 {
        errors.push(RowError { field: "name", code: "too_long" });
    } else if clean("name", &name, 200, true).is_err() || name.contains('\n') {
        errors.push(RowError { field: "name", code: "invalid" });
    }
    let email = if formula_like(raw_email, false) {
        errors.push(RowError { field: "email", code: "formula" });
        None
    } else if raw_email.is_empty() {
        errors.push(RowError { field: "email", code: "missing" });
        None
    } else {
        match validate_email(raw_email) {
            Ok(email) => Some(email),
            Err(_) => {
                errors.push(RowError { field: "email", code: "invalid" });
                None
            }
        }
    };
    let phone = (!raw_phone.is_empty()).then(|| raw_phone.to_owned());
    if let Some(p) = &phone {
        if formula_like(p, true) {
            errors.push(RowError { field: "phone", code: "formula" });
        } else if p.chars().count() > 50 || !p.chars().all(|c| c.is_ascii_digit() || " +-/()".contains(c)) {
            errors.push(RowError { field: "phone", code: "invalid" });
        }
    }
    let language = match raw_language.as_str() {
        "" | "de" | "deutsch" | "german" => "de",
        "en" | "englisch" | "english" => "en",
        _ => {
            errors.push(RowError { field: "language", code: "invalid" });
            "de"
        }
    };
    let row = PreviewRow {
        line,
        // Shown back as text only; cut so a hostile cell cannot blow up the answer.
        name: name.chars().take(200).collect(),
        email: email.clone().unwrap_or_else(|| raw_email.chars().take(254).collect()),
        phone: phone.as_ref().map(|p| p.chars().take(50).collect()),
        language: language.to_owned(),
        errors,
        outcome: None,
    };
    let request = match (row.errors.is_empty(), email) {
        (true, Some(email)) => Some(HeldRequest { name, email, phone, note: None, language: language.to_owned() }),
        _ => None,
    };
    (row, request)
}

/// Every row checked, against each other and the event as it stands: duplicates in the
/// file, people booked already or restricted, and seats (confirmed while seats are free,
/// then the waiting list, else `full`).
fn check_all(
    tx: &mut TenantTx<'_>,
    mailer: &Mailer<'_>,
    event: &EventRow,
    mapping: &ImportMapping,
    parsed: &Parsed,
    now: chrono::NaiveDateTime,
) -> Result<Vec<(PreviewRow, Option<HeldRequest>)>, AppError> {
    let mut free = i64::from(event.capacity) - store::seats_taken(tx, &event.id, now)?;
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(parsed.rows.len());
    for (line, cells) in &parsed.rows {
        let (mut row, mut request) = check_row(mapping, *line, cells);
        if let Some(r) = &request {
            let error = if !seen.insert(r.email.clone()) {
                Some(RowError { field: "email", code: "duplicate" })
            } else {
                let index = mailer.keys.blind_index("participants", "email", &r.email);
                match store::participant_by_email(tx, &index)? {
                    Some(p) if p.restricted_at.is_some() => Some(RowError { field: "email", code: "restricted" }),
                    Some(p) if store::active(tx, &event.id, &p.id)? => Some(RowError { field: "email", code: "already_booked" }),
                    _ if free <= 0 && !event.waiting_list => Some(RowError { field: "row", code: "full" }),
                    _ => None,
                }
            };
            match error {
                Some(e) => {
                    row.errors.push(e);
                    request = None;
                }
                None => {
                    row.outcome = Some(if free > 0 { "confirmed" } else { "waiting" });
                    free -= 1;
                }
            }
        }
        out.push((row, request));
    }
    Ok(out)
}

fn mapping_for(input: &ImportRequest, parsed: &Parsed, event: &EventRow) -> Result<ImportMapping, AppError> {
    let mapping = input.mapping.clone().unwrap_or_else(|| guess(&parsed.columns));
    check_mapping(&mapping, parsed.columns.len(), event)?;
    Ok(mapping)
}

/// The preview: what the import of this file would do. Writes nothing.
pub fn preview(
    state: &AppState,
    p: &Principal,
    scope: &TenantScope,
    event_id: &str,
    input: &ImportRequest,
) -> Result<ImportPreview, AppError> {
    let parsed = parse(&input.file_base64)?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    state.db.tenant_read(scope, |tx| {
        let event = visible_event(tx, p, event_id)?;
        let mapping = mapping_for(input, &parsed, &event)?;
        let mailer = Mailer::load(state, tx, scope)?;
        let rows: Vec<PreviewRow> = check_all(tx, &mailer, &event, &mapping, &parsed, now)?.into_iter().map(|(r, _)| r).collect();
        let valid = rows.iter().filter(|r| r.errors.is_empty()).count();
        Ok(ImportPreview {
            encoding: parsed.encoding,
            delimiter: char::from(parsed.delimiter).to_string(),
            columns: parsed.columns.iter().map(|c| c.chars().take(100).collect()).collect(),
            mapping,
            valid,
            invalid: rows.len() - valid,
            confirmed: rows.iter().filter(|r| r.outcome == Some("confirmed")).count(),
            waiting: rows.iter().filter(|r| r.outcome == Some("waiting")).count(),
            rows,
        })
    })
}

/// The import: the rows as bookings, in one transaction under the event's row lock.
pub fn import(
    state: &AppState,
    p: &Principal,
    scope: &TenantScope,
    event_id: &str,
    input: &ImportRequest,
) -> Result<ImportResult, AppError> {
    let parsed = parse(&input.file_base64)?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    let result = state.db.tenant_tx(scope, |tx| {
        visible_event(tx, p, event_id)?;
        db::lock_row(tx, crate::db::Locked::Events, event_id)?;
        let event = crate::events::store::find(tx, event_id)?.ok_or(AppError::NotFound)?;
        let mapping = mapping_for(input, &parsed, &event)?;
        // Expired holds keep no seat; the waiting list moves up first, as on the public page.
        store::delete_expired_holds(tx, now)?;
        promote_waiting(state, tx, &AuditContext::system(p.audit.at), &event, now)?;
        let mut mailer = Mailer::load(state, tx, scope)?;
        mailer.quiet = !input.send_mails;
        let checked = check_all(tx, &mailer, &event, &mapping, &parsed, now)?;
        let invalid = checked.iter().filter(|(r, _)| !r.errors.is_empty()).count();
        if invalid > 0 && !input.skip_invalid {
            return Err(AppError::invalid("file_base64", format!("{invalid} rows have errors: fix them, or skip them")));
        }
        let mut result = ImportResult { imported: 0, confirmed: 0, waiting: 0, skipped: invalid, mails: input.send_mails };
        for request in checked.into_iter().filter_map(|(_, r)| r) {
            match place(tx, &mailer, Actor::Staff(&p.audit), &event, &request, super::import::IMPORT_CONSENT.to_owned(), now)? {
                Placed::Booked(_, status) => {
                    result.imported += 1;
                    if status == super::model::BookingStatus::Confirmed {
                        result.confirmed += 1;
                    } else {
                        result.waiting += 1;
                    }
                }
                // Checked above under the same lock: cannot happen; refuse the whole import.
                Placed::Refused(code, message) => return Err(AppError::rule(code, message)),
            }
        }
        // Counts only: who was imported is in the bookings, never in the trail's details.
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::BookingsImported, "event", Some(event_id))
                .detail("rows", parsed.rows.len() as i64)
                .detail("imported", result.imported as i64)
                .detail("confirmed", result.confirmed as i64)
                .detail("waiting", result.waiting as i64)
                .detail("skipped", result.skipped as i64)
                .detail("mails", input.send_mails),
        )?;
        Ok(result)
    })?;
    state.mail_wakeup.wake();
    Ok(result)
}
