//! Retention (TOM PRIV-6, PSEUDO-2): the tenant's periods, the admin view of who is due,
//! and the daily job that anonymises exactly the due people (PRIV-5 for its input).

use actix_web::dev::{Service, ServiceResponse};
use anwesend::clock::Clock;
use anwesend::db::TenantScope;
use anwesend::privacy::retention;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::{sensitive, test_app_with, TestApp};
use crate::fixtures::{admin, book_confirmed, call, json_of, login, member, published_event, sign_in, tenant, Client, PASSWORD};

fn fmt(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// A published event with one session from `starts` for two hours.
async fn event_at<S, B>(service: &S, staff: &Client, title: &str, starts: NaiveDateTime) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let body = json!({
        "kind": "event", "title": title, "capacity": 50, "waiting_list": false,
        "sessions": [{ "starts_at": fmt(starts), "ends_at": fmt(starts + Duration::hours(2)) }],
    });
    published_event(service, staff, body).await
}

/// Books `event` for a new or known person; returns the participant id.
async fn book<S, B>(app: &TestApp, service: &S, staff: &Client, slug: &str, event: &str, name: &str, email: &str) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, booked) =
        book_confirmed(app, service, slug, event, json!({ "name": name, "email": email, "consent": true }), "198.51.100.5").await;
    assert_eq!(status.as_u16(), 200, "{booked}");
    let (_, _, list) = call(service, staff.request("GET", &format!("/api/v1/events/{event}/bookings"))).await;
    let list = json_of(&list);
    let row = list.as_array().expect("bookings").iter().find(|b| b["email"] == email).expect("the booking is listed");
    row["participant_id"].as_str().expect("participant").to_owned()
}

/// Erased participants of the whole database, sorted.
fn erased(app: &TestApp) -> Vec<String> {
    use anwesend::db::schema::participants::dsl as p;
    p::participants.filter(p::erased_at.is_not_null()).order(p::id.asc()).select(p::id).load(&mut app.db.inspect()).expect("participants")
}

/// (subject, category, reason, actor type) of every deletion-log row.
fn deletion_log(app: &TestApp) -> Vec<(Option<String>, String, String, String)> {
    use anwesend::db::schema::deletion_log::dsl as d;
    d::deletion_log
        .order(d::id.asc())
        .select((d::subject_ref, d::category, d::reason_code, d::actor_type))
        .load(&mut app.db.inspect())
        .expect("deletion log")
}

fn chain_intact(app: &TestApp, scope: &TenantScope) -> (bool, i64) {
    let report = app.state.db.tenant_tx(scope, |tx| anwesend::audit::verify_chain(tx, scope.tenant_id())).expect("verify");
    (report.intact, report.head_seq)
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[actix_web::test]
async fn priv_6_retention_job_anonymises_exactly_the_due_people() {
    let app = test_app_with(|c| c.rate_limit.public_per_ip_per_minute = 10_000);
    let service = app.service().await;
    let (a, b) = (tenant(&app, "verein-a"), tenant(&app, "verein-b"));
    admin(&app, &a, "leitung@verein-a.example");
    admin(&app, &b, "leitung@verein-b.example");
    let t0 = app.clock.now().naive_utc();
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let staff_b = sign_in(&service, "leitung@verein-b.example").await;

    // Today's event, and one two months later.
    let early = event_at(&service, &staff, "Frühkurs", t0 + Duration::hours(1)).await;
    let late = event_at(&service, &staff, "Spätkurs", t0 + Duration::days(60)).await;
    let early_b = event_at(&service, &staff_b, "Kurs B", t0 + Duration::hours(1)).await;
    let only_early = book(&app, &service, &staff, "verein-a", &early, &sensitive("Erna Frühauf"), &sensitive("erna.f@example.org")).await;
    let only_late = book(&app, &service, &staff, "verein-a", &late, &sensitive("Lothar Spät"), &sensitive("lothar.s@example.org")).await;
    let both = book(&app, &service, &staff, "verein-a", &early, &sensitive("Berta Beides"), &sensitive("berta.b@example.org")).await;
    assert_eq!(
        book(&app, &service, &staff, "verein-a", &late, "Berta Beides", "berta.b@example.org").await,
        both,
        "one person, two bookings"
    );
    let restricted = book(&app, &service, &staff, "verein-a", &early, &sensitive("Rudi Gesperrt"), &sensitive("rudi.g@example.org")).await;
    let (status, _, _) = call(
        &service,
        staff.request("PUT", &format!("/api/v1/participants/{restricted}/restriction")).set_json(json!({ "restricted": true })),
    )
    .await;
    assert_eq!(status.as_u16(), 200);
    let in_b =
        book(&app, &service, &staff_b, "verein-b", &early_b, &sensitive("Bernd Zweitverein"), &sensitive("bernd.z@example.org")).await;
    // Tenant B keeps participant data for 24 months.
    let (status, _, body) = call(
        &service,
        staff_b.request("PUT", "/api/v1/retention").set_json(json!({ "participant_retention_months": 24, "audit_retention_months": 36 })),
    )
    .await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&body));

    // Nothing is due yet: a run changes nothing.
    let report = retention::run(&app.state).expect("run");
    assert_eq!((report.erased, report.kept_restricted, report.tenants, report.failed_tenants), (0, 0, 2, 0));
    assert!(erased(&app).is_empty());

    // 13 months on: the early event ended 13 months ago, the late one 11 months ago.
    app.clock.advance(Duration::days(396));
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let (status, _, view) = call(&service, staff.request("GET", "/api/v1/retention")).await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&view));
    let view = json_of(&view);
    assert_eq!(
        (view["participant_retention_months"].as_i64(), view["audit_retention_months"].as_i64()),
        (Some(12), Some(24)),
        "the defaults: {view}"
    );
    assert_eq!((view["due_now"].as_i64(), view["kept_restricted"].as_i64()), (Some(1), Some(1)), "{view}");
    let next: Vec<&Value> = view["next_due"].as_array().expect("next_due").iter().collect();
    assert_eq!(
        sorted(next.iter().map(|n| n["participant_id"].as_str().unwrap_or_default().to_owned()).collect()),
        sorted(vec![only_late.clone(), both.clone()]),
        "{view}"
    );
    let due_late = (t0 + Duration::days(60) + Duration::hours(2)).checked_add_months(chrono::Months::new(12)).expect("date");
    for n in &next {
        assert_eq!(n["due_at"].as_str(), Some(due_late.format("%Y-%m-%dT%H:%M:%SZ").to_string().as_str()), "{n}");
        assert!(["Lothar Spät", "Berta Beides"].contains(&n["participant_name"].as_str().unwrap_or_default()), "{n}");
    }
    // A longer period postpones everyone; back to 12 months.
    let (status, _, longer) = call(
        &service,
        staff.request("PUT", "/api/v1/retention").set_json(json!({ "participant_retention_months": 14, "audit_retention_months": 24 })),
    )
    .await;
    assert_eq!((status.as_u16(), json_of(&longer)["due_now"].as_i64()), (200, Some(0)), "{}", String::from_utf8_lossy(&longer));
    assert_eq!(retention::run(&app.state).expect("run").erased, 0);
    let (status, _, _) = call(
        &service,
        staff.request("PUT", "/api/v1/retention").set_json(json!({ "participant_retention_months": 12, "audit_retention_months": 24 })),
    )
    .await;
    assert_eq!(status.as_u16(), 200);

    let log_before = deletion_log(&app).len();
    let report = retention::run(&app.state).expect("run");
    assert_eq!((report.erased, report.kept_restricted, report.failed_tenants), (1, 1, 0), "{report:?}");
    assert_eq!(erased(&app), vec![only_early.clone()], "exactly the due person; restricted kept (Art. 18), tenant B keeps 24 months");
    // The deletion log: the erasure's categories for that person, by the system, for retention.
    let log = deletion_log(&app);
    let retention_rows: Vec<_> = log.iter().filter(|(_, _, reason, _)| reason == "retention_expired").collect();
    assert!(
        !retention_rows.is_empty()
            && retention_rows.iter().all(|(subject, _, _, actor)| subject.as_deref() == Some(only_early.as_str()) && actor == "system"),
        "{log:?}"
    );
    assert!(retention_rows.iter().any(|(_, category, ..)| category == "participant_profile"), "{log:?}");
    assert_eq!(log.len() - log_before, retention_rows.len(), "nothing else was deleted");
    assert!(chain_intact(&app, &a).0, "the audit chain still verifies");
    let actions: Vec<String> =
        app.db.audit_text().into_iter().filter(|r| r.contains("participant.erased") || r.contains("retention.run")).collect();
    assert!(
        actions.iter().any(|r| r.contains("participant.erased")
            && r.contains(&only_early)
            && r.contains("|system|")
            && r.contains("retention_expired")),
        "{actions:?}"
    );
    assert!(actions.iter().any(|r| r.contains("retention.run") && r.contains("\"erased\":1")), "{actions:?}");
    // The person's name is gone from the admin's view too.
    let (_, _, list) = call(&service, staff.request("GET", &format!("/api/v1/events/{early}/bookings"))).await;
    assert!(!String::from_utf8_lossy(&list).contains("Erna"), "anonymised, the seat stays as a statistic");
    let (_, head) = chain_intact(&app, &a);

    // A second run changes nothing: no erasure, no deletion-log row, no audit entry.
    let report = retention::run(&app.state).expect("run again");
    assert_eq!((report.erased, report.kept_restricted), (0, 1));
    assert_eq!(erased(&app), vec![only_early.clone()]);
    assert_eq!(deletion_log(&app).len(), log.len());
    assert_eq!(chain_intact(&app, &a), (true, head), "idempotent: not even an audit entry");

    // Two months further the late event is 13 months ago: those people go too.
    app.clock.advance(Duration::days(61));
    let report = retention::run(&app.state).expect("run");
    assert_eq!((report.erased, report.kept_restricted), (2, 1));
    assert_eq!(erased(&app), sorted(vec![only_early.clone(), only_late.clone(), both.clone()]));
    // Tenant B's person (24 months) and the restricted one stay; lifting the restriction
    // lets the next run anonymise them.
    assert!(!erased(&app).contains(&in_b));
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let (status, _, _) = call(
        &service,
        staff.request("PUT", &format!("/api/v1/participants/{restricted}/restriction")).set_json(json!({ "restricted": false })),
    )
    .await;
    assert_eq!(status.as_u16(), 200);
    let (_, _, view) = call(&service, staff.request("GET", "/api/v1/retention")).await;
    let view = json_of(&view);
    assert_eq!(
        (view["due_now"].as_i64(), view["kept_restricted"].as_i64(), view["next_due"].as_array().map(Vec::len)),
        (Some(1), Some(0), Some(0)),
        "{view}"
    );
    assert!(view["last_run_at"].is_string(), "{view}");
    assert_eq!(retention::run(&app.state).expect("run").erased, 1);
    assert!(erased(&app).contains(&restricted));
    app.clock.advance(Duration::days(365));
    assert_eq!(retention::run(&app.state).expect("run").erased, 1, "tenant B's person after 24 months");
    assert!(erased(&app).contains(&in_b));
    for scope in [&a, &b] {
        assert!(chain_intact(&app, scope).0);
    }
}

/// TOM PSEUDO-2: the retention job anonymises instead of deleting. Once a person is
/// anonymised, the figures they were part of stay as they were (booked, present,
/// no-shows), while their name and email are gone from what staff can read.
#[actix_web::test]
async fn pseudo_2_anonymised_people_still_count_in_the_reports() {
    let app = test_app_with(|c| c.rate_limit.public_per_ip_per_minute = 10_000);
    let service = app.service().await;
    let a = tenant(&app, "verein-a");
    admin(&app, &a, "leitung@verein-a.example");
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let (status, _, body) = call(
        &service,
        staff.request("PUT", "/api/v1/retention").set_json(json!({ "participant_retention_months": 1, "audit_retention_months": 24 })),
    )
    .await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&body));
    let t0 = app.clock.now().naive_utc();
    let early = event_at(&service, &staff, "Frühkurs", t0 + Duration::hours(1)).await;
    let later = event_at(&service, &staff, "Herbstkurs", t0 + Duration::days(90)).await;
    let due = book(&app, &service, &staff, "verein-a", &early, &sensitive("Erna Frühauf"), &sensitive("erna.f@example.org")).await;
    let kept = book(&app, &service, &staff, "verein-a", &early, "Klara Bleibt", "klara.b@example.org").await;
    assert_eq!(book(&app, &service, &staff, "verein-a", &later, "Klara Bleibt", "klara.b@example.org").await, kept);

    // Erna is checked in; Klara does not come.
    let (_, _, detail) = call(&service, staff.request("GET", &format!("/api/v1/events/{early}"))).await;
    let session = json_of(&detail)["sessions"][0]["id"].as_str().expect("session").to_owned();
    let (_, _, list) = call(&service, staff.request("GET", &format!("/api/v1/events/{early}/bookings"))).await;
    let booking = json_of(&list).as_array().expect("bookings").iter().find(|b| b["participant_id"] == due.as_str()).expect("listed")["id"]
        .as_str()
        .expect("booking id")
        .to_owned();
    app.clock.advance(Duration::hours(4));
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let body = json!({ "session_id": session, "booking_id": booking, "kind": "check_in", "occurred_at": fmt(t0 + Duration::minutes(62)) });
    let (status, _, answer) = call(&service, staff.request("POST", "/api/v1/attendance").set_json(body)).await;
    assert_eq!(status.as_u16(), 201, "{}", String::from_utf8_lossy(&answer));
    let figures = |report: &[u8]| {
        let report = json_of(report);
        let course = report["courses"].as_array().expect("courses").iter().find(|c| c["title"] == "Frühkurs").cloned().expect("course");
        ["booked", "present", "no_shows"].map(|k| course[k].as_i64().unwrap_or(-1))
    };
    let (_, _, before) = call(&service, staff.request("GET", "/api/v1/reports?days=90")).await;
    assert_eq!(figures(&before), [2, 1, 1], "{}", String::from_utf8_lossy(&before));

    // A month after the event Erna is due (Klara is booked later): anonymised.
    app.clock.advance(Duration::days(32));
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    assert_eq!(retention::run(&app.state).expect("run").erased, 1);
    assert_eq!(erased(&app), vec![due.clone()]);

    let (_, _, after) = call(&service, staff.request("GET", "/api/v1/reports?days=90")).await;
    assert_eq!(figures(&after), [2, 1, 1], "the figures stay: {}", String::from_utf8_lossy(&after));
    let (_, _, list) = call(&service, staff.request("GET", &format!("/api/v1/events/{early}/bookings"))).await;
    let list = String::from_utf8_lossy(&list).into_owned();
    assert!(list.contains(&due) && list.contains("Klara Bleibt"), "the seat stays, as a pseudonym: {list}");
    assert!(!list.contains("Erna") && !list.contains("erna.f@"), "{list}");
}

fn settings_rows(app: &TestApp) -> i64 {
    use anwesend::db::schema::retention_settings::dsl as r;
    r::retention_settings.count().get_result(&mut app.db.inspect()).expect("count")
}

#[actix_web::test]
async fn priv_5_bad_input_to_retention_settings_is_refused_and_writes_nothing() {
    let app = test_app_with(|_| {});
    let service = app.service().await;
    let a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    member(&app, &a, "orga@verein-a.example", "organiser", None);
    member(&app, &a, "trainer@verein-a.example", "instructor", None);
    member(&app, &a, "personal@acme.example", "company_admin", Some("c-acme"));
    let boss = sign_in(&service, "leitung@verein-a.example").await;
    let changes = || app.db.audit_text().iter().filter(|r| r.contains("tenant.retention_settings_changed")).count();

    let valid = |p: Value, a: Value| json!({ "participant_retention_months": p, "audit_retention_months": a });
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (b"{\"participant_retention_months\": 12,".to_vec(), 400),
        (b"not json at all".to_vec(), 400),
        (valid(json!(0), json!(24)).to_string().into_bytes(), 422),
        (valid(json!(121), json!(24)).to_string().into_bytes(), 422),
        (valid(json!(-3), json!(24)).to_string().into_bytes(), 422),
        (valid(json!(12), json!(11)).to_string().into_bytes(), 422),
        (valid(json!(12), json!(121)).to_string().into_bytes(), 422),
        (valid(json!(12), json!(99_999_999_999_i64)).to_string().into_bytes(), 422),
        (valid(json!("12"), json!(24)).to_string().into_bytes(), 422),
        (valid(json!(12.5), json!(24)).to_string().into_bytes(), 422),
        (valid(json!(null), json!(24)).to_string().into_bytes(), 422),
        (valid(json!(true), json!(24)).to_string().into_bytes(), 422),
        (valid(json!([12]), json!(24)).to_string().into_bytes(), 422),
        (json!({ "participant_retention_months": 12 }).to_string().into_bytes(), 422),
        (json!({ "participant_retention_months": 12, "audit_retention_months": 24, "tenant_id": "other" }).to_string().into_bytes(), 422),
        (
            json!({ "participant_retention_months": 12, "audit_retention_months": 24, "padding": "x".repeat(200 * 1024) })
                .to_string()
                .into_bytes(),
            413,
        ),
    ];
    for (body, expected) in &cases {
        let req = boss.request("PUT", "/api/v1/retention").insert_header(("content-type", "application/json")).set_payload(body.clone());
        let (status, headers, problem) = call(&service, req).await;
        let shown = String::from_utf8_lossy(&body[..body.len().min(120)]).into_owned();
        assert_eq!(status.as_u16(), *expected, "{shown}: {}", String::from_utf8_lossy(&problem));
        assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"), "{shown}");
    }
    // Not JSON at all.
    let (status, _, _) =
        call(&service, boss.request("PUT", "/api/v1/retention").insert_header(("content-type", "text/plain")).set_payload("12")).await;
    assert_eq!(status.as_u16(), 415);
    // Other roles may neither read nor change the periods.
    for email in ["orga@verein-a.example", "trainer@verein-a.example", "personal@acme.example"] {
        let (_, client, _, _) = login(&service, email, PASSWORD).await;
        let (status, _, _) = call(&service, client.request("GET", "/api/v1/retention")).await;
        assert_eq!(status.as_u16(), 403, "{email} reads");
        let (status, _, _) = call(&service, client.request("PUT", "/api/v1/retention").set_json(valid(json!(1), json!(12)))).await;
        assert_eq!(status.as_u16(), 403, "{email} writes");
    }
    let (status, _, _) = call(&service, Client::new().request("GET", "/api/v1/retention")).await;
    assert_eq!(status.as_u16(), 401);
    assert_eq!((settings_rows(&app), changes()), (0, 0), "nothing was written");
    let (_, _, view) = call(&service, boss.request("GET", "/api/v1/retention")).await;
    let view = json_of(&view);
    assert_eq!((view["participant_retention_months"].as_i64(), view["updated_at"].as_str()), (Some(12), None), "{view}");

    // The bounds themselves are accepted, and the change is audited.
    for (p, a) in [(1, 12), (120, 120)] {
        let (status, _, body) = call(&service, boss.request("PUT", "/api/v1/retention").set_json(valid(json!(p), json!(a)))).await;
        assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&body));
        let body = json_of(&body);
        assert_eq!((body["participant_retention_months"].as_i64(), body["audit_retention_months"].as_i64()), (Some(p), Some(a)));
        assert!(body["updated_at"].is_string());
    }
    assert_eq!((settings_rows(&app), changes()), (2, 2), "one row per category, one entry per change");
    let entry = app
        .db
        .audit_text()
        .into_iter()
        .find(|r| r.contains("tenant.retention_settings_changed") && r.contains("\"participant_retention_months\":120"))
        .expect("audited");
    assert!(entry.contains("\"participant_retention_months_before\":1"), "{entry}");
}

/// (seq, id, occurred_at) of a chain's entries in order, seen past the application.
fn audit_rows(app: &TestApp, chain: &str) -> Vec<(i64, String, NaiveDateTime)> {
    use anwesend::db::schema::audit_entries::dsl as e;
    // What the server's sealer does every 250 ms (#16): entries are sealed after commit.
    anwesend::audit::sealer::seal(&app.state.db, Some(chain)).expect("seal");
    e::audit_entries
        .filter(e::chain.eq(chain))
        .order(e::seq.asc())
        .select((e::seq, e::id, e::occurred_at))
        .load(&mut app.db.inspect())
        .expect("entries")
}

/// (count, reason, legal basis, actor type) of a tenant's deletion-log rows for audit entries.
fn audit_deletions(app: &TestApp, tenant: &str) -> Vec<(i64, String, String, String)> {
    use anwesend::db::schema::deletion_log::dsl as d;
    d::deletion_log
        .filter(d::tenant_id.eq(tenant))
        .filter(d::category.eq("audit_entries"))
        .order(d::occurred_at.asc())
        .select((d::record_count, d::reason_code, d::legal_basis, d::actor_type))
        .load(&mut app.db.inspect())
        .expect("deletion log")
}

fn verify_report(app: &TestApp, scope: &TenantScope) -> anwesend::audit::VerifyReport {
    app.state.db.tenant_tx(scope, |tx| anwesend::audit::verify_chain(tx, scope.tenant_id())).expect("verify")
}

fn ids(rows: &[(i64, String, NaiveDateTime)]) -> Vec<String> {
    rows.iter().map(|r| r.1.clone()).collect()
}

#[actix_web::test]
async fn priv_6_audit_entries_past_the_period_are_pruned_and_the_chain_still_verifies() {
    let app = test_app_with(|_| {});
    let service = app.service().await;
    let (a, b) = (tenant(&app, "verein-a"), tenant(&app, "verein-b"));
    admin(&app, &a, "leitung@verein-a.example");
    admin(&app, &b, "leitung@verein-b.example");
    // Tenant B keeps audit entries for 36 months, A the default 24.
    let staff_b = sign_in(&service, "leitung@verein-b.example").await;
    let (status, _, body) = call(
        &service,
        staff_b.request("PUT", "/api/v1/retention").set_json(json!({ "participant_retention_months": 12, "audit_retention_months": 36 })),
    )
    .await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&body));
    let first = audit_rows(&app, a.tenant_id());
    assert!(first.len() >= 2 && first[0].0 == 1, "{first:?}");
    let platform_before = audit_rows(&app, anwesend::audit::model::PLATFORM_CHAIN);

    // 13 months on: a sign-in; nothing is 24 months old yet, a run prunes nothing.
    app.clock.advance(Duration::days(396));
    login(&service, "leitung@verein-a.example", PASSWORD).await;
    let report = retention::run(&app.state).expect("run");
    assert_eq!((report.audit_pruned, report.failed_tenants), (0, 0), "{report:?}");
    let middle: Vec<_> = audit_rows(&app, a.tenant_id()).into_iter().skip(first.len()).collect();
    assert!(!middle.is_empty(), "the sign-in is audited");
    assert_eq!(verify_report(&app, &a).anchor_seq, 0);

    // 25 months after the start: the first entries are past 24 months, the sign-in of
    // month 13 is not. The admin view counts the due ones.
    app.clock.advance(Duration::days(365));
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let (status, _, view) = call(&service, staff.request("GET", "/api/v1/retention")).await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&view));
    assert_eq!(json_of(&view)["audit_entries_past_retention"].as_i64(), Some(first.len() as i64));

    let report = retention::run(&app.state).expect("run");
    assert_eq!((report.audit_pruned, report.erased, report.failed_tenants), (first.len(), 0, 0), "{report:?}");
    let rows = audit_rows(&app, a.tenant_id());
    let kept = ids(&rows);
    assert!(ids(&first).iter().all(|id| !kept.contains(id)), "the old entries are gone");
    assert!(ids(&middle).iter().all(|id| kept.contains(id)), "the newer ones stay");
    let last_pruned = first.last().map(|r| r.0).unwrap_or_default();
    assert_eq!(rows.first().map(|r| r.0), Some(last_pruned + 1));
    let verified = verify_report(&app, &a);
    assert!(verified.intact, "{verified:?}");
    assert_eq!((verified.anchor_seq, verified.entries_checked), (last_pruned, rows.len() as i64));
    // In the deletion log (count, reason, legal basis, the system) and in the chain itself.
    assert_eq!(
        audit_deletions(&app, a.tenant_id()),
        vec![(first.len() as i64, "retention_expired".to_owned(), "GDPR Art. 5(1)(e)".to_owned(), "system".to_owned())]
    );
    let text = app.db.audit_text();
    let pruned =
        text.iter().find(|r| r.contains(&format!("{}|", a.tenant_id())) && r.contains("|audit.pruned|")).expect("audit.pruned entry");
    assert!(
        pruned.contains(&format!("\"upto_seq\":{last_pruned}"))
            && pruned.contains(&format!("\"count\":{}", first.len()))
            && pruned.contains("|system|"),
        "{pruned}"
    );
    assert!(
        text.iter().any(|r| r.contains("retention.run") && r.contains(&format!("\"audit_pruned\":{}", first.len()))),
        "the run's summary"
    );
    let (_, _, view) = call(&service, staff.request("GET", "/api/v1/retention")).await;
    assert_eq!(json_of(&view)["audit_entries_past_retention"].as_i64(), Some(0), "nothing past the period any more");
    // B (36 months) and the platform chain keep everything.
    assert_eq!(audit_rows(&app, b.tenant_id()).first().map(|r| r.0), Some(1));
    assert!(audit_deletions(&app, b.tenant_id()).is_empty());
    let platform =
        app.state.db.platform_tx(|tx| anwesend::audit::verify_chain(tx, anwesend::audit::model::PLATFORM_CHAIN)).expect("verify platform");
    assert!(platform.intact && platform.anchor_seq == 0, "{platform:?}");
    let platform_now = ids(&audit_rows(&app, anwesend::audit::model::PLATFORM_CHAIN));
    assert!(ids(&platform_before).iter().all(|id| platform_now.contains(id)), "the platform chain is not pruned");

    // A second run at the same time: nothing new is due, nothing changes.
    let head = verified.head_seq;
    let report = retention::run(&app.state).expect("run again");
    assert_eq!(report.audit_pruned, 0, "{report:?}");
    assert_eq!(verify_report(&app, &a).head_seq, head, "not even an audit entry");
    assert_eq!(audit_deletions(&app, a.tenant_id()).len(), 1);

    // 13 months later: A's sign-in of month 13 is past 24 months, what month 25 wrote is
    // not; all of B's entries (38 months) are past its 36.
    app.clock.advance(Duration::days(396));
    let now = app.clock.now().naive_utc();
    let before_a = audit_rows(&app, a.tenant_id());
    let due_a = before_a.iter().filter(|r| r.2 < now.checked_sub_months(chrono::Months::new(24)).expect("date")).count();
    assert_eq!(due_a, middle.len());
    let before_b = audit_rows(&app, b.tenant_id());
    let report = retention::run(&app.state).expect("run");
    assert_eq!((report.audit_pruned, report.failed_tenants), (due_a + before_b.len(), 0), "{report:?}");
    let kept = ids(&audit_rows(&app, a.tenant_id()));
    assert!(ids(&middle).iter().all(|id| !kept.contains(id)));
    assert!(ids(&before_a[due_a..]).iter().all(|id| kept.contains(id)), "month 25's entries stay");
    let kept_b = ids(&audit_rows(&app, b.tenant_id()));
    assert!(ids(&before_b).iter().all(|id| !kept_b.contains(id)), "a whole chain can be due");
    for (scope, anchor) in [(&a, middle.last().map(|r| r.0)), (&b, before_b.last().map(|r| r.0))] {
        let report = verify_report(&app, scope);
        assert!(report.intact && Some(report.anchor_seq) == anchor, "{report:?}");
    }
    assert_eq!(audit_deletions(&app, a.tenant_id()).iter().map(|d| d.0).collect::<Vec<_>>(), vec![first.len() as i64, middle.len() as i64]);
    assert_eq!(audit_deletions(&app, b.tenant_id()).iter().map(|d| d.0).collect::<Vec<_>>(), vec![before_b.len() as i64]);
}

/// The instructor's signed closing of a list (their strokes are personal data) goes with the
/// session's data: kept within the tenant's period after the session's end, deleted after
/// it by the daily job, with a deletion-log entry.
#[actix_web::test]
async fn priv_6_signed_list_closings_are_deleted_after_the_period() {
    let app = test_app_with(|_| {});
    let a = tenant(&app, "verein-a");
    admin(&app, &a, "leitung@verein-a.example");
    let service = app.service().await;
    let v = crate::fixtures::venue(&app, &service, "verein-a", (&sensitive("Ida Instruktion"), &sensitive("ida.i@example.org"))).await;
    let close = format!("/api/v1/event-sessions/{}/close", v.session);
    let (status, _, body) = call(&service, v.staff.request("POST", &close).set_json(json!({ "strokes": [[1.0, 2.0, 3.0, 4.0]] }))).await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(crate::fixtures::count(&app, "session_closings"), 1);

    // Eleven months after the session: kept.
    app.clock.advance(Duration::days(330));
    retention::run(&app.state).expect("run");
    assert_eq!(crate::fixtures::count(&app, "session_closings"), 1);

    // Past the twelve months: deleted, and the deletion log says what and why.
    app.clock.advance(Duration::days(40));
    retention::run(&app.state).expect("run");
    assert_eq!(crate::fixtures::count(&app, "session_closings"), 0);
    let logged: Vec<_> = deletion_log(&app).into_iter().filter(|(_, category, _, _)| category == "attendance_list_closings").collect();
    assert_eq!(logged, [(None, "attendance_list_closings".to_owned(), "retention_expired".to_owned(), "system".to_owned())]);
}
