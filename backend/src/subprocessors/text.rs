//! The notice of a planned change to each tenant's admins: German, then English, with the
//! change, its effective date and the objection deadline (TOM SUB-1).

use super::model::{ChangeKind, ChangeView, SubprocessorEntry, TransferMechanism};

fn mechanism_de(m: Option<TransferMechanism>) -> &'static str {
    match m {
        None => "keine Übermittlung in ein Drittland (EU/EWR)",
        Some(TransferMechanism::AdequacyDecision) => "Angemessenheitsbeschluss (Art. 45 DSGVO)",
        Some(TransferMechanism::Scc) => "Standardvertragsklauseln (Art. 46 Abs. 2 lit. c DSGVO)",
        Some(TransferMechanism::Bcr) => "verbindliche interne Datenschutzvorschriften (Art. 47 DSGVO)",
    }
}

fn mechanism_en(m: Option<TransferMechanism>) -> &'static str {
    match m {
        None => "no transfer to a third country (EU/EEA)",
        Some(TransferMechanism::AdequacyDecision) => "adequacy decision (Art. 45 GDPR)",
        Some(TransferMechanism::Scc) => "standard contractual clauses (Art. 46(2)(c) GDPR)",
        Some(TransferMechanism::Bcr) => "binding corporate rules (Art. 47 GDPR)",
    }
}

/// The transfer safeguard in words (for the processing record too).
pub fn mechanism(de: bool, m: Option<TransferMechanism>) -> &'static str {
    if de {
        mechanism_de(m)
    } else {
        mechanism_en(m)
    }
}

fn entry_de(e: &SubprocessorEntry) -> String {
    format!(
        "{name}, {address}\n  Leistung: {service}\n  Datenkategorien: {categories}\n  Ort der Verarbeitung: {country} ({eu}); {mechanism}",
        name = e.name,
        address = e.address,
        service = e.service,
        categories = e.data_categories,
        country = e.country,
        eu = if e.eu_eea { "EU/EWR" } else { "außerhalb EU/EWR" },
        mechanism = mechanism_de(e.transfer_mechanism),
    )
}

fn entry_en(e: &SubprocessorEntry) -> String {
    format!(
        "{name}, {address}\n  Service: {service}\n  Data categories: {categories}\n  Processing location: {country} ({eu}); {mechanism}",
        name = e.name,
        address = e.address,
        service = e.service,
        categories = e.data_categories,
        country = e.country,
        eu = if e.eu_eea { "EU/EEA" } else { "outside the EU/EEA" },
        mechanism = mechanism_en(e.transfer_mechanism),
    )
}

fn what_de(c: &ChangeView) -> String {
    let target = c.target.as_ref().map(entry_de).unwrap_or_default();
    let entry = c.entry.as_ref().map(entry_de).unwrap_or_default();
    match c.kind {
        ChangeKind::Add => format!("Neuer Unterauftragsverarbeiter:\n{entry}"),
        ChangeKind::Replace => format!("Bisher:\n{target}\nwird ersetzt durch:\n{entry}"),
        ChangeKind::ChangeLocation => format!("Neuer Ort der Verarbeitung:\n{entry}"),
        ChangeKind::Remove => format!("Wird nicht mehr eingesetzt:\n{target}"),
    }
}

fn what_en(c: &ChangeView) -> String {
    let target = c.target.as_ref().map(entry_en).unwrap_or_default();
    let entry = c.entry.as_ref().map(entry_en).unwrap_or_default();
    match c.kind {
        ChangeKind::Add => format!("New sub-processor:\n{entry}"),
        ChangeKind::Replace => format!("So far:\n{target}\nreplaced by:\n{entry}"),
        ChangeKind::ChangeLocation => format!("New processing location:\n{entry}"),
        ChangeKind::Remove => format!("No longer engaged:\n{target}"),
    }
}

/// Subject and body (German, then English) of the notice to a tenant's admins.
pub fn notice(change: &ChangeView, tenant_name: &str, notice_days: i32, page: &str) -> (String, String) {
    let subject = "Geplante Änderung der Unterauftragsverarbeiter / Planned change of sub-processors".to_owned();
    let note_de = if change.note.is_empty() { String::new() } else { format!("\nAnmerkung: {}\n", change.note) };
    let note_en = if change.note.is_empty() { String::new() } else { format!("\nNote: {}\n", change.note) };
    let body = format!(
        "Sehr geehrte Damen und Herren,\n\n\
         als Ihr Auftragsverarbeiter (Art. 28 DSGVO) informieren wir Sie, {tenant}, mit einer Frist von mindestens \
         {days} Tagen über eine geplante Änderung unserer Unterauftragsverarbeiter.\n\n\
         {what_de}\n{note_de}\n\
         Wirksam ab: {effective}\n\
         Widerspruch möglich bis einschließlich: {until}\n\n\
         Sie können unter „Unterauftragsverarbeiter“ in anwesend mit Begründung widersprechen: {page}\n\n\
         --- English ---\n\n\
         Dear Sir or Madam,\n\n\
         as your processor (Art. 28 GDPR) we inform you, {tenant}, at least {days} days ahead of a planned change of \
         our sub-processors.\n\n\
         {what_en}\n{note_en}\n\
         Effective from: {effective}\n\
         Objections accepted until (inclusive): {until}\n\n\
         You can object with a reason under \"Sub-processors\" in anwesend: {page}\n",
        tenant = tenant_name,
        days = notice_days,
        what_de = what_de(change),
        what_en = what_en(change),
        effective = change.effective_on,
        until = change.objection_until,
    );
    (subject, body)
}
