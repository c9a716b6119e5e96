//! The tenant's processing record (TOM RIGHTS-3): a generated description of what the
//! platform processes for the tenant — activities with purposes, legal bases, data
//! subjects, data categories as actually stored, recipients and retention (the tenant's
//! current periods from `retention_settings`), the technical and organisational measures
//! in place, and counts. The tenant (controller) uses it for its own record of processing
//! activities (Art. 30(1) GDPR); for the platform it is the processor's description
//! (Art. 30(2), 28(3)).
//!
//! It holds no personal data: counts only, the mail relay's host name (never its user
//! name), no participant or staff names or addresses. Reading it is audited
//! (`processing_record.viewed`).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::QueryResult;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::retention::{self, SettingsRow, CATEGORY_AUDIT, CATEGORY_PARTICIPANTS};
use crate::audit::{self, Action, Event};
use crate::auth::service::Principal;
use crate::config::MailTransport;
use crate::db::{TenantScope, TenantTx};
use crate::error::AppError;
use crate::state::AppState;

/// Who runs the platform when the configuration does not name an operator
/// (`platform.processor_name`).
pub const DEFAULT_PROCESSOR: &str = crate::config::DEFAULT_PROCESSOR_NAME;

/// The language of the record's texts (`?lang=de|en`, default `en`).
#[derive(Deserialize, Serialize, Debug, Clone, Copy, Default, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RecordLang {
    De,
    #[default]
    En,
}

#[derive(Deserialize, Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RecordQuery {
    /// Language of the texts: `de` or `en` (default).
    pub lang: Option<RecordLang>,
}

/// The processing record of the caller's tenant.
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct ProcessingRecord {
    pub generated_at: DateTime<Utc>,
    pub lang: RecordLang,
    pub controller: RecordController,
    pub processor: RecordProcessor,
    pub activities: Vec<ProcessingActivity>,
    pub retention: RecordRetention,
    pub toms: Vec<ProcessingMeasure>,
    pub counts: ProcessingCounts,
    /// The platform's sub-processors in force today, from the register (TOM SUB-1, TRANS-5).
    pub subprocessors: Vec<RecordSubprocessor>,
}

/// A sub-processor the platform engages, as the register names it today.
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct RecordSubprocessor {
    pub name: String,
    pub address: String,
    pub service: String,
    pub data_categories: String,
    /// ISO 3166-1 alpha-2 country of processing.
    pub country: String,
    pub eu_eea: bool,
    /// The transfer safeguard in words (inside the EU/EEA: none needed).
    pub transfer: String,
    /// Engaged since (`YYYY-MM-DD`).
    pub since: String,
}

/// The tenant: the controller of its participants' data.
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct RecordController {
    pub tenant_id: String,
    pub name: String,
    pub slug: String,
}

/// The platform: the processor acting on the tenant's instructions.
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct RecordProcessor {
    pub name: String,
    pub role: String,
}

/// One processing activity.
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct ProcessingActivity {
    /// Stable code: `bookings`, `attendance`, `staff_accounts`, `mail`, `audit`.
    pub id: String,
    pub name: String,
    pub purposes: Vec<String>,
    pub legal_basis: Vec<String>,
    pub data_subjects: Vec<String>,
    pub data_categories: Vec<ProcessingDataCategory>,
    pub recipients: Vec<String>,
    pub retention: String,
}

/// A category of data as it is stored.
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct ProcessingDataCategory {
    /// Stable code, e.g. `name`, `email`, `card_pseudonym`.
    pub id: String,
    pub name: String,
    /// How it is stored (encryption, keyed hash, plain).
    pub stored_as: String,
}

/// The tenant's retention settings and the other deletion rules.
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct RecordRetention {
    /// Months participant data is kept after the person's last event (the tenant's setting).
    pub participant_retention_months: i32,
    /// Months audit entries are kept (the tenant's setting); the daily job removes older ones.
    pub audit_retention_months: i32,
    /// When an admin last changed the periods; `None`: the defaults.
    #[serde(with = "crate::timestamp::option")]
    pub updated_at: Option<NaiveDateTime>,
    /// When the daily anonymisation last ran for the tenant.
    #[serde(with = "crate::timestamp::option")]
    pub last_run_at: Option<NaiveDateTime>,
    /// Days the export archive stays available after offboarding starts; then deletion
    /// and key destruction.
    pub offboarding_window_days: i64,
    /// The rules in words.
    pub rules: Vec<String>,
}

/// A technical or organisational measure in place.
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct ProcessingMeasure {
    /// The catalogue id, e.g. `PSEUDO-1`.
    pub id: String,
    pub description: String,
}

/// How much is stored (counts only).
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct ProcessingCounts {
    /// People with personal data (not anonymised).
    pub participants: i64,
    /// People anonymised (erased on request or after the retention period).
    pub participants_anonymised: i64,
    pub bookings: i64,
    pub attendance_records: i64,
    pub card_bindings: i64,
    /// Enabled memberships of staff accounts in the tenant.
    pub staff_memberships: i64,
}

fn tr(lang: RecordLang, de: &str, en: &str) -> String {
    match lang {
        RecordLang::De => de.to_owned(),
        RecordLang::En => en.to_owned(),
    }
}

fn list(lang: RecordLang, items: &[(&str, &str)]) -> Vec<String> {
    items.iter().map(|(de, en)| tr(lang, de, en)).collect()
}

fn category(lang: RecordLang, id: &str, name: (&str, &str), stored: (&str, &str)) -> ProcessingDataCategory {
    ProcessingDataCategory { id: id.to_owned(), name: tr(lang, name.0, name.1), stored_as: tr(lang, stored.0, stored.1) }
}

const ENCRYPTED: (&str, &str) = ("verschlüsselt (AES-256-GCM, Schlüssel des Mandanten)", "encrypted (AES-256-GCM, the tenant's data key)");
const PLAIN: (&str, &str) = ("im Klartext, nur im Mandanten sichtbar", "plain, visible within the tenant only");

struct Periods {
    participant_months: i32,
    audit_months: i32,
    updated_at: Option<NaiveDateTime>,
    last_run_at: Option<NaiveDateTime>,
}

fn periods(tx: &mut TenantTx<'_>) -> QueryResult<Periods> {
    let rows: Vec<SettingsRow> = super::store::retention_settings(tx)?;
    let find = |c: &str| rows.iter().find(|r| r.category == c);
    Ok(Periods {
        participant_months: find(CATEGORY_PARTICIPANTS).map_or(retention::DEFAULT_PARTICIPANT_MONTHS, |r| r.months),
        audit_months: find(CATEGORY_AUDIT).map_or(retention::DEFAULT_AUDIT_MONTHS, |r| r.months),
        updated_at: rows.iter().filter_map(|r| r.updated_at).max(),
        last_run_at: find(CATEGORY_PARTICIPANTS).and_then(|r| r.last_run_at),
    })
}

/// The mail relay as a recipient: its host only (never user name or password).
fn mail_recipient(state: &AppState, lang: RecordLang) -> String {
    match state.config.mail.transport {
        MailTransport::Smtp => {
            let host = &state.config.mail.smtp.host;
            tr(
                lang,
                &format!("Mail-Relay {host} (SMTP-Server des Plattformbetriebs)"),
                &format!("mail relay {host} (the platform's SMTP server)"),
            )
        }
        MailTransport::File => tr(
            lang,
            "kein Mail-Relay: Mails werden als Dateien auf dem Server abgelegt (Entwicklung)",
            "no mail relay: mails are written as files on the server (development)",
        ),
    }
}

fn activities(state: &AppState, lang: RecordLang, p: &Periods) -> Vec<ProcessingActivity> {
    let months = p.participant_months;
    let participant_retention = tr(
        lang,
        &format!("{months} Monate nach der letzten Veranstaltung der Person, dann anonymisiert (täglicher Lauf); auf Antrag früher gelöscht (Art. 17); eingeschränkte Personen (Art. 18) bleiben bis zur Aufhebung"),
        &format!("{months} months after the person's last event, then anonymised (daily run); erased earlier on request (Art. 17); restricted people (Art. 18) are kept until the restriction is lifted"),
    );
    let admins = ("Mandanten-Admins und Partner-Admins: alle Daten", "tenant admins and partner admins: everything");
    let platform = (
        "Plattformbetrieb: nur auf Weisung (Betrieb, Sicherung); Plattform-Admins sehen keine Teilnehmendendaten",
        "platform operator: on instruction only (operation, backups); platform admins do not see participant data",
    );
    vec![
        ProcessingActivity {
            id: "bookings".into(),
            name: tr(lang, "Buchungen und Teilnehmendenverwaltung", "Bookings and participant management"),
            purposes: list(lang, &[
                ("Buchung von Veranstaltungen und Kursen des Mandanten, Warteliste, Umbuchung, Storno", "booking the tenant's events and courses, waiting list, moves, cancellations"),
                ("Teilnehmendenportal: eigene Buchungen, Storno, Datenauskunft, Anfragen", "participant portal: own bookings, cancellation, data download, requests"),
                ("Bearbeitung von Anfragen Betroffener (Auskunft, Berichtigung, Löschung, Einschränkung, Widerspruch)", "handling requests of data subjects (access, rectification, erasure, restriction, objection)"),
            ]),
            legal_basis: list(lang, &[
                ("Art. 6 Abs. 1 lit. b DSGVO (Vertrag: die Buchung)", "Art. 6(1)(b) GDPR (contract: the booking)"),
                ("Art. 6 Abs. 1 lit. c DSGVO i. V. m. Art. 12–21 (Betroffenenrechte)", "Art. 6(1)(c) GDPR with Art. 12–21 (data subject rights)"),
            ]),
            data_subjects: list(lang, &[
                ("Teilnehmende (buchende Personen)", "participants (people who book)"),
                ("Beschäftigte von Firmenkunden des Mandanten (Firmenkurse)", "employees of the tenant's client companies (company courses)"),
            ]),
            data_categories: vec![
                category(lang, "name", ("Name", "name"), ENCRYPTED),
                category(lang, "email", ("E-Mail-Adresse", "email address"), ("verschlüsselt; Suche über einen Blindindex (HMAC-SHA256 mit Mandantenschlüssel)", "encrypted; searched by a blind index (HMAC-SHA256 under a tenant key)")),
                category(lang, "name_index", ("Suchindex der Namenswörter", "search index of name words"), ("Blindindex (HMAC-SHA256), kein Klartext", "blind index (HMAC-SHA256), no plain text")),
                category(lang, "phone", ("Telefonnummer (wenn die Veranstaltung danach fragt)", "phone number (if the event asks for it)"), ENCRYPTED),
                category(lang, "booking_answers", ("Antworten im Buchungsformular (z. B. Anmerkung)", "booking form answers (e.g. a note)"), ENCRYPTED),
                category(lang, "consent", ("Einwilligungstext und Zeitpunkt der Zustimmung", "consent text agreed to and when"), PLAIN),
                category(lang, "booking", ("Buchungen: Veranstaltung, Status, Zeitpunkte, Storno durch wen", "bookings: event, status, times, cancelled by whom"), PLAIN),
                category(lang, "mail_preferences", ("Sprache, Abmeldung von optionalen Mails mit Grund", "language, opt-out of optional mails with reason"), ("Grund als Code, Freitext verschlüsselt", "reason as a code, free text encrypted")),
                category(lang, "subject_requests", ("Anfragen zu personenbezogenen Daten: Art, Nachricht, Eingang, Frist, Status", "requests about personal data: kind, message, received, due, status"), ("Nachricht verschlüsselt", "message encrypted")),
                category(lang, "restriction", ("Einschränkung und Anonymisierung (Zeitpunkte)", "restriction and anonymisation (times)"), PLAIN),
                category(lang, "participant_tokens", ("Anmeldelinks und Portal-Sitzungen", "sign-in links and portal sessions"), ("nur SHA-256 des Tokens", "SHA-256 of the token only")),
            ],
            recipients: list(lang, &[
                admins,
                ("Organisator:innen: alle Buchungen und Teilnehmenden", "organisers: all bookings and participants"),
                ("Kursleitungen: Buchungen der Kurse, die sie leiten", "instructors: bookings of the courses they teach"),
                ("Firmen-Admins: Buchungen der Kurse ihrer Firma", "company admins: bookings of their company's courses"),
                platform,
            ]),
            retention: participant_retention.clone(),
        },
        ProcessingActivity {
            id: "attendance".into(),
            name: tr(lang, "Anwesenheitserfassung mit NFC-Karten", "Attendance with NFC cards"),
            purposes: list(lang, &[
                ("Erfassung von Ein- und Auschecken je Termin an Geräten (NFC-Karte) oder durch Personal", "recording check-in and check-out per session at devices (NFC card) or by staff"),
                ("Anwesenheitsnachweis (Listen, Druckansicht, Korrekturen mit Begründung)", "proof of attendance (lists, print view, corrections with reasons)"),
                ("Begrüßung am Kiosk-Bildschirm (nur Vorname)", "greeting on the kiosk screen (first name only)"),
            ]),
            legal_basis: list(lang, &[
                ("Art. 6 Abs. 1 lit. b DSGVO (Teilnahme am gebuchten Kurs)", "Art. 6(1)(b) GDPR (attending the booked course)"),
                ("Art. 6 Abs. 1 lit. c DSGVO, soweit der Mandant Anwesenheit nachweisen muss", "Art. 6(1)(c) GDPR where the tenant must prove attendance"),
            ]),
            data_subjects: list(lang, &[("Teilnehmende", "participants"), ("Personal, das von Hand erfasst oder korrigiert", "staff who record or correct by hand")]),
            data_categories: vec![
                category(lang, "attendance_records", ("Anwesenheitseinträge: Termin, Ein-/Auschecken, Zeit, Quelle (Gerät/Hand), Gerät, erfassendes Konto, verspätete Übertragung, Korrektur/Storno mit Begründung", "attendance records: session, check-in/out, time, source (device/manual), device, recording account, late upload, correction/void with reason"), PLAIN),
                category(lang, "card_pseudonym", ("Karten-Pseudonym", "card pseudonym"), ("Schlüssel-Hash (HMAC-SHA256 mit Mandantenschlüssel) der Karten-ID; die Karten-ID selbst wird nie gespeichert", "keyed hash (HMAC-SHA256 under a tenant key) of the card id; the card id itself is never stored")),
                category(lang, "device_taps", ("Kartenvorgänge: Zeitpunkt, Ergebnis, Person", "card taps: time, outcome, person"), PLAIN),
            ],
            recipients: list(lang, &[
                admins,
                ("Organisator:innen: alle Termine", "organisers: all sessions"),
                ("Kursleitungen: Termine ihrer Kurse", "instructors: sessions of their courses"),
                ("Firmen-Admins: lesend, Kurse ihrer Firma", "company admins: read, their company's courses"),
                ("Kiosk-Bildschirm am Ort: Vorname, einige Sekunden", "kiosk screen at the venue: first name, for a few seconds"),
            ]),
            retention: tr(
                lang,
                &format!("wie die Buchung: {months} Monate nach der letzten Veranstaltung; danach bleiben die Einträge nur als Statistik zu einem Pseudonym, Kartenbindungen werden gelöscht"),
                &format!("as the booking: {months} months after the last event; afterwards the records stay only as statistics of a pseudonym, card bindings are deleted"),
            ),
        },
        ProcessingActivity {
            id: "staff_accounts".into(),
            name: tr(lang, "Konten des Personals und Zugriffskontrolle", "Staff accounts and access control"),
            purposes: list(lang, &[
                ("Anmeldung, Rollen und Berechtigungen, zweiter Faktor", "sign-in, roles and permissions, second factor"),
                ("Sitzungsverwaltung und Überprüfung der Zugriffsrechte", "session management and access review"),
                ("Einladungen neuer Mitglieder", "inviting new members"),
            ]),
            legal_basis: list(lang, &[
                ("Art. 6 Abs. 1 lit. b DSGVO (Tätigkeit für den Mandanten)", "Art. 6(1)(b) GDPR (working for the tenant)"),
                ("Art. 6 Abs. 1 lit. f DSGVO i. V. m. Art. 32 (Sicherheit der Verarbeitung)", "Art. 6(1)(f) GDPR with Art. 32 (security of processing)"),
            ]),
            data_subjects: list(lang, &[("Personal des Mandanten (Admins, Organisator:innen, Kursleitungen, Firmen-Admins)", "the tenant's staff (admins, organisers, instructors, company admins)"), ("eingeladene Personen", "invited people")]),
            data_categories: vec![
                category(lang, "staff_email", ("E-Mail-Adresse des Personals", "staff email address"), ("verschlüsselt (Plattformschlüssel), Blindindex", "encrypted (platform key), blind index")),
                category(lang, "password", ("Passwort", "password"), ("nur als Argon2id-Hash", "Argon2id hash only")),
                category(lang, "second_factor", ("TOTP-Schlüssel, Wiederherstellungscodes", "TOTP key, recovery codes"), ("Schlüssel verschlüsselt, Codes nur als Hash", "key encrypted, codes hashed")),
                category(lang, "roles", ("Rollen, Firma, Erstellung, Sperre, letzte Anmeldung", "roles, company, created, disabled, last sign-in"), PLAIN),
                category(lang, "staff_sessions", ("Sitzungen: Gerätebeschreibung, Zeiten, IP-Adresse", "sessions: device description, times, IP address"), ("Token nur als Hash; IP-Adresse nur als Schlüssel-Hash mit wechselndem Schlüssel", "token hashed; IP address only as a keyed hash with a rotating key")),
                category(lang, "invitations", ("Einladungen: E-Mail, Rolle, Sprache", "invitations: email, role, language"), ("E-Mail verschlüsselt, Token nur als Hash", "email encrypted, token hashed")),
            ],
            recipients: list(lang, &[
                ("Mandanten-Admins und Partner-Admins: Mitgliederliste und Zugriffsüberprüfung", "tenant admins and partner admins: member list and access review"),
                ("Plattform-Admins: Konten auf Plattformebene (Betrieb)", "platform admins: platform-level accounts (operation)"),
            ]),
            retention: tr(
                lang,
                &format!(
                    "solange das Konto für den Mandanten tätig ist (Konten des Personals werden noch nicht automatisch gelöscht; die Zugriffsüberprüfung zeigt ruhende Konten); Sitzungen enden nach {} Minuten Inaktivität bzw. {} Stunden; IP-Hash-Schlüssel werden {} Tage nach ihrem Zeitraum vernichtet",
                    state.config.session.idle_minutes, state.config.session.absolute_hours, state.config.ip_hash.keep_days
                ),
                &format!(
                    "while the account works for the tenant (staff accounts are not deleted automatically yet; the access review shows dormant accounts); sessions end after {} minutes idle or {} hours; IP hash keys are destroyed {} days after their period",
                    state.config.session.idle_minutes, state.config.session.absolute_hours, state.config.ip_hash.keep_days
                ),
            ),
        },
        ProcessingActivity {
            id: "mail".into(),
            name: tr(lang, "E-Mail-Benachrichtigungen", "Mail notifications"),
            purposes: list(lang, &[
                ("Buchungsbestätigung, Warteliste, Storno, Anmeldelinks, Einladungen, Antworten auf Anfragen", "booking confirmations, waiting list, cancellations, sign-in links, invitations, answers to requests"),
                ("Zustellnachweis und Abmeldungen mit Grund", "delivery tracking and opt-outs with reason"),
            ]),
            legal_basis: list(lang, &[
                ("Art. 6 Abs. 1 lit. b DSGVO (zur Buchung gehörende Mails)", "Art. 6(1)(b) GDPR (mails that belong to the booking)"),
                ("Art. 6 Abs. 1 lit. f DSGVO für optionale Mails, mit Widerspruch (Art. 21)", "Art. 6(1)(f) GDPR for optional mails, with objection (Art. 21)"),
            ]),
            data_subjects: list(lang, &[("Teilnehmende", "participants"), ("eingeladenes Personal", "invited staff")]),
            data_categories: vec![
                category(lang, "mail_payload", ("Empfängeradresse und Inhalt der Mail", "recipient address and content of the mail"), ("verschlüsselt, nach dem Versand gelöscht", "encrypted, deleted once sent")),
                category(lang, "mail_status", ("Zweck, Status, Versuche, Zeitpunkte, Empfänger-Blindindex", "purpose, status, attempts, times, recipient blind index"), PLAIN),
            ],
            recipients: vec![mail_recipient(state, lang)],
            retention: tr(lang, "Inhalt bis zum Versand; der Zustellstatus bis zur Löschung der Person oder des Mandanten", "content until sent; the delivery status until the person or the tenant is deleted"),
        },
        ProcessingActivity {
            id: "audit".into(),
            name: tr(lang, "Protokollierung (Audit-Trail)", "Audit trail"),
            purposes: list(lang, &[
                ("Nachweis, wer wann was angelegt, geändert, gelöscht oder exportiert hat (Rechenschaftspflicht)", "evidence of who created, changed, deleted or exported what and when (accountability)"),
                ("Erkennung von Missbrauch, manipulationssicherer Nachweis (Hash-Kette, signierte Exporte)", "detecting misuse, tamper-evident proof (hash chain, signed exports)"),
                ("Löschprotokoll: was gelöscht wurde, warum und auf welcher Rechtsgrundlage", "deletion log: what was deleted, why and on which legal basis"),
            ]),
            legal_basis: list(lang, &[
                ("Art. 6 Abs. 1 lit. c DSGVO i. V. m. Art. 5 Abs. 2 und Art. 32", "Art. 6(1)(c) GDPR with Art. 5(2) and Art. 32"),
                ("Art. 6 Abs. 1 lit. f DSGVO (Sicherheit, Beweissicherung)", "Art. 6(1)(f) GDPR (security, evidence)"),
            ]),
            data_subjects: list(lang, &[("Personal", "staff"), ("Teilnehmende (als pseudonyme Referenz)", "participants (as a pseudonymous reference)"), ("Geräte", "devices")]),
            data_categories: vec![
                category(lang, "audit_entries", ("Handelnde (Konto-ID, Rolle), Aktion, Ziel-IDs, Zeit, Anfrage-ID, Details ohne Namen oder Adressen", "actor (account id, role), action, target ids, time, request id, details without names or addresses"), PLAIN),
                category(lang, "ip_hash", ("IP-Adresse", "IP address"), ("nur als Schlüssel-Hash (HMAC-SHA256) mit regelmäßig gewechseltem Schlüssel", "only as a keyed hash (HMAC-SHA256) with a regularly rotated key")),
                category(lang, "deletion_log", ("Löschprotokoll: Kategorie, Anzahl, Grund, Rechtsgrundlage, Pseudonym", "deletion log: category, count, reason, legal basis, pseudonym"), PLAIN),
            ],
            recipients: list(lang, &[
                ("Mandanten-Admins und Partner-Admins: die ganze Kette des Mandanten, signierte Exporte", "tenant admins and partner admins: the tenant's whole chain, signed exports"),
                ("Firmen-Admins: Einträge ihrer Firmen", "company admins: their companies' entries"),
                ("Plattform-Admins: nur die Plattform-Kette, nie die des Mandanten", "platform admins: the platform chain only, never the tenant's"),
            ]),
            retention: tr(
                lang,
                &format!("eingestellt: {} Monate; ältere Einträge entfernt der tägliche Lauf (als Löschung protokolliert, die übrige Kette bleibt prüfbar)", p.audit_months),
                &format!("set to {} months; the daily job removes older entries (recorded in the deletion log; the rest of the chain stays verifiable)", p.audit_months),
            ),
        },
    ]
}

fn retention_facts(lang: RecordLang, p: &Periods) -> RecordRetention {
    let window = crate::offboarding::model::ARCHIVE_WINDOW_DAYS;
    RecordRetention {
        participant_retention_months: p.participant_months,
        audit_retention_months: p.audit_months,
        updated_at: p.updated_at,
        last_run_at: p.last_run_at,
        offboarding_window_days: window,
        rules: vec![
            tr(
                lang,
                &format!("Teilnehmendendaten: {} Monate nach der letzten Veranstaltung der Person, dann anonymisiert (einstellbar 1–120 Monate)", p.participant_months),
                &format!("Participant data: {} months after the person's last event, then anonymised (adjustable, 1–120 months)", p.participant_months),
            ),
            tr(
                lang,
                &format!("Audit-Einträge: {} Monate, dann entfernt (einstellbar 12–120 Monate)", p.audit_months),
                &format!("Audit entries: {} months, then removed (adjustable, 12–120 months)", p.audit_months),
            ),
            tr(lang, "Löschung auf Antrag (Art. 17) durch die Mandanten-Admins, protokolliert im Löschprotokoll", "Erasure on request (Art. 17) by the tenant admins, recorded in the deletion log"),
            tr(
                lang,
                &format!("Vertragsende: {window} Tage Exportfenster, dann Löschung aller Daten des Mandanten und Vernichtung seiner Schlüssel (auch in Sicherungen unlesbar); Löschbestätigung"),
                &format!("End of contract: a {window}-day export window, then deletion of all the tenant's data and destruction of its keys (unreadable in backups too); deletion certificate"),
            ),
        ],
    }
}

/// The measures in place (see docs/toms.md for the controls and their tests).
const MEASURES: &[(&str, &str, &str)] = &[
    ("ACC-1", "Anmeldung mit E-Mail und Passwort (Argon2id)", "sign-in with email and password (Argon2id)"),
    ("ACC-2", "Teilnehmende melden sich über einmalige, signierte Links an", "participants sign in with one-time signed links"),
    ("ACC-3", "zeitlich begrenzte, serverseitig geführte Sitzungen", "time-limited sessions tracked on the server"),
    ("ACC-4", "Begrenzung von Anmeldeversuchen", "rate limits on sign-in attempts"),
    ("ACC-5", "Passwortänderung beendet andere Sitzungen", "a password change ends the other sessions"),
    ("ACC-6", "zweiter Faktor (TOTP), für Admin-Rollen erzwingbar", "second factor (TOTP), can be required for admin roles"),
    ("ACC-8", "Sitzungen einzeln oder alle beenden", "end sessions one by one or all"),
    (
        "AUTHZ-1",
        "rollenbasierte Rechte, jede Anfrage serverseitig geprüft, Verweigerungen protokolliert",
        "role-based permissions checked on every request, denials audited",
    ),
    ("AUTHZ-3", "nur primäre Admins vergeben Admin-Rollen", "only primary admins grant admin roles"),
    ("AUTHZ-4", "Höchstzahl an Admins je Mandant", "a maximum number of admins per tenant"),
    ("AUTHZ-5", "Überprüfung der Zugriffsrechte (letzte Anmeldung, ruhende Konten)", "access review (last sign-in, dormant accounts)"),
    ("SEP-1", "jeder Datensatz gehört genau einem Mandanten", "every record belongs to exactly one tenant"),
    (
        "SEP-2",
        "Mandantentrennung in der Datenbank (zusammengesetzte Schlüssel, Row-Level Security)",
        "tenant separation in the database (composite keys, row-level security)",
    ),
    ("SEP-3", "Firmen- und Kurs-Trennung innerhalb des Mandanten", "company and course separation within a tenant"),
    ("SEP-4", "Produktion und Test getrennt", "production and test separated"),
    ("SEP-6", "Mandantenwechsel leert alle Daten im Browser", "switching tenants clears all data in the browser"),
    (
        "PSEUDO-1",
        "Feldverschlüsselung mit Schlüsseln je Mandant, Suche über Blindindizes",
        "field encryption with per-tenant keys, search by blind indexes",
    ),
    ("PSEUDO-2", "Anonymisierung nach Ablauf der Aufbewahrungsfrist", "anonymisation after the retention period"),
    ("TRANS-1", "nur verschlüsselte Verbindungen (TLS)", "encrypted connections only (TLS)"),
    ("TRANS-2", "signierte Geräteanfragen mit Schutz vor Wiederholung", "signed device requests with replay protection"),
    ("TRANS-3", "Anmelde-Token verlassen sofort die Adresszeile", "sign-in tokens leave the address bar at once"),
    ("TRANS-4", "sichere Cookies und CSRF-Schutz", "secure cookies and CSRF protection"),
    ("INPUT-1", "Protokollierung aller Änderungen mit Konto und Zeit", "every change logged with account and time"),
    ("INPUT-2", "IP-Adressen nur als Schlüssel-Hash mit wechselndem Schlüssel", "IP addresses only as keyed hashes with rotating keys"),
    ("INPUT-3", "rollenbezogene Sicht auf das Protokoll", "role-based views of the audit log"),
    ("INPUT-4", "signierte Exporte des Protokolls", "signed exports of the audit log"),
    ("INPUT-5", "manipulationssichere Hash-Kette", "tamper-evident hash chain"),
    ("INPUT-6", "Zustellnachweis, Abmeldungen mit Grund", "delivery tracking, opt-outs with reason"),
    (
        "AVAIL-4",
        "automatische Wiederverbindung, Offline-Anzeige, Geräte-Warteschlange",
        "automatic reconnection, offline display, device queue",
    ),
    ("PRIV-1", "Datenminimierung (z. B. nur der Vorname am Kiosk)", "data minimisation (e.g. first name only on the kiosk)"),
    (
        "PRIV-2",
        "Sitzungsdaten der Teilnehmenden nur im flüchtigen Speicher des Tabs",
        "participant session data only in the tab's volatile storage",
    ),
    ("PRIV-4", "Löschfunktion mit Löschprotokoll", "erasure with a deletion log"),
    ("PRIV-5", "serverseitige Schema-Prüfung aller Eingaben", "server-side schema validation of all input"),
    (
        "PRIV-6",
        "Aufbewahrungsfristen je Mandant, tägliche Anonymisierung und Kürzung des Protokolls",
        "per-tenant retention periods, daily anonymisation and audit log pruning",
    ),
    ("RIGHTS-1", "Auskunft (JSON), Einschränkung, Löschung je Person", "access (JSON), restriction, erasure per person"),
    ("RIGHTS-2", "Anfragen Betroffener landen beim Mandanten, der entscheidet", "data subject requests go to the tenant, who decides"),
    ("RIGHTS-3", "dieses Verarbeitungsverzeichnis", "this processing record"),
    ("DEL-1", "Löschung nach Vertragsende", "deletion after the end of the contract"),
    ("DEL-2", "vollständiger Export (JSON + CSV) im Exportfenster", "full export (JSON + CSV) during the export window"),
    ("DEL-3", "signierte Löschbestätigung", "signed deletion certificate"),
    ("DEL-4", "Schlüsselvernichtung macht Daten auch in Sicherungen unlesbar", "key destruction makes data unreadable in backups too"),
    ("DEV-1", "Geräteverwaltung, Fernkonfiguration, Sperre", "device management, remote configuration, revocation"),
    ("DEV-2", "Versionsüberwachung der Geräte-Software", "version monitoring of the device software"),
];

/// Every webhook or Teams endpoint whose admin ticked personal fields is a recipient of
/// the bookings activity (TOM TRANS-6): its name, host, the fields and the events.
fn with_webhooks(
    mut activities: Vec<ProcessingActivity>,
    lang: RecordLang,
    webhooks: &[(String, String, Vec<crate::webhooks::model::PersonalField>, Vec<crate::webhooks::model::WebhookEvent>)],
) -> Vec<ProcessingActivity> {
    use crate::webhooks::model::PersonalField;
    let Some(bookings) = activities.iter_mut().find(|a| a.id == "bookings") else {
        return activities;
    };
    for (name, host, fields, events) in webhooks {
        let fields: Vec<&str> = fields
            .iter()
            .map(|f| match (f, lang) {
                (PersonalField::Name, _) => "Name",
                (PersonalField::Email, RecordLang::De) => "E-Mail",
                (PersonalField::Email, RecordLang::En) => "email",
            })
            .collect();
        let events: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
        bookings.recipients.push(tr(
            lang,
            &format!("Webhook „{name}“ ({host}): {} bei {}", fields.join(", "), events.join(", ")),
            &format!("webhook \"{name}\" ({host}): {} on {}", fields.join(", "), events.join(", ")),
        ));
    }
    activities
}

/// Builds the record of the caller's tenant and records that it was read, in one
/// transaction.
pub fn get(state: &AppState, p: &Principal, scope: &TenantScope, lang: RecordLang) -> Result<ProcessingRecord, AppError> {
    let generated_at = p.audit.at;
    state.db.tenant_tx(scope, |tx| {
        let tenant_id = scope.tenant_id();
        let tenant = crate::tenants::store::find(tx, tenant_id)?.ok_or(AppError::NotFound)?;
        let periods = periods(tx)?;
        let counts = super::store::processing_counts(tx)?;
        let webhooks = crate::webhooks::service::personal_recipients(tx)?;
        let register = crate::subprocessors::service::register_at(tx, generated_at.date_naive())?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::ProcessingRecordViewed, "tenant", Some(tenant_id))
                .detail("lang", if lang == RecordLang::De { "de" } else { "en" }),
        )?;
        Ok(ProcessingRecord {
            generated_at,
            lang,
            controller: RecordController { tenant_id: tenant.id.clone(), name: tenant.name.clone(), slug: tenant.slug.clone() },
            processor: RecordProcessor {
                name: state.config.platform.processor_name.trim().to_owned(),
                role: tr(
                    lang,
                    "Auftragsverarbeiter (Art. 28 DSGVO), verarbeitet nur auf Weisung des Mandanten",
                    "processor (Art. 28 GDPR), processing only on the tenant's instructions",
                ),
            },
            activities: with_webhooks(activities(state, lang, &periods), lang, &webhooks),
            retention: retention_facts(lang, &periods),
            toms: MEASURES.iter().map(|(id, de, en)| ProcessingMeasure { id: (*id).to_owned(), description: tr(lang, de, en) }).collect(),
            counts,
            subprocessors: register
                .into_iter()
                .map(|e| RecordSubprocessor {
                    transfer: crate::subprocessors::text::mechanism(lang == RecordLang::De, e.transfer_mechanism).to_owned(),
                    name: e.name,
                    address: e.address,
                    service: e.service,
                    data_categories: e.data_categories,
                    country: e.country,
                    eu_eea: e.eu_eea,
                    since: e.since,
                })
                .collect(),
        })
    })
}
