//! Devices, signed taps, cards and attendance over HTTP (TOM TRANS-2, DEV-1, DEV-2,
//! PSEUDO-1, SEP-2, INPUT-4, PRIV-1).

use actix_web::http::StatusCode;
use actix_web::test;
use anwesend::clock::Clock;
use anwesend_protocol as protocol;
use diesel::prelude::*;
use serde_json::json;

use crate::common::{sensitive, test_app_with, TestApp};
use crate::fixtures::{
    admin, bind_card, book_confirmed, call, enrol, json_of, login, public, published_event, signed, signed_with, tap_body, tenant, venue,
    Device, PASSWORD,
};

fn attendance_rows(app: &TestApp) -> i64 {
    use anwesend::db::schema::attendance::dsl as a;
    a::attendance.count().get_result(&mut app.db.inspect()).expect("count")
}

/// The detail of each audit entry with this action, by key.
fn audited(app: &TestApp, action: &str, key: &str) -> Vec<String> {
    use anwesend::db::schema::audit_entries::dsl as a;
    let mut found: Vec<String> = a::audit_entries
        .filter(a::action.eq(action))
        .select(a::detail)
        .load::<String>(&mut app.db.inspect())
        .expect("audit")
        .iter()
        .map(|d| serde_json::from_str::<serde_json::Value>(d).expect("json")[key].as_str().unwrap_or_default().to_owned())
        .collect();
    found.sort();
    found
}

fn app() -> TestApp {
    test_app_with(|c| c.rate_limit.public_per_ip_per_minute = 10_000)
}

#[actix_web::test]
async fn trans_2_forged_stale_replayed_altered_and_revoked_device_requests_are_refused_and_audited() {
    let app = app();
    let (a, b) = (tenant(&app, "verein-a"), tenant(&app, "verein-b"));
    admin(&app, &a, "leitung@verein-a.example");
    admin(&app, &b, "leitung@verein-b.example");
    let service = app.service().await;
    let va = venue(&app, &service, "verein-a", ("Anna Beispiel", "anna@example.org")).await;
    let vb = venue(&app, &service, "verein-b", ("Bruno Zweit", "bruno@example.net")).await;
    let device = enrol(&service, &va.staff, &va.location, "Eingang Nord").await;
    let card = sensitive("04A1B2C3D4E5F6");
    bind_card(&app, &service, &va.staff, &device, &va.participant, &card).await;
    let before = attendance_rows(&app);
    let now = app.clock.now().timestamp();
    let body = tap_body(&app, "tap-0001", &card).to_string().into_bytes();

    let forged = Device { id: device.id.clone(), secret: vec![7; 32] };
    let mut missing =
        test::TestRequest::post().uri(protocol::PATH_TAPS).peer_addr("198.51.100.40:1".parse().expect("addr")).set_payload(body.clone());
    missing = missing.insert_header(("content-type", "application/json"));
    let mut altered = signed_with(&device, protocol::PATH_TAPS, body.clone(), now, "nonce-altered-0000001");
    altered = altered.set_payload(tap_body(&app, "tap-0001", "04FFFFFFFFFFFF").to_string());
    let unknown = Device { id: "0193ffff-0000-7000-8000-000000000000".into(), secret: device.secret.clone() };
    let cases: Vec<(&str, test::TestRequest, &str)> = vec![
        ("no signature", missing, "signature_missing"),
        ("wrong secret", signed_with(&forged, protocol::PATH_TAPS, body.clone(), now, "nonce-forged-00000001"), "bad_signature"),
        ("stale", signed_with(&device, protocol::PATH_TAPS, body.clone(), now - 121, "nonce-stale-000000001"), "stale_timestamp"),
        ("future", signed_with(&device, protocol::PATH_TAPS, body.clone(), now + 121, "nonce-future-00000001"), "stale_timestamp"),
        ("body altered after signing", altered, "bad_signature"),
        (
            "signed for another path",
            signed_with(&device, protocol::PATH_HEARTBEAT, body.clone(), now, "nonce-path-0000000001").uri(protocol::PATH_TAPS),
            "bad_signature",
        ),
        ("bad nonce", signed_with(&device, protocol::PATH_TAPS, body.clone(), now, "kurz"), "bad_nonce"),
        ("unknown device", signed_with(&unknown, protocol::PATH_TAPS, body.clone(), now, "nonce-unknown-0000001"), "device_unknown"),
    ];
    for (what, req, code) in cases {
        let (status, _, answer) = call(&service, req).await;
        assert_eq!(
            (status, json_of(&answer)["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some(code)),
            "{what}: {}",
            String::from_utf8_lossy(&answer)
        );
    }
    assert_eq!(attendance_rows(&app), before, "nothing recorded");

    // The genuine request works once, even with the nonce of a refused one (a refused
    // request leaves nothing behind, its nonce included); the same nonce again is a replay.
    let genuine = || signed_with(&device, protocol::PATH_TAPS, body.clone(), now, "nonce-forged-00000001");
    let (status, _, answer) = call(&service, genuine()).await;
    assert_eq!(
        (status, json_of(&answer)["outcome"].as_str()),
        (StatusCode::OK, Some("checked_in")),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    assert_eq!(json_of(&answer)["first_name"], "Anna", "first name only (PRIV-1)");
    let (status, _, answer) = call(&service, genuine()).await;
    assert_eq!((status, json_of(&answer)["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("replayed_nonce")));
    assert_eq!(attendance_rows(&app), before + 1);

    // Tenant B's device knows nothing of tenant A: A's card is unknown there, and A's
    // session cannot be configured on it.
    let other = enrol(&service, &vb.staff, &vb.location, "Fremdes Gerät").await;
    let (status, _, answer) = call(&service, signed(&app, &other, protocol::PATH_TAPS, &tap_body(&app, "tap-b-1", &card))).await;
    assert_eq!((status, json_of(&answer)["outcome"].as_str()), (StatusCode::OK, Some("unknown_card")));
    let settings = json!({ "name": "Fremdes Gerät", "location_id": vb.location, "mode": "check_in", "duplicate_window_seconds": 10, "late_upload_after_seconds": 300, "session_ids": [va.session] });
    let (status, _, _) = call(&service, vb.staff.request("PUT", &format!("/api/v1/devices/{}", other.id)).set_json(settings)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "another tenant's session is not a session here");
    // A device is not a user: its signature opens no staff or portal endpoint.
    let req = signed(&app, &device, "/api/v1/events", &json!({}));
    let (status, _, _) = call(&service, req.method(actix_web::http::Method::GET)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Revoked: the next request fails at once.
    let (status, _, _) = call(&service, va.staff.request("POST", &format!("/api/v1/devices/{}/revoke", device.id))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, answer) = call(
        &service,
        signed(&app, &device, protocol::PATH_HEARTBEAT, &json!({ "agent_version": "0.1.0", "readers": [], "queue_length": 0 })),
    )
    .await;
    assert_eq!((status, json_of(&answer)["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("device_revoked")));
    assert_eq!(attendance_rows(&app), before + 1, "refused requests recorded nothing");
    // Each kind of refusal is written once per window, the rest counted; once the window
    // has closed the minute job writes the counts, which add up to every refusal of a
    // known device (AVAIL-5): 3 bad signatures, 2 stale, a bad nonce, a replay, revoked.
    app.clock.advance(chrono::Duration::seconds(i64::from(app.state.config.rate_limit.refusal_audit_window_seconds)));
    anwesend::server::every_minute(&app.state).expect("minute job");
    let counted: u64 = app
        .db
        .audit_text()
        .iter()
        .filter(|r| r.contains("device.request_refused"))
        .filter_map(|r| serde_json::from_str::<serde_json::Value>(r.rsplit_once('|')?.1).ok()?["count"].as_u64())
        .sum();
    assert_eq!(counted, 8, "refusals of known devices are audited");
}

#[actix_web::test]
async fn trans_2_the_same_tap_sent_five_times_at_once_records_one_check_in() {
    let app = app();
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service_with_pool(8).await;
    let v = venue(&app, &service, "verein-a", ("Anna Beispiel", "anna@example.org")).await;
    let device = enrol(&service, &v.staff, &v.location, "Eingang").await;
    bind_card(&app, &service, &v.staff, &device, &v.participant, "04112233445566").await;
    let body = tap_body(&app, "offline-queue-0042", "04112233445566");
    let copies = (0..5).map(|_| call(&service, signed(&app, &device, protocol::PATH_TAPS, &body)));
    let answers = futures_util::future::join_all(copies).await;
    for (status, _, answer) in &answers {
        assert_eq!(*status, StatusCode::OK, "{}", String::from_utf8_lossy(answer));
        assert_eq!(json_of(answer)["outcome"], "checked_in", "every copy gets the first answer");
    }
    assert_eq!(attendance_rows(&app), 1, "one check-in");
    assert_eq!(audited(&app, "attendance.recorded", "kind"), ["check_in"], "the copies' audit entries rolled back with them");
    // A different tap of the same card within the duplicate window changes nothing either.
    let (_, _, answer) =
        call(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "offline-queue-0043", "04112233445566"))).await;
    assert_eq!(json_of(&answer)["outcome"], "already_recorded");
    assert_eq!(attendance_rows(&app), 1);
}

#[actix_web::test]
async fn input_4_each_card_tapped_on_four_devices_at_once_checks_its_person_in_and_out_once() {
    let app = app();
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service_with_pool(8).await;
    let v = venue(&app, &service, "verein-a", ("Anna Beispiel", "anna@example.org")).await;
    for (n, name) in ["Ben", "Cem", "Dora", "Emil", "Fatma", "Greta", "Hugo"].into_iter().enumerate() {
        let person = json!({ "name": format!("{name} Beispiel"), "email": format!("{name}@example.org"), "consent": true });
        let (status, booked) = book_confirmed(&app, &service, "verein-a", &v.event, person, &format!("198.51.100.{}", 20 + n)).await;
        assert_eq!(status, StatusCode::OK, "{booked}");
    }
    let (_, _, list) = call(&service, v.staff.request("GET", &format!("/api/v1/events/{}/bookings", v.event))).await;
    let people: Vec<String> =
        json_of(&list).as_array().expect("bookings").iter().map(|b| b["participant_id"].as_str().expect("id").to_owned()).collect();
    let mut devices = Vec::new();
    for name in ["Eingang Nord", "Eingang Süd", "Halle", "Foyer"] {
        devices.push((enrol(&service, &v.staff, &v.location, name).await, name));
    }
    let cards: Vec<String> = (0..people.len()).map(|n| format!("041122334455{n:02}")).collect();
    for (person, card) in people.iter().zip(&cards) {
        bind_card(&app, &service, &v.staff, &devices[0].0, person, card).await;
    }
    // Every card on every device at once, each tap its own (own idempotency key): only the
    // booking's row lock keeps two taps of one person from both finding no record and both
    // recording one. Then the same with the devices checking out, the session configured
    // on them (the other way a device finds its sessions).
    let configured = [json!([]), json!([v.session])];
    for (round, (mode, outcome)) in [("check_in", "checked_in"), ("check_out", "checked_out")].into_iter().enumerate() {
        for (device, name) in &devices {
            let settings = json!({ "name": name, "location_id": v.location, "mode": mode, "duplicate_window_seconds": 0, "late_upload_after_seconds": 300, "session_ids": configured[round] });
            let (status, _, answer) =
                call(&service, v.staff.request("PUT", &format!("/api/v1/devices/{}", device.id)).set_json(settings)).await;
            assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&answer));
        }
        let taps = cards.iter().flat_map(|card| devices.iter().enumerate().map(move |(n, (device, _))| (card, n, device))).map(
            |(card, n, device)| {
                let body = tap_body(&app, &format!("tap-{round}-{card}-{n}"), card);
                let answer = call(&service, signed(&app, device, protocol::PATH_TAPS, &body));
                async move { (card.clone(), answer.await) }
            },
        );
        let mut outcomes: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for (card, (status, _, answer)) in futures_util::future::join_all(taps).await {
            assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&answer));
            outcomes.entry(card).or_default().push(json_of(&answer)["outcome"].as_str().unwrap_or_default().to_owned());
        }
        for (card, mut answers) in outcomes {
            answers.sort();
            assert_eq!(answers, ["already_recorded", "already_recorded", "already_recorded", outcome], "card {card}, {mode}");
        }
        assert_eq!(attendance_rows(&app), 8 * (round as i64 + 1), "one {mode} per person");
    }
}

#[actix_web::test]
async fn dev_1_heartbeat_brings_configuration_check_out_late_uploads_and_corrections_supersede() {
    let app = app();
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let mut v = venue(&app, &service, "verein-a", ("Anna Beispiel", "anna@example.org")).await;
    let device = enrol(&service, &v.staff, &v.location, "Eingang").await;
    let card = "04AABBCCDDEEFF";
    bind_card(&app, &service, &v.staff, &device, &v.participant, card).await;
    let heartbeat = |version: &str| json!({ "agent_version": version, "readers": ["ACS ACR122U 00 00"], "queue_length": 3 });

    // DEV-2: versions are recorded and old ones flagged.
    let (status, _, answer) = call(&service, signed(&app, &device, protocol::PATH_HEARTBEAT, &heartbeat("0.0.9"))).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&answer));
    assert_eq!(json_of(&answer)["outdated"], true);
    assert_eq!(json_of(&answer)["config"]["mode"], "check_in");
    let (_, _, list) = call(&service, v.staff.request("GET", "/api/v1/devices")).await;
    let listed = json_of(&list)[0].clone();
    assert_eq!(
        (listed["agent_version"].as_str(), listed["outdated"].as_bool(), listed["queue_length"].as_i64()),
        (Some("0.0.9"), Some(true), Some(3))
    );
    assert_eq!(listed["readers"], json!(["ACS ACR122U 00 00"]));
    assert!(listed["last_heartbeat_at"].is_string());

    // Check in (a late upload: tapped 10 minutes ago), then the admin switches the device
    // to check-out; the next heartbeat carries it.
    let mut late = tap_body(&app, "k-1", card);
    late["tapped_at"] = json!(app.clock.now().timestamp() - 600);
    let (_, _, answer) = call(&service, signed(&app, &device, protocol::PATH_TAPS, &late)).await;
    assert_eq!(
        (json_of(&answer)["outcome"].as_str(), json_of(&answer)["late_upload"].as_bool()),
        (Some("checked_in"), Some(true)),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    let settings = json!({ "name": "Ausgang", "location_id": v.location, "mode": "check_out", "duplicate_window_seconds": 0, "late_upload_after_seconds": 300, "session_ids": [] });
    let (status, _, _) = call(&service, v.staff.request("PUT", &format!("/api/v1/devices/{}", device.id)).set_json(settings)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, answer) = call(&service, signed(&app, &device, protocol::PATH_HEARTBEAT, &heartbeat("0.1.0"))).await;
    assert_eq!((json_of(&answer)["config"]["mode"].as_str(), json_of(&answer)["outdated"].as_bool()), (Some("check_out"), Some(false)));
    app.clock.advance(chrono::Duration::minutes(30));
    // The staff session idled out meanwhile.
    v.staff = login(&service, "leitung@verein-a.example", PASSWORD).await.1;
    let (_, _, answer) = call(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "k-2", card))).await;
    assert_eq!(json_of(&answer)["outcome"], "checked_out");

    // The list: left early (checked out 1.5 h before the end).
    let (_, _, list) = call(&service, v.staff.request("GET", &format!("/api/v1/event-sessions/{}/attendance", v.session))).await;
    let list = json_of(&list);
    let anna = &list["attendees"][0];
    assert_eq!((anna["name"].as_str(), anna["status"].as_str()), (Some("Anna Beispiel"), Some("left_early")), "{list}");
    let check_out =
        anna["records"].as_array().expect("records").iter().find(|r| r["kind"] == "check_out").cloned().expect("check-out record");
    assert_eq!(check_out["device_name"], "Ausgang");

    // A correction supersedes; the original stays in the record.
    let correction = json!({ "occurred_at": (app.clock.now().naive_utc() + chrono::Duration::minutes(90)).format("%Y-%m-%dT%H:%M").to_string(), "reason": "Karte zu früh aufgelegt" });
    let (status, _, corrected) = call(
        &service,
        v.staff
            .request("POST", &format!("/api/v1/attendance/{}/correct", check_out["id"].as_str().expect("id")))
            .set_json(correction.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&corrected));
    let (status, _, _) = call(
        &service,
        v.staff.request("POST", &format!("/api/v1/attendance/{}/correct", check_out["id"].as_str().expect("id"))).set_json(correction),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "a record is corrected once; correct the newest");
    let (_, _, list) = call(&service, v.staff.request("GET", &format!("/api/v1/event-sessions/{}/attendance", v.session))).await;
    let list = json_of(&list);
    let anna = &list["attendees"][0];
    assert_eq!(anna["status"], "present");
    let records = anna["records"].as_array().expect("records");
    assert_eq!(records.len(), 3, "check-in, check-out and its correction: {records:?}");
    assert!(records.iter().any(|r| r["id"] == check_out["id"] && r["superseded"] == true));
    assert!(records.iter().any(|r| r["source"] == "correction"
        && r["reason"] == "Karte zu früh aufgelegt"
        && r["recorded_by_email"] == "leitung@verein-a.example"));
    let (status, _, csv) = call(&service, v.staff.request("GET", &format!("/api/v1/event-sessions/{}/attendance.csv", v.session))).await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).expect("utf-8");
    assert_eq!(csv.lines().count(), 4, "{csv}");
    let (_, _, person) = call(&service, v.staff.request("GET", &format!("/api/v1/participants/{}/attendance", v.participant))).await;
    assert_eq!(json_of(&person)["entries"].as_array().map(Vec::len), Some(3));
    let audit = app.db.audit_text();
    assert!(audit.iter().any(|r| r.contains("attendance.corrected")));
    assert!(audit.iter().any(|r| r.contains("device.configured")));
}

#[actix_web::test]
async fn input_4_manual_check_ins_and_taps_without_booking_or_session() {
    let app = app();
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let mut v = venue(&app, &service, "verein-a", ("Anna Beispiel", "anna@example.org")).await;
    let device = enrol(&service, &v.staff, &v.location, "Eingang").await;
    // Bruno has a card but no booking.
    let (status, _) = book_confirmed(
        &app,
        &service,
        "verein-a",
        &v.event,
        json!({ "name": "Bruno Ohne", "email": "bruno@example.net", "consent": true }),
        "198.51.100.5",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, list) = call(&service, v.staff.request("GET", &format!("/api/v1/events/{}/bookings", v.event))).await;
    let bruno = json_of(&list).as_array().expect("list").iter().find(|b| b["name"] == "Bruno Ohne").cloned().expect("bruno");
    call(&service, v.staff.request("POST", &format!("/api/v1/bookings/{}/cancel", bruno["id"].as_str().expect("id")))).await;
    bind_card(&app, &service, &v.staff, &device, bruno["participant_id"].as_str().expect("id"), "04999999999999").await;
    let (_, _, answer) = call(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "b-1", "04999999999999"))).await;
    assert_eq!(json_of(&answer)["outcome"], "no_booking");
    assert_eq!(json_of(&answer)["first_name"], "Bruno");
    let (_, _, answer) = call(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "u-1", "08112233"))).await;
    assert_eq!((json_of(&answer)["outcome"].as_str(), json_of(&answer)["first_name"].as_str()), (Some("unknown_card"), None));
    // The card is Bruno's: binding it to Anna is refused.
    call(
        &service,
        v.staff
            .request("POST", &format!("/api/v1/devices/{}/card-enrolment", device.id))
            .set_json(json!({ "participant_id": v.participant })),
    )
    .await;
    let (_, _, answer) = call(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "b-2", "04999999999999"))).await;
    assert_eq!(json_of(&answer)["outcome"], "card_in_use");
    // After the session (and its 30 minutes), nothing runs here.
    app.clock.advance(chrono::Duration::hours(3));
    v.staff = login(&service, "leitung@verein-a.example", PASSWORD).await.1;
    let (_, _, answer) = call(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "b-3", "04999999999999"))).await;
    assert_eq!(json_of(&answer)["outcome"], "no_session");
    assert_eq!(attendance_rows(&app), 0);
    assert_eq!(
        audited(&app, "attendance.tap_refused", "outcome"),
        ["card_in_use", "no_booking", "no_session", "unknown_card"],
        "each refused tap is audited (TOM INPUT-1)"
    );

    // Manual check-in by staff, once.
    let manual = json!({ "session_id": v.session, "booking_id": v.booking, "kind": "check_in" });
    let (status, _, record) = call(&service, v.staff.request("POST", "/api/v1/attendance").set_json(manual.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&record));
    assert_eq!(json_of(&record)["source"], "manual");
    let (status, _, _) = call(&service, v.staff.request("POST", "/api/v1/attendance").set_json(manual)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(attendance_rows(&app), 1);
}

/// A session lasts up to seven days: a tap on its last day still finds it, although a tap
/// reads only the sessions that began at most seven days before it (issue #16). A longer
/// session is refused, and nothing of its event is written (TOM PRIV-5).
#[actix_web::test]
async fn priv_5_a_session_longer_than_a_week_is_refused_and_a_week_long_one_takes_taps_on_its_last_day() {
    use anwesend::db::schema::attendance::dsl as a;
    let app = app();
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let v = venue(&app, &service, "verein-a", ("Anna Beispiel", "anna@example.org")).await;
    let device = enrol(&service, &v.staff, &v.location, "Eingang").await;
    let starts = app.clock.now().naive_utc() + chrono::Duration::minutes(1);
    let camp = |ends: chrono::NaiveDateTime| {
        let fmt = |t: chrono::NaiveDateTime| t.format("%Y-%m-%dT%H:%M:%S").to_string();
        json!({ "kind": "event", "title": "Sommercamp", "capacity": 20, "waiting_list": false, "location_id": v.location,
                "sessions": [{ "starts_at": fmt(starts), "ends_at": fmt(ends) }] })
    };
    let events = |body: &[u8]| json_of(body).as_array().map(Vec::len);
    let (_, _, before) = call(&service, v.staff.request("GET", "/api/v1/events")).await;

    let too_long = camp(starts + chrono::Duration::days(7) + chrono::Duration::minutes(1));
    let (status, _, refused) = call(&service, v.staff.request("POST", "/api/v1/events").set_json(too_long)).await;
    assert_eq!((status, json_of(&refused)["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("sessions")));
    let (_, _, after) = call(&service, v.staff.request("GET", "/api/v1/events")).await;
    assert_eq!(events(&after), events(&before), "the refused event is not written");

    let event = published_event(&service, &v.staff, camp(starts + chrono::Duration::days(7))).await;
    let (status, _) = book_confirmed(
        &app,
        &service,
        "verein-a",
        &event,
        json!({ "name": "Anna Beispiel", "email": "anna@example.org", "consent": true }),
        "198.51.100.5",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, detail) = call(&service, v.staff.request("GET", &format!("/api/v1/events/{event}"))).await;
    let session = json_of(&detail)["sessions"][0]["id"].as_str().expect("session").to_owned();
    bind_card(&app, &service, &v.staff, &device, &v.participant, "04A1B2C3D4E5F6").await;

    // The evening course ended days ago; the camp runs its last half hour.
    app.clock.advance(chrono::Duration::days(7) - chrono::Duration::minutes(29));
    let (_, _, answer) = call(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "camp-1", "04A1B2C3D4E5F6"))).await;
    assert_eq!(json_of(&answer)["outcome"], "checked_in", "{}", String::from_utf8_lossy(&answer));
    let recorded: Vec<String> = a::attendance.select(a::session_id).load(&mut app.db.inspect()).expect("records");
    assert_eq!(recorded, vec![session]);
}

#[actix_web::test]
async fn priv_5_bad_input_to_device_and_attendance_endpoints_is_refused_and_writes_nothing() {
    let app = app();
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let v = venue(&app, &service, "verein-a", ("Anna Beispiel", "anna@example.org")).await;
    let device = enrol(&service, &v.staff, &v.location, "Eingang").await;
    let before = attendance_rows(&app);
    let count_taps = || {
        use anwesend::db::schema::device_taps::dsl as t;
        t::device_taps.count().get_result::<i64>(&mut app.db.inspect()).expect("count")
    };
    let taps_before = count_taps();
    let bad_taps = [
        json!({ "idempotency_key": "", "card_id": "04A1B2C3", "tapped_at": 0, "reader": "r" }),
        json!({ "idempotency_key": "k".repeat(65), "card_id": "04A1B2C3", "tapped_at": app.clock.now().timestamp(), "reader": "r" }),
        json!({ "idempotency_key": "k-1", "card_id": "nicht-hex", "tapped_at": app.clock.now().timestamp(), "reader": "r" }),
        json!({ "idempotency_key": "k-1", "card_id": "04A1B2", "tapped_at": app.clock.now().timestamp(), "reader": "r" }),
        json!({ "idempotency_key": "k-1", "card_id": "04A1B2C3", "tapped_at": app.clock.now().timestamp() + 3600, "reader": "r" }),
        json!({ "idempotency_key": "k-1", "card_id": "04A1B2C3", "tapped_at": app.clock.now().timestamp(), "reader": "r\u{0007}" }),
        json!({ "idempotency_key": "k-1", "card_id": "04A1B2C3", "tapped_at": app.clock.now().timestamp(), "reader": "r", "extra": true }),
        json!({ "idempotency_key": "k-1", "card_id": ["04A1B2C3"], "tapped_at": app.clock.now().timestamp(), "reader": "r" }),
        json!({ "idempotency_key": "'; DROP TABLE attendance;--", "card_id": "04A1B2C3", "tapped_at": app.clock.now().timestamp(), "reader": "r" }),
        // A good tap's values as an array, in field order: serde alone would take it.
        json!(["k-array", "04A1B2C3", app.clock.now().timestamp(), "r"]),
    ];
    for body in bad_taps {
        let (status, _, answer) = call(&service, signed(&app, &device, protocol::PATH_TAPS, &body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", String::from_utf8_lossy(&answer));
    }
    // Not JSON at all: 400 `malformed_json`, as every other endpoint answers it.
    let (status, _, answer) = call(
        &service,
        signed_with(&device, protocol::PATH_TAPS, b"{\"idempotency_key\": ".to_vec(), app.clock.now().timestamp(), "nonce-malformed-00001"),
    )
    .await;
    assert_eq!((status, json_of(&answer)["code"].as_str()), (StatusCode::BAD_REQUEST, Some("malformed_json")));
    let (status, _, answer) = call(&service, public("POST", protocol::PATH_ENROL, "198.51.100.41").set_payload("{\"code\": ")).await;
    assert_eq!((status, json_of(&answer)["code"].as_str()), (StatusCode::BAD_REQUEST, Some("malformed_json")));
    let (status, _, _) = call(
        &service,
        signed_with(&device, protocol::PATH_TAPS, vec![b'x'; 1024 * 1024], app.clock.now().timestamp(), "nonce-oversized-00001"),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _, _) = call(
        &service,
        public("POST", protocol::PATH_ENROL, "198.51.100.41").set_json(json!({ "code": "ABCD-EFGH", "agent_version": "0.1.0" })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "made-up codes do not enrol");
    for body in [
        json!({ "name": "", "location_id": v.location }),
        json!({ "name": "X", "location_id": "fremd" }),
        json!({ "name": "X".repeat(101) }),
    ] {
        let (status, _, _) = call(&service, v.staff.request("POST", "/api/v1/devices/enrolment-codes").set_json(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    for body in [
        json!({ "name": "X", "mode": "both", "duplicate_window_seconds": 10, "late_upload_after_seconds": 300 }),
        json!({ "name": "X", "mode": "check_in", "duplicate_window_seconds": -1, "late_upload_after_seconds": 300 }),
        json!({ "name": "X", "mode": "check_in", "duplicate_window_seconds": 10, "late_upload_after_seconds": 1 }),
    ] {
        let (status, _, _) = call(&service, v.staff.request("PUT", &format!("/api/v1/devices/{}", device.id)).set_json(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    for body in [
        json!({ "session_id": v.session, "booking_id": v.booking, "kind": "arrived" }),
        json!({ "session_id": v.session, "booking_id": "fremd", "kind": "check_in" }),
        json!({ "session_id": v.session, "booking_id": v.booking, "kind": "check_in", "occurred_at": "gestern" }),
    ] {
        let (status, _, _) = call(&service, v.staff.request("POST", "/api/v1/attendance").set_json(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let (status, _, _) =
        call(&service, v.staff.request("POST", "/api/v1/attendance/unbekannt/correct").set_json(json!({ "void": true, "reason": "x" })))
            .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = call(
        &service,
        v.staff.request("POST", &format!("/api/v1/devices/{}/card-enrolment", device.id)).set_json(json!({ "participant_id": "niemand" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!((attendance_rows(&app), count_taps()), (before, taps_before), "refused input wrote nothing");
}

#[actix_web::test]
async fn pseudo_1_no_table_holds_a_raw_card_id() {
    let app = app();
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let v = venue(&app, &service, "verein-a", ("Anna Beispiel", "anna@example.org")).await;
    let device = enrol(&service, &v.staff, &v.location, "Eingang").await;
    let (bound, unknown) = ("04C0FFEE123456", "04DEADBEEF4242");
    bind_card(&app, &service, &v.staff, &device, &v.participant, bound).await;
    call(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "p-1", bound))).await;
    call(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "p-2", unknown))).await;
    let dump = String::from_utf8_lossy(&crate::fixtures::database_dump(&app.db)).to_lowercase();
    assert!(dump.contains("abendkurs"), "the dump is readable");
    for uid in [bound, unknown, "c0ffee123456", "deadbeef4242"] {
        assert!(!dump.contains(&uid.to_lowercase()), "PSEUDO-1: the dump holds the card id {uid}");
    }
    assert_eq!(attendance_rows(&app), 1);
}
