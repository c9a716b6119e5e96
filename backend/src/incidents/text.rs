//! The notification drafts: German and English, with every item Art. 33(3) GDPR names
//! (a: nature, categories and approximate numbers of persons and records; b: contact
//! point; c: likely consequences; d: measures taken or proposed), plus the times and the
//! systems involved. The platform admin edits them before sending.

use super::model::{IncidentRow, Nature};

fn utc(at: chrono::NaiveDateTime) -> String {
    format!("{} UTC", at.format("%Y-%m-%d %H:%M"))
}

fn nature_de(n: Nature) -> &'static str {
    match n {
        Nature::Confidentiality => "Verletzung der Vertraulichkeit (unbefugte Offenlegung oder unbefugter Zugang)",
        Nature::Integrity => "Verletzung der Integrität (unbefugte oder versehentliche Veränderung)",
        Nature::Availability => "Verletzung der Verfügbarkeit (Verlust oder Zerstörung, auch vorübergehend)",
    }
}

fn nature_en(n: Nature) -> &'static str {
    match n {
        Nature::Confidentiality => "breach of confidentiality (unauthorised disclosure or access)",
        Nature::Integrity => "breach of integrity (unauthorised or accidental alteration)",
        Nature::Availability => "breach of availability (loss or destruction, also temporary)",
    }
}

/// Subject and body in German, then in English.
pub fn draft(incident: &IncidentRow, nature: Nature, tenant_name: &str, persons: i64, records: i64) -> (String, String, String, String) {
    let subject_de = format!("Meldung einer Verletzung des Schutzes personenbezogener Daten: {}", incident.title);
    let body_de = format!(
        "Sehr geehrte Damen und Herren,\n\n\
         als Auftragsverarbeiter (Art. 28 DSGVO) melden wir Ihnen, {tenant}, unverzüglich eine Verletzung des Schutzes \
         personenbezogener Daten (Art. 33 Abs. 2 DSGVO), damit Sie als Verantwortlicher Ihre Meldepflicht gegenüber der \
         Aufsichtsbehörde binnen 72 Stunden prüfen und erfüllen können.\n\n\
         Was geschehen ist:\n{description}\n\n\
         Beginn: {started}\nEntdeckt: {discovered}\nBetroffene Systeme: {systems}\n\n\
         a) Art der Verletzung: {nature}\n\
         Kategorien personenbezogener Daten: {categories}\n\
         Ungefähre Zahl betroffener Personen in Ihrem Mandanten: {persons}\n\
         Ungefähre Zahl betroffener Datensätze in Ihrem Mandanten: {records}\n\
         (aus den gespeicherten Daten für den Zeitraum {from} bis {to} ermittelt)\n\n\
         b) Ansprechpartner und Kontakt: {contact}\n\n\
         c) Wahrscheinliche Folgen: {consequences}\n\n\
         d) Ergriffene oder vorgeschlagene Maßnahmen, auch zur Abmilderung: {measures}\n\n\
         Weitere Informationen reichen wir schrittweise nach, sobald sie vorliegen (Art. 33 Abs. 4 DSGVO). \
         Bitte bestätigen Sie den Eingang unter „Vorfälle“ in anwesend.\n",
        tenant = tenant_name,
        description = incident.description,
        started = utc(incident.started_at),
        discovered = utc(incident.discovered_at),
        systems = incident.systems,
        nature = nature_de(nature),
        categories = incident.data_categories,
        persons = persons,
        records = records,
        from = utc(incident.window_from),
        to = utc(incident.window_to),
        contact = incident.contact,
        consequences = incident.consequences,
        measures = incident.measures,
    );
    let subject_en = format!("Notification of a personal data breach: {}", incident.title);
    let body_en = format!(
        "Dear Sir or Madam,\n\n\
         as your processor (Art. 28 GDPR) we notify you, {tenant}, without undue delay of a personal data breach \
         (Art. 33(2) GDPR), so that you as the controller can assess and meet your duty to notify the supervisory \
         authority within 72 hours.\n\n\
         What happened:\n{description}\n\n\
         Started: {started}\nDiscovered: {discovered}\nSystems involved: {systems}\n\n\
         a) Nature of the breach: {nature}\n\
         Categories of personal data: {categories}\n\
         Approximate number of data subjects concerned in your tenant: {persons}\n\
         Approximate number of personal data records concerned in your tenant: {records}\n\
         (computed from the stored data for the period {from} to {to})\n\n\
         b) Contact point: {contact}\n\n\
         c) Likely consequences: {consequences}\n\n\
         d) Measures taken or proposed, including to mitigate possible adverse effects: {measures}\n\n\
         We will provide further information in phases as it becomes available (Art. 33(4) GDPR). \
         Please acknowledge receipt under \"Incidents\" in anwesend.\n",
        tenant = tenant_name,
        description = incident.description,
        started = utc(incident.started_at),
        discovered = utc(incident.discovered_at),
        systems = incident.systems,
        nature = nature_en(nature),
        categories = incident.data_categories,
        persons = persons,
        records = records,
        from = utc(incident.window_from),
        to = utc(incident.window_to),
        contact = incident.contact,
        consequences = incident.consequences,
        measures = incident.measures,
    );
    (subject_de, body_de, subject_en, body_en)
}
