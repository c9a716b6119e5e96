//! Mail texts in German and English. Plain text only: nothing to render, nothing to track.

use super::model::Message;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    De,
    En,
}

impl Language {
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "de" => Some(Self::De),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::De => "de",
            Self::En => "en",
        }
    }
}

fn role_name(role: &str, lang: Language) -> &str {
    match (role, lang) {
        ("tenant_admin", Language::De) => "Administrator:in",
        ("tenant_admin", Language::En) => "administrator",
        ("company_admin", Language::De) => "Firmen-Administrator:in",
        ("company_admin", Language::En) => "company administrator",
        ("organiser", Language::De) => "Organisator:in",
        ("organiser", Language::En) => "organiser",
        ("instructor", Language::De) => "Kursleiter:in",
        ("instructor", Language::En) => "instructor",
        (other, _) => other,
    }
}

pub fn invitation(lang: Language, to: &str, tenant: &str, role: &str, link: &str, expires: &str) -> Message {
    let role = role_name(role, lang);
    let (subject, text) = match lang {
        Language::De => (
            format!("Einladung zu {tenant} bei anwesend"),
            format!(
                "Guten Tag,\n\nSie wurden eingeladen, bei {tenant} als {role} mitzuarbeiten.\n\n\
                 Öffnen Sie diesen Link, um Ihr Passwort festzulegen:\n{link}\n\n\
                 Der Link gilt bis {expires} (UTC) und nur einmal. Wenn Sie diese Einladung nicht \
                 erwartet haben, ignorieren Sie diese Nachricht.\n"
            ),
        ),
        Language::En => (
            format!("Invitation to {tenant} on anwesend"),
            format!(
                "Hello,\n\nYou have been invited to work with {tenant} as {role}.\n\n\
                 Open this link to set your password:\n{link}\n\n\
                 The link is valid until {expires} (UTC) and only once. If you did not expect \
                 this invitation, ignore this message.\n"
            ),
        ),
    };
    Message { to: to.to_owned(), subject, text }
}
