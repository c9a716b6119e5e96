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

pub fn role_name(role: &str, lang: Language) -> &str {
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
                 Der Link gilt bis {expires} und nur einmal. Wenn Sie diese Einladung nicht \
                 erwartet haben, ignorieren Sie diese Nachricht.\n"
            ),
        ),
        Language::En => (
            format!("Invitation to {tenant} on anwesend"),
            format!(
                "Hello,\n\nYou have been invited to work with {tenant} as {role}.\n\n\
                 Open this link to set your password:\n{link}\n\n\
                 The link is valid until {expires} and only once. If you did not expect \
                 this invitation, ignore this message.\n"
            ),
        ),
    };
    Message { to: to.to_owned(), subject, text }
}

/// What happened to a booking, for its mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookingNews {
    Confirmed,
    Waiting,
    /// Moved up from the waiting list.
    Promoted,
    Cancelled,
    /// A booking request for an event the address holds a booking of already.
    AlreadyBooked,
    /// A booking request for a full event without a waiting list.
    Full,
    /// A booking request the organiser cannot take now (the person's data is restricted).
    NotPossible,
}

impl BookingNews {
    pub fn purpose(self) -> &'static str {
        match self {
            Self::Confirmed | Self::Waiting => "booking_confirmation",
            Self::Promoted => "booking_promoted",
            Self::Cancelled => "booking_cancelled",
            Self::AlreadyBooked | Self::Full | Self::NotPossible => "booking_refused",
        }
    }
}

/// A booking mail. `dates` are the event's sessions, one per line; `portal` is where the
/// participant asks for a sign-in link to see or cancel their bookings.
pub fn booking(lang: Language, news: BookingNews, to: &str, tenant: &str, title: &str, dates: &str, portal: &str) -> Message {
    let (subject, what) = match (lang, news) {
        (Language::De, BookingNews::Confirmed) => (format!("Buchung bestätigt: {title}"), "Ihre Buchung ist bestätigt.".to_owned()),
        (Language::De, BookingNews::Waiting) => (
            format!("Warteliste: {title}"),
            "Die Veranstaltung ist ausgebucht; Sie stehen auf der Warteliste. Wird ein Platz frei, rücken Sie automatisch nach und erhalten eine Nachricht.".to_owned(),
        ),
        (Language::De, BookingNews::Promoted) => (format!("Platz frei geworden: {title}"), "Ein Platz ist frei geworden: Ihre Buchung ist jetzt bestätigt.".to_owned()),
        (Language::De, BookingNews::Cancelled) => (format!("Buchung storniert: {title}"), "Ihre Buchung wurde storniert.".to_owned()),
        (Language::En, BookingNews::Confirmed) => (format!("Booking confirmed: {title}"), "Your booking is confirmed.".to_owned()),
        (Language::En, BookingNews::Waiting) => (
            format!("Waiting list: {title}"),
            "The event is full; you are on the waiting list. If a seat frees up, you move up automatically and get a message.".to_owned(),
        ),
        (Language::En, BookingNews::Promoted) => (format!("A seat is free: {title}"), "A seat has become free: your booking is now confirmed.".to_owned()),
        (Language::En, BookingNews::Cancelled) => (format!("Booking cancelled: {title}"), "Your booking has been cancelled.".to_owned()),
        (Language::De, BookingNews::AlreadyBooked) => (
            format!("Bereits gebucht: {title}"),
            "Für diese Veranstaltung besteht mit Ihrer Adresse bereits eine Buchung; eine zweite wurde nicht angelegt. Ihre Angaben wurden nicht geändert.".to_owned(),
        ),
        (Language::En, BookingNews::AlreadyBooked) => (
            format!("Already booked: {title}"),
            "Your address already holds a booking for this event; no second one was made. Your details were not changed.".to_owned(),
        ),
        (Language::De, BookingNews::Full) => (
            format!("Ausgebucht: {title}"),
            "Die Veranstaltung ist leider ausgebucht und hat keine Warteliste; Ihre Buchung war nicht möglich.".to_owned(),
        ),
        (Language::En, BookingNews::Full) => (
            format!("Fully booked: {title}"),
            "Sorry, the event is fully booked and has no waiting list; your booking was not possible.".to_owned(),
        ),
        (Language::De, BookingNews::NotPossible) => (
            format!("Buchung nicht möglich: {title}"),
            format!("Eine Buchung mit dieser Adresse ist zurzeit nicht möglich. Bitte wenden Sie sich an {tenant}."),
        ),
        (Language::En, BookingNews::NotPossible) => (
            format!("Booking not possible: {title}"),
            format!("A booking with this address is not possible at the moment. Please contact {tenant}."),
        ),
    };
    let text = match lang {
        Language::De => format!(
            "Guten Tag,\n\n{what}\n\n{title}\n{dates}\n\nIhre Buchungen sehen, stornieren oder Ihre Daten herunterladen: \
             fordern Sie hier einen Anmeldelink an:\n{portal}\n\nViele Grüße\n{tenant}\n"
        ),
        Language::En => format!(
            "Hello,\n\n{what}\n\n{title}\n{dates}\n\nTo see or cancel your bookings or download your data, \
             request a sign-in link here:\n{portal}\n\nKind regards\n{tenant}\n"
        ),
    };
    Message { to: to.to_owned(), subject, text }
}

/// The link that confirms a booking request (TOM PRIV-1, ACC-2): single use, `hours` long.
pub fn booking_link(lang: Language, to: &str, tenant: &str, title: &str, dates: &str, link: &str, hours: i32) -> Message {
    let (subject, text) = match lang {
        Language::De => (
            format!("Bitte bestätigen Sie Ihre Buchung: {title}"),
            format!(
                "Guten Tag,\n\nbei {tenant} wurde mit Ihrer Adresse eine Buchung angefragt:\n\n{title}\n{dates}\n\n\
                 Bitte bestätigen Sie die Buchung mit diesem Link:\n{link}\n\n\
                 Der Link gilt {hours} {} und nur einmal; bis dahin ist ein Platz für Sie reserviert, sofern noch einer frei war. \
                 Wenn Sie nicht gebucht haben, ignorieren Sie diese Nachricht: dann geschieht nichts.\n\nViele Grüße\n{tenant}\n",
                if hours == 1 { "Stunde" } else { "Stunden" }
            ),
        ),
        Language::En => (
            format!("Please confirm your booking: {title}"),
            format!(
                "Hello,\n\na booking was requested with your address at {tenant}:\n\n{title}\n{dates}\n\n\
                 Please confirm the booking with this link:\n{link}\n\n\
                 The link is valid for {hours} {} and only once; until then a seat is kept for you if one was still free. \
                 If you did not book, ignore this message: then nothing happens.\n\nKind regards\n{tenant}\n",
                if hours == 1 { "hour" } else { "hours" }
            ),
        ),
    };
    Message { to: to.to_owned(), subject, text }
}

/// The participant's sign-in link (TOM ACC-2): short-lived and single use.
pub fn magic_link(lang: Language, to: &str, tenant: &str, link: &str, minutes: i64) -> Message {
    let (subject, text) = match lang {
        Language::De => (
            format!("Ihr Anmeldelink für {tenant}"),
            format!(
                "Guten Tag,\n\nmit diesem Link melden Sie sich bei {tenant} an und sehen Ihre Buchungen:\n{link}\n\n\
                 Der Link gilt {minutes} Minuten und nur einmal. Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese Nachricht.\n"
            ),
        ),
        Language::En => (
            format!("Your sign-in link for {tenant}"),
            format!(
                "Hello,\n\nuse this link to sign in to {tenant} and see your bookings:\n{link}\n\n\
                 The link is valid for {minutes} minutes and only once. If you did not ask for it, ignore this message.\n"
            ),
        ),
    };
    Message { to: to.to_owned(), subject, text }
}

/// Tells the person that their request about their data was carried out (TOM RIGHTS-2).
pub fn request_done(lang: Language, to: &str, tenant: &str, kind: &str) -> Message {
    let what = match (kind, lang) {
        ("erasure", Language::De) => "Ihre Daten wurden gelöscht. Dies ist die letzte Nachricht, die Sie von uns zu diesem Vorgang erhalten; Ihre Adresse ist danach nicht mehr gespeichert.",
        ("erasure", Language::En) => "Your data has been erased. This is the last message you receive from us about it; your address is not kept afterwards.",
        ("restriction", Language::De) => "Die Verarbeitung Ihrer Daten ist eingeschränkt: Sie werden gespeichert, aber nicht mehr verwendet, bis die Einschränkung aufgehoben wird.",
        ("restriction", Language::En) => "The processing of your data is restricted: it is kept, but no longer used until the restriction is lifted.",
        ("access", Language::De) => "Eine Auskunft über alle zu Ihnen gespeicherten Daten liegt bereit; im Portal können Sie sie jederzeit selbst herunterladen.",
        ("access", Language::En) => "Information about all data stored about you is ready; you can download it yourself in the portal at any time.",
        (_, Language::De) => "Ihre Anfrage wurde bearbeitet.",
        (_, Language::En) => "Your request has been handled.",
    };
    let (subject, text) = match lang {
        Language::De => {
            (format!("Ihre Anfrage bei {tenant} wurde bearbeitet"), format!("Guten Tag,\n\n{what}\n\nMit freundlichen Grüßen\n{tenant}\n"))
        }
        Language::En => (format!("Your request to {tenant} has been handled"), format!("Hello,\n\n{what}\n\nKind regards,\n{tenant}\n")),
    };
    Message { to: to.to_owned(), subject, text }
}

/// A staff account's link to set a new password (issue 23, TOM ACC-5): short-lived, single use.
pub fn password_reset(lang: Language, to: &str, link: &str, minutes: i64) -> Message {
    let (subject, text) = match lang {
        Language::De => (
            "anwesend: Neues Passwort festlegen".to_owned(),
            format!(
                "Guten Tag,\n\nfür Ihr Konto bei anwesend wurde ein neues Passwort angefordert. Mit diesem Link legen Sie es fest:\n{link}\n\n\
                 Der Link gilt {minutes} Minuten und nur einmal. Danach sind alle Ihre Sitzungen beendet. Wenn Sie das nicht \
                 angefordert haben, ignorieren Sie diese Nachricht; Ihr Passwort bleibt, wie es ist.\n"
            ),
        ),
        Language::En => (
            "anwesend: set a new password".to_owned(),
            format!(
                "Hello,\n\na new password was requested for your anwesend account. Use this link to set it:\n{link}\n\n\
                 The link is valid for {minutes} minutes and only once. Afterwards all your sessions are ended. If you did not \
                 ask for it, ignore this message; your password stays as it is.\n"
            ),
        ),
    };
    Message { to: to.to_owned(), subject, text }
}

/// Instead of a reset link, to an account whose organisation signs its staff in only
/// through its identity provider (TOM ACC-7): a password of anwesend would not work there.
pub fn password_reset_sso_required(lang: Language, to: &str, organisation: &str, sign_in_link: &str) -> Message {
    let (subject, text) = match lang {
        Language::De => (
            "anwesend: Anmeldung über Ihre Organisation".to_owned(),
            format!(
                "Guten Tag,\n\nfür Ihr Konto bei anwesend wurde ein neues Passwort angefordert. {organisation} meldet seine \
                 Mitarbeitenden jedoch nur über den eigenen Identitätsanbieter an (Single Sign-on); ein Passwort bei anwesend \
                 wird dort nicht verwendet, deshalb erhalten Sie keinen Link zum Zurücksetzen.\n\nMelden Sie sich hier mit dem \
                 Konto Ihrer Organisation an:\n{sign_in_link}\n\nHaben Sie das Passwort Ihres Organisationskontos vergessen, \
                 hilft Ihre IT-Administration. Wenn Sie nichts angefordert haben, ignorieren Sie diese Nachricht.\n"
            ),
        ),
        Language::En => (
            "anwesend: sign in through your organisation".to_owned(),
            format!(
                "Hello,\n\na new password was requested for your anwesend account. {organisation} signs its staff in only \
                 through its own identity provider (single sign-on); a password of anwesend is not used there, so you get no \
                 reset link.\n\nSign in here with your organisation's account:\n{sign_in_link}\n\nIf you forgot the password \
                 of your organisation's account, your IT administrators can help. If you did not ask for anything, ignore this \
                 message.\n"
            ),
        ),
    };
    Message { to: to.to_owned(), subject, text }
}

/// Tells a staff account that its password was set through a reset link (TOM ACC-5).
pub fn password_changed(lang: Language, to: &str) -> Message {
    let (subject, text) = match lang {
        Language::De => (
            "anwesend: Ihr Passwort wurde geändert".to_owned(),
            "Guten Tag,\n\ndas Passwort Ihres Kontos bei anwesend wurde eben über einen Link zum Zurücksetzen neu festgelegt; \
             alle Sitzungen wurden beendet.\n\nWaren Sie das nicht, fordern Sie bitte sofort selbst ein neues Passwort an \
             (\"Passwort vergessen?\" auf der Anmeldeseite) und informieren Sie Ihre Administration.\n"
                .to_owned(),
        ),
        Language::En => (
            "anwesend: your password was changed".to_owned(),
            "Hello,\n\nthe password of your anwesend account was just set through a reset link; all sessions were ended.\n\n\
             If this was not you, please request a new password yourself at once (\"Forgot password?\" on the sign-in page) \
             and tell your administrators.\n"
                .to_owned(),
        ),
    };
    Message { to: to.to_owned(), subject, text }
}

/// To a staff account whose second-factor step was locked after wrong codes (TOM ACC-6):
/// in both languages, as accounts keep no language.
pub fn second_factor_locked(to: &str, minutes: u32) -> Message {
    Message {
        to: to.to_owned(),
        subject: "anwesend: Anmeldung gesperrt / sign-in locked".to_owned(),
        text: format!(
            "Guten Tag,\n\nbei der Anmeldung mit Ihrem Konto wurde mehrmals ein falscher Code des zweiten Faktors \
             eingegeben. Der zweite Schritt ist deshalb für {minutes} Minuten gesperrt.\n\n\
             Waren Sie das nicht, kennt jemand Ihr Passwort: Ändern Sie es bitte sofort unter \"Mein Konto\" und \
             beenden Sie dort Ihre anderen Sitzungen.\n\n---\n\nHello,\n\nA wrong second-factor code was entered \
             several times while signing in to your account. The second step is locked for {minutes} minutes.\n\n\
             If this was not you, someone knows your password: please change it at once under \"My account\" and \
             end your other sessions there.\n"
        ),
    }
}

/// To a staff account whose second factors a primary admin of `tenant` reset (TOM ACC-6).
pub fn second_factor_reset(to: &str, tenant: &str) -> Message {
    Message {
        to: to.to_owned(),
        subject: "anwesend: Zweiter Faktor zurückgesetzt / second factor reset".to_owned(),
        text: format!(
            "Guten Tag,\n\neine primäre Admin von {tenant} hat die Zwei-Faktor-Anmeldung Ihres Kontos zurückgesetzt: \
             Authenticator-App, Wiederherstellungscodes und Passkeys gelten nicht mehr, Ihre Sitzungen sind beendet. \
             Melden Sie sich mit Ihrem Passwort an und richten Sie unter \"Mein Konto\" einen neuen zweiten Faktor ein.\n\n\
             Haben Sie darum nicht gebeten, wenden Sie sich bitte sofort an {tenant}.\n\n---\n\nHello,\n\n\
             a primary admin of {tenant} reset the second factor of your account: authenticator app, recovery codes and \
             passkeys no longer work, your sessions have ended. Sign in with your password and set up a new second \
             factor under \"My account\".\n\nIf you did not ask for this, please contact {tenant} at once.\n"
        ),
    }
}
