//! Signed documents (issue 21, TOM INPUT-4): the attendance list of a session and the
//! certificate of attendance of a participant for an event, as PDF with the platform's
//! signature over their canonical JSON and the PDF's bytes (`signed`). The content comes
//! from the capabilities that own it (attendance, signatures and closings, absences,
//! events); who may read what is theirs too (the session's list, the event's visibility),
//! so a document shows nothing its reader could not see in the lists. Each download is
//! audited with the document's kind, key id and code; no personal data.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use serde_json::Value;

use super::model::*;
use super::pdf::{self, Writer, MARGIN, WIDTH};
use super::signed::{self, FORMAT};
use crate::attendance::model::{RecordSource, CHECK_IN};
use crate::audit::{self, Action, AuditContext, Event};
use crate::auth::service::Principal;
use crate::crypto::{canonical_json, PlatformSigner};
use crate::db::{TenantScope, TenantTx};
use crate::error::AppError;
use crate::portal::principal::Participant;
use crate::state::AppState;

/// A finished, signed PDF.
pub struct Document {
    pub bytes: Vec<u8>,
    pub file_name: String,
}

pub fn lang(raw: Option<&str>) -> Result<Lang, AppError> {
    match raw.map(str::trim) {
        None | Some("") | Some("de") => Ok(Lang::De),
        Some("en") => Ok(Lang::En),
        Some(_) => Err(AppError::invalid("lang", "must be de or en")),
    }
}

fn now_of(ctx: &AuditContext) -> NaiveDateTime {
    let t = ctx.at.naive_utc();
    t - chrono::Duration::nanoseconds(i64::from(chrono::Timelike::nanosecond(&t)))
}

fn strokes_in_tenths(strokes: Vec<Vec<f64>>) -> Vec<Vec<i64>> {
    strokes.into_iter().map(|s| s.into_iter().map(|v| (v * 10.0).round() as i64).collect()).collect()
}

fn staff_email(state: &AppState, tx: &mut TenantTx<'_>, id: &str) -> Result<String, AppError> {
    Ok(match crate::accounts::store::find(tx, id)? {
        Some(a) => state.master.platform_keys().decrypt("accounts", "email", &a.id, &a.email_ciphertext)?.to_string(),
        None => String::new(),
    })
}

fn safe(id: &str) -> String {
    id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(64).collect()
}

/// The attendance list of a session (whoever reads that session's list may download it).
pub fn attendance_list(state: &AppState, p: &Principal, scope: &TenantScope, session_id: &str) -> Result<Document, AppError> {
    // The list as its page shows it: the SEP-3 scope and the statuses are the list's own.
    let list = crate::attendance::service::session_attendance(state, p, scope, session_id)?;
    let event = crate::events::service::get(state, p, scope, &list.event_id)?;
    let now = now_of(&p.audit);
    let content = state.db.tenant_read(scope, |tx| {
        let tenant = crate::tenants::store::find(tx, scope.tenant_id())?.ok_or(AppError::NotFound)?;
        let zone = tenant.zone();
        let keys = crate::tenants::service::keys(tx, &state.master)?;
        let mut signatures = HashMap::new();
        for s in crate::attendance::store::signatures_of_session(tx, &list.session_id)? {
            let strokes = crate::attendance::service::strokes_of(&keys, "attendance_signatures", &s.id, &s.strokes_ciphertext)?;
            signatures.insert(s.attendance_id.clone(), (s.signed_at, strokes));
        }
        let closings = crate::attendance::store::closings_of(tx, &list.session_id)?;
        let reopened_closings = closings.iter().filter(|c| c.reopened_at.is_some()).count();
        let closing = match closings.iter().rev().find(|c| c.reopened_at.is_none()) {
            Some(c) => Some(ListClosing {
                closed_at: zone.rfc3339(c.closed_at),
                closed_by: staff_email(state, tx, &c.closed_by)?,
                signature: DrawnSignature {
                    signed_at: zone.rfc3339(c.closed_at),
                    shown_at: zone.date_time(c.closed_at, true),
                    strokes: strokes_in_tenths(crate::attendance::service::strokes_of(
                        &keys,
                        "session_closings",
                        &c.id,
                        &c.strokes_ciphertext,
                    )?),
                },
            }),
            None => None,
        };
        let location = match &event.location_id {
            Some(id) => crate::locations::store::list(tx)?.into_iter().find(|l| &l.id == id).map(|l| l.name),
            None => None,
        };
        let mut instructors = Vec::new();
        for id in &event.instructor_ids {
            instructors.push(staff_email(state, tx, id)?);
        }
        let mut attendees = Vec::new();
        let mut restricted_left_out = 0;
        for a in &list.attendees {
            if a.restricted {
                restricted_left_out += 1;
                continue;
            }
            let check_in = a.check_in_id.as_ref().and_then(|id| a.records.iter().find(|r| &r.id == id));
            let source = check_in.map(|r| match r.source {
                RecordSource::Device if r.late_upload => "late_upload",
                RecordSource::Device => "card",
                RecordSource::Manual => "manual",
                RecordSource::Correction => "correction",
            });
            let signature = a.check_in_id.as_ref().and_then(|id| signatures.get(id)).map(|(at, strokes)| DrawnSignature {
                signed_at: zone.rfc3339(*at),
                shown_at: zone.date_time(*at, true),
                strokes: strokes_in_tenths(strokes.clone()),
            });
            let absence = a.absence.as_ref().map(|x| if x.excused { "excused" } else { "unexcused" }.to_owned());
            attendees.push(ListAttendee {
                name: a.name.clone(),
                status: a.status.as_str().to_owned(),
                checked_in_at: a.checked_in_at.map(|t| zone.rfc3339(t)),
                checked_out_at: a.checked_out_at.map(|t| zone.rfc3339(t)),
                shown_in: a.checked_in_at.map(|t| zone.format(t, "%H:%M")).unwrap_or_default(),
                shown_out: a.checked_out_at.map(|t| zone.format(t, "%H:%M")).unwrap_or_default(),
                source: source.map(str::to_owned),
                signature,
                absence,
            });
        }
        Ok(AttendanceList {
            format: FORMAT,
            kind: KIND_LIST,
            lang: "de",
            tenant: Issuer { id: tenant.id.clone(), name: tenant.name.clone() },
            time_zone: zone.name().to_owned(),
            event: Named { id: list.event_id.clone(), title: list.event_title.clone() },
            session: ListSession {
                id: list.session_id.clone(),
                starts_at: zone.rfc3339(list.starts_at),
                ends_at: zone.rfc3339(list.ends_at),
                shown: zone.span(list.starts_at, list.ends_at, true),
            },
            location,
            instructors,
            signature_required: list.signature_required,
            attendees,
            restricted_left_out,
            closed: closing.is_some(),
            closing,
            reopened_closings,
            issued_at: zone.rfc3339(now),
            shown_issued: zone.date_time(now, true),
        })
    })?;
    let signer = PlatformSigner::from_master(&state.master)?;
    let (bytes, code) = render_list(&content, &signer, &verify_url(state), now)?;
    audit_issue(state, scope, &p.audit, KIND_LIST, ("event_session", session_id), None, &signer, &code)?;
    Ok(Document { bytes, file_name: format!("anwesenheitsliste-{}.pdf", safe(session_id)) })
}

/// A staff member's download of a participant's certificate for an event they may see.
pub fn certificate_for_staff(
    state: &AppState,
    p: &Principal,
    scope: &TenantScope,
    event_id: &str,
    participant_id: &str,
    lang: Lang,
) -> Result<Document, AppError> {
    // The event's visibility (TOM SEP-3): instructors their courses, company admins their company's.
    crate::events::service::get(state, p, scope, event_id)?;
    certificate(state, scope, &p.audit, event_id, participant_id, lang, Issue::Staff)
}

/// The signed-in participant's own certificate for an event they are booked on.
pub fn certificate_for_participant(state: &AppState, p: &Participant, event_id: &str, lang: Lang) -> Result<Document, AppError> {
    certificate(state, &p.scope, &p.audit, event_id, &p.participant_id, lang, Issue::Participant)
}

/// Who asks for a certificate: staff get none of a person whose processing is restricted
/// (Art. 18 GDPR, as the person's export); the person gets their own.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Issue {
    Staff,
    Participant,
}

fn certificate(
    state: &AppState,
    scope: &TenantScope,
    ctx: &AuditContext,
    event_id: &str,
    participant_id: &str,
    lang: Lang,
    issue: Issue,
) -> Result<Document, AppError> {
    let now = now_of(ctx);
    let content = state.db.tenant_read(scope, |tx| certificate_content(state, tx, scope, (event_id, participant_id), lang, issue, now))?;
    let signer = PlatformSigner::from_master(&state.master)?;
    let (bytes, code) = render_certificate(&content, &signer, &verify_url(state), now)?;
    audit_issue(state, scope, ctx, KIND_CERTIFICATE, ("event", event_id), Some(participant_id), &signer, &code)?;
    let prefix = lang.t("teilnahmebescheinigung", "certificate-of-attendance");
    Ok(Document { bytes, file_name: format!("{prefix}-{}.pdf", safe(event_id)) })
}

fn certificate_content(
    state: &AppState,
    tx: &mut TenantTx<'_>,
    scope: &TenantScope,
    (event_id, participant_id): (&str, &str),
    lang: Lang,
    issue: Issue,
    now: NaiveDateTime,
) -> Result<Certificate, AppError> {
    let tenant = crate::tenants::store::find(tx, scope.tenant_id())?.ok_or(AppError::NotFound)?;
    let zone = tenant.zone();
    let keys = crate::tenants::service::keys(tx, &state.master)?;
    let event = crate::events::store::find(tx, event_id)?.ok_or(AppError::NotFound)?;
    // Only for a person with a confirmed booking of the event (anyone else: not found).
    let booked = crate::bookings::store::confirmed_of(tx, participant_id)?.iter().any(|b| b.event_id == event_id);
    let person = crate::bookings::store::participant(tx, participant_id)?.filter(|p| p.erased_at.is_none());
    let (true, Some(person)) = (booked, person) else { return Err(AppError::NotFound) };
    if person.restricted_at.is_some() && issue == Issue::Staff {
        return Err(AppError::rule(
            crate::problem::ProblemCode::Restricted,
            "this person's data is restricted (Art. 18 GDPR); the person can download the certificate in the portal",
        ));
    }
    let name = crate::bookings::service::person(&keys, &person)?.name;
    let mut sessions = crate::events::store::sessions(tx, &[event_id.to_owned()])?;
    sessions.sort_by(|a, b| (a.starts_at, &a.id).cmp(&(b.starts_at, &b.id)));
    let ids: Vec<String> = sessions.iter().map(|s| s.id.clone()).collect();
    let records: Vec<_> =
        crate::attendance::store::of_sessions(tx, &ids)?.into_iter().filter(|r| r.participant_id == participant_id).collect();
    let attended: HashSet<String> =
        crate::attendance::service::effective(&records).into_iter().filter(|r| r.kind == CHECK_IN).map(|r| r.session_id.clone()).collect();
    let excused: HashMap<String, bool> = crate::absences::store::of_sessions(tx, &ids)?
        .into_iter()
        .filter(|a| a.participant_id == participant_id)
        .map(|a| (a.session_id, a.excused))
        .collect();
    let mut out = Vec::new();
    let (mut minutes_attended, mut sessions_attended) = (0, 0);
    let mut absences = AbsenceCount { excused: 0, unexcused: 0 };
    for s in &sessions {
        let was_there = attended.contains(&s.id);
        if !was_there && s.ends_at > now {
            continue; // not yet held: neither attended nor missed
        }
        let minutes = if was_there { (s.ends_at - s.starts_at).num_minutes().max(0) } else { 0 };
        let absence = match (was_there, excused.get(&s.id)) {
            (true, _) => None,
            (false, Some(true)) => Some("excused"),
            (false, _) => Some("unexcused"),
        };
        match absence {
            Some("excused") => absences.excused += 1,
            Some(_) => absences.unexcused += 1,
            None => {
                sessions_attended += 1;
                minutes_attended += minutes;
            }
        }
        out.push(CertificateSession {
            starts_at: zone.rfc3339(s.starts_at),
            ends_at: zone.rfc3339(s.ends_at),
            attended: was_there,
            minutes,
            absence: absence.map(str::to_owned),
            shown: zone.span(s.starts_at, s.ends_at, lang.german()),
        });
    }
    Ok(Certificate {
        format: FORMAT,
        kind: KIND_CERTIFICATE,
        lang: lang.code(),
        tenant: Issuer { id: tenant.id.clone(), name: tenant.name.clone() },
        time_zone: zone.name().to_owned(),
        participant: Person { id: person.id.clone(), name },
        event: Named { id: event.id.clone(), title: event.title.clone() },
        sessions: out,
        sessions_attended,
        minutes_attended,
        absences,
        issued_at: zone.rfc3339(now),
        issued_on: zone.format(now, "%Y-%m-%d"),
        shown_issued: zone.format(now, if lang.german() { "%d.%m.%Y" } else { "%Y-%m-%d" }),
    })
}

fn verify_url(state: &AppState) -> String {
    format!("{}/#/verify", state.config.public_url.trim_end_matches('/'))
}

#[allow(clippy::too_many_arguments)]
fn audit_issue(
    state: &AppState,
    scope: &TenantScope,
    ctx: &AuditContext,
    kind: &str,
    target: (&'static str, &str),
    subject: Option<&str>,
    signer: &PlatformSigner,
    code: &str,
) -> Result<(), AppError> {
    state.db.tenant_tx(scope, |tx| {
        let mut event = Event::new(Action::DocumentIssued, target.0, Some(target.1))
            .detail("kind", kind)
            .detail("key_id", signer.key_id())
            .detail("code", code);
        if let Some(s) = subject {
            event = event.subject(s, None);
        }
        audit::record(tx, ctx, event)?;
        Ok(())
    })
}

/// Hours and minutes as the certificate prints them.
pub fn duration(minutes: i64, lang: Lang) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    if lang.german() {
        format!("{h} Std. {m:02} Min.")
    } else {
        format!("{h} h {m:02} min")
    }
}

fn seal(
    writer: Writer,
    content: &Value,
    signer: &PlatformSigner,
    title: &str,
    url: &str,
    now: NaiveDateTime,
    lang: Lang,
) -> Result<(Vec<u8>, String), AppError> {
    let code = signed::code(&canonical_json(content));
    let footer = |page: usize, pages: usize| {
        format!(
            "{}: {code} · {} {url} · {} {page}/{pages}",
            lang.t("Prüfcode", "Verification code"),
            lang.t("Echtheit prüfen:", "Verify at"),
            lang.t("Seite", "Page"),
        )
    };
    let body = writer.finish(title, pdf::date(now), footer)?;
    Ok((signed::seal(body, content, signer), code))
}

fn header(w: &mut Writer, title: &str, issuer: &str, url: &str, lang: Lang) -> Result<(), AppError> {
    let qr = 78.0;
    w.qr(WIDTH - MARGIN - qr, w.y - qr + 6.0, qr, url)?;
    w.line(MARGIN, 18.0, title);
    w.line(MARGIN, 10.0, issuer);
    w.text_at(
        WIDTH - MARGIN - qr - 4.0 - w.width(lang.t("Echtheit prüfen", "Verify"), 7.0),
        w.y - 4.0,
        7.0,
        0.3,
        lang.t("Echtheit prüfen", "Verify"),
    );
    w.gap(30.0);
    Ok(())
}

fn labelled(w: &mut Writer, label: &str, value: &str) {
    w.room(14.0);
    let y = w.y - 10.0;
    w.text_at(MARGIN, y, 9.0, 0.35, label);
    let lines = w.wrap(value, 10.0, WIDTH - 2.0 * MARGIN - 110.0);
    for (i, l) in lines.iter().enumerate() {
        w.text_at(MARGIN + 110.0, y - i as f32 * 13.0, 10.0, 0.0, l);
    }
    w.gap(14.5 + 13.0 * (lines.len().saturating_sub(1)) as f32);
}

fn status_de(status: &str) -> &'static str {
    match status {
        "present" => "anwesend",
        "late" => "verspätet",
        "left_early" => "früher gegangen",
        _ => "abwesend",
    }
}

fn source_de(source: Option<&str>) -> &'static str {
    match source {
        Some("card") => "Karte",
        Some("late_upload") => "Karte (nachgereicht)",
        Some("manual") => "manuell",
        Some("correction") => "Korrektur",
        _ => "",
    }
}

fn render_list(c: &AttendanceList, signer: &PlatformSigner, url: &str, now: NaiveDateTime) -> Result<(Vec<u8>, String), AppError> {
    let value = serde_json::to_value(c).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut w = Writer::new()?;
    header(&mut w, "Anwesenheitsliste", &c.tenant.name, url, Lang::De)?;
    labelled(&mut w, "Veranstaltung", &c.event.title);
    labelled(&mut w, "Termin", &c.session.shown);
    labelled(&mut w, "Ort", c.location.as_deref().unwrap_or("–"));
    labelled(&mut w, "Leitung", &if c.instructors.is_empty() { "–".to_owned() } else { c.instructors.join(", ") });
    w.gap(4.0);
    match &c.closing {
        Some(closing) => labelled(&mut w, "Status", &format!("abgeschlossen am {} von {}", closing.signature.shown_at, closing.closed_by)),
        None => {
            w.room(26.0);
            w.fill(MARGIN, w.y - 22.0, WIDTH - 2.0 * MARGIN, 22.0, (1.0, 0.9, 0.85));
            w.text_at(MARGIN + 8.0, w.y - 15.5, 11.0, 0.0, "NICHT ABGESCHLOSSEN – diese Liste kann sich noch ändern");
            w.gap(28.0);
        }
    }
    if c.restricted_left_out > 0 {
        labelled(
            &mut w,
            "Hinweis",
            &format!("{} Person(en) mit eingeschränkter Verarbeitung (Art. 18 DSGVO) nicht aufgeführt", c.restricted_left_out),
        );
    }
    if c.reopened_closings > 0 {
        labelled(&mut w, "Wiedereröffnet", &format!("{}-mal nach Korrektur", c.reopened_closings));
    }
    w.gap(8.0);
    // The table: name, status, in, out, source, signature.
    let cols = [MARGIN, MARGIN + 150.0, MARGIN + 235.0, MARGIN + 275.0, MARGIN + 315.0, MARGIN + 395.0];
    let heads = ["Name", "Status", "Kommt", "Geht", "Quelle", "Unterschrift"];
    let table_head = |w: &mut Writer| {
        w.room(18.0);
        for (x, h) in cols.iter().zip(heads) {
            w.text_at(*x, w.y - 10.0, 8.5, 0.35, h);
        }
        let y = w.y - 14.0;
        w.rule(MARGIN, WIDTH - MARGIN, y, 0.6, 0.4);
        w.gap(16.0);
    };
    table_head(&mut w);
    let sig_w = WIDTH - MARGIN - cols[5];
    let row_h = if c.attendees.iter().any(|a| a.signature.is_some()) { sig_w * 0.4 + 6.0 } else { 20.0 };
    if c.attendees.is_empty() {
        w.line(MARGIN, 9.5, "Keine bestätigten Buchungen.");
    }
    for a in &c.attendees {
        if w.room(row_h) {
            table_head(&mut w);
        }
        let y = w.y - 11.0;
        let name = w.fit(&a.name, 9.5, cols[1] - cols[0] - 6.0);
        w.text_at(cols[0], y, 9.5, 0.0, &name);
        let status = match a.absence.as_deref() {
            Some("excused") if a.status == "absent" => "entschuldigt",
            _ => status_de(&a.status),
        };
        w.text_at(cols[1], y, 9.0, 0.0, status);
        w.text_at(cols[2], y, 9.0, 0.0, &a.shown_in);
        w.text_at(cols[3], y, 9.0, 0.0, &a.shown_out);
        w.text_at(cols[4], y, 8.5, 0.0, source_de(a.source.as_deref()));
        match &a.signature {
            Some(s) => {
                let h = sig_w * 0.4;
                w.strokes(cols[5], w.y - h - 2.0, sig_w, h, &s.strokes);
            }
            None if c.signature_required && a.checked_in_at.is_some() => w.text_at(cols[5], y, 8.5, 0.35, "Unterschrift fehlt"),
            None => {}
        }
        let y = w.y - row_h;
        w.rule(MARGIN, WIDTH - MARGIN, y + 1.0, 0.3, 0.75);
        w.gap(row_h);
    }
    w.gap(16.0);
    if let Some(closing) = &c.closing {
        let h = 64.0;
        w.room(h + 40.0);
        w.line(
            MARGIN,
            10.0,
            &format!("Liste abgeschlossen und unterschrieben von {} am {}", closing.closed_by, closing.signature.shown_at),
        );
        w.frame(MARGIN, w.y - h, h * 2.5, h, 0.7);
        w.strokes(MARGIN, w.y - h, h * 2.5, h, &closing.signature.strokes);
        w.gap(h + 8.0);
    }
    w.gap(6.0);
    w.paragraph(
        MARGIN,
        8.0,
        WIDTH - 2.0 * MARGIN,
        &format!(
            "Ausgestellt am {} ({}). Dieses Dokument ist von der Plattform elektronisch signiert; jede Änderung macht die Signatur ungültig. Prüfen: {url}",
            c.shown_issued, c.time_zone
        ),
    );
    let title = format!("Anwesenheitsliste – {}", c.event.title);
    seal(w, &value, signer, &title, url, now, Lang::De)
}

fn render_certificate(c: &Certificate, signer: &PlatformSigner, url: &str, now: NaiveDateTime) -> Result<(Vec<u8>, String), AppError> {
    let lang = if c.lang == "en" { Lang::En } else { Lang::De };
    let value = serde_json::to_value(c).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut w = Writer::new()?;
    let title = lang.t("Teilnahmebescheinigung", "Certificate of attendance");
    header(&mut w, title, &c.tenant.name, url, lang)?;
    w.gap(6.0);
    w.paragraph(
        MARGIN,
        11.0,
        WIDTH - 2.0 * MARGIN,
        &if lang.german() {
            format!("Hiermit bestätigt {}, dass", c.tenant.name)
        } else {
            format!("{} hereby confirms that", c.tenant.name)
        },
    );
    w.gap(4.0);
    w.line(MARGIN, 16.0, &c.participant.name);
    w.gap(4.0);
    w.paragraph(
        MARGIN,
        11.0,
        WIDTH - 2.0 * MARGIN,
        &if lang.german() {
            format!("an der Veranstaltung „{}“ wie folgt teilgenommen hat:", c.event.title)
        } else {
            format!("attended the event “{}” as follows:", c.event.title)
        },
    );
    w.gap(8.0);
    labelled(&mut w, lang.t("Besuchte Termine", "Sessions attended"), &format!("{} / {}", c.sessions_attended, c.sessions.len()));
    labelled(&mut w, lang.t("Stunden", "Hours"), &duration(c.minutes_attended, lang));
    labelled(
        &mut w,
        lang.t("Fehlzeiten", "Absences"),
        &if lang.german() {
            format!("{} entschuldigt, {} unentschuldigt", c.absences.excused, c.absences.unexcused)
        } else {
            format!("{} excused, {} unexcused", c.absences.excused, c.absences.unexcused)
        },
    );
    w.gap(10.0);
    w.room(18.0);
    w.text_at(MARGIN, w.y - 10.0, 8.5, 0.35, lang.t("Termin", "Session"));
    w.text_at(MARGIN + 330.0, w.y - 10.0, 8.5, 0.35, lang.t("Teilnahme", "Attendance"));
    let y = w.y - 14.0;
    w.rule(MARGIN, WIDTH - MARGIN, y, 0.6, 0.4);
    w.gap(16.0);
    for s in &c.sessions {
        w.room(16.0);
        let y = w.y - 10.0;
        let shown = w.fit(&s.shown, 9.0, 320.0);
        w.text_at(MARGIN, y, 9.0, 0.0, &shown);
        let what = match s.absence.as_deref() {
            None => duration(s.minutes, lang),
            Some("excused") => lang.t("entschuldigt gefehlt", "absent, excused").to_owned(),
            Some(_) => lang.t("unentschuldigt gefehlt", "absent, unexcused").to_owned(),
        };
        w.text_at(MARGIN + 330.0, y, 9.0, 0.0, &what);
        w.gap(15.0);
    }
    w.gap(18.0);
    w.paragraph(
        MARGIN,
        10.0,
        WIDTH - 2.0 * MARGIN,
        &if lang.german() {
            format!("Ausgestellt von {} am {} (Zeitzone {}).", c.tenant.name, c.shown_issued, c.time_zone)
        } else {
            format!("Issued by {} on {} (time zone {}).", c.tenant.name, c.shown_issued, c.time_zone)
        },
    );
    w.gap(4.0);
    w.paragraph(
        MARGIN,
        8.0,
        WIDTH - 2.0 * MARGIN,
        lang.t(
            "Diese Bescheinigung ist von der Plattform elektronisch signiert und ohne Unterschrift gültig; jede Änderung macht die Signatur ungültig.",
            "This certificate is signed electronically by the platform and valid without a handwritten signature; any change invalidates the signature.",
        ),
    );
    let doc_title = format!("{title} – {} – {}", c.participant.name, c.event.title);
    seal(w, &value, signer, &doc_title, url, now, lang)
}

/// What the verify command prints of a valid document: only what it shows.
pub fn summary(document: &Value) -> String {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    match document["kind"].as_str() {
        Some(KIND_LIST) => format!(
            "attendance list of {} ({} – {}, {}), issued by {}, {} attendee(s), {}",
            s(&document["event"]["title"]),
            s(&document["session"]["starts_at"]),
            s(&document["session"]["ends_at"]),
            s(&document["time_zone"]),
            s(&document["tenant"]["name"]),
            document["attendees"].as_array().map(Vec::len).unwrap_or_default(),
            if document["closed"].as_bool() == Some(true) {
                format!("closed {} by {}", s(&document["closing"]["closed_at"]), s(&document["closing"]["closed_by"]))
            } else {
                "NOT CLOSED".to_owned()
            }
        ),
        Some(KIND_CERTIFICATE) => format!(
            "certificate of attendance for {} at {}, issued by {} on {}: {} session(s) attended, {} minutes, absences {} excused / {} unexcused",
            s(&document["participant"]["name"]),
            s(&document["event"]["title"]),
            s(&document["tenant"]["name"]),
            s(&document["issued_on"]),
            document["sessions_attended"],
            document["minutes_attended"],
            document["absences"]["excused"],
            document["absences"]["unexcused"],
        ),
        _ => "a document of an unknown kind".to_owned(),
    }
}
