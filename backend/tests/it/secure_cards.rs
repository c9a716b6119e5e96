//! Secure cards (NTAG 424 DNA, issue 22): the SDM cryptography against NXP AN12196's
//! vectors, and signed taps carrying Secure Unique NFC messages (TOM TRANS-2, PSEUDO-1,
//! DEL-4, PRIV-5, DEV-1). The same flow through the real agent and a virtual card on a
//! real pcscd is in `agent.rs`.

use actix_web::http::StatusCode;
use anwesend::crypto::sdm::{self, PiccData};
use anwesend_protocol as protocol;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::{sensitive, test_app_with, TestApp};
use crate::fixtures::pcsc::sun_url;
use crate::fixtures::{admin, call, enrol, json_of, signed, tap_body, tenant, venue, Client, Device, Venue};

fn bytes(text: &str) -> Vec<u8> {
    hex::decode(text).expect("hex")
}

const ZERO: [u8; 16] = [0; 16];

#[test]
fn trans_2_an12196_message_decrypts_to_uid_and_counter_and_its_mac_verifies() {
    let picc = sdm::decrypt_picc_data(&ZERO, &bytes("EF963FF7828658A599F3041510671E88")).expect("decrypts");
    assert_eq!(picc, PiccData { uid: bytes("04DE5F1EACC040").try_into().expect("7 bytes"), counter: 61 });
    assert_eq!(picc.counter_bytes(), [0x3D, 0x00, 0x00]);
    assert_eq!(sdm::session_mac_key(&ZERO, &picc).to_vec(), bytes("3FB5F6E3A807A03D5E3570ACE393776F"));
    assert_eq!(sdm::full_mac(&ZERO, &picc, b"").to_vec(), bytes("E194C7EE12D9F7EE8A65C8331B704386"));
    assert_eq!(sdm::sdm_mac(&ZERO, &picc, b"").to_vec(), bytes("94EED9EE65337086"));
    assert!(sdm::verify_sdm_mac(&ZERO, &picc, b"", &bytes("94EED9EE65337086")));
    // One bit of the MAC, another counter, another key: refused.
    assert!(!sdm::verify_sdm_mac(&ZERO, &picc, b"", &bytes("94EED9EE65337087")));
    assert!(!sdm::verify_sdm_mac(&ZERO, &PiccData { counter: 62, ..picc }, b"", &bytes("94EED9EE65337086")));
    assert!(!sdm::verify_sdm_mac(&[1; 16], &picc, b"", &bytes("94EED9EE65337086")));
    assert!(!sdm::verify_sdm_mac(&ZERO, &picc, b"", &bytes("94EED9EE653370")), "a shortened MAC");
    // Another meta read key gives no PICC data tag.
    assert!(sdm::decrypt_picc_data(&[1; 16], &bytes("EF963FF7828658A599F3041510671E88")).is_err());
    assert!(sdm::decrypt_picc_data(&ZERO, &bytes("EF963FF7828658A599F3041510671E")).is_err());
}

#[test]
fn trans_2_an12196_message_with_encrypted_file_data() {
    let picc = sdm::decrypt_picc_data(&ZERO, &bytes("FD91EC264309878BE6345CBE53BADF40")).expect("decrypts");
    assert_eq!(picc, PiccData { uid: bytes("04958CAA5C5E80").try_into().expect("7 bytes"), counter: 8 });
    let input = b"CEE9A53E3E463EF1F459635736738962&cmac=";
    assert_eq!(sdm::sdm_mac(&ZERO, &picc, input).to_vec(), bytes("ECC1E7F6C6C73BF6"));
    let plain = sdm::decrypt_file_data(&ZERO, &picc, &bytes("CEE9A53E3E463EF1F459635736738962")).expect("decrypts");
    assert_eq!(plain, b"xxxxxxxxxxxxxxxx", "AN12196's file data");
    assert!(sdm::decrypt_file_data(&ZERO, &picc, &bytes("CEE9A53E3E463EF1")).is_err(), "not whole blocks");
}

#[test]
fn trans_2_file_read_keys_are_diversified_per_card() {
    let master = [7u8; 16];
    let (a, b) = ([0x04, 1, 2, 3, 4, 5, 6], [0x04, 1, 2, 3, 4, 5, 7]);
    assert_eq!(sdm::diversify(&master, &a), sdm::diversify(&master, &a));
    assert_ne!(sdm::diversify(&master, &a), sdm::diversify(&master, &b));
    assert_ne!(sdm::diversify(&master, &a), sdm::diversify(&[8; 16], &a));
}

fn app() -> TestApp {
    test_app_with(|c| c.rate_limit.public_per_ip_per_minute = 10_000)
}

/// A tenant with an admin, a venue with a session running now and a booked person, and a
/// device enrolled there.
async fn venue_with_device<S, B>(app: &TestApp, service: &S) -> (Venue, Device)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let scope = tenant(app, "verein-a");
    admin(app, &scope, "leitung@verein-a.example");
    let venue = venue(app, service, "verein-a", ("Anna Beispiel", "anna@example.org")).await;
    let device = enrol(service, &venue.staff, &venue.location, "Eingang Nord").await;
    (venue, device)
}

const UID: [u8; 7] = [0x04, 0x5E, 0xC0, 0x4D, 0x42, 0x4D, 0x01];

struct Keys {
    meta: [u8; 16],
    file: [u8; 16],
}

fn key(v: &Value) -> [u8; 16] {
    bytes(v.as_str().expect("key")).try_into().expect("16 bytes")
}

fn audit_refusals(app: &TestApp) -> Vec<String> {
    use anwesend::db::schema::audit_entries::dsl as a;
    a::audit_entries
        .filter(a::action.eq("card.secure_tap_refused"))
        .order(a::id.asc())
        .select(a::detail)
        .load::<String>(&mut app.db.inspect())
        .expect("audit")
        .into_iter()
        .map(|d| serde_json::from_str::<Value>(&d).expect("json")["reason"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn answer<S, B>(service: &S, req: actix_web::test::TestRequest) -> (StatusCode, Value)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, _, body) = call(service, req).await;
    (status, if body.is_empty() { Value::Null } else { json_of(&body) })
}

fn secure_tap(app: &TestApp, key: &str, uid: &str, sun: &str) -> Value {
    let mut body = tap_body(app, key, uid);
    body["sun"] = json!(sun);
    body
}

/// Secure cards on (`required`), and one card provisioned for the venue's participant:
/// "enrol card" on the device, the keys for that one card over the signed request.
async fn provisioned<S, B>(app: &TestApp, service: &S, staff: &Client, device: &Device, participant: &str, required: bool) -> Keys
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, body) =
        answer(service, staff.request("PUT", "/api/v1/tenant/secure-cards").set_json(json!({ "required": required }))).await;
    assert_eq!((status, &body), (StatusCode::OK, &json!({ "enabled": true, "required": required })));
    let uid = hex::encode_upper(UID);
    let request = || signed(app, device, "/api/v1/device/card-keys", &json!({ "card_id": uid }));
    let (status, body) = answer(service, request()).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("no_enrolment")), "only while an admin enrols a card");
    let enrolment =
        staff.request("POST", &format!("/api/v1/devices/{}/card-enrolment", device.id)).set_json(json!({ "participant_id": participant }));
    assert_eq!(answer(service, enrolment).await.0, StatusCode::OK);
    let (status, keys) = answer(service, request()).await;
    assert_eq!(status, StatusCode::OK, "{keys}");
    Keys { meta: key(&keys["meta_read_key"]), file: key(&keys["file_read_key"]) }
}

#[actix_web::test]
async fn trans_2_secure_card_checks_in_and_replays_clones_rollbacks_and_wrong_keys_are_refused() {
    let app = app();
    let service = app.service().await;
    let (venue, device) = venue_with_device(&app, &service).await;
    let keys = provisioned(&app, &service, &venue.staff, &device, &venue.participant, true).await;
    let uid = sensitive(&hex::encode_upper(UID));
    let url = |counter| sensitive(&sun_url(&keys.meta, &keys.file, &UID, counter));
    let tap = |key: &str, sun: &str| signed(&app, &device, protocol::PATH_TAPS, &secure_tap(&app, key, &uid, sun));

    // The provisioned card's first tap binds it; the next one checks in.
    let (status, body) = answer(&service, tap("tap-1", &url(1))).await;
    assert_eq!((status, body["outcome"].as_str()), (StatusCode::OK, Some("card_bound")), "{body}");
    let second = url(2);
    let (status, body) = answer(&service, tap("tap-2", &second)).await;
    assert_eq!((status, body["outcome"].as_str()), (StatusCode::OK, Some("checked_in")), "{body}");
    // The agent sending the same tap again (same key) gets the same answer: no replay.
    let (status, body) = answer(&service, tap("tap-2", &second)).await;
    assert_eq!((status, body["outcome"].as_str()), (StatusCode::OK, Some("checked_in")), "{body}");

    let refused = |code: &str| (StatusCode::CONFLICT, Some(code.to_owned()));
    let code = |(status, body): (StatusCode, Value)| (status, body["code"].as_str().map(str::to_owned));
    // The message of that tap again (a recorded copy), the UID alone (a UID clone), an
    // older counter with a genuine MAC (a card restored to an older state).
    assert_eq!(code(answer(&service, tap("tap-3", &second)).await), refused("secure_card_replayed"));
    let uid_only = signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "tap-4", &uid));
    assert_eq!(code(answer(&service, uid_only).await), refused("secure_card_required"));
    assert_eq!(code(answer(&service, tap("tap-5", &url(1))).await), refused("secure_card_replayed"));
    // Another tenant's keys, a MAC of another message, another card's UID beside it.
    let foreign = sun_url(&[9; 16], &[9; 16], &UID, 9);
    assert_eq!(code(answer(&service, tap("tap-6", &foreign)).await), refused("secure_card_invalid"));
    let forged = format!("{}{}", &url(9)[..url(9).len() - 16], &url(8)[url(8).len() - 16..]);
    assert_eq!(code(answer(&service, tap("tap-7", &forged)).await), refused("secure_card_invalid"));
    let other = signed(&app, &device, protocol::PATH_TAPS, &secure_tap(&app, "tap-8", "04AAAAAAAAAAAA", &url(10)));
    assert_eq!(code(answer(&service, other).await), refused("secure_card_invalid"));
    // A new genuine read after all that is still the card: already checked in.
    let (status, body) = answer(&service, tap("tap-9", &url(11))).await;
    assert_eq!((status, body["outcome"].as_str()), (StatusCode::OK, Some("already_recorded")), "{body}");

    // Each refusal is audited with its reason; the UID and the messages are in no entry.
    assert_eq!(
        audit_refusals(&app),
        [
            "secure_card_replayed",
            "secure_card_required",
            "secure_card_replayed",
            "secure_card_invalid",
            "secure_card_invalid",
            "secure_card_invalid"
        ]
    );
    // PSEUDO-1 and DEL-4: the card is a keyed hash with its counter; the keys are ciphertext.
    use anwesend::db::schema::{cards::dsl as c, secure_card_settings::dsl as s};
    let counters: Vec<Option<i64>> = c::cards.select(c::sdm_counter).load(&mut app.db.inspect()).expect("cards");
    assert_eq!(counters, [Some(11)]);
    let (meta, master): (Vec<u8>, Vec<u8>) = s::secure_card_settings
        .select((s::meta_read_key_ciphertext, s::file_read_master_ciphertext))
        .first(&mut app.db.inspect())
        .expect("keys");
    for stored in [&meta, &master] {
        assert!(!stored.windows(16).any(|w| w == keys.meta || w == keys.file), "keys are stored encrypted");
        assert!(!String::from_utf8_lossy(stored).to_ascii_lowercase().contains(&hex::encode(keys.meta)));
    }
}

/// Staff at the venue see on the kiosk why a secure card's tap did not count (TOM
/// TRANS-2): a message seen before, a card read by its id alone, a message that does not
/// verify; without a name (a copy of someone's card tapped, not necessarily its owner).
/// On PostgreSQL the refusal travels as a notice in its transaction, like a tap.
#[actix_web::test]
async fn trans_2_the_kiosk_shows_why_a_secure_card_tap_did_not_count() {
    let app = app();
    let service = app.service().await;
    let (venue, device) = venue_with_device(&app, &service).await;
    let keys = provisioned(&app, &service, &venue.staff, &device, &venue.participant, true).await;
    let uid = hex::encode_upper(UID);
    let url = |counter| sun_url(&keys.meta, &keys.file, &UID, counter);
    let tap = |key: &str, sun: &str| signed(&app, &device, protocol::PATH_TAPS, &secure_tap(&app, key, &uid, sun));
    let (status, body, problem) = crate::sessions::open(&service, &venue.staff, "").await;
    assert_eq!(status, StatusCode::OK, "{problem}");
    let mut stream = body.expect("stream");

    assert_eq!(answer(&service, tap("tap-1", &url(1))).await.1["outcome"], "card_bound");
    assert_eq!(answer(&service, tap("tap-2", &url(2))).await.1["outcome"], "checked_in");
    crate::sessions::read_until(&mut stream, "checked_in").await;
    let refusals = [
        ("secure_card_replayed", tap("tap-3", &url(2))),
        ("secure_card_required", signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "tap-4", &uid))),
        ("secure_card_invalid", tap("tap-5", &sun_url(&[9; 16], &[9; 16], &UID, 9))),
    ];
    for (code, request) in refusals {
        let (status, body) = answer(&service, request).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some(code)));
        let seen = crate::sessions::read_until(&mut stream, code).await;
        let event = seen.lines().find(|l| l.contains(code)).expect("the refusal's line");
        let data: Value = serde_json::from_str(event.trim_start_matches("data:").trim()).expect("json");
        assert_eq!(
            (data["outcome"].as_str(), &data["first_name"], data["device_name"].as_str()),
            (Some(code), &Value::Null, Some("Eingang Nord")),
            "{seen}"
        );
        assert!(!seen.contains("Anna") && !seen.contains(&uid), "{seen}");
    }
}

#[actix_web::test]
async fn trans_2_plain_cards_and_old_agents_work_until_the_tenant_requires_secure_cards() {
    let app = app();
    let service = app.service().await;
    let (venue, device) = venue_with_device(&app, &service).await;
    let plain = sensitive("04A1B2C3D4E5F6");
    crate::fixtures::bind_card(&app, &service, &venue.staff, &device, &venue.participant, &plain).await;

    // An old agent's heartbeat (no `secure_cards`) still works; the list says it cannot read them.
    let beat = json!({ "agent_version": "0.1.0", "readers": ["R"], "queue_length": 0 });
    assert_eq!(answer(&service, signed(&app, &device, protocol::PATH_HEARTBEAT, &beat)).await.0, StatusCode::OK);
    let listed = |body: Value| body[0]["secure_cards"].as_bool();
    assert_eq!(listed(answer(&service, venue.staff.request("GET", "/api/v1/devices")).await.1), Some(false));
    let beat = json!({ "agent_version": "0.1.0", "readers": ["R"], "queue_length": 0, "secure_cards": true });
    assert_eq!(answer(&service, signed(&app, &device, protocol::PATH_HEARTBEAT, &beat)).await.0, StatusCode::OK);
    assert_eq!(listed(answer(&service, venue.staff.request("GET", "/api/v1/devices")).await.1), Some(true));

    // Secure cards on but not required: the plain card (an old agent's tap) still checks in.
    let (_, settings) = answer(&service, venue.staff.request("GET", "/api/v1/tenant/secure-cards")).await;
    assert_eq!(settings, json!({ "enabled": false, "required": false }));
    let _ = provisioned(&app, &service, &venue.staff, &device, &venue.participant, false).await;
    // (the pending card enrolment from provisioning binds the plain card again: same person)
    let (status, body) = answer(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "tap-1", &plain))).await;
    assert_eq!((status, body["outcome"].as_str()), (StatusCode::OK, Some("card_bound")), "{body}");
    let (status, body) = answer(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "tap-2", &plain))).await;
    assert_eq!((status, body["outcome"].as_str()), (StatusCode::OK, Some("checked_in")), "{body}");

    // Required: the same plain card is refused, and the refusal is audited.
    let (status, _) =
        answer(&service, venue.staff.request("PUT", "/api/v1/tenant/secure-cards").set_json(json!({ "required": true }))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = answer(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "tap-3", &plain))).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("secure_card_required")), "{body}");
    assert_eq!(audit_refusals(&app), ["secure_card_required"]);
}

#[actix_web::test]
async fn priv_5_malformed_oversized_and_hostile_secure_card_input_is_refused() {
    let app = app();
    let service = app.service().await;
    let (venue, device) = venue_with_device(&app, &service).await;
    let uid = hex::encode_upper(UID);

    // Keys before secure cards are on: refused.
    let enrolment = venue
        .staff
        .request("POST", &format!("/api/v1/devices/{}/card-enrolment", device.id))
        .set_json(json!({ "participant_id": venue.participant }));
    assert_eq!(answer(&service, enrolment).await.0, StatusCode::OK);
    let keys = |card: Value| signed(&app, &device, "/api/v1/device/card-keys", &json!({ "card_id": card }));
    let (status, body) = answer(&service, keys(json!(uid))).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("secure_cards_off")));
    let (status, _) =
        answer(&service, venue.staff.request("PUT", "/api/v1/tenant/secure-cards").set_json(json!({ "required": false }))).await;
    assert_eq!(status, StatusCode::OK);
    for hostile in [
        json!("04A1B2C3D4E5"),
        json!("04A1B2C3D4E5F6A7"),
        json!("zz5EC04D424D01"),
        json!("'; DROP TABLE cards; --"),
        json!(7),
        json!("x".repeat(10_000)),
    ] {
        let (status, body) = answer(&service, keys(hostile.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{hostile}: {body}");
    }
    let extra = signed(&app, &device, "/api/v1/device/card-keys", &json!({ "card_id": uid, "participant_id": venue.participant }));
    assert_eq!(answer(&service, extra).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    for body in [json!({ "required": "yes" }), json!({}), json!({ "required": true, "keys": "00" })] {
        let (status, _) = answer(&service, venue.staff.request("PUT", "/api/v1/tenant/secure-cards").set_json(body.clone())).await;
        assert!(status.is_client_error(), "{body}: {status}");
    }

    let genuine = sun_url(&ZERO, &ZERO, &UID, 1);
    let query = genuine.split_once('?').expect("query").1.to_owned();
    let hostile = [
        "https://anwesend.example/k".to_owned(),
        "https://anwesend.example/k?cmac=94EED9EE65337086".to_owned(),
        "https://anwesend.example/k?picc_data=EF96&cmac=94EED9EE65337086".to_owned(),
        format!("https://anwesend.example/k?{query}&{query}"),
        format!("https://anwesend.example/k?{query}&enc=ABC"),
        format!("https://anwesend.example/k?{query}&pad={}", "A".repeat(600)),
        format!("https://anwesend.example/ü?{query}"),
        format!("https://anwesend.example/k?{}", query.replace("cmac=", "cmac=ZZ").replace("&cmac=ZZ", "&cmac=ZZZZ")),
    ];
    for (n, sun) in hostile.iter().enumerate() {
        let req = signed(&app, &device, protocol::PATH_TAPS, &secure_tap(&app, &format!("tap-{n}"), &uid, sun));
        let (status, body) = answer(&service, req).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_field")), "{sun}: {body}");
    }
    let wrong_type = signed(&app, &device, protocol::PATH_TAPS, &{
        let mut body = tap_body(&app, "tap-x", &uid);
        body["sun"] = json!(["a"]);
        body
    });
    assert_eq!(answer(&service, wrong_type).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    use anwesend::db::schema::cards::dsl as c;
    assert_eq!(c::cards.count().get_result::<i64>(&mut app.db.inspect()).expect("cards"), 0, "nothing written");
}
