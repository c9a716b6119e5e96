//! Tenant offboarding (TOM DEL-1..4): read-only, the export archive, deletion with key
//! destruction after the window, and the signed deletion certificate.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use actix_web::dev::{Service, ServiceResponse};
use anwesend::audit::AuditContext;
use anwesend::clock::Clock;
use anwesend::crypto::{verify_with_public_key, CryptoError, MasterKey, MasterKeyOrigin, PlatformSigner};
use anwesend::db::TenantScope;
use anwesend::offboarding::{certificate, service as offboarding};
use anwesend::tenants::service as tenants;
use anwesend::AppError;
use anwesend_protocol as protocol;
use diesel::prelude::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::common::{sensitive, test_app_with, TestApp};
use crate::fixtures::server::{anwesend, text};
use crate::fixtures::{
    admin, bind_card, book_confirmed, call, database_dump, enrol, json_of, platform_admin, public, sign_in, sign_in_with_factor, signed,
    tap_body, tenant, venue, Device, Venue,
};

const PLATFORM_ADMIN: &str = "betrieb@anwesend.example";

struct Rig {
    app: TestApp,
    a: TenantScope,
    b: TenantScope,
    venue: Venue,
    device: Device,
    /// Every person of tenant A: (name, email).
    people: Vec<(String, String)>,
}

/// Tenant A with a course, three people booked (one with a card and a check-in, one with
/// a request about their data), tenant B with its own admin, and a platform admin.
async fn rig<S, B>(app: TestApp, service: &S) -> Rig
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (a, b) = (tenant(&app, "verein-a"), tenant(&app, "verein-b"));
    admin(&app, &a, "leitung@verein-a.example");
    admin(&app, &b, "leitung@verein-b.example");
    platform_admin(&app, PLATFORM_ADMIN);
    let people: Vec<(String, String)> = [
        ("Walburga Offboardinger", "walburga.o@example.org"),
        ("Kasimir Exportmann", "kasimir.e@example.org"),
        ("Zenzi Schredder", "zenzi.s@example.org"),
    ]
    .iter()
    .map(|(n, e)| (sensitive(n), sensitive(e)))
    .collect();
    let venue = venue(&app, service, "verein-a", (&people[0].0, &people[0].1)).await;
    for (name, email) in &people[1..] {
        let (status, body) = book_confirmed(
            &app,
            service,
            "verein-a",
            &venue.event,
            json!({ "name": name, "email": email, "consent": true }),
            "198.51.100.5",
        )
        .await;
        assert_eq!(status.as_u16(), 200, "{body}");
    }
    let device = enrol(service, &venue.staff, &venue.location, "Eingang").await;
    bind_card(&app, service, &venue.staff, &device, &venue.participant, "04AB0FF0B0A4D1").await;
    let (_, _, answer) = call(service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "tap-1", "04AB0FF0B0A4D1"))).await;
    assert_eq!(json_of(&answer)["outcome"], "checked_in");
    let message = sensitive("Bitte sagen Sie mir, was Sie über mich speichern");
    let (status, _, body) = call(
        service,
        venue
            .staff
            .request("POST", "/api/v1/subject-requests")
            .set_json(json!({ "participant_id": venue.participant, "kind": "access", "received_via": "letter", "message": message })),
    )
    .await;
    assert_eq!(status.as_u16(), 201, "{}", String::from_utf8_lossy(&body));
    Rig { app, a, b, venue, device, people }
}

fn app() -> TestApp {
    test_app_with(|c| {
        c.rate_limit.public_per_ip_per_minute = 10_000;
        c.rate_limit.sign_in_per_ip_per_minute = 10_000;
    })
}

fn problem_code(body: &[u8]) -> String {
    json_of(body)["code"].as_str().unwrap_or_default().to_owned()
}

fn start_body(slug: &str) -> Value {
    json!({ "confirm_slug": slug })
}

/// Rows of `table` in tenant `tenant_id`, seen past the application.
fn count(app: &TestApp, table: &str, tenant_id: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let column = if table == "mail_outbox" { "sender_tenant_id" } else { "tenant_id" };
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} = '{tenant_id}'"))
        .get_result::<N>(&mut app.db.inspect())
        .expect("count")
        .n
}

fn actions(app: &TestApp, chain: &str) -> Vec<String> {
    use anwesend::db::schema::audit_entries::dsl as e;
    e::audit_entries.filter(e::chain.eq(chain)).order(e::seq.asc()).select(e::action).load(&mut app.db.inspect()).expect("audit")
}

#[actix_web::test]
async fn del_1_an_offboarding_tenant_is_read_only_and_cannot_be_offboarded_twice() {
    let app = app();
    let service = app.service().await;
    let r = rig(app, &service).await;
    let staff = &r.venue.staff;

    // Bad input changes nothing: a wrong or missing confirmation, unknown fields, no JSON.
    for (body, status) in [
        (json!({ "confirm_slug": "verein-b" }), 422),
        (json!({ "confirm_slug": "VEREIN-A" }), 422),
        (json!({}), 422),
        (json!({ "confirm_slug": "verein-a", "tenant_id": r.b.tenant_id() }), 422),
    ] {
        let (got, headers, problem) = call(&service, staff.request("POST", "/api/v1/tenant/offboarding").set_json(&body)).await;
        assert_eq!(got.as_u16(), status, "{body}: {}", String::from_utf8_lossy(&problem));
        assert_eq!(headers.get("content-type").map(|h| h.to_str().unwrap_or_default()), Some("application/problem+json"));
    }
    let (status, _, _) = call(
        &service,
        staff.request("POST", "/api/v1/tenant/offboarding").insert_header(("content-type", "application/json")).set_payload("{nope"),
    )
    .await;
    assert_eq!(status.as_u16(), 400);
    let (_, _, state) = call(&service, staff.request("GET", "/api/v1/tenant/offboarding")).await;
    assert_eq!((json_of(&state)["status"].as_str(), json_of(&state)["started_at"].as_null()), (Some("active"), Some(())));
    assert!(!actions(&r.app, r.a.tenant_id()).iter().any(|a| a == "tenant.offboarding_started"));

    // Started by the tenant's primary admin: read-only at once, the archive for 30 days.
    let (status, _, started) = call(&service, staff.request("POST", "/api/v1/tenant/offboarding").set_json(start_body("verein-a"))).await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&started));
    let started = json_of(&started);
    assert_eq!(started["status"], "read_only");
    let at = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().expect("time")).expect("time");
    assert_eq!(at(&started["archive_until"]) - at(&started["started_at"]), chrono::Duration::days(30));

    // Twice: a clear 409, from the tenant and from the platform, and nothing changes.
    let (status, _, again) = call(&service, staff.request("POST", "/api/v1/tenant/offboarding").set_json(start_body("verein-a"))).await;
    assert_eq!((status.as_u16(), problem_code(&again).as_str()), (409, "offboarding_started"), "{}", String::from_utf8_lossy(&again));
    assert!(json_of(&again)["detail"].as_str().unwrap_or_default().contains("runs once"));
    let platform = sign_in_with_factor(&r.app, &service, PLATFORM_ADMIN).await;
    let (status, _, again) = call(
        &service,
        platform.request("POST", &format!("/api/v1/platform/tenants/{}/offboarding", r.a.tenant_id())).set_json(start_body("verein-a")),
    )
    .await;
    assert_eq!((status.as_u16(), problem_code(&again).as_str()), (409, "offboarding_started"));
    let (_, _, state) = call(&service, staff.request("GET", "/api/v1/tenant/offboarding")).await;
    assert_eq!(json_of(&state)["started_at"], started["started_at"]);
    let starts = actions(&r.app, r.a.tenant_id()).iter().filter(|a| *a == "tenant.offboarding_started").count();
    assert_eq!(starts, 1, "audited once in the tenant's chain");
    assert_eq!(actions(&r.app, "platform").iter().filter(|a| *a == "tenant.offboarding_started").count(), 1, "and once in the platform's");

    // Every state-changing request of the tenant: 409 tenant_read_only, one answer for all.
    let locations = count(&r.app, "locations", r.a.tenant_id());
    for (method, uri, body) in [
        ("POST", "/api/v1/locations".to_owned(), json!({ "name": "Neue Halle" })),
        ("PUT", "/api/v1/tenant/security".to_owned(), json!({ "mfa_required_for_admins": true })),
        ("POST", format!("/api/v1/bookings/{}/cancel", r.venue.booking), json!({})),
        ("POST", "/api/v1/invitations".to_owned(), json!({ "email": "neu@verein-a.example", "role": "organiser" })),
        (
            "POST",
            "/api/v1/attendance".to_owned(),
            json!({ "session_id": r.venue.session, "booking_id": r.venue.booking, "kind": "check_out" }),
        ),
    ] {
        let (status, headers, problem) = call(&service, staff.request(method, &uri).set_json(&body)).await;
        assert_eq!(
            (status.as_u16(), problem_code(&problem).as_str()),
            (409, "tenant_read_only"),
            "{method} {uri}: {}",
            String::from_utf8_lossy(&problem)
        );
        assert_eq!(headers.get("content-type").map(|h| h.to_str().unwrap_or_default()), Some("application/problem+json"));
    }
    assert_eq!(count(&r.app, "locations", r.a.tenant_id()), locations);
    let (_, _, tap) = call(&service, signed(&r.app, &r.device, protocol::PATH_TAPS, &tap_body(&r.app, "tap-ro", "04AB0FF0B0A4D1"))).await;
    assert_eq!(problem_code(&tap), "tenant_read_only", "devices too");
    let (status, _, _) = call(
        &service,
        public("POST", &format!("/api/v1/public/verein-a/events/{}/bookings", r.venue.event), "198.51.100.5")
            .set_json(json!({ "name": "Neu Person", "email": "neu@example.org", "consent": true })),
    )
    .await;
    assert_eq!(status.as_u16(), 404, "the public pages are gone");
    // Reads go on.
    let (status, _, list) = call(&service, staff.request("GET", &format!("/api/v1/events/{}/bookings", r.venue.event))).await;
    assert_eq!((status.as_u16(), json_of(&list).as_array().map(Vec::len)), (200, Some(3)));

    // The other tenant is not touched.
    let other = sign_in(&service, "leitung@verein-b.example").await;
    let (status, _, _) = call(&service, other.request("POST", "/api/v1/locations").set_json(json!({ "name": "Halle B" }))).await;
    assert_eq!(status.as_u16(), 201);
    let (_, _, state) = call(&service, other.request("GET", "/api/v1/tenant/offboarding")).await;
    assert_eq!(json_of(&state)["status"], "active");
    // Signing out stays possible.
    let (status, _, _) = call(&service, staff.request("POST", "/api/v1/auth/logout")).await;
    assert_eq!(status.as_u16(), 204);
}

/// The archive as `tar` unpacks it: file name → bytes.
fn untar(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("archive.tar");
    std::fs::write(&file, bytes).expect("write");
    let out = Command::new("tar").arg("-xf").arg(&file).arg("-C").arg(dir.path()).output().expect("tar");
    assert!(out.status.success(), "tar: {}", String::from_utf8_lossy(&out.stderr));
    let root = dir.path().join("verein-a-export");
    std::fs::read_dir(&root)
        .expect("archive folder")
        .map(|e| e.expect("entry").path())
        .map(|p| (p.file_name().expect("name").to_string_lossy().into_owned(), std::fs::read(&p).expect("read")))
        .collect()
}

#[actix_web::test]
async fn del_2_the_archive_holds_every_participant_and_booking_with_matching_checksums() {
    let app = app();
    let service = app.service().await;
    let r = rig(app, &service).await;
    let staff = &r.venue.staff;
    let platform = sign_in_with_factor(&r.app, &service, PLATFORM_ADMIN).await;
    let other = sign_in(&service, "leitung@verein-b.example").await;

    // An excused absence with its note and the list closed with the instructor's signature.
    let (_, _, list) = call(&service, staff.request("GET", &format!("/api/v1/events/{}/bookings", r.venue.event))).await;
    let absent = json_of(&list)
        .as_array()
        .expect("bookings")
        .iter()
        .find(|b| b["participant_id"] != r.venue.participant.as_str())
        .expect("another booking")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let note = sensitive("Knie verletzt beim Training");
    let absence = json!({ "booking_id": absent, "excused": true, "reason": "ill", "note": note });
    let (status, _, body) =
        call(&service, staff.request("PUT", &format!("/api/v1/event-sessions/{}/absences", r.venue.session)).set_json(absence)).await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&body));
    let closing = json!({ "strokes": [[100.0, 200.0, 300.0, 250.0]] });
    let (status, _, body) =
        call(&service, staff.request("POST", &format!("/api/v1/event-sessions/{}/close", r.venue.session)).set_json(closing)).await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&body));

    // No archive outside an offboarding.
    let (status, _, problem) = call(&service, staff.request("GET", "/api/v1/tenant/offboarding/archive")).await;
    assert_eq!((status.as_u16(), problem_code(&problem).as_str()), (409, "not_offboarding"));

    // A platform admin starts it and sees the status, but never the tenant's data.
    let platform_uri = format!("/api/v1/platform/tenants/{}/offboarding", r.a.tenant_id());
    let (status, _, started) = call(&service, platform.request("POST", &platform_uri).set_json(start_body("verein-a"))).await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&started));
    let (status, _, state) = call(&service, platform.request("GET", &platform_uri)).await;
    assert_eq!((status.as_u16(), json_of(&state)["status"].as_str()), (200, Some("read_only")));
    let (status, _, body) = call(&service, platform.request("GET", "/api/v1/tenant/offboarding/archive")).await;
    assert_eq!(status.as_u16(), 403, "{}", String::from_utf8_lossy(&body));
    let (status, _, _) = call(&service, platform.request("GET", &format!("{platform_uri}/certificate"))).await;
    assert_eq!(status.as_u16(), 404, "no certificate before the deletion");
    let (status, _, _) =
        call(&service, platform.request("GET", "/api/v1/platform/tenants/0193ffff-0000-7000-8000-000000000000/offboarding")).await;
    assert_eq!(status.as_u16(), 404);
    // Another tenant's admin gets their own tenant's answer, nothing of A.
    let (status, _, body) = call(&service, other.request("GET", "/api/v1/tenant/offboarding/archive")).await;
    assert_eq!((status.as_u16(), problem_code(&body).as_str()), (409, "not_offboarding"));
    assert!(!String::from_utf8_lossy(&body).contains("Walburga"));
    let (status, _, _) = call(&service, other.request("GET", &platform_uri)).await;
    assert_eq!(status.as_u16(), 403);

    // The tenant's admin downloads it.
    let (status, headers, tar) = call(&service, staff.request("GET", "/api/v1/tenant/offboarding/archive")).await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&tar));
    assert_eq!(headers.get("content-type").map(|h| h.to_str().unwrap_or_default()), Some("application/x-tar"));
    assert!(headers.get("content-disposition").and_then(|h| h.to_str().ok()).is_some_and(|h| h.contains("verein-a-export")));
    let files = untar(&tar);

    // The manifest: every file with its SHA-256, size and rows; signed by the platform.
    let manifest_bytes = &files["manifest.json"];
    let manifest: Value = serde_json::from_slice(manifest_bytes).expect("manifest");
    assert_eq!(manifest["tenant"]["id"], r.a.tenant_id());
    let listed: BTreeSet<String> =
        manifest["files"].as_array().expect("files").iter().map(|f| f["name"].as_str().expect("name").to_owned()).collect();
    let present: BTreeSet<String> = files.keys().filter(|n| !n.starts_with("manifest")).cloned().collect();
    assert_eq!(listed, present, "the manifest lists every file, and only those");
    for f in manifest["files"].as_array().expect("files") {
        let name = f["name"].as_str().expect("name");
        let bytes = &files[name];
        assert_eq!(f["sha256"].as_str(), Some(hex::encode(Sha256::digest(bytes)).as_str()), "{name}");
        assert_eq!(f["bytes"].as_u64(), Some(bytes.len() as u64), "{name}");
        let rows = f["rows"].as_u64().expect("rows") as usize;
        if name.ends_with(".json") {
            assert_eq!(serde_json::from_slice::<Value>(bytes).expect("json").as_array().map(Vec::len), Some(rows), "{name}");
        } else {
            let records = csv::Reader::from_reader(bytes.as_slice()).records().count();
            assert_eq!(records, rows, "{name}");
        }
    }
    for table in [
        "participants",
        "bookings",
        "events",
        "event_sessions",
        "attendance",
        "attendance_signatures",
        "session_closings",
        "absences",
        "subject_requests",
        "cards",
        "devices",
        "locations",
        "members",
        "deletion_log",
        "audit_entries",
    ] {
        assert!(files.contains_key(&format!("{table}.json")) && files.contains_key(&format!("{table}.csv")), "{table}");
    }
    let signature: Value = serde_json::from_slice(&files["manifest.signature.json"]).expect("signature");
    let signer = PlatformSigner::from_master(&r.app.state.master).expect("signer");
    assert_eq!(signature["public_key"].as_str(), Some(signer.public_key_hex().as_str()));
    assert!(verify_with_public_key(&signer.public_key_hex(), manifest_bytes, signature["value"].as_str().expect("value")).is_ok());

    // The closing's strokes and the absence's note, decrypted.
    let closings: Vec<Value> = serde_json::from_slice(&files["session_closings.json"]).expect("closings");
    assert_eq!(closings.len(), 1);
    assert_eq!(closings[0]["strokes"], json!([[100.0, 200.0, 300.0, 250.0]]));
    let absences: Vec<Value> = serde_json::from_slice(&files["absences.json"]).expect("absences");
    assert_eq!((absences.len(), absences[0]["note"].as_str()), (1, Some(note.as_str())));

    // Every participant and every booking, decrypted; nothing of tenant B.
    let participants: Vec<Value> = serde_json::from_slice(&files["participants.json"]).expect("participants");
    assert_eq!(participants.len() as i64, count(&r.app, "participants", r.a.tenant_id()));
    let people: BTreeSet<(String, String)> = participants
        .iter()
        .map(|p| (p["name"].as_str().expect("name").to_owned(), p["email"].as_str().expect("email").to_owned()))
        .collect();
    assert_eq!(people, r.people.iter().cloned().collect());
    let bookings: Vec<Value> = serde_json::from_slice(&files["bookings.json"]).expect("bookings");
    let booking_ids: BTreeSet<String> = {
        use anwesend::db::schema::bookings::dsl as b;
        b::bookings.filter(b::tenant_id.eq(r.a.tenant_id())).select(b::id).load(&mut r.app.db.inspect()).expect("ids").into_iter().collect()
    };
    assert_eq!(bookings.iter().map(|b| b["id"].as_str().expect("id").to_owned()).collect::<BTreeSet<_>>(), booking_ids);
    assert!(booking_ids.contains(&r.venue.booking));
    assert_eq!(manifest["tables"]["bookings"].as_u64(), Some(3));
    let csv = String::from_utf8_lossy(&files["participants.csv"]).into_owned();
    assert!(r.people.iter().all(|(name, email)| csv.contains(name.as_str()) && csv.contains(email.as_str())), "{csv}");
    let requests = String::from_utf8_lossy(&files["subject_requests.json"]).into_owned();
    assert!(requests.contains("was Sie über mich speichern"), "the request's message, decrypted");
    let all = files.values().map(|b| String::from_utf8_lossy(b).into_owned()).collect::<String>();
    assert!(!all.contains("verein-b") && !all.contains(r.b.tenant_id()), "nothing of tenant B");
    assert!(!all.contains(&hex::encode(&r.device.secret)), "no device secret");
    let attendance: Vec<Value> = serde_json::from_slice(&files["attendance.json"]).expect("attendance");
    assert_eq!(attendance.len(), 1);

    // Audited, with its hash; the tenant's data is still there until the window ends.
    assert!(actions(&r.app, r.a.tenant_id()).iter().any(|a| a == "tenant.archive_downloaded"));
    assert!(
        r.app.db.audit_text().iter().any(|row| row.contains(&hex::encode(Sha256::digest(&tar)))),
        "the download's SHA-256 is in the trail"
    );
    assert_eq!(count(&r.app, "participants", r.a.tenant_id()), 3);
}

#[actix_web::test]
async fn del_4_after_the_window_old_ciphertext_cannot_be_decrypted() {
    let app = app();
    let service = app.service().await;
    let r = rig(app, &service).await;
    let master = &r.app.state.master;
    let (name, email) = r.people[0].clone();

    // A participant's ciphertext, and the nightly backup, from before the offboarding.
    let (email_ciphertext, name_ciphertext): (Vec<u8>, Vec<u8>) = {
        use anwesend::db::schema::participants::dsl as p;
        p::participants
            .filter(p::id.eq(&r.venue.participant))
            .select((p::email_ciphertext, p::name_ciphertext))
            .first(&mut r.app.db.inspect())
            .expect("participant")
    };
    // Secure cards on: the tenant's card keys are stored, encrypted with its data key.
    let turned_on = r.venue.staff.request("PUT", "/api/v1/tenant/secure-cards").set_json(json!({ "required": true }));
    assert_eq!(call(&service, turned_on).await.0.as_u16(), 200);
    assert_eq!(count(&r.app, "secure_card_settings", r.a.tenant_id()), 1);
    let backup = r.app.db.snapshot();
    let from_backup = |db: &anwesend::db::Db| db.tenant_tx(&r.a, |tx| tenants::keys(tx, master));
    let keys = from_backup(&backup.db()).expect("the backup opens before the deletion");
    assert_eq!(keys.decrypt("participants", "email", &r.venue.participant, &email_ciphertext).expect("decrypt").as_str(), email);
    let secret = master.keyring().expect("keyring").join(format!("{}.key", r.a.tenant_id()));
    assert!(secret.exists(), "the tenant's keyring secret lives beside the database");

    let ctx = AuditContext { at: r.app.clock.now(), ..r.app.ctx() };
    offboarding::start(&r.app.state, &ctx, &r.a, &anwesend::offboarding::model::StartOffboarding { confirm_slug: "verein-a".into() })
        .expect("start");
    // Within the window nothing is deleted.
    r.app.clock.advance(chrono::Duration::days(29));
    assert!(offboarding::complete_due(&r.app.state, r.app.clock.now()).expect("job").is_empty());
    let early = offboarding::complete(&r.app.state, r.a.tenant_id(), r.app.clock.now());
    assert!(matches!(early, Err(AppError::Rule { code: anwesend::problem::ProblemCode::ExportWindowOpen, .. })), "{early:?}");
    assert_eq!(count(&r.app, "participants", r.a.tenant_id()), 3);

    // After the window the hourly job deletes, destroys the keys and certifies.
    r.app.clock.advance(chrono::Duration::days(1) + chrono::Duration::hours(1));
    let done = offboarding::complete_due(&r.app.state, r.app.clock.now()).expect("job");
    assert_eq!(done, vec![r.a.tenant_id().to_owned()]);
    assert!(!secret.exists(), "the keyring secret is destroyed");

    // The live database: no personal data rows, no key material, the keys are gone.
    for table in [
        "participants",
        "bookings",
        "attendance",
        "subject_requests",
        "cards",
        "secure_card_settings",
        "calendar_feeds",
        "devices",
        "participant_terms",
        "events",
        "memberships",
        "invitations",
        "mail_outbox",
        "locations",
    ] {
        assert_eq!(count(&r.app, table, r.a.tenant_id()), 0, "{table}");
    }
    assert_eq!(count(&r.app, "memberships", r.b.tenant_id()), 1, "tenant B keeps its data");
    let wrapped: Vec<Option<Vec<u8>>> = {
        use anwesend::db::schema::tenant_keys::dsl as k;
        k::tenant_keys.filter(k::tenant_id.eq(r.a.tenant_id())).select(k::wrapped_key).load(&mut r.app.db.inspect()).expect("keys")
    };
    assert_eq!(wrapped, vec![None, None]);
    let live = r.app.state.db.tenant_tx(&r.a, |tx| tenants::keys(tx, master));
    assert!(matches!(live, Err(AppError::Crypto(CryptoError::KeyDestroyed))), "{live:?}");
    let dump = String::from_utf8_lossy(&database_dump(&r.app.db)).to_lowercase();
    assert!(!dump.contains(&name.to_lowercase()) && !dump.contains(&email.to_lowercase()), "no plaintext left");
    assert!(!dump.contains(&hex::encode(&email_ciphertext)), "no ciphertext left (hex dump)");

    // The backup from before: its wrapped keys no longer open, with the very same master
    // key; the ciphertext copied from before cannot be decrypted (DEL-4).
    let old = from_backup(&backup.db());
    assert!(matches!(old, Err(AppError::Crypto(CryptoError::Decrypt))), "{old:?}");
    let rows: Vec<(String, String, Option<Vec<u8>>)> = {
        use anwesend::db::schema::tenant_keys::dsl as k;
        k::tenant_keys
            .filter(k::tenant_id.eq(r.a.tenant_id()))
            .select((k::id, k::purpose, k::wrapped_key))
            .load(&mut backup.inspect())
            .expect("backup keys")
    };
    assert_eq!(rows.len(), 2);
    for (id, purpose, wrapped) in rows {
        let wrapped = wrapped.expect("the backup still holds the wrapped key");
        assert_eq!(master.unwrap(&purpose, r.a.tenant_id(), &id, &wrapped).expect_err("shredded"), CryptoError::Decrypt, "{purpose}");
        // Nor with a copy of the master key beside an empty keyring (the key alone).
        let dir = tempfile::tempdir().expect("dir");
        master.write_file(&dir.path().join("master.key")).expect("copy");
        let bare = MasterKey::read_file(&dir.path().join("master.key")).expect("read");
        assert_eq!(bare.id(), master.id());
        assert_eq!(bare.unwrap(&purpose, r.a.tenant_id(), &id, &wrapped).expect_err("shredded"), CryptoError::Decrypt);
    }
    assert!(
        !name_ciphertext.is_empty() && keys_data_id(&backup, r.a.tenant_id()).len() > 8,
        "the backup holds ciphertext and key ids, nothing that opens them"
    );

    // Recorded: deletion log (reason, counts, no personal data), audit chain intact.
    let log: Vec<(String, i64, String)> = {
        use anwesend::db::schema::deletion_log::dsl as d;
        d::deletion_log
            .filter(d::tenant_id.eq(r.a.tenant_id()))
            .filter(d::reason_code.eq("tenant_offboarding"))
            .select((d::category, d::record_count, d::legal_basis))
            .load(&mut r.app.db.inspect())
            .expect("log")
    };
    assert!(log.contains(&("participants".into(), 3, "GDPR Art. 28(3)(g)".into())), "{log:?}");
    assert!(log.contains(&("bookings".into(), 3, "GDPR Art. 28(3)(g)".into())), "{log:?}");
    let chain = r.app.state.db.tenant_tx(&r.a, |tx| anwesend::audit::verify_chain(tx, r.a.tenant_id())).expect("verify");
    assert!(chain.intact, "{chain:?}");
    let trail = actions(&r.app, r.a.tenant_id());
    for action in ["tenant.data_deleted", "crypto.tenant_keys_destroyed", "tenant.deletion_certificate_issued"] {
        assert!(trail.iter().any(|a| a == action), "{action} in {trail:?}");
    }
    // The former admin's session ended with the tenant; the job runs once.
    let (status, _, _) = call(&service, r.venue.staff.request("GET", "/api/v1/events")).await;
    assert_eq!(status.as_u16(), 401);
    assert!(offboarding::complete_due(&r.app.state, r.app.clock.now()).expect("job").is_empty());
    let again = offboarding::complete(&r.app.state, r.a.tenant_id(), r.app.clock.now());
    assert!(matches!(again, Err(AppError::Rule { code: anwesend::problem::ProblemCode::TenantOffboarded, .. })), "{again:?}");
    // Still usable: tenant B, and a new tenant.
    let b_keys = r.app.state.db.tenant_tx(&r.b, |tx| tenants::keys(tx, master));
    assert!(b_keys.is_ok());
}

fn keys_data_id(db: &crate::common::TestDb, tenant_id: &str) -> String {
    use anwesend::db::schema::tenant_keys::dsl as k;
    k::tenant_keys
        .filter(k::tenant_id.eq(tenant_id))
        .filter(k::purpose.eq("data"))
        .select(k::id)
        .first(&mut db.inspect())
        .expect("data key id")
}

fn verify_cli(app: &TestApp, dir: &std::path::Path, file: &std::path::Path, public_key: Option<&str>) -> std::process::Output {
    let mut cmd = anwesend(&app.db, dir);
    cmd.args(["certificate", "verify"]).arg(file);
    if let Some(key) = public_key {
        cmd.args(["--public-key", key]);
    }
    cmd.output().expect("anwesend certificate verify")
}

#[actix_web::test]
async fn del_3_the_certificate_verifies_and_fails_when_edited() {
    let app = app();
    let service = app.service().await;
    let r = rig(app, &service).await;
    let ctx = AuditContext { at: r.app.clock.now(), ..r.app.ctx() };
    offboarding::start(&r.app.state, &ctx, &r.a, &anwesend::offboarding::model::StartOffboarding { confirm_slug: "verein-a".into() })
        .expect("start");
    r.app.clock.advance(chrono::Duration::days(31));
    let issued = offboarding::complete(&r.app.state, r.a.tenant_id(), r.app.clock.now()).expect("complete");

    // Platform admins download it (audited); nobody else.
    let platform = sign_in_with_factor(&r.app, &service, PLATFORM_ADMIN).await;
    let uri = format!("/api/v1/platform/tenants/{}/offboarding/certificate", r.a.tenant_id());
    let (status, _, downloaded) = call(&service, platform.request("GET", &uri)).await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&downloaded));
    assert_eq!(downloaded, issued.as_bytes());
    assert!(actions(&r.app, "platform").iter().any(|a| a == "tenant.deletion_certificate_downloaded"));
    let other = sign_in(&service, "leitung@verein-b.example").await;
    let (status, _, _) = call(&service, other.request("GET", &uri)).await;
    assert_eq!(status.as_u16(), 403);
    let (_, _, state) = call(&service, platform.request("GET", &format!("/api/v1/platform/tenants/{}/offboarding", r.a.tenant_id()))).await;
    let state = json_of(&state);
    assert_eq!((state["status"].as_str(), state["certificate_available"].as_bool()), (Some("offboarded"), Some(true)));

    // What it says: tenant, dates, categories and counts, the keys destroyed.
    let document: Value = serde_json::from_str(&issued).expect("json");
    let c = &document["certificate"];
    assert_eq!((c["tenant"]["id"].as_str(), c["tenant"]["name"].as_str()), (Some(r.a.tenant_id()), Some("verein-a")));
    let category = |name: &str| {
        c["categories"].as_array().expect("categories").iter().find(|x| x["category"] == name).and_then(|x| x["record_count"].as_i64())
    };
    assert_eq!(
        (category("participants"), category("bookings"), category("attendance_records"), category("subject_requests")),
        (Some(3), Some(3), Some(1), Some(1))
    );
    assert_eq!(c["destroyed_keys"].as_array().map(Vec::len), Some(2));
    assert_eq!(c["keyring_secret_destroyed"], true);
    assert_eq!(c["keys_destroyed_at"], c["deleted_at"]);
    assert!(c["offboarding_started_at"].as_str().is_some_and(|t| t.starts_with("2026-11-23")), "{c}");
    assert!(!issued.contains(&r.people[0].0), "no personal data in the certificate");

    // `anwesend certificate verify FILE`: against the platform's own key (the server's
    // key file), and anywhere with the public key given.
    let dir = tempfile::tempdir().expect("dir");
    r.app.state.master.write_file(&dir.path().join("master.key")).expect("the platform's key file");
    let file = dir.path().join("certificate.json");
    std::fs::write(&file, &issued).expect("write");
    let signer = PlatformSigner::from_master(&r.app.state.master).expect("signer");
    for key in [None, Some(signer.public_key_hex())] {
        let out = verify_cli(&r.app, dir.path(), &file, key.as_deref());
        assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
        let said = text(&out.stdout);
        assert!(said.contains("valid deletion certificate") && said.contains(r.a.tenant_id()) && said.contains(signer.key_id()), "{said}");
    }
    let out = anwesend(&r.app.db, dir.path()).args(["certificate", "public-key"]).output().expect("public-key");
    assert_eq!(text(&out.stdout).trim(), signer.public_key_hex());

    // Edited anywhere: refused, with a clear message.
    let edits: Vec<(&str, String)> = vec![
        (
            "a count",
            issued.replacen("{\"category\":\"participants\",\"record_count\":3}", "{\"category\":\"participants\",\"record_count\":2}", 1),
        ),
        ("the tenant's name", issued.replacen("\"name\":\"verein-a\"", "\"name\":\"verein-x\"", 1)),
        ("a date", issued.replacen("\"deleted_at\":\"2026-12", "\"deleted_at\":\"2027-12", 1)),
        ("the signature", {
            let value = document["signature"]["value"].as_str().expect("sig");
            let flipped = format!("{}{}", if value.starts_with('0') { '1' } else { '0' }, &value[1..]);
            issued.replacen(value, &flipped, 1)
        }),
        ("added whitespace", issued.replacen("{\"certificate\":{", "{\"certificate\": {", 1)),
        ("a truncated file", issued[..issued.len() - 10].to_owned()),
    ];
    for (what, edited) in &edits {
        assert_ne!(edited, &issued, "{what} was edited");
        std::fs::write(&file, edited).expect("write");
        let out = verify_cli(&r.app, dir.path(), &file, None);
        assert!(!out.status.success(), "{what}: {}", text(&out.stdout));
        assert!(text(&out.stderr).contains("INVALID deletion certificate"), "{what}: {}", text(&out.stderr));
    }
    // Signed by another platform's key: intact, but not ours.
    let stranger = PlatformSigner::from_master(&MasterKey::generate(MasterKeyOrigin::Operator)).expect("other");
    let forged = certificate::sign(document["certificate"].clone(), &stranger);
    std::fs::write(&file, &forged).expect("write");
    let out = verify_cli(&r.app, dir.path(), &file, None);
    assert!(!out.status.success() && text(&out.stderr).contains("not the platform's key"), "{}", text(&out.stderr));
    let out = verify_cli(&r.app, dir.path(), &file, Some(&signer.public_key_hex()));
    assert!(!out.status.success());

    // Every single byte matters (the library check the command runs).
    assert!(certificate::verify(issued.as_bytes(), Some(&signer.public_key_hex())).is_ok());
    let bytes = issued.as_bytes();
    for i in (0..bytes.len()).step_by(5) {
        let mut edited = bytes.to_vec();
        edited[i] ^= 0x01;
        assert!(certificate::verify(&edited, Some(&signer.public_key_hex())).is_err(), "byte {i} ({:?}) edited", bytes[i] as char);
    }
}

#[actix_web::test]
async fn del_3_verify_without_the_platform_key_says_what_to_do() {
    let db = crate::common::TestDb::new();
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("certificate.json");
    std::fs::write(&file, "{}\n").expect("write");
    let out = anwesend(&db, dir.path()).args(["certificate", "verify"]).arg(&file).output().expect("verify");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--public-key"), "{}", text(&out.stderr));
    assert!(!dir.path().join("master.key").exists(), "verify never makes a key");
    let out = anwesend(&db, dir.path()).args(["certificate", "verify", "--public-key", "04ab"]).arg(&file).output().expect("verify");
    assert!(!out.status.success() && text(&out.stderr).contains("INVALID"), "{}", text(&out.stderr));
}

#[actix_web::test]
async fn del_1_keyring_secrets_are_private_files_and_tenant_creation_makes_one() {
    let app = app();
    let scope = tenant(&app, "verein-k");
    let path = app.state.master.keyring().expect("keyring").join(format!("{}.key", scope.tenant_id()));
    assert!(path.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
    }
    assert!(
        !String::from_utf8_lossy(&database_dump(&app.db)).contains(std::fs::read_to_string(&path).expect("secret").trim()),
        "the secret is not in the database"
    );
}
