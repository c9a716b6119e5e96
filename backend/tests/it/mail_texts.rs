//! Mail texts per tenant and language (issue 23; TOM ACC-2, PRIV-5): edit, preview, reset,
//! the link kept in the mails that carry one, placeholders filled once and safely, every
//! change audited, bad input refused with problem+json and nothing written.

use actix_web::http::StatusCode;
use anwesend::notify::templates::Language;
use anwesend::notify::texts::{checked, render, MailKind, MailTemplateInput, KINDS};
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::{test_app_with, MailSink, TestDb};
use crate::fixtures::{book_confirmed, call, deliver_until, event_body, is_to, json_of, outbox_mail, public, published_event, sign_in};

fn templates_stored(db: &TestDb) -> i64 {
    use anwesend::db::schema::mail_templates::dsl as m;
    m::mail_templates.count().get_result(&mut db.inspect()).expect("count")
}

fn text(subject: &str, body: &str) -> Value {
    json!({ "subject": subject, "body": body })
}

#[actix_web::test]
async fn acc_2_mail_texts_are_edited_previewed_and_reset_keep_their_link_and_reach_the_mails() {
    let sink = MailSink::start();
    let app = test_app_with(|c| {
        sink.configure(c);
        c.rate_limit.public_per_ip_per_minute = 100_000;
    });
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let _b = app.tenant_with_admin("verein-b", "leitung@verein-b.example");
    let service = app.service().await;
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let other = sign_in(&service, "leitung@verein-b.example").await;

    // Every kind in both languages, the defaults with their placeholders.
    let (status, _, list) = call(&service, staff.request("GET", "/api/v1/tenant/mail-templates")).await;
    assert_eq!(status, StatusCode::OK);
    let list = json_of(&list);
    assert_eq!(list.as_array().map(Vec::len), Some(12));
    let sign_in_de = list.as_array().expect("list").iter().find(|t| t["kind"] == "sign_in_link" && t["language"] == "de").expect("kind");
    assert_eq!(sign_in_de["customised"], false);
    assert!(sign_in_de["body"].as_str().is_some_and(|b| b.contains("{{link}}")), "{sign_in_de}");
    assert_eq!(sign_in_de["required"], json!(["link"]));

    // Refused: nothing stored, nothing audited.
    let audit_before = app.db.audit_text().len();
    let uri = "/api/v1/tenant/mail-templates/sign_in_link/de";
    let cases: Vec<(&str, String, Value, u16, &str)> = vec![
        ("the link removed", uri.into(), text("Anmeldung", "Kein Link mehr"), 422, "invalid_field"),
        ("the link only in the subject", uri.into(), text("Anmeldung {{link}}", "Kein Link"), 422, "invalid_field"),
        ("an unknown placeholder", uri.into(), text("Anmeldung", "{{link}} {{password}}"), 422, "invalid_field"),
        ("another kind's placeholder", uri.into(), text("Anmeldung", "{{link}} {{event}}"), 422, "invalid_field"),
        ("a header in the subject", uri.into(), text("Hallo\r\nBcc: boese@example.org", "{{link}}"), 422, "invalid_field"),
        ("an empty subject", uri.into(), text("  ", "{{link}}"), 422, "invalid_field"),
        ("a control character", uri.into(), text("Hallo", "{{link}} \u{1b}[31m"), 422, "invalid_field"),
        ("a body too long", uri.into(), text("Hallo", &format!("{{{{link}}}} {}", "x".repeat(10_000))), 422, "invalid_field"),
        ("a language not offered", "/api/v1/tenant/mail-templates/sign_in_link/fr".into(), text("Hi", "{{link}}"), 422, "invalid_field"),
        ("an unknown kind", "/api/v1/tenant/mail-templates/newsletter/de".into(), text("Hi", "{{link}}"), 404, "not_found"),
        ("an unknown field", uri.into(), json!({ "subject": "Hi", "body": "{{link}}", "html": "<b>" }), 422, "invalid_body"),
        ("a body over the limit", uri.into(), text("Hi", &"x".repeat(70_000)), 413, "body_too_large"),
    ];
    for (what, path, body, expected, code) in &cases {
        for path in [path.clone(), format!("{path}/preview")] {
            let (status, headers, answer) =
                call(&service, staff.request(if path.ends_with("preview") { "POST" } else { "PUT" }, &path).set_json(body.clone())).await;
            assert_eq!(status.as_u16(), *expected, "{what} at {path}: {}", String::from_utf8_lossy(&answer));
            assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"), "{what}");
            assert_eq!(json_of(&answer)["code"], *code, "{what}");
        }
    }
    assert_eq!(templates_stored(&app.db), 0, "no refused text was stored");
    assert_eq!(app.db.audit_text().len(), audit_before, "nor audited");

    // The preview fills sample values; writes nothing.
    let confirmed = text("Bestätigt: {{event}}", "Hallo!\n\n{{event}}\n{{dates}}\n\nIhre Buchungen: {{portal_link}}\n{{tenant}}");
    let (status, _, preview) =
        call(&service, staff.request("POST", "/api/v1/tenant/mail-templates/booking_confirmed/de/preview").set_json(confirmed.clone()))
            .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json_of(&preview)["subject"], "Bestätigt: Schwimmkurs für Anfänger");
    assert!(json_of(&preview)["text"].as_str().is_some_and(|t| t.contains("/#/p/verein-a/login")));
    assert_eq!(templates_stored(&app.db), 0);

    // Saved and audited (kind and language, not the text).
    let (status, _, saved) =
        call(&service, staff.request("PUT", "/api/v1/tenant/mail-templates/booking_confirmed/de").set_json(confirmed.clone())).await;
    assert_eq!((status, json_of(&saved)["customised"].as_bool()), (StatusCode::OK, Some(true)));
    let entry = app.db.audit_text().into_iter().find(|e| e.contains("tenant.mail_template_changed")).expect("audited");
    assert!(entry.contains("booking_confirmed") && entry.contains("\"set\"") && !entry.contains("Bestätigt"), "{entry}");
    let (status, _, _) = call(
        &service,
        staff
            .request("PUT", uri)
            .set_json(text("Ihr Zugang zu {{tenant}}", "Guten Tag,\n\nhier ist Ihr Link: {{link}}\n({{minutes}} Minuten)")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // The real mails: an event whose title looks like a placeholder and holds a line
    // break attempt stays text; the subject stays one line; tenant B keeps the default.
    let event = published_event(&service, &staff, event_body("Kurs {{portal_link}} <b>fett</b>", 10, true)).await;
    book_confirmed(&app, &service, "verein-a", &event, json!({ "name": "Anna", "email": "anna@example.org", "consent": true }), "10.8.0.1")
        .await;
    let queued = outbox_mail(&app, "verein-a", "anna@example.org", "booking_confirmation").expect("mail");
    assert_eq!(queued.subject, "Bestätigt: Kurs {{portal_link}} <b>fett</b>", "a value is put in once, as text");
    // The dates in the tenant's time zone (18:00 UTC is 19:00 in Berlin in December).
    assert!(queued.text.starts_with("Hallo!\n\nKurs {{portal_link}} <b>fett</b>\n14.12.2026 19:00"), "{}", queued.text);
    let event_b = published_event(&service, &other, event_body("Yoga", 10, true)).await;
    book_confirmed(&app, &service, "verein-b", &event_b, json!({ "name": "Bea", "email": "bea@example.org", "consent": true }), "10.8.0.2")
        .await;
    let default = outbox_mail(&app, "verein-b", "bea@example.org", "booking_confirmation").expect("mail");
    assert!(default.text.contains("Ihre Buchung ist bestätigt"), "tenant B's mails keep the default: {}", default.text);

    // The sign-in link mail through the SMTP server: the tenant's text, the link in it.
    let (status, _, _) =
        call(&service, public("POST", "/api/v1/public/verein-a/magic-link", "10.8.0.3").set_json(json!({ "email": "anna@example.org" })))
            .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let all = deliver_until(&app, &sink, |all| all.iter().any(|m| is_to(m, "anna@example.org") && m.contains("hier ist Ihr Link")));
    let mail = all.iter().find(|m| is_to(m, "anna@example.org") && m.contains("hier ist Ihr Link")).expect("mail");
    assert!(mail.contains("/#/p/verein-a/login?token=") && mail.contains("(10 Minuten)"), "{mail}");
    assert!(mail.contains("Subject: =?utf-8?") || mail.contains("Subject: Ihr Zugang zu"), "{mail}");

    // The invitation and the staff password reset (the account's tenant: verein-a) too.
    for (kind, body) in [
        ("invitation", "Willkommen bei {{tenant}} als {{role}}: {{link}} (bis {{expires}})"),
        ("password_reset", "Neues Passwort für {{tenant}}: {{link}}"),
    ] {
        let (status, _, answer) = call(
            &service,
            staff.request("PUT", &format!("/api/v1/tenant/mail-templates/{kind}/de")).set_json(text("Hallo von {{tenant}}", body)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{kind}: {}", String::from_utf8_lossy(&answer));
    }
    let (status, _, _) = call(
        &service,
        staff
            .request("POST", "/api/v1/invitations")
            .set_json(json!({ "email": "neu@verein-a.example", "role": "organiser", "language": "de" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _, _) = call(
        &service,
        public("POST", "/api/v1/auth/password-reset", "10.8.0.4")
            .set_json(json!({ "email": "leitung@verein-a.example", "language": "de" })),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let all = deliver_until(&app, &sink, |all| {
        all.iter().any(|m| is_to(m, "neu@verein-a.example")) && all.iter().any(|m| is_to(m, "leitung@verein-a.example"))
    });
    let invitation = all.iter().find(|m| is_to(m, "neu@verein-a.example")).expect("invitation");
    assert!(invitation.contains("als Organisator:in: http") && invitation.contains("/#/invitation?token="), "{invitation}");
    let reset_mail = all.iter().find(|m| is_to(m, "leitung@verein-a.example")).expect("reset");
    assert!(reset_mail.contains("Neues Passwort f") && reset_mail.contains("/#/reset-password?token="), "{reset_mail}");

    // Reset: the default again, audited; a reset of a default text changes nothing.
    let (status, _, reset) = call(&service, staff.request("POST", "/api/v1/tenant/mail-templates/booking_confirmed/de/reset")).await;
    assert_eq!((status, json_of(&reset)["customised"].as_bool()), (StatusCode::OK, Some(false)));
    assert!(json_of(&reset)["body"].as_str().is_some_and(|b| b.contains("Ihre Buchung ist bestätigt")));
    assert!(app.db.audit_text().iter().any(|e| e.contains("tenant.mail_template_changed") && e.contains("\"reset\"")));
    let audited = app.db.audit_text().len();
    let (status, _, _) = call(&service, staff.request("POST", "/api/v1/tenant/mail-templates/booking_confirmed/en/reset")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.db.audit_text().len(), audited);
    assert_eq!(templates_stored(&app.db), 3, "the sign-in, invitation and reset texts stay");
}

#[::core::prelude::v1::test]
fn values_are_filled_once_and_subjects_stay_one_line() {
    let values = [("event", "Kurs\r\nBcc: x@example.org {{link}}"), ("link", "https://a.example/#/x")];
    assert_eq!(render("Zu {{event}}", &values, true), "Zu Kurs  Bcc: x@example.org {{link}}");
    assert_eq!(render("{{ link }} {{unknown}}", &values, false), "https://a.example/#/x {{unknown}}");
}

#[::core::prelude::v1::test]
fn the_link_cannot_be_removed() {
    let input = MailTemplateInput { subject: "Anmeldung".into(), body: "Ohne Link".into() };
    assert!(checked(MailKind::SignInLink, &input).is_err());
    let input = MailTemplateInput { subject: "Anmeldung".into(), body: "Hier: {{link}}".into() };
    assert!(checked(MailKind::SignInLink, &input).is_ok());
    let input = MailTemplateInput { subject: "Anmeldung {{link}}".into(), body: "{{event}} {{link}}".into() };
    assert!(checked(MailKind::SignInLink, &input).is_err(), "event is no placeholder of this kind");
    let input = MailTemplateInput { subject: "A\nBcc: x".into(), body: "{{link}}".into() };
    assert!(checked(MailKind::SignInLink, &input).is_err());
}

#[::core::prelude::v1::test]
fn defaults_use_only_their_placeholders_and_keep_the_link() {
    for kind in KINDS {
        for lang in [Language::De, Language::En] {
            let (subject, body) = kind.default_text(lang);
            assert!(checked(kind, &MailTemplateInput { subject, body }).is_ok(), "{kind:?} {lang:?}");
        }
    }
}
