//! Mail texts a tenant edits (issue 23): per kind and language, with `{{placeholders}}`
//! filled when a mail is sent. No stored text: the default of `templates`. The texts are
//! plain text (mails are `text/plain`, nothing is rendered as HTML); a placeholder's value
//! is put in once, in one pass, so a value that looks like a placeholder stays text, and
//! in a subject every line break or control character of a value becomes a space, so no
//! value can add a header. Kinds that carry a link (sign-in, invitation, password reset)
//! cannot be saved without `{{link}}` (TOM ACC-2). Changes and resets are audited.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::Message;
use super::templates::{self, BookingNews, Language};
use crate::audit::{self, Action, Event};
use crate::auth::service::Principal;
use crate::db::schema::mail_templates;
use crate::db::{TenantScope, TenantTx};
use crate::error::AppError;
use crate::state::AppState;

closed_set! {
    /// The mails whose text a tenant may write.
    pub enum MailKind {
        BookingConfirmed = "booking_confirmed",
        BookingWaiting = "booking_waiting",
        BookingCancelled = "booking_cancelled",
        SignInLink = "sign_in_link",
        Invitation = "invitation",
        PasswordReset = "password_reset",
    }
}

pub const KINDS: [MailKind; 6] = [
    MailKind::BookingConfirmed,
    MailKind::BookingWaiting,
    MailKind::BookingCancelled,
    MailKind::SignInLink,
    MailKind::Invitation,
    MailKind::PasswordReset,
];

/// A text of at most this many characters.
const MAX_SUBJECT: usize = 200;
const MAX_BODY: usize = 10_000;

impl MailKind {
    /// The placeholders the kind fills.
    pub fn placeholders(self) -> &'static [&'static str] {
        match self {
            Self::BookingConfirmed | Self::BookingWaiting | Self::BookingCancelled => &["tenant", "event", "dates", "portal_link"],
            Self::SignInLink => &["tenant", "link", "minutes"],
            Self::Invitation => &["tenant", "role", "link", "expires"],
            Self::PasswordReset => &["tenant", "link", "minutes"],
        }
    }

    /// The placeholders a text must keep: the link that is the mail's purpose.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            Self::SignInLink | Self::Invitation | Self::PasswordReset => &["link"],
            _ => &[],
        }
    }

    pub fn of_news(news: BookingNews) -> Option<Self> {
        match news {
            BookingNews::Confirmed => Some(Self::BookingConfirmed),
            BookingNews::Waiting => Some(Self::BookingWaiting),
            BookingNews::Cancelled => Some(Self::BookingCancelled),
            _ => None,
        }
    }

    /// The default text, with placeholders where the values go.
    pub fn default_text(self, lang: Language) -> (String, String) {
        let p = |name: &str| format!("{{{{{name}}}}}");
        let m = match self {
            Self::BookingConfirmed | Self::BookingWaiting | Self::BookingCancelled => {
                let news = match self {
                    Self::BookingConfirmed => BookingNews::Confirmed,
                    Self::BookingWaiting => BookingNews::Waiting,
                    _ => BookingNews::Cancelled,
                };
                templates::booking(lang, news, "", &p("tenant"), &p("event"), &p("dates"), &p("portal_link"))
            }
            Self::SignInLink => templates::magic_link(lang, "", &p("tenant"), &p("link"), crate::portal::service::LINK_MINUTES),
            Self::Invitation => templates::invitation(lang, "", &p("tenant"), &p("role"), &p("link"), &p("expires")),
            Self::PasswordReset => templates::password_reset(lang, "", &p("link"), crate::auth::reset::LINK_MINUTES),
        };
        (m.subject, m.text)
    }
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = mail_templates)]
pub struct TemplateRow {
    pub tenant_id: String,
    pub kind: String,
    pub language: String,
    pub subject: String,
    pub body: String,
    pub updated_at: NaiveDateTime,
}

/// A mail text as the admin area shows it.
#[derive(Serialize, ToSchema)]
pub struct MailTemplateView {
    pub kind: MailKind,
    /// `de` or `en`.
    pub language: String,
    pub subject: String,
    pub body: String,
    /// The tenant wrote it; false: the default.
    pub customised: bool,
    pub default_subject: String,
    pub default_body: String,
    /// The placeholders the kind fills, as `name` for `{{name}}`.
    pub placeholders: Vec<String>,
    /// The placeholders the text must keep.
    pub required: Vec<String>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailTemplateInput {
    #[schema(max_length = 200)]
    pub subject: String,
    #[schema(max_length = 10000)]
    pub body: String,
}

/// A text filled with sample values.
#[derive(Serialize, ToSchema)]
pub struct MailPreview {
    pub subject: String,
    pub text: String,
}

/// Fills `{{name}}` placeholders in one pass; a value is never read for placeholders.
/// In a subject, line breaks and control characters of values become spaces.
pub fn render(text: &str, values: &[(&str, &str)], subject: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}").and_then(|end| values.iter().find(|(k, _)| *k == after[..end].trim()).map(|(_, v)| (end, *v))) {
            Some((end, value)) => {
                if subject {
                    out.extend(value.chars().map(|c| if c.is_control() { ' ' } else { c }));
                } else {
                    out.push_str(value);
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    if subject {
        out.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
    } else {
        out
    }
}

/// The placeholders a text uses, as written.
fn used(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                out.push(after[..end].trim().to_owned());
                rest = &after[end + 2..];
            }
            None => break,
        }
    }
    out
}

/// Checks a text the admin wrote: lengths, no control characters (line breaks only in
/// the body), only the kind's placeholders, and the required ones in the body.
pub fn checked(kind: MailKind, input: &MailTemplateInput) -> Result<(String, String), AppError> {
    let subject = input.subject.trim().to_owned();
    let body = input.body.replace("\r\n", "\n").trim_end().to_owned() + "\n";
    if subject.is_empty() || subject.chars().count() > MAX_SUBJECT {
        return Err(AppError::invalid("subject", format!("1–{MAX_SUBJECT} characters")));
    }
    if subject.chars().any(char::is_control) {
        return Err(AppError::invalid("subject", "must be one line without control characters"));
    }
    if body.trim().is_empty() || body.chars().count() > MAX_BODY {
        return Err(AppError::invalid("body", format!("1–{MAX_BODY} characters")));
    }
    if body.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(AppError::invalid("body", "must not hold control characters"));
    }
    for (field, text) in [("subject", &subject), ("body", &body)] {
        if let Some(unknown) = used(text).into_iter().find(|p| !kind.placeholders().contains(&p.as_str())) {
            let unknown: String = unknown.chars().take(40).collect();
            return Err(AppError::invalid(field, format!("unknown placeholder {{{{{unknown}}}}}")));
        }
    }
    let in_body = used(&body);
    if let Some(missing) = kind.required().iter().find(|r| !in_body.iter().any(|u| u == *r)) {
        return Err(AppError::invalid("body", format!("must keep the placeholder {{{{{missing}}}}}")));
    }
    Ok((subject, body))
}

fn language(code: &str) -> Result<Language, AppError> {
    Language::from_code(code).ok_or_else(|| AppError::invalid("language", "must be de or en"))
}

fn kind(code: &str) -> Result<MailKind, AppError> {
    MailKind::from_code(code).ok_or(AppError::NotFound)
}

pub fn find(tx: &mut TenantTx<'_>, kind: MailKind, lang: Language) -> QueryResult<Option<TemplateRow>> {
    let (conn, tenant_id) = tx.parts();
    mail_templates::table.find((tenant_id, kind.as_str(), lang.code())).select(TemplateRow::as_select()).first(conn).optional()
}

/// The tenant's text of `kind` filled with `values`, if it wrote one; else `None` (the
/// caller sends the default).
pub fn custom(
    tx: &mut TenantTx<'_>,
    kind: MailKind,
    lang: Language,
    to: &str,
    values: &[(&str, &str)],
) -> Result<Option<Message>, AppError> {
    Ok(find(tx, kind, lang)?.map(|row| Message {
        to: to.to_owned(),
        subject: render(&row.subject, values, true),
        text: render(&row.body, values, false),
    }))
}

fn view(kind: MailKind, lang: Language, row: Option<TemplateRow>) -> MailTemplateView {
    let (default_subject, default_body) = kind.default_text(lang);
    MailTemplateView {
        kind,
        language: lang.code().to_owned(),
        subject: row.as_ref().map_or_else(|| default_subject.clone(), |r| r.subject.clone()),
        body: row.as_ref().map_or_else(|| default_body.clone(), |r| r.body.clone()),
        customised: row.is_some(),
        default_subject,
        default_body,
        placeholders: kind.placeholders().iter().map(|s| (*s).to_owned()).collect(),
        required: kind.required().iter().map(|s| (*s).to_owned()).collect(),
        updated_at: row.map(|r| r.updated_at),
    }
}

pub fn list(state: &AppState, scope: &TenantScope) -> Result<Vec<MailTemplateView>, AppError> {
    state.db.tenant_read(scope, |tx| {
        let mut out = Vec::new();
        for kind in KINDS {
            for lang in [Language::De, Language::En] {
                out.push(view(kind, lang, find(tx, kind, lang)?));
            }
        }
        Ok(out)
    })
}

/// Saves the tenant's text of a kind and language; audited (kind and language only).
pub fn set(
    state: &AppState,
    p: &Principal,
    scope: &TenantScope,
    kind_code: &str,
    lang_code: &str,
    input: &MailTemplateInput,
) -> Result<MailTemplateView, AppError> {
    let (kind, lang) = (kind(kind_code)?, language(lang_code)?);
    let (subject, body) = checked(kind, input)?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    state.db.tenant_tx(scope, |tx| {
        let row = TemplateRow {
            tenant_id: scope.tenant_id().to_owned(),
            kind: kind.as_str().to_owned(),
            language: lang.code().to_owned(),
            subject: subject.clone(),
            body: body.clone(),
            updated_at: now,
        };
        {
            let (conn, tenant_id) = tx.parts();
            diesel::delete(mail_templates::table.find((tenant_id, kind.as_str(), lang.code()))).execute(conn)?;
            diesel::insert_into(mail_templates::table).values(&row).execute(conn)?;
        }
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::MailTemplateChanged, "tenant", Some(scope.tenant_id()))
                .detail("kind", kind.as_str())
                .detail("language", lang.code())
                .detail("change", "set"),
        )?;
        Ok(view(kind, lang, Some(row)))
    })
}

/// Back to the default text; audited.
pub fn reset(state: &AppState, p: &Principal, scope: &TenantScope, kind_code: &str, lang_code: &str) -> Result<MailTemplateView, AppError> {
    let (kind, lang) = (kind(kind_code)?, language(lang_code)?);
    state.db.tenant_tx(scope, |tx| {
        let removed = {
            let (conn, tenant_id) = tx.parts();
            diesel::delete(mail_templates::table.find((tenant_id, kind.as_str(), lang.code()))).execute(conn)?
        };
        if removed > 0 {
            audit::record(
                tx,
                &p.audit,
                Event::new(Action::MailTemplateChanged, "tenant", Some(scope.tenant_id()))
                    .detail("kind", kind.as_str())
                    .detail("language", lang.code())
                    .detail("change", "reset"),
            )?;
        }
        Ok(view(kind, lang, None))
    })
}

/// A text filled with sample values, checked as saving would; writes nothing.
pub fn preview(
    state: &AppState,
    scope: &TenantScope,
    kind_code: &str,
    lang_code: &str,
    input: &MailTemplateInput,
) -> Result<MailPreview, AppError> {
    let (kind, lang) = (kind(kind_code)?, language(lang_code)?);
    let (subject, body) = checked(kind, input)?;
    let tenant = state.db.tenant_read(scope, |tx| crate::tenants::store::find(tx, scope.tenant_id())?.ok_or(AppError::NotFound))?;
    let base = state.config.public_url.trim_end_matches('/');
    let (event, dates, role, minutes) = match lang {
        Language::De => ("Schwimmkurs für Anfänger", "2027-03-01 17:00 – 18:00", "Kursleiter:in", "15"),
        Language::En => ("Swimming for beginners", "2027-03-01 17:00 – 18:00", "instructor", "15"),
    };
    let portal = format!("{base}/#/p/{}/login", tenant.slug);
    let link = format!("{base}/#/…");
    let values = [
        ("tenant", tenant.name.as_str()),
        ("event", event),
        ("dates", dates),
        ("portal_link", portal.as_str()),
        ("link", link.as_str()),
        ("minutes", minutes),
        ("role", role),
        ("expires", "2027-03-08 12:00"),
    ];
    Ok(MailPreview { subject: render(&subject, &values, true), text: render(&body, &values, false) })
}
