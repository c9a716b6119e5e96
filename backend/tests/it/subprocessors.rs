//! The sub-processor register (TOM SUB-1, TRANS-5, RIGHTS-3): planned changes only with
//! every tenant's notice period, notices by mail and on the tenant's page, objections
//! before the effective date (once, each tenant its own), the register of any date, the
//! transfer safeguard outside the EU/EEA, and the processing record listing the register.

use actix_web::http::StatusCode;
use actix_web::test;
use anwesend::http::build_app;
use serde_json::{json, Value};

use crate::common::{sensitive, test_app_with, MailSink};
use crate::fixtures::{admin, call, count, deliver_until, is_to, json_of, platform_admin, sign_in, sign_in_with_factor, tenant};

const PLATFORM_ADMIN: &str = "betrieb@anwesend.example";
const PLAN: &str = "/api/v1/platform/subprocessors/changes";
const TENANT_PAGE: &str = "/api/v1/tenant/subprocessors";

macro_rules! service {
    ($app:expr) => {
        test::init_service(build_app($app.state.clone())).await
    };
}

fn hoster(country: &str, mechanism: Option<&str>) -> Value {
    json!({
        "name": "Rechenzentrum Nord GmbH",
        "address": "Hafenstraße 1, 20457 Hamburg",
        "service": "Hosting der Server und Datenbanken",
        "data_categories": "alle in anwesend gespeicherten Daten",
        "country": country,
        "transfer_mechanism": mechanism,
        "since": "2026-01-01",
    })
}

fn add(effective_on: &str, entry: Value) -> Value {
    json!({ "kind": "add", "entry": entry, "effective_on": effective_on, "note": "Neuer Standort für Ausfallsicherheit." })
}

/// Audit rows of `chain` whose action is `action`.
fn entries(app: &crate::common::TestApp, chain: &str, action: &str) -> usize {
    app.db.audit_text().iter().filter(|r| r.starts_with(&format!("{chain}|")) && r.contains(&format!("|{action}|"))).count()
}

fn written(app: &crate::common::TestApp) -> (i64, i64, i64, i64) {
    (
        count(app, "subprocessor_changes"),
        count(app, "subprocessor_versions"),
        count(app, "subprocessor_objections"),
        count(app, "mail_outbox"),
    )
}

fn names(register: &Value) -> Vec<(String, String)> {
    register["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| (e["name"].as_str().unwrap_or_default().to_owned(), e["country"].as_str().unwrap_or_default().to_owned()))
        .collect()
}

#[actix_web::test]
async fn sub_1_a_change_needs_every_notice_period_is_mailed_objected_once_before_its_date_and_listed_for_the_operator() {
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
    let operator = sign_in_with_factor(&app, &service, PLATFORM_ADMIN).await;

    // B's contract has 14 days' notice, A's and C's the default 30. Today is 2026-11-23.
    let (status, _, body) = call(
        &service,
        operator
            .request("PUT", &format!("/api/v1/platform/subprocessors/notice-periods/{}", b.tenant_id()))
            .set_json(json!({ "notice_days": 14 })),
    )
    .await;
    assert_eq!((status, json_of(&body)["notice_days"].as_i64()), (StatusCode::OK, Some(14)), "{}", json_of(&body));
    assert_eq!(
        (entries(&app, "platform", "subprocessor.notice_period_set"), entries(&app, b.tenant_id(), "subprocessor.notice_period_set")),
        (1, 1)
    );
    let (_, _, body) = call(&service, operator.request("GET", "/api/v1/platform/subprocessors/notice-periods")).await;
    let periods: Vec<(String, i64)> = json_of(&body)
        .as_array()
        .expect("periods")
        .iter()
        .map(|p| (p["tenant_slug"].as_str().unwrap_or_default().to_owned(), p["notice_days"].as_i64().unwrap_or_default()))
        .collect();
    assert_eq!(periods, [("verein-a".to_owned(), 30), ("verein-b".to_owned(), 14), ("verein-c".to_owned(), 30)]);

    // 20 days ahead is enough for B, not for A and C: refused, nothing written, nobody mailed.
    let before = written(&app);
    let (status, headers, body) = call(&service, operator.request("POST", PLAN).set_json(add("2026-12-13", hoster("DE", None)))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", json_of(&body));
    assert_eq!(json_of(&body)["code"], "notice_too_short");
    assert!(json_of(&body)["detail"].as_str().unwrap_or_default().contains("2026-12-23"), "{}", json_of(&body));
    assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    assert_eq!(written(&app), before);
    assert_eq!(entries(&app, "platform", "subprocessor.change_planned"), 0);

    // 30 days ahead: planned, every tenant's admins mailed (German and English).
    let (status, _, body) = call(&service, operator.request("POST", PLAN).set_json(add("2026-12-23", hoster("DE", None)))).await;
    assert_eq!(status, StatusCode::CREATED, "{}", json_of(&body));
    let planned = json_of(&body);
    let change_id = planned["change"]["id"].as_str().expect("id").to_owned();
    assert_eq!(
        (planned["change"]["kind"].as_str(), planned["change"]["objection_until"].as_str(), planned["change"]["pending"].as_bool()),
        (Some("add"), Some("2026-12-22"), Some(true))
    );
    assert_eq!(planned["change"]["entry"]["eu_eea"], true);
    assert_eq!(entries(&app, "platform", "subprocessor.change_planned"), 1);
    assert_eq!(entries(&app, "platform", "subprocessor.change_notified"), 3);
    for t in [&a, &b, &c] {
        assert_eq!(entries(&app, t.tenant_id(), "subprocessor.change_notified"), 1);
    }
    let mails = deliver_until(&app, &sink, |all| all.len() >= 3);
    assert_eq!(mails.len(), 3, "one per tenant admin");
    let mail_a = mails.iter().find(|m| is_to(m, &boss_a)).expect("A's admin");
    for item in
        ["Rechenzentrum Nord GmbH", "2026-12-23", "2026-12-22", "Widerspruch", "--- English ---", "Objections accepted until", "30 Tagen"]
    {
        assert!(mail_a.contains(item), "{item} in {mail_a}");
    }
    assert!(mails.iter().find(|m| is_to(m, &boss_b)).expect("B's admin").contains("14 Tagen"));

    // The tenants' page: not in force yet, the change with its deadline.
    let tenant_a = sign_in(&service, &boss_a).await;
    let tenant_b = sign_in(&service, &boss_b).await;
    let (status, _, body) = call(&service, tenant_a.request("GET", TENANT_PAGE)).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    let page = json_of(&body);
    assert_eq!((page["entries"].as_array().map(Vec::len), page["notice_days"].as_i64()), (Some(0), Some(30)), "{page}");
    assert_eq!(page["changes"][0]["change"]["id"], change_id.as_str());
    assert_eq!(page["changes"][0]["change"]["objection_until"], "2026-12-22");
    assert_eq!((page["changes"][0]["can_object"].as_bool(), page["changes"][0]["objection"].is_null()), (Some(true), true));

    // B objects, once; A sees no trace of it.
    let objection = format!("/api/v1/tenant/subprocessors/changes/{change_id}/objection");
    let reason = sensitive("Unser Vertrag verlangt Hosting bei unserem eigenen Rechenzentrum.");
    let (status, _, body) = call(&service, tenant_b.request("POST", &objection).set_json(json!({ "reason": reason }))).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    let page_b = json_of(&body);
    assert_eq!(page_b["changes"][0]["objection"]["reason"], reason.as_str());
    assert_eq!(page_b["changes"][0]["can_object"], false);
    assert_eq!((entries(&app, "platform", "subprocessor.objected"), entries(&app, b.tenant_id(), "subprocessor.objected")), (1, 1));
    let (status, _, body) = call(&service, tenant_b.request("POST", &objection).set_json(json!({ "reason": "Noch einmal." }))).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::CONFLICT, Some("already_objected")));
    assert_eq!(count(&app, "subprocessor_objections"), 1);
    let (_, _, body) = call(&service, tenant_a.request("GET", TENANT_PAGE)).await;
    assert!(json_of(&body)["changes"][0]["objection"].is_null());
    assert!(!String::from_utf8_lossy(&body).contains(reason.as_str()), "another tenant's objection is not shown");
    // The reason is stored encrypted.
    assert!(!String::from_utf8_lossy(&crate::fixtures::database_dump(&app.db)).contains(reason.as_str()));

    // The operator sees the objection: tenant, reason, time.
    let (status, _, body) = call(&service, operator.request("GET", "/api/v1/platform/subprocessors")).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    let register = json_of(&body);
    let objections = register["changes"][0]["objections"].as_array().expect("objections").clone();
    assert_eq!(objections.len(), 1, "{register}");
    assert_eq!((objections[0]["tenant_slug"].as_str(), objections[0]["reason"].as_str()), (Some("verein-b"), Some(reason.as_str())));
    assert!(objections[0]["objected_at"].is_string());

    // After the effective date: in force, objections refused with a clear code.
    app.clock.advance(chrono::Duration::days(30));
    let tenant_a = sign_in(&service, &boss_a).await;
    let (status, _, body) = call(&service, tenant_a.request("POST", &objection).set_json(json!({ "reason": "Zu spät." }))).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::CONFLICT, Some("objection_period_over")), "{}", json_of(&body));
    assert_eq!(count(&app, "subprocessor_objections"), 1);
    let (_, _, body) = call(&service, tenant_a.request("GET", TENANT_PAGE)).await;
    let page = json_of(&body);
    assert_eq!(names(&page), [("Rechenzentrum Nord GmbH".to_owned(), "DE".to_owned())]);
    assert_eq!((page["changes"][0]["can_object"].as_bool(), page["changes"][0]["change"]["pending"].as_bool()), (Some(false), Some(false)));
}

#[actix_web::test]
async fn trans_5_sub_1_outside_the_eu_eea_needs_a_safeguard_and_the_register_of_any_date_is_shown() {
    let app = test_app_with(|_| {});
    let a = tenant(&app, "verein-a");
    admin(&app, &a, "leitung@verein-a.example");
    platform_admin(&app, PLATFORM_ADMIN);
    let service = service!(app);
    let operator = sign_in_with_factor(&app, &service, PLATFORM_ADMIN).await;

    // Outside the EU/EEA without a transfer mechanism: refused, nothing written.
    let before = written(&app);
    let (status, _, body) = call(&service, operator.request("POST", PLAN).set_json(add("2026-12-23", hoster("US", None)))).await;
    assert_eq!(
        (status, json_of(&body)["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("transfer_mechanism")),
        "{}",
        json_of(&body)
    );
    // A mechanism inside the EU/EEA is a mistake too.
    let (status, _, _) = call(&service, operator.request("POST", PLAN).set_json(add("2026-12-23", hoster("DE", Some("scc"))))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(written(&app), before);

    // In the EU from 2026-12-23; moved to the US under SCC from 2027-01-23; a second one
    // added and removed again.
    let (status, _, body) = call(&service, operator.request("POST", PLAN).set_json(add("2026-12-23", hoster("de", None)))).await;
    assert_eq!(status, StatusCode::CREATED, "{}", json_of(&body));
    let entry_id = json_of(&body)["change"]["entry"]["entry_id"].as_str().expect("entry").to_owned();
    let mut mail = hoster("IE", None);
    mail["name"] = json!("Postversand Irland Ltd");
    let (status, _, body) = call(&service, operator.request("POST", PLAN).set_json(add("2026-12-24", mail))).await;
    assert_eq!(status, StatusCode::CREATED, "{}", json_of(&body));
    let mail_id = json_of(&body)["change"]["entry"]["entry_id"].as_str().expect("entry").to_owned();
    // A move to the US without a safeguard is refused.
    let moved = |effective: &str, mechanism: Option<&str>| json!({ "kind": "change_location", "target_entry_id": entry_id, "country": "US", "transfer_mechanism": mechanism, "effective_on": effective });
    let (status, _, _) = call(&service, operator.request("POST", PLAN).set_json(moved("2027-01-23", None))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, body) = call(&service, operator.request("POST", PLAN).set_json(moved("2027-01-23", Some("scc")))).await;
    assert_eq!(status, StatusCode::CREATED, "{}", json_of(&body));
    assert_eq!(json_of(&body)["change"]["target"]["country"], "DE");
    assert_eq!(
        (json_of(&body)["change"]["entry"]["country"].as_str(), json_of(&body)["change"]["entry"]["eu_eea"].as_bool()),
        (Some("US"), Some(false))
    );
    // Nothing may be planned for an entry before a change of it that is planned already.
    let early = json!({ "kind": "remove", "target_entry_id": entry_id, "effective_on": "2027-01-10" });
    let (status, _, body) = call(&service, operator.request("POST", PLAN).set_json(early)).await;
    assert_eq!((status, json_of(&body)["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("effective_on")), "{}", json_of(&body));
    let remove = json!({ "kind": "remove", "target_entry_id": mail_id, "effective_on": "2027-02-01" });
    let (status, _, body) = call(&service, operator.request("POST", PLAN).set_json(remove)).await;
    assert_eq!(status, StatusCode::CREATED, "{}", json_of(&body));
    assert_eq!(json_of(&body)["change"]["target"]["name"], "Postversand Irland Ltd");

    // Versions are only added: the register of each date.
    let at = |date: &str| operator.request("GET", &format!("/api/v1/platform/subprocessors?at={date}"));
    let expect = [
        ("2026-12-22", vec![]),
        ("2026-12-23", vec![("Rechenzentrum Nord GmbH", "DE")]),
        ("2026-12-24", vec![("Postversand Irland Ltd", "IE"), ("Rechenzentrum Nord GmbH", "DE")]),
        ("2027-01-23", vec![("Postversand Irland Ltd", "IE"), ("Rechenzentrum Nord GmbH", "US")]),
        ("2027-02-01", vec![("Rechenzentrum Nord GmbH", "US")]),
    ];
    for (date, want) in &expect {
        let (status, _, body) = call(&service, at(date)).await;
        assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
        let want: Vec<(String, String)> = want.iter().map(|(n, c)| ((*n).to_owned(), (*c).to_owned())).collect();
        assert_eq!(names(&json_of(&body)), want, "register on {date}");
    }
    let (_, _, body) = call(&service, at("2027-01-23")).await;
    let us = json_of(&body)["entries"].as_array().expect("entries").iter().find(|e| e["country"] == "US").cloned().expect("US");
    assert_eq!(
        (us["transfer_mechanism"].as_str(), us["in_force_from"].as_str(), us["since"].as_str()),
        (Some("scc"), Some("2027-01-23"), Some("2026-01-01"))
    );
    assert_eq!(count(&app, "subprocessor_versions"), 4, "add, add, move, removal: nothing changed in place");
    // Long after: the past stays as it was.
    app.clock.advance(chrono::Duration::days(120));
    let operator = sign_in_with_factor(&app, &service, PLATFORM_ADMIN).await;
    let (_, _, body) = call(&service, operator.request("GET", "/api/v1/platform/subprocessors?at=2026-12-23")).await;
    assert_eq!(names(&json_of(&body)), [("Rechenzentrum Nord GmbH".to_owned(), "DE".to_owned())]);
    let (_, _, body) = call(&service, operator.request("GET", "/api/v1/platform/subprocessors")).await;
    assert_eq!(names(&json_of(&body)), [("Rechenzentrum Nord GmbH".to_owned(), "US".to_owned())]);
    assert!(json_of(&body)["changes"].as_array().expect("changes").iter().all(|c| c["change"]["pending"] == false));
}

#[actix_web::test]
async fn rights_3_the_processing_record_lists_the_register_in_force_and_the_configured_processor() {
    let app = test_app_with(|c| c.platform.processor_name = "Beispiel Betrieb GmbH, Musterweg 1, 10115 Berlin".into());
    let a = tenant(&app, "verein-a");
    admin(&app, &a, "leitung@verein-a.example");
    platform_admin(&app, PLATFORM_ADMIN);
    let service = service!(app);
    let operator = sign_in_with_factor(&app, &service, PLATFORM_ADMIN).await;
    let (status, _, body) =
        call(&service, operator.request("POST", PLAN).set_json(add("2026-12-23", hoster("CH", Some("adequacy_decision"))))).await;
    assert_eq!(status, StatusCode::CREATED, "{}", json_of(&body));

    let boss = sign_in(&service, "leitung@verein-a.example").await;
    let (_, _, body) = call(&service, boss.request("GET", "/api/v1/processing-record")).await;
    let record = json_of(&body);
    assert_eq!(record["processor"]["name"], "Beispiel Betrieb GmbH, Musterweg 1, 10115 Berlin");
    assert_eq!(record["subprocessors"], json!([]), "not in force yet: {record}");

    app.clock.advance(chrono::Duration::days(30));
    let boss = sign_in(&service, "leitung@verein-a.example").await;
    let (_, _, body) = call(&service, boss.request("GET", "/api/v1/processing-record?lang=de")).await;
    let record = json_of(&body);
    let list = record["subprocessors"].as_array().expect("subprocessors");
    assert_eq!(list.len(), 1, "{record}");
    assert_eq!(
        (list[0]["name"].as_str(), list[0]["country"].as_str(), list[0]["eu_eea"].as_bool()),
        (Some("Rechenzentrum Nord GmbH"), Some("CH"), Some(false))
    );
    assert!(list[0]["transfer"].as_str().unwrap_or_default().contains("Angemessenheitsbeschluss"), "{record}");
    assert_eq!(list[0]["service"], "Hosting der Server und Datenbanken");
}

#[actix_web::test]
async fn sub_1_bad_input_to_the_register_is_refused_with_problems_and_writes_nothing() {
    let app = test_app_with(|_| {});
    let (a, b) = (tenant(&app, "verein-a"), tenant(&app, "verein-b"));
    admin(&app, &a, "leitung@verein-a.example");
    admin(&app, &b, "leitung@verein-b.example");
    platform_admin(&app, PLATFORM_ADMIN);
    let service = service!(app);
    let operator = sign_in_with_factor(&app, &service, PLATFORM_ADMIN).await;

    let ok = add("2026-12-23", hoster("DE", None));
    let with = |key: &str, value: Value| {
        let mut body = ok.clone();
        body[key] = value;
        body.to_string()
    };
    let with_entry = |key: &str, value: Value| {
        let mut body = ok.clone();
        body["entry"][key] = value;
        body.to_string()
    };
    let huge = "x".repeat(100 * 1024);
    let cases: Vec<String> = vec![
        "{\"kind\": ".into(),
        "[]".into(),
        "null".into(),
        json!({ "kind": "add" }).to_string(),
        with("kind", json!("alles")),
        with("kind", json!(7)),
        with("effective_on", json!("morgen")),
        with("effective_on", json!("2026-13-01")),
        with("effective_on", json!("2026-11-01")),
        with("effective_on", json!("2026-12-23T00:00:00Z")),
        with("effective_on", json!(" 2026-12-23")),
        with("note", json!(huge)),
        with("note", json!("\u{0}")),
        with("extra", json!(true)),
        with("target_entry_id", json!("'; DROP TABLE subprocessor_versions; --")),
        with("country", json!("DE")),
        with_entry("name", json!("")),
        with_entry("name", json!("Zeile\nZwei")),
        with_entry("name", json!(huge)),
        with_entry("name", json!("<script>alert(1)</script>\u{7}")),
        with_entry("address", json!("   ")),
        with_entry("country", json!("Deutschland")),
        with_entry("country", json!("D1")),
        with_entry("country", json!("ÄÖ")),
        with_entry("transfer_mechanism", json!("vertrauen")),
        with_entry("since", json!("01.01.2026")),
        with_entry("unknown", json!(1)),
        json!({ "kind": "remove", "effective_on": "2026-12-23" }).to_string(),
        json!({ "kind": "remove", "target_entry_id": "0193ffff-0000-7000-8000-000000000000", "effective_on": "2026-12-23" }).to_string(),
        json!({ "kind": "replace", "target_entry_id": "0193ffff-0000-7000-8000-000000000000", "effective_on": "2026-12-23" }).to_string(),
        json!({ "kind": "change_location", "target_entry_id": "x".repeat(65), "country": "US", "effective_on": "2026-12-23" }).to_string(),
        json!({ "kind": "remove", "target_entry_id": "x", "entry": hoster("DE", None), "effective_on": "2026-12-23" }).to_string(),
    ];
    let before = written(&app);
    for body in &cases {
        let (status, headers, answer) =
            call(&service, operator.request("POST", PLAN).insert_header(("content-type", "application/json")).set_payload(body.clone()))
                .await;
        assert!(status.is_client_error(), "{status} for {}", &body[..body.len().min(160)]);
        assert_eq!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/problem+json"),
            "{}",
            String::from_utf8_lossy(&answer)
        );
    }
    for query in ["at=gestern", "at=2026-02-30", "at=%27%3B--", &format!("at={}", "9".repeat(5000)), "wann=heute"] {
        let (status, headers, _) = call(&service, operator.request("GET", &format!("/api/v1/platform/subprocessors?{query}"))).await;
        assert!(status.is_client_error(), "{status} for {query}");
        assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    }
    let period = |tenant: &str| format!("/api/v1/platform/subprocessors/notice-periods/{tenant}");
    for body in [json!({ "notice_days": 7 }), json!({ "notice_days": "30" }), json!({}), json!({ "notice_days": 30, "x": 1 })] {
        let (status, _, _) = call(&service, operator.request("PUT", &period(a.tenant_id())).set_json(body.clone())).await;
        assert!(status.is_client_error(), "{status} for {body}");
    }
    let (status, _, _) = call(&service, operator.request("PUT", &period("unbekannt")).set_json(json!({ "notice_days": 14 }))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(count(&app, "subprocessor_settings"), 0);
    assert_eq!(written(&app), before);

    // Objections: bad reasons, unknown changes.
    let (status, _, body) = call(&service, operator.request("POST", PLAN).set_json(ok.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{}", json_of(&body));
    let change_id = json_of(&body)["change"]["id"].as_str().expect("id").to_owned();
    let boss = sign_in(&service, "leitung@verein-a.example").await;
    let objection = format!("/api/v1/tenant/subprocessors/changes/{change_id}/objection");
    for body in [
        "{\"reason\": ".to_owned(),
        json!({}).to_string(),
        json!({ "reason": "" }).to_string(),
        json!({ "reason": "   " }).to_string(),
        json!({ "reason": "x".repeat(2001) }).to_string(),
        json!({ "reason": huge }).to_string(),
        json!({ "reason": "Grund\u{0}" }).to_string(),
        json!({ "reason": 42 }).to_string(),
        json!({ "reason": "Grund", "tenant_id": b.tenant_id() }).to_string(),
    ] {
        let (status, headers, _) =
            call(&service, boss.request("POST", &objection).insert_header(("content-type", "application/json")).set_payload(body.clone()))
                .await;
        assert!(status.is_client_error(), "{status} for {}", &body[..body.len().min(160)]);
        assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    }
    for id in ["0193ffff-0000-7000-8000-000000000000", "%27%20OR%201%3D1", &"x".repeat(200)] {
        let (status, _, _) = call(
            &service,
            boss.request("POST", &format!("/api/v1/tenant/subprocessors/changes/{id}/objection")).set_json(json!({ "reason": "Grund" })),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}");
    }
    assert_eq!(count(&app, "subprocessor_objections"), 0);
    assert_eq!(entries(&app, a.tenant_id(), "subprocessor.objected"), 0);
    // The longest reason allowed is taken.
    let (status, _, _) = call(&service, boss.request("POST", &objection).set_json(json!({ "reason": "ä".repeat(2000) }))).await;
    assert_eq!(status, StatusCode::OK);
}
