//! The incident register (TOM BREACH-1, BREACH-2): the scope computed from the data, the
//! 72-hour clock, notifications per tenant with every Art. 33(3) item, sent by mail and
//! acknowledged on "Vorfälle", follow-ups in phases, both chains, the signed export.

use actix_web::http::StatusCode;
use actix_web::test;
use anwesend::audit::AuditContext;
use anwesend::clock::Clock;
use anwesend::crypto::verify_with_public_key;
use anwesend::http::build_app;
use anwesend::privacy::{model::Reason, service as privacy};
use anwesend_protocol as protocol;
use serde_json::{json, Value};

use crate::common::{sensitive, start_time, test_app_with, MailSink};
use crate::fixtures::{
    admin, bind_card, book_confirmed, call, count, enrol, incident_body, json_of, platform_admin, sign_in, sign_in_with_factor, signed,
    tap_body, tenant, venue,
};

const PLATFORM_ADMIN: &str = "betrieb@anwesend.example";

macro_rules! service {
    ($app:expr) => {
        test::init_service(build_app($app.state.clone())).await
    };
}

fn at(hours: i64) -> String {
    anwesend::timestamp::rfc3339((start_time() - chrono::Duration::hours(hours)).naive_utc())
}

fn notice_of<'a>(incident: &'a Value, tenant_id: &str) -> &'a Value {
    incident["notices"].as_array().expect("notices").iter().find(|n| n["tenant_id"] == tenant_id).expect("notice of the tenant")
}

/// Audit rows of `chain` whose action is `action`.
fn entries(app: &crate::common::TestApp, chain: &str, action: &str) -> usize {
    app.db.audit_text().iter().filter(|r| r.starts_with(&format!("{chain}|")) && r.contains(&format!("|{action}|"))).count()
}

#[actix_web::test]
async fn breach_1_breach_2_an_incident_is_scoped_from_the_data_notified_acknowledged_followed_up_and_exported() {
    let sink = MailSink::start();
    let app = test_app_with(|c| sink.configure(c));
    let (a, b, c) = (tenant(&app, "verein-a"), tenant(&app, "verein-b"), tenant(&app, "verein-c"));
    let boss_a = sensitive("leitung@verein-a.example");
    let boss_b = sensitive("leitung@verein-b.example");
    admin(&app, &a, &boss_a);
    admin(&app, &b, &boss_b);
    admin(&app, &c, "leitung@verein-c.example");
    platform_admin(&app, PLATFORM_ADMIN);
    let service = service!(app);

    // Tenant A: three people booked; tenant B: one; tenant C: none.
    let person = (sensitive("Amalia Vorfall"), sensitive("amalia.v@example.org"));
    let venue_a = venue(&app, &service, "verein-a", (&person.0, &person.1)).await;
    for (i, name) in ["Bruno Leck", "Cora Panne"].iter().enumerate() {
        let (status, body) = book_confirmed(
            &app,
            &service,
            "verein-a",
            &venue_a.event,
            json!({ "name": sensitive(name), "email": sensitive(&format!("p{i}@example.org")), "consent": true }),
            "198.51.100.7",
        )
        .await;
        assert_eq!(status.as_u16(), 200, "{body}");
    }
    venue(&app, &service, "verein-b", (&sensitive("Dora Datum"), &sensitive("dora.d@example.org"))).await;
    let operator = sign_in_with_factor(&app, &service, PLATFORM_ADMIN).await;

    // The scope, computed: numbers only, per tenant.
    let window = |kind: &str, ids: Value| json!({ "kind": kind, "ids": ids, "window_from": at(48), "window_to": at(-1) });
    let (status, _, body) =
        call(&service, operator.request("POST", "/api/v1/platform/incidents/scope").set_json(window("all_tenants", json!([])))).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    let scope = json_of(&body);
    let figures: Vec<(String, i64, i64)> = scope["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .map(|t| {
            (
                t["tenant_slug"].as_str().unwrap_or_default().to_owned(),
                t["persons"].as_i64().unwrap_or(-1),
                t["records"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        figures,
        vec![("verein-a".to_owned(), 3, 3), ("verein-b".to_owned(), 1, 1), ("verein-c".to_owned(), 0, 0)],
        "persons and bookings per tenant: {scope}"
    );
    assert_eq!((scope["persons"].as_i64(), scope["records"].as_i64()), (Some(4), Some(4)));
    let text = String::from_utf8_lossy(&body);
    assert!(!text.contains(person.1.as_str()) && !text.contains(person.0.as_str()), "numbers only (AUTHZ-3)");
    // A window before anyone booked counts nobody.
    let (_, _, body) = call(
        &service,
        operator
            .request("POST", "/api/v1/platform/incidents/scope")
            .set_json(json!({ "kind": "tenants", "ids": [a.tenant_id()], "window_from": at(100), "window_to": at(99) })),
    )
    .await;
    assert_eq!((json_of(&body)["persons"].as_i64(), json_of(&body)["records"].as_i64()), (Some(0), Some(0)), "{}", json_of(&body));
    assert_eq!(count(&app, "incidents"), 0, "the preview writes nothing");

    // Opened for tenants A and B: one draft each, the clock runs from discovery.
    let (status, _, body) = call(
        &service,
        operator
            .request("POST", "/api/v1/platform/incidents")
            .set_json(incident_body("confidentiality", json!([a.tenant_id(), b.tenant_id()]))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{}", json_of(&body));
    let incident = json_of(&body);
    let id = incident["id"].as_str().expect("id").to_owned();
    assert_eq!(incident["notices"].as_array().map(Vec::len), Some(2));
    assert_eq!(incident["clock"]["deadline"], at(1 - 72), "72 hours from discovery");
    assert_eq!(incident["clock"]["overdue"], false);
    let draft = notice_of(&incident, a.tenant_id());
    assert_eq!((draft["status"].as_str(), draft["persons"].as_i64(), draft["records"].as_i64()), (Some("draft"), Some(3), Some(3)));
    // Every Art. 33(3) item, in German and in English.
    let de = draft["body_de"].as_str().expect("German");
    for item in [
        "Verletzung der Vertraulichkeit",
        "Namen, E-Mail-Adressen",
        "betroffener Personen in Ihrem Mandanten: 3",
        "betroffener Datensätze in Ihrem Mandanten: 3",
        "datenschutz@anwesend.example",
        "Möglicher Einblick",
        "Sitzungen beendet",
    ] {
        assert!(de.contains(item), "{item} in {de}");
    }
    let en = draft["body_en"].as_str().expect("English");
    for item in [
        "breach of confidentiality",
        "data subjects concerned in your tenant: 3",
        "records concerned in your tenant: 3",
        "Contact point",
        "Likely consequences",
        "Measures taken",
    ] {
        assert!(en.contains(item), "{item} in {en}");
    }
    assert_eq!(entries(&app, "platform", "incident.opened"), 1);
    assert_eq!((entries(&app, "platform", "incident.tenant_affected"), entries(&app, a.tenant_id(), "incident.tenant_affected")), (2, 1));
    assert_eq!(entries(&app, c.tenant_id(), "incident.tenant_affected"), 0);

    // Not visible to the tenant before it is sent.
    let tenant_a = sign_in(&service, &boss_a).await;
    let (status, _, body) = call(&service, tenant_a.request("GET", "/api/v1/incidents")).await;
    assert_eq!((status, json_of(&body)), (StatusCode::OK, json!([])));

    // Edited, then sent: a mail to A's admin in both languages, "Vorfälle" shows it.
    let edited = format!("{de}\nErgänzung: Bitte prüfen Sie Ihre Meldung an die Aufsichtsbehörde.");
    let edit = json!({ "subject_de": draft["subject_de"], "body_de": edited, "subject_en": draft["subject_en"], "body_en": en });
    let notice_path = format!("/api/v1/platform/incidents/{id}/notices/{}", a.tenant_id());
    let (status, _, body) = call(&service, operator.request("PUT", &notice_path).set_json(edit.clone())).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    assert_eq!((entries(&app, "platform", "incident.notice_edited"), entries(&app, a.tenant_id(), "incident.notice_edited")), (1, 1));
    let (status, _, body) = call(&service, operator.request("POST", &format!("{notice_path}/send"))).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    assert_eq!(notice_of(&json_of(&body), a.tenant_id())["status"], "sent");
    assert_eq!(notice_of(&json_of(&body), b.tenant_id())["status"], "draft");
    assert_eq!((entries(&app, "platform", "incident.notice_sent"), entries(&app, a.tenant_id(), "incident.notice_sent")), (1, 1));
    assert!(anwesend::notify::deliver_due(&app.state).expect("deliver") >= 1);
    let mail = sink.message_to(&boss_a);
    assert!(mail.contains("Ergänzung: Bitte prüfen Sie") && mail.contains("--- English ---"), "{mail}");
    assert!(sink.messages().iter().all(|m| !m.contains(boss_b.as_str())), "B's admin got nothing yet");
    // Sent is sent: no second send, no edit.
    let (status, _, _) = call(&service, operator.request("POST", &format!("{notice_path}/send"))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _, _) = call(&service, operator.request("PUT", &notice_path).set_json(edit)).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let (_, _, body) = call(&service, tenant_a.request("GET", "/api/v1/incidents")).await;
    let list = json_of(&body);
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert!(list[0]["body_de"].as_str().unwrap_or_default().contains("Ergänzung"), "{list}");
    assert_eq!(list[0]["acknowledged_at"], Value::Null);
    let notice_id = list[0]["id"].as_str().expect("notice id").to_owned();
    let tenant_b = sign_in(&service, &boss_b).await;
    let (_, _, body) = call(&service, tenant_b.request("GET", "/api/v1/incidents")).await;
    assert_eq!(json_of(&body), json!([]), "B's draft is not shown, A's notice never");
    let (status, _, _) = call(&service, tenant_b.request("POST", &format!("/api/v1/incidents/{notice_id}/acknowledge"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another tenant's notice");

    // Acknowledged once, on both chains and the timeline.
    let (status, _, body) = call(&service, tenant_a.request("POST", &format!("/api/v1/incidents/{notice_id}/acknowledge"))).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    assert!(json_of(&body)[0]["acknowledged_at"].is_string());
    let (status, _, _) = call(&service, tenant_a.request("POST", &format!("/api/v1/incidents/{notice_id}/acknowledge"))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!((entries(&app, "platform", "incident.acknowledged"), entries(&app, a.tenant_id(), "incident.acknowledged")), (1, 1));

    // A follow-up (BREACH-2): to the notified tenant only, by mail and on its page.
    let before = sink.messages().len();
    let (status, _, body) = call(
        &service,
        operator
            .request("POST", &format!("/api/v1/platform/incidents/{id}/updates"))
            .set_json(json!({ "text_de": "Phase 2: Die Ursache ist behoben.", "text_en": "Phase 2: the cause is fixed." })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    let timeline = json_of(&body)["timeline"].clone();
    let kinds: Vec<&str> = timeline.as_array().expect("timeline").iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, ["opened", "notice_sent", "acknowledged", "update"]);
    assert_eq!((entries(&app, "platform", "incident.update_sent"), entries(&app, a.tenant_id(), "incident.update_sent")), (1, 1));
    assert_eq!(entries(&app, b.tenant_id(), "incident.update_sent"), 0);
    anwesend::notify::deliver_due(&app.state).expect("deliver");
    let after = sink.messages();
    assert_eq!(after.len(), before + 1, "one admin of the one notified tenant");
    assert_eq!(after.iter().filter(|m| m.contains("Phase 2") && m.contains(boss_a.as_str())).count(), 1, "the follow-up to A's admin");
    let (_, _, body) = call(&service, tenant_a.request("GET", "/api/v1/incidents")).await;
    assert_eq!(json_of(&body)[0]["updates"][0]["text_en"], "Phase 2: the cause is fixed.");

    // The clock: 72 hours after discovery B's notice is overdue, on the incident and in the metrics.
    let metrics = anwesend::metrics::render(&app.state).expect("metrics");
    assert!(metrics.contains("anwesend_incident_notices_overdue 0") && metrics.contains("anwesend_incidents_open 1"), "{metrics}");
    app.clock.advance(chrono::Duration::hours(72));
    // Sessions have timed out meanwhile: the operator signs in again.
    let operator = sign_in_with_factor(&app, &service, PLATFORM_ADMIN).await;
    let (_, _, body) = call(&service, operator.request("GET", &format!("/api/v1/platform/incidents/{id}"))).await;
    let incident = json_of(&body);
    assert_eq!(incident["clock"]["overdue"], true, "{}", incident["clock"]);
    assert_eq!(
        (notice_of(&incident, b.tenant_id())["overdue"].as_bool(), notice_of(&incident, a.tenant_id())["overdue"].as_bool()),
        (Some(true), Some(false))
    );
    let metrics = anwesend::metrics::render(&app.state).expect("metrics");
    assert!(metrics.contains("anwesend_incident_notices_overdue 1"), "{metrics}");

    // The signed export verifies with the platform's public key; any change breaks it.
    let (status, headers, body) = call(&service, operator.request("GET", &format!("/api/v1/platform/incidents/{id}/export"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("content-disposition").is_some());
    let document: Value = serde_json::from_slice(&body).expect("JSON");
    let signature = &document["signature"];
    let content = document["incident"].to_string();
    let public_key = signature["public_key"].as_str().expect("key");
    let value = signature["value"].as_str().expect("signature");
    assert_eq!(verify_with_public_key(public_key, content.as_bytes(), value).ok().as_deref(), signature["key_id"].as_str());
    assert_eq!(document["incident"]["format"], "anwesend-incident/1");
    assert_eq!(document["incident"]["timeline"].as_array().map(Vec::len), Some(4));
    let forged = content.replace("\"persons\":3", "\"persons\":1");
    assert_ne!(forged, content);
    assert!(verify_with_public_key(public_key, forged.as_bytes(), value).is_err());
    assert_eq!(entries(&app, "platform", "incident.exported"), 1);

    // Closing ends it: no more follow-ups.
    let update = |close: bool| json!({ "text_de": "Abschluss.", "text_en": "Closed.", "close": close });
    let (status, _, body) =
        call(&service, operator.request("POST", &format!("/api/v1/platform/incidents/{id}/updates")).set_json(update(true))).await;
    assert_eq!((status, json_of(&body)["status"].as_str()), (StatusCode::OK, Some("closed")));
    let (status, _, _) =
        call(&service, operator.request("POST", &format!("/api/v1/platform/incidents/{id}/updates")).set_json(update(false))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _, _) =
        call(&service, operator.request("POST", &format!("/api/v1/platform/incidents/{id}/notices/{}/send", b.tenant_id()))).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[actix_web::test]
async fn breach_1_account_and_device_scopes_count_only_what_they_reached() {
    let app = test_app_with(|_| {});
    let (a, b) = (tenant(&app, "verein-a"), tenant(&app, "verein-b"));
    let boss_a = admin(&app, &a, "leitung@verein-a.example");
    admin(&app, &b, "leitung@verein-b.example");
    platform_admin(&app, PLATFORM_ADMIN);
    let service = service!(app);
    let venue_a = venue(&app, &service, "verein-a", (&sensitive("Emil Karte"), &sensitive("emil.k@example.org"))).await;
    venue(&app, &service, "verein-b", (&sensitive("Frida Fremd"), &sensitive("frida.f@example.org"))).await;
    let device = enrol(&service, &venue_a.staff, &venue_a.location, "Eingang").await;
    bind_card(&app, &service, &venue_a.staff, &device, &venue_a.participant, "04AB0FF0B0A4D2").await;
    let (_, _, answer) = call(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "tap-1", "04AB0FF0B0A4D2"))).await;
    assert_eq!(json_of(&answer)["outcome"], "checked_in");
    let operator = sign_in_with_factor(&app, &service, PLATFORM_ADMIN).await;
    let scope = |kind: &str, ids: Value| json!({ "kind": kind, "ids": ids, "window_from": at(1), "window_to": at(-1) });

    // The device: its one check-in, of one person, in tenant A only.
    let (status, _, body) =
        call(&service, operator.request("POST", "/api/v1/platform/incidents/scope").set_json(scope("device", json!([device.id])))).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    let result = json_of(&body);
    assert_eq!(result["tenants"].as_array().map(Vec::len), Some(1), "{result}");
    assert_eq!(
        (result["tenants"][0]["tenant_id"].as_str(), result["persons"].as_i64(), result["records"].as_i64()),
        (Some(a.tenant_id()), Some(1), Some(1))
    );
    // Outside the window the device reached nobody.
    let (_, _, body) = call(
        &service,
        operator
            .request("POST", "/api/v1/platform/incidents/scope")
            .set_json(json!({ "kind": "device", "ids": [device.id], "window_from": at(10), "window_to": at(5) })),
    )
    .await;
    assert_eq!((json_of(&body)["persons"].as_i64(), json_of(&body)["records"].as_i64()), (Some(0), Some(0)));

    // A's admin's sessions reach tenant A (everything such a session could read), not B.
    let (status, _, body) =
        call(&service, operator.request("POST", "/api/v1/platform/incidents/scope").set_json(scope("accounts", json!([boss_a])))).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    let result = json_of(&body);
    let slugs: Vec<&str> = result["tenants"].as_array().expect("tenants").iter().filter_map(|t| t["tenant_slug"].as_str()).collect();
    assert_eq!(slugs, ["verein-a"], "{result}");
    assert_eq!((result["persons"].as_i64(), result["records"].as_i64()), (Some(1), Some(2)), "one person, a booking and a check-in");
    // Before the account did anything: no tenant.
    let (_, _, body) = call(
        &service,
        operator
            .request("POST", "/api/v1/platform/incidents/scope")
            .set_json(json!({ "kind": "accounts", "ids": [boss_a], "window_from": at(10), "window_to": at(5) })),
    )
    .await;
    assert_eq!(json_of(&body)["tenants"], json!([]));
}

/// A stolen backup file: every tenant as it was when the file was written, people erased
/// since included (they are still in the file), tenants created later not.
#[actix_web::test]
async fn breach_1_a_backup_file_scope_counts_what_the_file_holds() {
    let app = test_app_with(|_| {});
    let a = tenant(&app, "verein-a");
    admin(&app, &a, "leitung@verein-a.example");
    platform_admin(&app, PLATFORM_ADMIN);
    let service = service!(app);
    let venue_a = venue(&app, &service, "verein-a", (&sensitive("Greta Gesichert"), &sensitive("greta.g@example.org"))).await;
    let operator_ctx = AuditContext::operator(app.clock.now());
    let (path, _) = anwesend::backups::service::create(&app.state, &operator_ctx).expect("backup");
    let file = path.file_name().and_then(|n| n.to_str()).expect("file name").to_owned();

    app.clock.advance(chrono::Duration::hours(1));
    let erasure = Reason { code: "erasure_request", text: "Antrag per Post", legal_basis: "GDPR Art. 17(1)(a)" };
    privacy::erase(&app.state, &a, &AuditContext { at: app.clock.now(), ..app.ctx() }, &venue_a.participant, &erasure).expect("erase");
    let b = tenant(&app, "verein-b");
    admin(&app, &b, "leitung@verein-b.example");
    venue(&app, &service, "verein-b", (&sensitive("Hugo Später"), &sensitive("hugo.s@example.org"))).await;

    let operator = sign_in_with_factor(&app, &service, PLATFORM_ADMIN).await;
    let scope = |ids: Value| json!({ "kind": "backup_file", "ids": ids, "window_from": at(2), "window_to": at(1) });
    let (status, _, body) =
        call(&service, operator.request("POST", "/api/v1/platform/incidents/scope").set_json(scope(json!([file])))).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    let result = json_of(&body);
    let slugs: Vec<&str> = result["tenants"].as_array().expect("tenants").iter().filter_map(|t| t["tenant_slug"].as_str()).collect();
    assert_eq!(slugs, ["verein-a"], "the tenant created after the backup is not in it: {result}");
    assert_eq!(result["persons"].as_i64(), Some(1), "the person erased after the backup is still in the file: {result}");

    // A file no backup wrote, or two files at once: refused with the field named, nothing written.
    let incidents = count(&app, "incidents");
    for ids in [json!(["anwesend-1999-01-01T000000Z.age"]), json!([file, "zweite"]), json!(["../../etc/passwd"])] {
        let (status, _, body) = call(
            &service,
            operator.request("POST", "/api/v1/platform/incidents").set_json({
                let mut body = incident_body("confidentiality", json!([]));
                body["scope"] = scope(ids.clone());
                body
            }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{ids}: {}", json_of(&body));
        assert_eq!(json_of(&body)["field"], "scope.ids", "{}", json_of(&body));
    }
    assert_eq!(count(&app, "incidents"), incidents);
}

#[actix_web::test]
async fn breach_1_bad_input_to_the_incident_register_is_refused_and_writes_nothing() {
    let app = test_app_with(|_| {});
    let a = tenant(&app, "verein-a");
    admin(&app, &a, "leitung@verein-a.example");
    platform_admin(&app, PLATFORM_ADMIN);
    let service = service!(app);
    let operator = sign_in_with_factor(&app, &service, PLATFORM_ADMIN).await;
    let ok = incident_body("integrity", json!([a.tenant_id()]));
    let with = |key: &str, value: Value| {
        let mut body = ok.clone();
        body[key] = value;
        body.to_string()
    };
    let with_scope = |key: &str, value: Value| {
        let mut body = ok.clone();
        body["scope"][key] = value;
        body.to_string()
    };
    let huge = "x".repeat(100 * 1024);
    let cases: Vec<String> = vec![
        "{\"title\": ".into(),
        "[]".into(),
        json!({ "title": "nur ein Titel" }).to_string(),
        with("title", json!("")),
        with("title", json!("Zeile\nZwei")),
        with("title", json!(huge)),
        with("nature", json!("geheim")),
        with("contact", json!("\u{0}")),
        with("measures", json!("   ")),
        with("discovered_at", json!("gestern")),
        with("discovered_at", json!("2099-01-01T00:00:00Z")),
        with("started_at", json!("2026-11-23T09:00:00Z")),
        with("extra", json!(true)),
        with_scope("kind", json!("alles")),
        with_scope("ids", json!([])),
        with_scope("ids", json!(["'; DROP TABLE incidents; --"])),
        with_scope("ids", json!(["x".repeat(65)])),
        with_scope("ids", json!((0..101).map(|i| format!("t{i}")).collect::<Vec<_>>())),
        with_scope("window_to", json!(at(60))),
    ];
    let before = (count(&app, "incidents"), count(&app, "incident_notices"), count(&app, "incident_updates"));
    for body in &cases {
        let (status, headers, answer) = call(
            &service,
            operator
                .request("POST", "/api/v1/platform/incidents")
                .insert_header(("content-type", "application/json"))
                .set_payload(body.clone()),
        )
        .await;
        assert!(status.is_client_error(), "{status} for {}", &body[..body.len().min(160)]);
        assert_eq!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/problem+json"),
            "{}",
            String::from_utf8_lossy(&answer)
        );
    }
    // The scope preview refuses the same scopes; unknown accounts and devices too.
    for scope in [
        json!({ "kind": "device", "ids": ["a", "b"], "window_from": at(2), "window_to": at(1) }),
        json!({ "kind": "device", "ids": ["unbekannt"], "window_from": at(2), "window_to": at(1) }),
        json!({ "kind": "accounts", "ids": ["unbekannt"], "window_from": at(2), "window_to": at(1) }),
        json!({ "kind": "all_tenants", "ids": [a.tenant_id()], "window_from": at(2), "window_to": at(1) }),
        json!({ "kind": "tenants", "ids": [a.tenant_id()], "window_from": at(1), "window_to": at(2) }),
    ] {
        let (status, _, answer) =
            call(&service, operator.request("POST", "/api/v1/platform/incidents/scope").set_json(scope.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{scope}: {}", json_of(&answer));
    }
    assert_eq!((count(&app, "incidents"), count(&app, "incident_notices"), count(&app, "incident_updates")), before);

    // An opened incident refuses bad drafts and follow-ups and keeps its texts.
    let (status, _, body) = call(&service, operator.request("POST", "/api/v1/platform/incidents").set_json(ok.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{}", json_of(&body));
    let incident = json_of(&body);
    let id = incident["id"].as_str().expect("id").to_owned();
    let draft = notice_of(&incident, a.tenant_id()).clone();
    let path = format!("/api/v1/platform/incidents/{id}/notices/{}", a.tenant_id());
    for edit in [
        json!({ "subject_de": "", "body_de": "x", "subject_en": "x", "body_en": "x" }),
        json!({ "subject_de": "Zwei\nZeilen", "body_de": "x", "subject_en": "x", "body_en": "x" }),
        json!({ "subject_de": "x", "body_de": "x".repeat(20001), "subject_en": "x", "body_en": "x" }),
        json!({ "subject_de": "x", "body_de": "x", "subject_en": "x" }),
    ] {
        let (status, _, _) = call(&service, operator.request("PUT", &path).set_json(edit)).await;
        assert!(status.is_client_error(), "{status}");
    }
    let (status, _, _) = call(
        &service,
        operator
            .request("PUT", &format!("/api/v1/platform/incidents/{id}/notices/unbekannt"))
            .set_json(json!({ "subject_de": "x", "body_de": "x", "subject_en": "x", "body_en": "x" })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for update in [json!({ "text_de": "", "text_en": "x" }), json!({ "text_de": "x" }), json!({ "text_de": "x", "text_en": "\u{7}" })] {
        let (status, _, _) =
            call(&service, operator.request("POST", &format!("/api/v1/platform/incidents/{id}/updates")).set_json(update)).await;
        assert!(status.is_client_error(), "{status}");
    }
    let (_, _, body) = call(&service, operator.request("GET", &format!("/api/v1/platform/incidents/{id}"))).await;
    let after = json_of(&body);
    assert_eq!(notice_of(&after, a.tenant_id())["body_de"], draft["body_de"]);
    assert_eq!(after["timeline"].as_array().map(Vec::len), Some(1));
}
