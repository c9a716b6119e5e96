//! Erasure (TOM PRIV-4) and the erasure ledger that survives a restore (SDM M60.S10).

use anwesend::audit::AuditContext;
use anwesend::clock::Clock;
use anwesend::privacy::{model::Reason, service as privacy};
use anwesend_protocol as protocol;
use diesel::prelude::*;
use serde_json::json;

use crate::common::{sensitive, test_app_with, Backend};
use crate::fixtures::{
    bind_card, book_confirmed, call, confirmation_token, count, database_dump, enrol, json_of, outbox_mail, public, signed, tap_body, venue,
};

const REQUEST: Reason<'static> = Reason { code: "erasure_request", text: "Antrag über das Portal", legal_basis: "GDPR Art. 17(1)(a)" };

#[actix_web::test]
async fn priv_4_erasure_leaves_no_trace_and_survives_restoring_an_older_database_copy() {
    let app = test_app_with(|c| c.rate_limit.public_per_ip_per_minute = 10_000);
    let service = app.service().await;
    let scope = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let (name, email) = (sensitive("Ottilie Quirinsdottir"), sensitive("ottilie.q@example.org"));
    let v = venue(&app, &service, "verein-a", (&name, &email)).await;
    let device = enrol(&service, &v.staff, &v.location, "Eingang").await;
    let card = "04C0FFEE123456";
    bind_card(&app, &service, &v.staff, &device, &v.participant, card).await;
    let (_, _, answer) = call(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "tap-1", card))).await;
    assert_eq!(json_of(&answer)["outcome"], "checked_in");
    let card_hmac: Vec<u8> = {
        use anwesend::db::schema::cards::dsl as c;
        c::cards.select(c::card_hmac).first(&mut app.db.inspect()).expect("card binding")
    };
    // The nightly backup, taken before the erasure.
    let backup = app.db.snapshot();

    let ctx = AuditContext { at: app.clock.now(), ..app.ctx() };
    let report = privacy::erase(&app.state, &scope, &ctx, &v.participant, &REQUEST).expect("erase");
    let count = |category: &str| report.counts.iter().find(|(c, _)| c == category).map(|(_, n)| *n);
    assert_eq!((count("participant_profile"), count("card_bindings"), count("name_search_index")), (Some(1), Some(1), Some(2)));
    assert!(count("mails").unwrap_or_default() >= 1, "the booking confirmation: {report:?}");

    // Nothing identifies the person any more: not in a dump, not by search, not at the reader.
    let dump = database_dump(&app.db);
    let dump_text = String::from_utf8_lossy(&dump).to_lowercase();
    for plaintext in [name.as_str(), email.as_str(), "Quirinsdottir", card] {
        assert!(!dump_text.contains(&plaintext.to_lowercase()), "the dump holds {plaintext:?}");
    }
    assert!(!dump.windows(card_hmac.len()).any(|w| w == card_hmac.as_slice()), "the card's HMAC is gone");
    assert!(!dump_text.contains(&hex::encode(&card_hmac)), "the card's HMAC is gone (hex in a dump)");
    for q in ["Ottilie", "ottilie.q@example.org"] {
        let (status, _, hits) = call(&service, v.staff.request("GET", &format!("/api/v1/participants?q={q}"))).await;
        assert_eq!((status.as_u16(), json_of(&hits)), (200, json!([])), "search for {q}");
    }
    let (_, _, answer) = call(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "tap-2", card))).await;
    assert_eq!(json_of(&answer)["outcome"], "unknown_card");
    let (_, _, list) = call(&service, v.staff.request("GET", &format!("/api/v1/events/{}/bookings", v.event))).await;
    assert!(!String::from_utf8_lossy(&list).contains("Ottilie"), "the seat stays taken, anonymously");
    assert_eq!(json_of(&list).as_array().map(Vec::len), Some(1));
    // The same email books again as a new person, not as the erased one.
    let (status, _) =
        book_confirmed(&app, &service, "verein-a", &v.event, json!({ "name": name, "email": email, "consent": true }), "198.51.100.5")
            .await;
    assert_eq!(status.as_u16(), 200);

    // The deletion log says what, how much and why, the audit chain still verifies.
    let log: Vec<(String, i64, Option<String>, String)> = {
        use anwesend::db::schema::deletion_log::dsl as d;
        d::deletion_log
            .select((d::category, d::record_count, d::subject_ref, d::reason_code))
            .load(&mut app.db.inspect())
            .expect("deletion log")
    };
    assert!(log.contains(&("card_bindings".into(), 1, Some(v.participant.clone()), "erasure_request".into())), "{log:?}");
    assert!(app.state.db.tenant_tx(&scope, |tx| anwesend::audit::verify_chain(tx, scope.tenant_id())).expect("verify").intact);
    let again = privacy::erase(&app.state, &scope, &ctx, &v.participant, &REQUEST);
    assert!(matches!(again, Err(anwesend::error::AppError::Rule { code: anwesend::problem::ProblemCode::AlreadyErased, .. })), "{again:?}");

    // The backup is restored: the ledger beside the database erases the person again.
    let mut restored = app.state.clone();
    restored.db = backup.db();
    let found_back: i64 = {
        use anwesend::db::schema::participants::dsl as p;
        p::participants
            .filter(p::id.eq(&v.participant))
            .filter(p::erased_at.is_null())
            .count()
            .get_result(&mut backup.inspect())
            .expect("count")
    };
    assert_eq!(found_back, 1, "the older copy still holds the person");
    assert_eq!(privacy::reapply_ledger(&restored, app.clock.now()).expect("reapply"), 1);
    let dump = String::from_utf8_lossy(&database_dump(&backup)).to_lowercase();
    assert!(!dump.contains("ottilie") && !dump.contains(&hex::encode(&card_hmac)), "erased again after the restore");
    assert_eq!(privacy::reapply_ledger(&restored, app.clock.now()).expect("reapply"), 0, "once is enough");
    if app.db.backend == Backend::Sqlite {
        assert!(app.state.config.data_dir.join("erasure-ledger.jsonl").exists());
    }
}

fn mails_with_purpose(app: &crate::common::TestApp, purpose: &str) -> Vec<Vec<u8>> {
    use anwesend::db::schema::mail_outbox::dsl as m;
    m::mail_outbox.filter(m::purpose.eq(purpose)).select(m::recipient_index).load(&mut app.db.inspect()).expect("mails")
}

#[actix_web::test]
async fn rights_2_the_request_queue_restricts_and_erases_with_one_action_and_tells_the_person() {
    let app = test_app_with(|c| c.rate_limit.public_per_ip_per_minute = 10_000);
    let service = app.service().await;
    let scope = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let (name, email) = (sensitive("Friedhelm Zauberkraut"), sensitive("friedhelm.z@example.org"));
    let v = venue(&app, &service, "verein-a", (&name, &email)).await;
    let device = enrol(&service, &v.staff, &v.location, "Eingang").await;
    bind_card(&app, &service, &v.staff, &device, &v.participant, "04BEEF00112233").await;
    let book = |email: &str| {
        public("POST", &format!("/api/v1/public/verein-a/events/{}/bookings", v.event), "198.51.100.5")
            .set_json(json!({ "name": "Friedhelm Zauberkraut", "email": email, "consent": true }))
    };

    // Bad input changes nothing.
    let before = count(&app, "subject_requests");
    for (body, status) in [
        (json!({ "participant_id": v.participant, "kind": "delete_everything", "received_via": "phone" }), 422),
        (json!({ "participant_id": v.participant, "kind": "restriction", "received_via": "pigeon" }), 422),
        (json!({ "participant_id": v.participant, "kind": "restriction", "received_via": "phone", "message": "x".repeat(10_000) }), 422),
        (json!({ "participant_id": v.participant, "kind": "restriction", "received_via": "phone", "message": "a\u{0}b" }), 422),
        (json!({ "participant_id": "0193ffff-0000-7000-8000-000000000000", "kind": "restriction", "received_via": "phone" }), 404),
        (json!({ "participant_id": v.participant, "kind": "restriction", "received_via": "phone", "tenant_id": "other" }), 422),
    ] {
        let (got, headers, problem) = call(&service, v.staff.request("POST", "/api/v1/subject-requests").set_json(&body)).await;
        assert_eq!(got.as_u16(), status, "{body}: {}", String::from_utf8_lossy(&problem));
        assert_eq!(headers.get("content-type").map(|h| h.to_str().unwrap_or_default()), Some("application/problem+json"));
    }
    assert_eq!(count(&app, "subject_requests"), before);

    // A restriction received by phone: in the queue with its due date, executed with one action.
    let (status, _, created) = call(&service, v.staff.request("POST", "/api/v1/subject-requests").set_json(json!({ "participant_id": v.participant, "kind": "restriction", "received_via": "phone", "message": "Bitte nichts mehr verwenden" }))).await;
    assert_eq!(status.as_u16(), 201, "{}", String::from_utf8_lossy(&created));
    let request = json_of(&created);
    let id = request["id"].as_str().expect("id").to_owned();
    assert_eq!(
        (request["status"].as_str(), request["participant_name"].as_str(), request["overdue"].as_bool()),
        (Some("open"), Some(name.as_str()), Some(false))
    );
    let due = chrono::DateTime::parse_from_rfc3339(request["due_at"].as_str().expect("due")).expect("date").naive_utc();
    assert_eq!(due.date(), app.clock.now().date_naive().checked_add_months(chrono::Months::new(1)).expect("date"));
    let (_, _, queue) = call(&service, v.staff.request("GET", "/api/v1/subject-requests")).await;
    assert_eq!(json_of(&queue)[0]["id"], id.as_str());
    let (status, _, done) = call(&service, v.staff.request("POST", &format!("/api/v1/subject-requests/{id}/execute"))).await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&done));
    assert_eq!(json_of(&done)["status"], "done");
    assert_eq!(mails_with_purpose(&app, "request_done").len(), 1, "the person is told");
    let (status, _, _) = call(&service, v.staff.request("POST", &format!("/api/v1/subject-requests/{id}/execute"))).await;
    assert_eq!(status.as_u16(), 409, "once");

    // Restricted: no booking, no check-in (not even the first name), no mail.
    let (status, _, _) = call(&service, book(&email)).await;
    assert_eq!(status.as_u16(), 202, "the answer does not tell (TOM PRIV-1)");
    let told = outbox_mail(&app, "verein-a", &email, "booking_refused").expect("the address is told");
    assert!(told.text.contains("zurzeit nicht möglich"), "{}", told.text);
    let mails = count(&app, "mail_outbox");
    let (_, _, answer) = call(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "tap-r", "04BEEF00112233"))).await;
    assert_eq!((json_of(&answer)["outcome"].as_str(), json_of(&answer)["first_name"].as_str()), (Some("restricted"), None));
    let (status, _, _) = call(&service, v.staff.request("POST", &format!("/api/v1/bookings/{}/cancel", v.booking))).await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(count(&app, "mail_outbox"), mails, "no cancellation mail to a restricted person");
    // Lifted: the person books again.
    let (status, _, _) = call(
        &service,
        v.staff.request("PUT", &format!("/api/v1/participants/{}/restriction", v.participant)).set_json(json!({ "restricted": false })),
    )
    .await;
    assert_eq!(status.as_u16(), 200);
    let (status, _, _) = call(&service, book(&email)).await;
    assert_eq!(status.as_u16(), 202);
    let (status, _, _) = call(
        &service,
        public("POST", "/api/v1/public/verein-a/bookings/confirm", "198.51.100.5")
            .set_json(json!({ "token": confirmation_token(&app, "verein-a", &email) })),
    )
    .await;
    assert_eq!(status.as_u16(), 200);

    // An access request still open when the person is erased is closed without a mail.
    let (_, _, pending) = call(
        &service,
        v.staff
            .request("POST", "/api/v1/subject-requests")
            .set_json(json!({ "participant_id": v.participant, "kind": "access", "received_via": "email" })),
    )
    .await;
    let pending = json_of(&pending)["id"].as_str().expect("id").to_owned();
    // An erasure request by letter: executed from the queue, the last mail cannot be found by the address.
    let (_, _, created) = call(
        &service,
        v.staff
            .request("POST", "/api/v1/subject-requests")
            .set_json(json!({ "participant_id": v.participant, "kind": "erasure", "received_via": "letter" })),
    )
    .await;
    let id = json_of(&created)["id"].as_str().expect("id").to_owned();
    let (status, _, done) = call(&service, v.staff.request("POST", &format!("/api/v1/subject-requests/{id}/execute"))).await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&done));
    assert_eq!(json_of(&done)["participant_name"], "");
    let keys = app.state.db.tenant_tx(&scope, |tx| anwesend::tenants::service::keys(tx, &app.state.master)).expect("keys");
    let address = keys.blind_index("mail_outbox", "recipient", &email);
    let notices = mails_with_purpose(&app, "request_done");
    // The restriction notice went with the erasure; the erasure notice is not linked to the address.
    assert_eq!(notices.len(), 1);
    assert_ne!(notices[0], address);
    let (status, _, _) = call(
        &service,
        v.staff.request("PUT", &format!("/api/v1/participants/{}/restriction", v.participant)).set_json(json!({ "restricted": true })),
    )
    .await;
    assert_eq!(status.as_u16(), 404, "an erased person cannot be restricted");
    let (status, _, _) = call(
        &service,
        v.staff
            .request("POST", "/api/v1/subject-requests")
            .set_json(json!({ "participant_id": v.participant, "kind": "access", "received_via": "email" })),
    )
    .await;
    assert_eq!(status.as_u16(), 404, "nor asked about");
    let mails = count(&app, "mail_outbox");
    let (status, _, closed) = call(&service, v.staff.request("POST", &format!("/api/v1/subject-requests/{pending}/execute"))).await;
    assert_eq!((status.as_u16(), json_of(&closed)["status"].as_str()), (200, Some("done")), "{}", String::from_utf8_lossy(&closed));
    assert_eq!(count(&app, "mail_outbox"), mails, "no address left to write to");
}

#[actix_web::test]
async fn rights_1_the_export_holds_everything_about_the_person_and_restricted_people_stay_out_of_exports() {
    let app = test_app_with(|c| c.rate_limit.public_per_ip_per_minute = 10_000);
    let service = app.service().await;
    let scope = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let (name, email) = (sensitive("Hildegard Wunderlich"), sensitive("hildegard.w@example.org"));
    let v = venue(&app, &service, "verein-a", (&name, &email)).await;
    let other = sensitive("Bertram Nebenan");
    let (status, _) = book_confirmed(
        &app,
        &service,
        "verein-a",
        &v.event,
        json!({ "name": other, "email": sensitive("bertram.n@example.org"), "consent": true }),
        "198.51.100.6",
    )
    .await;
    assert_eq!(status.as_u16(), 200);
    let device = enrol(&service, &v.staff, &v.location, "Eingang").await;
    bind_card(&app, &service, &v.staff, &device, &v.participant, "04ABCDEF012345").await;
    let (_, _, answer) = call(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "tap-e", "04ABCDEF012345"))).await;
    assert_eq!(json_of(&answer)["outcome"], "checked_in");
    let card_hmac: Vec<u8> = {
        use anwesend::db::schema::cards::dsl as c;
        c::cards.filter(c::participant_id.eq(&v.participant)).select(c::card_hmac).first(&mut app.db.inspect()).expect("card binding")
    };

    // Everything about the person, nothing about anyone else.
    let export_path = format!("/api/v1/participants/{}/export", v.participant);
    let (status, headers, body) = call(&service, v.staff.request("GET", &export_path)).await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&body));
    assert!(headers.get("content-disposition").and_then(|h| h.to_str().ok()).is_some_and(|h| h.contains("attachment")));
    let export = json_of(&body);
    assert_eq!(
        (export["participant"]["name"].as_str(), export["participant"]["email"].as_str()),
        (Some(name.as_str()), Some(email.as_str()))
    );
    assert_eq!(export["bookings"].as_array().map(Vec::len), Some(1));
    let attendance = export["attendance"].as_array().expect("attendance");
    assert_eq!(attendance.len(), 1);
    assert_eq!(
        (attendance[0]["kind"].as_str(), attendance[0]["event_title"].as_str(), attendance[0]["source"].as_str()),
        (Some("check_in"), Some("Abendkurs"), Some("device"))
    );
    let cards = export["cards"].as_array().expect("cards");
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0]["pseudonym"].as_str(), Some(hex::encode(&card_hmac[..8]).as_str()), "the card as its pseudonym");
    assert!(!String::from_utf8_lossy(&body).contains("04ABCDEF012345"), "never the card id");
    let actions: Vec<&str> = export["audit_entries"].as_array().expect("audit").iter().filter_map(|e| e["action"].as_str()).collect();
    for action in ["participant.created", "booking.created", "card.bound", "attendance.recorded"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    assert!(export["mails"].as_array().is_some_and(|m| !m.is_empty()), "the booking confirmation");
    assert!(!String::from_utf8_lossy(&body).contains(&other), "no one else's data");

    // Restricted: shown and marked in the lists, left out of every export.
    let (status, _, _) = call(
        &service,
        v.staff.request("PUT", &format!("/api/v1/participants/{}/restriction", v.participant)).set_json(json!({ "restricted": true })),
    )
    .await;
    assert_eq!(status.as_u16(), 200);
    let (status, headers, problem) = call(&service, v.staff.request("GET", &export_path)).await;
    assert_eq!((status.as_u16(), json_of(&problem)["code"].as_str()), (409, Some("restricted")));
    assert_eq!(headers.get("content-type").and_then(|h| h.to_str().ok()), Some("application/problem+json"));
    let (_, _, list) = call(&service, v.staff.request("GET", &format!("/api/v1/events/{}/bookings", v.event))).await;
    let marked: Vec<(String, bool)> = json_of(&list)
        .as_array()
        .expect("list")
        .iter()
        .map(|b| (b["name"].as_str().unwrap_or_default().to_owned(), b["restricted"].as_bool().unwrap_or_default()))
        .collect();
    assert!(marked.contains(&(name.clone(), true)) && marked.contains(&(other.clone(), false)), "{marked:?}");
    for path in [format!("/api/v1/events/{}/bookings.csv", v.event), format!("/api/v1/event-sessions/{}/attendance.csv", v.session)] {
        let (status, _, csv) = call(&service, v.staff.request("GET", &path)).await;
        let csv = String::from_utf8_lossy(&csv);
        assert_eq!(status.as_u16(), 200, "{path}");
        assert!(csv.contains(&other) && !csv.contains(&name) && !csv.contains(&email), "{path}: {csv}");
    }
    let (_, _, list) = call(&service, v.staff.request("GET", &format!("/api/v1/event-sessions/{}/attendance", v.session))).await;
    assert!(json_of(&list)["attendees"]
        .as_array()
        .expect("attendees")
        .iter()
        .any(|a| a["name"] == name.as_str() && a["restricted"] == true));

    // Erased: nothing left to export.
    let ctx = AuditContext { at: app.clock.now(), ..app.ctx() };
    privacy::erase(&app.state, &scope, &ctx, &v.participant, &REQUEST).expect("erase");
    let (status, _, _) = call(&service, v.staff.request("GET", &export_path)).await;
    assert_eq!(status.as_u16(), 404);
}

#[actix_web::test]
async fn rights_1_a_correction_changes_name_email_and_phone_wherever_the_person_is_found() {
    let app = test_app_with(|c| c.rate_limit.public_per_ip_per_minute = 10_000);
    let service = app.service().await;
    let _scope = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let (name, email) = (sensitive("Rosamunde Tippfehler"), sensitive("rosamunde.t@example.org"));
    let v = venue(&app, &service, "verein-a", (&name, &email)).await;
    let other_email = sensitive("konrad.k@example.org");
    let (status, _) = book_confirmed(
        &app,
        &service,
        "verein-a",
        &v.event,
        json!({ "name": sensitive("Konrad Korrekt"), "email": other_email, "consent": true }),
        "198.51.100.7",
    )
    .await;
    assert_eq!(status.as_u16(), 200);
    let path = format!("/api/v1/participants/{}", v.participant);
    let updated_at = || -> chrono::NaiveDateTime {
        use anwesend::db::schema::participants::dsl as p;
        p::participants.filter(p::id.eq(&v.participant)).select(p::updated_at).first(&mut app.db.inspect()).expect("participant")
    };

    // Bad input is refused as problem+json and changes nothing.
    let before = updated_at();
    let good = json!({ "name": "Rosamunde Richtig", "email": "rosamunde.r@example.org", "phone": "+49 30 1234" });
    for (body, status) in [
        (json!({ "name": "Rosamunde Richtig", "email": "keine-adresse", "phone": null }), 422),
        (json!({ "name": "x".repeat(10_000), "email": "rosamunde.r@example.org" }), 422),
        (json!({ "name": "Rosa\u{0}munde", "email": "rosamunde.r@example.org" }), 422),
        (json!({ "name": "", "email": "rosamunde.r@example.org" }), 422),
        (json!({ "name": "Rosamunde Richtig", "email": "rosamunde.r@example.org", "phone": "=HYPERLINK()" }), 422),
        (json!({ "name": "Rosamunde Richtig", "email": "rosamunde.r@example.org", "tenant_id": "other" }), 422),
        (json!({ "name": "Rosamunde Richtig", "email": other_email }), 409),
    ] {
        let (got, headers, problem) = call(&service, v.staff.request("PUT", &path).set_json(&body)).await;
        assert_eq!(got.as_u16(), status, "{body}: {}", String::from_utf8_lossy(&problem));
        assert_eq!(headers.get("content-type").and_then(|h| h.to_str().ok()), Some("application/problem+json"));
    }
    let (got, _, _) =
        call(&service, v.staff.request("PUT", &path).insert_header(("content-type", "application/json")).set_payload("{\"name\": ")).await;
    assert_eq!(got.as_u16(), 400);
    let (got, _, _) =
        call(&service, v.staff.request("PUT", "/api/v1/participants/0193ffff-0000-7000-8000-000000000000").set_json(&good)).await;
    assert_eq!(got.as_u16(), 404);
    assert_eq!(updated_at(), before, "nothing written");

    // Corrected: found by the new name and address only, the mails follow, audited by field name.
    let (status, _, done) = call(&service, v.staff.request("PUT", &path).set_json(&good)).await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&done));
    assert_eq!(json_of(&done)["changed"], json!(["name", "email", "phone"]));
    for (q, found) in [("Richtig", true), ("rosamunde.r@example.org", true), ("Tippfehler", false), ("rosamunde.t@example.org", false)] {
        let (_, _, hits) = call(&service, v.staff.request("GET", &format!("/api/v1/participants?q={q}"))).await;
        assert_eq!(json_of(&hits).as_array().map(Vec::len), Some(usize::from(found)), "search for {q}");
    }
    let (_, _, export) = call(&service, v.staff.request("GET", &format!("{path}/export"))).await;
    let export = json_of(&export);
    assert_eq!(
        (export["participant"]["name"].as_str(), export["participant"]["phone"].as_str()),
        (Some("Rosamunde Richtig"), Some("+49 30 1234"))
    );
    assert!(export["mails"].as_array().is_some_and(|m| !m.is_empty()), "the booking confirmation moved to the new address");
    let (status, _, _) = call(
        &service,
        public("POST", &format!("/api/v1/public/verein-a/events/{}/bookings", v.event), "198.51.100.8")
            .set_json(json!({ "name": "Rosamunde Richtig", "email": "rosamunde.r@example.org", "consent": true })),
    )
    .await;
    assert_eq!(status.as_u16(), 202);
    let told = outbox_mail(&app, "verein-a", "rosamunde.r@example.org", "booking_refused").expect("a mail says why");
    assert!(told.text.contains("bereits eine Buchung"), "the new address is the same person: {}", told.text);
    let fields: Vec<String> = {
        use anwesend::db::schema::audit_entries::dsl as a;
        a::audit_entries
            .filter(a::action.eq("participant.updated"))
            .filter(a::subject_ref.eq(&v.participant))
            .select(a::detail)
            .load(&mut app.db.inspect())
            .expect("audit")
    };
    assert_eq!(fields.len(), 1);
    assert!(fields[0].contains("name,email,phone") && !fields[0].contains("Richtig"), "{fields:?}");
    let (status, _, same) = call(&service, v.staff.request("PUT", &path).set_json(&good)).await;
    assert_eq!((status.as_u16(), json_of(&same)["changed"].clone()), (200, json!([])), "nothing to change, nothing audited");
    let kept = json!({ "name": "Rosamunde Richtig", "email": "rosamunde.r@example.org" });
    let (_, _, same) = call(&service, v.staff.request("PUT", &path).set_json(&kept)).await;
    assert_eq!(json_of(&same)["changed"], json!([]), "no phone given: kept");
    let (_, _, removed) = call(
        &service,
        v.staff.request("PUT", &path).set_json(json!({ "name": "Rosamunde Richtig", "email": "rosamunde.r@example.org", "phone": "" })),
    )
    .await;
    assert_eq!(json_of(&removed)["changed"], json!(["phone"]), "an empty phone removes it");
}
