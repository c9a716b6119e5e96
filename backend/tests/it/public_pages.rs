//! Issue 23: the tenant's time zone, the public event list, the embeddable pages
//! (CSP frame-ancestors per tenant) and calendars (a booking's .ics, an instructor's
//! secret feed; TOM ACC-2, PRIV-1, PRIV-5, AUTHZ-1).

use actix_web::http::{header, StatusCode};
use actix_web::test;
use anwesend::calendar::ics::{calendar, Entry};
use anwesend::zone::{self, Zone};
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{json, Value};

use crate::common::{test_app_with, TestApp};
use crate::fixtures::{book_confirmed, call, event_body, json_of, member, outbox_mail, public, published_event, sign_in, Client};

const ADMIN: &str = "leitung@verein-a.example";

fn app() -> TestApp {
    test_app_with(|c| {
        c.rate_limit.public_per_ip_per_minute = 100_000;
        c.rate_limit.sign_in_per_ip_per_minute = 1000;
    })
}

fn pages(time_zone: &str, on: bool, origins: &[&str]) -> Value {
    json!({ "time_zone": time_zone, "public_list_enabled": on, "embed_origins": origins })
}

fn session_event(title: &str, capacity: i32, location: Option<&str>, from: &str, to: &str) -> Value {
    let mut body = event_body(title, capacity, false);
    body["sessions"] = json!([{ "starts_at": from, "ends_at": to }]);
    if let Some(l) = location {
        body["location_id"] = json!(l);
    }
    body
}

async fn location<S, B>(service: &S, staff: &Client, name: &str, parent: Option<&str>) -> String
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, _, body) =
        call(service, staff.request("POST", "/api/v1/locations").set_json(json!({ "name": name, "parent_id": parent }))).await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
    json_of(&body)["id"].as_str().expect("id").to_owned()
}

fn titles(list: &Value) -> Vec<String> {
    list["events"].as_array().expect("events").iter().map(|e| e["title"].as_str().expect("title").to_owned()).collect()
}

#[actix_web::test]
async fn public_list_is_off_by_default_then_lists_only_bookable_events_with_free_seats_by_location_and_month() {
    let app = app();
    app.tenant_with_admin("verein-a", ADMIN);
    app.tenant_with_admin("verein-b", "leitung@verein-b.example");
    let service = app.service().await;
    let staff = sign_in(&service, ADMIN).await;
    let venue = location(&service, &staff, "Sporthalle am Park", None).await;
    let room = location(&service, &staff, "Halle 1", Some(&venue)).await;
    let other = location(&service, &staff, "Vereinsheim", None).await;
    published_event(&service, &staff, session_event("Yoga im Dezember", 10, Some(&room), "2026-12-14T18:00", "2026-12-14T19:30")).await;
    published_event(&service, &staff, session_event("Skat im Januar", 10, Some(&other), "2027-01-10T18:00", "2027-01-10T20:00")).await;
    let full = published_event(&service, &staff, session_event("Ausgebucht", 1, Some(&room), "2026-12-15T18:00", "2026-12-15T19:00")).await;
    let person = json!({ "name": "Anna Beispiel", "email": "anna@example.org", "consent": true, "language": "de" });
    let (status, _) = book_confirmed(&app, &service, "verein-a", &full, person, "198.51.100.5").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = call(
        &service,
        staff.request("POST", "/api/v1/events").set_json(session_event("Entwurf", 10, None, "2026-12-16T18:00", "2026-12-16T19:00")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    published_event(&service, &staff, session_event("Vorbei", 10, None, "2026-11-20T18:00", "2026-11-20T19:00")).await;

    let list = |query: &str| public("GET", &format!("/api/v1/public/verein-a/events{query}"), "198.51.100.9");
    // Off by default: the same 404 as a tenant that does not exist.
    let (status, _, off) = call(&service, list("")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _, unknown) = call(&service, public("GET", "/api/v1/public/gibt-es-nicht/events", "198.51.100.9")).await;
    assert_eq!(json_of(&off)["code"], json_of(&unknown)["code"]);

    let (status, _, body) =
        call(&service, staff.request("PUT", "/api/v1/tenant/public-pages").set_json(pages("Europe/Berlin", true, &[]))).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert!(app.db.audit_text().iter().any(|r| r.contains("tenant.public_pages_changed") && r.contains("public_list_enabled")));

    let (status, _, body) = call(&service, list("")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let all = json_of(&body);
    assert_eq!(titles(&all), vec!["Yoga im Dezember", "Skat im Januar"], "published, open, seats free, still to come; by date");
    assert_eq!(all["time_zone"], "Europe/Berlin");
    assert_eq!(all["events"][0]["location_name"], "Halle 1");
    assert_eq!(all["events"][0]["seats_left"], 10);
    let text = String::from_utf8_lossy(&body).to_string();
    assert!(!text.contains("anna") && !text.contains("Anna") && !text.contains(ADMIN), "no personal data: {text}");
    let places: Vec<&str> = all["locations"].as_array().expect("locations").iter().filter_map(|l| l["name"].as_str()).collect();
    assert_eq!(places, vec!["Halle 1", "Sporthalle am Park", "Vereinsheim"]);

    // A venue includes its rooms; months are the tenant's.
    let (_, _, body) = call(&service, list(&format!("?location={venue}"))).await;
    assert_eq!(titles(&json_of(&body)), vec!["Yoga im Dezember"]);
    let (_, _, body) = call(&service, list("?month=2027-01")).await;
    assert_eq!(titles(&json_of(&body)), vec!["Skat im Januar"]);
    assert_eq!(json_of(&body)["locations"].as_array().map(Vec::len), Some(3), "the filter keeps offering every place");
    let (_, _, body) = call(&service, list(&format!("?month=2026-12&location={other}"))).await;
    assert!(titles(&json_of(&body)).is_empty());
    // 2026-12-31 23:30 UTC is already January in Berlin.
    published_event(&service, &staff, session_event("Silvester", 10, None, "2026-12-31T23:30", "2027-01-01T01:00")).await;
    let (_, _, body) = call(&service, list("?month=2027-01")).await;
    assert_eq!(titles(&json_of(&body)), vec!["Silvester", "Skat im Januar"]);

    // Bad filters: 4xx problem+json.
    for bad in ["?month=2026-13", "?month=2026-1", "?month=abc", "?month=2026-12-01", &format!("?location={}", "x".repeat(65))] {
        let (status, headers, _) = call(&service, list(bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    }
    // The other tenant's list is its own business: still off.
    let (status, _, _) = call(&service, public("GET", "/api/v1/public/verein-b/events", "198.51.100.9")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn public_pages_settings_are_admin_only_validated_and_bad_input_writes_nothing() {
    let app = app();
    let a = app.tenant_with_admin("verein-a", ADMIN);
    member(&app, &a, "orga@verein-a.example", "organiser", None);
    let service = app.service().await;
    let staff = sign_in(&service, ADMIN).await;
    let (status, _, body) = call(&service, staff.request("GET", "/api/v1/tenant/public-pages")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        json_of(&body),
        json!({ "time_zone": "Europe/Berlin", "public_list_enabled": false, "embed_origins": [], "slug": "verein-a" })
    );

    let audit_before = app.db.audit_text().len();
    let cases = [
        pages("Mars/Olympus", true, &[]),
        pages("", true, &[]),
        pages("Europe/Berlin; DROP", true, &[]),
        pages("Europe/Berlin", true, &["https://verein.example/seite"]),
        pages("Europe/Berlin", true, &["*"]),
        pages("Europe/Berlin", true, &["https://*.verein.example"]),
        pages("Europe/Berlin", true, &["javascript:alert(1)"]),
        pages("Europe/Berlin", true, &["'self'"]),
        pages("Europe/Berlin", true, &["https://verein.example; script-src *"]),
        pages("Europe/Berlin", true, &["https://user@verein.example"]),
        pages("Europe/Berlin", true, &["ftp://verein.example"]),
        json!({ "time_zone": "Europe/Berlin", "public_list_enabled": true, "embed_origins": (0..21).map(|i| format!("https://v{i}.example")).collect::<Vec<_>>() }),
        json!({ "time_zone": "Europe/Berlin", "public_list_enabled": true }),
        json!({ "time_zone": "Europe/Berlin", "public_list_enabled": true, "embed_origins": [], "tenant_id": "other" }),
    ];
    for bad in &cases {
        let (status, headers, body) = call(&service, staff.request("PUT", "/api/v1/tenant/public-pages").set_json(bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {}", String::from_utf8_lossy(&body));
        assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    }
    assert_eq!(app.db.audit_text().len(), audit_before, "nothing written");
    let (_, _, body) = call(&service, staff.request("GET", "/api/v1/tenant/public-pages")).await;
    assert_eq!(json_of(&body)["public_list_enabled"], false);

    let (status, _, body) = call(
        &service,
        staff.request("PUT", "/api/v1/tenant/public-pages").set_json(pages(
            "america/new_york",
            true,
            &["https://Verein.Example/", "http://127.0.0.1:4000", "https://verein.example"],
        )),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let saved = json_of(&body);
    assert_eq!(saved["time_zone"], "America/New_York", "the canonical name");
    assert_eq!(saved["embed_origins"], json!(["http://127.0.0.1:4000", "https://verein.example"]), "canonical, once each");

    // Organisers may not change it (TOM AUTHZ-1); the whoami names the zone for the UI.
    let orga = sign_in(&service, "orga@verein-a.example").await;
    let (status, _, _) =
        call(&service, orga.request("PUT", "/api/v1/tenant/public-pages").set_json(pages("Europe/Berlin", false, &[]))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, _, me) = call(&service, orga.request("GET", "/api/v1/auth/me")).await;
    assert_eq!(json_of(&me)["tenant"]["time_zone"], "America/New_York");
}

#[actix_web::test]
async fn times_in_mails_and_exports_follow_the_tenant_time_zone_and_the_confirmation_carries_an_ics() {
    let app = app();
    app.tenant_with_admin("verein-a", ADMIN);
    let service = app.service().await;
    let staff = sign_in(&service, ADMIN).await;
    let event = published_event(&service, &staff, event_body("Lauftreff", 10, true)).await;
    let anna = json!({ "name": "Anna Beispiel", "email": "anna@example.org", "consent": true, "language": "de" });
    book_confirmed(&app, &service, "verein-a", &event, anna, "198.51.100.5").await;
    let mail = outbox_mail(&app, "verein-a", "anna@example.org", "booking_confirmation").expect("confirmation");
    assert!(mail.text.contains("14.12.2026 19:00 – 21:00 (Europe/Berlin)"), "{}", mail.text);
    assert!(!mail.text.contains("UTC"), "{}", mail.text);

    // The envelope in the outbox holds the calendar file: the session in UTC, no person.
    let raw = outbox_payload(&app, "anna@example.org", "booking_confirmation");
    let ics = raw["attachments"][0]["content"].as_str().expect("an .ics attachment").to_owned();
    assert_eq!(raw["attachments"][0]["filename"], "termine.ics");
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.contains("DTSTART:20261214T180000Z\r\n") && ics.contains("SUMMARY:Lauftreff"));
    assert!(!ics.contains("Anna") && !ics.contains("anna@"), "{ics}");

    let (status, _, _) =
        call(&service, staff.request("PUT", "/api/v1/tenant/public-pages").set_json(pages("America/New_York", false, &[]))).await;
    assert_eq!(status, StatusCode::OK);
    let bob = json!({ "name": "Bob Beispiel", "email": "bob@example.org", "consent": true, "language": "en" });
    book_confirmed(&app, &service, "verein-a", &event, bob, "198.51.100.6").await;
    let mail = outbox_mail(&app, "verein-a", "bob@example.org", "booking_confirmation").expect("confirmation");
    assert!(mail.text.contains("2026-12-14 13:00 – 15:00 (America/New_York)"), "{}", mail.text);
    let (status, _, csv) = call(&service, staff.request("GET", &format!("/api/v1/events/{event}/bookings.csv"))).await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8_lossy(&csv).to_string();
    assert!(csv.contains("-05:00"), "booked_at with New York's offset: {csv}");
    assert!(!csv.contains("Z,"), "no UTC-only times left: {csv}");
}

/// The outbox payload of the newest mail to `to`, as JSON (message and attachments).
fn outbox_payload(app: &TestApp, to: &str, purpose: &str) -> Value {
    use anwesend::db::schema::mail_outbox::dsl as m;
    use diesel::prelude::*;
    let mut conn = app.db.inspect();
    let rows: Vec<(String, Option<String>, Option<Vec<u8>>)> = m::mail_outbox
        .filter(m::purpose.eq(purpose))
        .order((m::created_at.desc(), m::id.desc()))
        .select((m::id, m::sender_tenant_id, m::payload_ciphertext))
        .load(&mut conn)
        .expect("outbox");
    for (id, tenant, payload) in rows {
        let scope = anwesend::db::TenantScope::named_by_operator(tenant.expect("tenant mail"));
        let keys = anwesend::tenants::service::load_keys(&app.state.db, &app.state.master, &scope).expect("keys");
        let json: Value =
            serde_json::from_str(&keys.decrypt("mail_outbox", "payload", &id, &payload.expect("queued")).expect("payload")).expect("json");
        if json["to"] == to {
            return json;
        }
    }
    panic!("no {purpose} mail to {to}");
}

#[actix_web::test]
async fn only_the_embed_page_may_be_framed_and_only_by_the_tenants_origins() {
    let ui = tempfile::tempdir().expect("dir");
    std::fs::write(ui.path().join("index.html"), "<!doctype html><title>anwesend</title>").expect("index");
    let dir = ui.path().to_path_buf();
    let app = test_app_with(move |c| {
        c.frontend_dir = dir;
        c.rate_limit.public_per_ip_per_minute = 100_000;
    });
    app.tenant_with_admin("verein-a", ADMIN);
    let service = app.service().await;
    let get = |uri: &str| test::TestRequest::get().uri(uri).peer_addr("198.51.100.9:40000".parse().expect("addr"));
    let csp = |h: &actix_web::http::header::HeaderMap| {
        h.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    };

    // No origins yet: the embed page may be framed by no one either.
    let (status, headers, body) = call(&service, get("/embed/verein-a")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with(b"<!doctype html>"));
    assert!(csp(&headers).ends_with("frame-ancestors 'none'"), "{}", csp(&headers));

    let staff = sign_in(&service, ADMIN).await;
    let (status, _, _) = call(
        &service,
        staff.request("PUT", "/api/v1/tenant/public-pages").set_json(pages(
            "Europe/Berlin",
            true,
            &["https://verein.example", "http://127.0.0.1:4000"],
        )),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for path in ["/embed/verein-a", "/embed/verein-a/"] {
        let (status, headers, _) = call(&service, get(path)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let policy = csp(&headers);
        assert!(policy.contains("frame-ancestors http://127.0.0.1:4000 https://verein.example"), "{policy}");
        assert!(policy.contains("script-src 'self'") && !policy.contains("'none'; frame"), "the rest of the policy stays: {policy}");
        assert!(headers.get(header::X_FRAME_OPTIONS).is_none(), "X-Frame-Options would forbid every frame");
    }
    // Every other page and answer: framed by no one.
    for path in ["/", "/login", "/embed/verein-a/other", "/api/v1/public/verein-a/events", "/embed/gibt-es-nicht"] {
        let (_, headers, _) = call(&service, get(path)).await;
        assert!(csp(&headers).ends_with("frame-ancestors 'none'"), "{path}: {}", csp(&headers));
        assert_eq!(headers.get(header::X_FRAME_OPTIONS).and_then(|v| v.to_str().ok()), Some("DENY"), "{path}");
    }
    let (status, _, _) = call(&service, get("/embed/gibt-es-nicht")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn acc_2_instructor_calendar_feed_is_secret_revocable_scoped_and_names_no_participant() {
    let app = app();
    let a = app.tenant_with_admin("verein-a", ADMIN);
    app.tenant_with_admin("verein-b", "leitung@verein-b.example");
    let trainer = member(&app, &a, "trainer@verein-a.example", "instructor", None);
    let service = app.service().await;
    let staff = sign_in(&service, ADMIN).await;
    let mut body = event_body("Rückenfit; Kurs, Teil 1", 10, false);
    body["instructor_ids"] = json!([trainer]);
    let taught = published_event(&service, &staff, body).await;
    published_event(&service, &staff, event_body("Nicht meins", 10, false)).await;
    let anna = json!({ "name": "Anna Beispiel", "email": "anna@example.org", "consent": true, "language": "de" });
    book_confirmed(&app, &service, "verein-a", &taught, anna, "198.51.100.5").await;

    let me = sign_in(&service, "trainer@verein-a.example").await;
    let (_, _, status) = call(&service, me.request("GET", "/api/v1/calendar-feed")).await;
    assert_eq!(json_of(&status), json!({ "active": false, "created_at": null }));
    let (code, _, created) = call(&service, me.request("POST", "/api/v1/calendar-feed")).await;
    assert_eq!(code, StatusCode::CREATED);
    let url = json_of(&created)["url"].as_str().expect("url").to_owned();
    let path = url.strip_prefix("http://localhost:8080").expect("public url").to_owned();
    let token = path.rsplit('/').next().expect("token").to_owned();
    assert!(token.len() >= 43, "at least 256 bits, base64url: {token}");
    assert!(path.starts_with("/api/v1/public/verein-a/calendar/"));

    let feed = |p: &str| public("GET", p, "198.51.100.9");
    let (code, headers, ics) = call(&service, feed(&path)).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("text/calendar; charset=utf-8"));
    let ics = String::from_utf8(ics).expect("utf-8");
    assert!(ics.contains("SUMMARY:Rückenfit\\; Kurs\\, Teil 1\r\n") && ics.contains("DTSTART:20261214T180000Z"), "{ics}");
    assert!(ics.contains("DESCRIPTION:1/10"), "seats booked, as a number: {ics}");
    assert!(!ics.contains("Nicht meins"), "only the sessions the instructor teaches");
    assert!(!ics.contains("Anna") && !ics.contains("anna@"), "no participant: {ics}");

    // Only the hash is stored; the token reads nothing else.
    let dump = String::from_utf8_lossy(&crate::fixtures::database_dump(&app.db)).to_string();
    assert!(!dump.contains(&token), "the token is not stored");
    for other in [
        format!("/api/v1/public/verein-b/calendar/{token}"),
        "/api/v1/public/verein-a/calendar/unbekannt".to_owned(),
        format!("/api/v1/public/verein-a/calendar/{}", "x".repeat(200)),
    ] {
        let (code, _, _) = call(&service, feed(&other)).await;
        assert_eq!(code, StatusCode::NOT_FOUND, "{other}");
    }
    let mut bearer = Client::new().request("GET", "/api/v1/calendar-feed");
    bearer = bearer.insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
    let (code, _, _) = call(&service, bearer).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED, "the token is no session");

    // A new URL ends the old one; revoking ends the new one. Both audited.
    let (_, _, again) = call(&service, me.request("POST", "/api/v1/calendar-feed")).await;
    let second = json_of(&again)["url"].as_str().expect("url").strip_prefix("http://localhost:8080").expect("url").to_owned();
    assert_eq!(call(&service, feed(&path)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(call(&service, feed(&second)).await.0, StatusCode::OK);
    let (code, _, _) = call(&service, me.request("POST", "/api/v1/calendar-feed/revoke")).await;
    assert_eq!(code, StatusCode::NO_CONTENT);
    assert_eq!(call(&service, feed(&second)).await.0, StatusCode::NOT_FOUND);
    let audit = app.db.audit_text();
    assert_eq!(audit.iter().filter(|r| r.contains("calendar_feed.created")).count(), 2);
    assert_eq!(audit.iter().filter(|r| r.contains("calendar_feed.revoked")).count(), 1);
    assert!(!audit.iter().any(|r| r.contains(&token)), "no token in the audit log");

    // A member disabled in the tenant: the feed stops.
    let (_, _, third) = call(&service, me.request("POST", "/api/v1/calendar-feed")).await;
    let third = json_of(&third)["url"].as_str().expect("url").strip_prefix("http://localhost:8080").expect("url").to_owned();
    let (code, _, body) = call(&service, staff.request("POST", &format!("/api/v1/members/{trainer}/disable"))).await;
    assert_eq!(code, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(call(&service, feed(&third)).await.0, StatusCode::NOT_FOUND);
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(h, min, 0)).expect("time")
}

#[::core::prelude::v1::test]
fn berlin_follows_summer_and_winter_time() {
    let z = Zone::named("Europe/Berlin");
    assert_eq!(z.rfc3339(at(2026, 12, 5, 17, 0)), "2026-12-05T18:00:00+01:00");
    assert_eq!(z.rfc3339(at(2026, 7, 5, 17, 0)), "2026-07-05T19:00:00+02:00");
    assert_eq!(z.span(at(2026, 12, 5, 17, 0), at(2026, 12, 5, 18, 30), true), "05.12.2026 18:00 – 19:30 (Europe/Berlin)");
    assert_eq!(z.span(at(2026, 12, 5, 22, 0), at(2026, 12, 5, 23, 30), false), "2026-12-05 23:00 – 2026-12-06 00:30 (Europe/Berlin)");
}

#[::core::prelude::v1::test]
fn only_iana_names_are_taken() {
    assert_eq!(zone::validate("Europe/Vienna").as_deref().ok(), Some("Europe/Vienna"));
    assert_eq!(zone::validate("europe/berlin").as_deref().ok(), Some("Europe/Berlin"));
    for bad in ["", "Mars/Olympus", "../../etc/passwd", "EST5EDT,M3.2.0,M11.1.0", "Europe/ Berlin", &"A".repeat(65)] {
        assert!(zone::validate(bad).is_err(), "{bad:?}");
    }
    assert_eq!(Zone::named("Mars/Olympus").name(), zone::DEFAULT);
}

#[::core::prelude::v1::test]
fn text_is_escaped_and_long_lines_fold_between_characters() {
    let at = at(2026, 12, 5, 17, 0);
    let entry = Entry {
        uid: "s1@anwesend".into(),
        starts_at: at,
        ends_at: at + chrono::Duration::minutes(90),
        summary: "Yoga; Anfänger, Teil 1\nmit Matte".into(),
        location: Some("Sporthalle am Park".into()),
        description: Some("ä".repeat(60)),
        url: None,
    };
    let ics = calendar("Kurse", "Europe/Berlin", at, &[entry]);
    assert!(ics.contains("SUMMARY:Yoga\\; Anfänger\\, Teil 1\\nmit Matte\r\n"));
    assert!(ics.contains("DTSTART:20261205T170000Z\r\nDTEND:20261205T183000Z\r\n"));
    for l in ics.split("\r\n") {
        assert!(l.len() <= 75, "{l}");
    }
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
}
