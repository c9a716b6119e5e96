//! Passkeys (TOM ACC-6): registration, the second factor, passwordless sign-in, removal,
//! and what a copied, foreign or broken credential gets. Ceremonies are answered by a
//! software authenticator with real keys and signatures (`fixtures::webauthn`).

use actix_web::http::StatusCode;
use actix_web::test;
use anwesend::http::build_app;
use chrono::Duration;
use serde_json::{json, Value};

use crate::common::{test_app_with, TestApp};
use crate::fixtures::webauthn::SoftPasskey;
use crate::fixtures::{add_passkey, call, count, json_of, login, member, public, sign_in, Client, PASSWORD};

macro_rules! service {
    ($app:expr) => {
        test::init_service(build_app($app.state.clone())).await
    };
}

const ADMIN: &str = "leitung@verein-a.example";

fn app() -> TestApp {
    test_app_with(|c| {
        c.rate_limit.sign_in_per_account_per_minute = 100;
        c.rate_limit.mfa_per_account_per_minute = 100;
    })
}

fn audited(app: &TestApp, action: &str) -> Vec<String> {
    app.db.audit_text().into_iter().filter(|row| row.contains(&format!("|{action}|"))).collect()
}

/// The second step with a passkey: start, answer, finish. Returns status, body, and the
/// client with the new session on success.
async fn second_factor<S, B>(service: &S, client: &mut Client, passkey: &mut SoftPasskey) -> (StatusCode, Value)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, _, body) = call(service, client.request("POST", "/api/v1/auth/passkeys/mfa/start")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let challenge = json_of(&body);
    let answer = passkey.assert(&challenge["options"]);
    let finish = client
        .request("POST", "/api/v1/auth/passkeys/mfa/finish")
        .set_json(json!({ "ceremony": challenge["ceremony"], "credential": answer }));
    let (status, headers, body) = call(service, finish).await;
    let body = json_of(&body);
    if status == StatusCode::OK {
        client.update(&headers, &body);
    }
    (status, body)
}

/// Passwordless sign-in from a fresh browser. Returns status, body and the client.
async fn passwordless<S, B>(service: &S, passkey: &mut SoftPasskey) -> (StatusCode, Value, Client)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, _, body) = call(service, public("POST", "/api/v1/auth/passkeys/sign-in/start", "198.51.100.20")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let challenge = json_of(&body);
    assert_eq!(challenge["options"]["userVerification"], "required");
    let answer = passkey.assert(&challenge["options"]);
    let finish = public("POST", "/api/v1/auth/passkeys/sign-in/finish", "198.51.100.20")
        .set_json(json!({ "ceremony": challenge["ceremony"], "credential": answer }));
    let (status, headers, body) = call(service, finish).await;
    let body = json_of(&body);
    let mut client = Client::new();
    if status == StatusCode::OK {
        client.update(&headers, &body);
    }
    (status, body, client)
}

async fn allow_passwordless<S, B>(service: &S, admin: &Client)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let body = json!({ "mfa_required_for_admins": false, "passkey_sign_in_allowed": true });
    let (status, _, body) = call(service, admin.request("PUT", "/api/v1/tenant/security").set_json(body)).await;
    assert_eq!((status, json_of(&body)["passkey_sign_in_allowed"].clone()), (StatusCode::OK, json!(true)));
}

#[actix_web::test]
async fn acc_6_a_passkey_is_added_then_asked_after_the_password_and_signs_in_without_one_where_allowed() {
    let app = app();
    app.tenant_with_admin("verein-a", ADMIN);
    let service = service!(app);
    let mut client = sign_in(&service, ADMIN).await;

    // Adding one needs the password.
    let wrong = json!({ "name": "YubiKey Büro", "password": "falsch falsch falsch" });
    let (status, _, body) = call(&service, client.request("POST", "/api/v1/auth/passkeys/register/start").set_json(wrong)).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_credentials")));
    let mut passkey = add_passkey(&service, &mut client, "YubiKey Büro").await;
    let (_, _, body) = call(&service, client.request("GET", "/api/v1/auth/passkeys")).await;
    let list = json_of(&body);
    assert_eq!(list["passkeys"].as_array().map(Vec::len), Some(1));
    assert_eq!((list["passkeys"][0]["name"].as_str(), &list["passkeys"][0]["last_used_at"]), (Some("YubiKey Büro"), &Value::Null));
    let (_, _, me) = call(&service, client.request("GET", "/api/v1/auth/me")).await;
    assert_eq!(json_of(&me)["passkey_enabled"], true);

    // The password alone now opens only the second step; the passkey completes it.
    let (status, mut pending, me, _) = login(&service, ADMIN, PASSWORD).await;
    assert_eq!((status, me["stage"].as_str()), (StatusCode::OK, Some("mfa")));
    let half = pending.cookie.clone();
    let (status, body) = second_factor(&service, &mut pending, &mut passkey).await;
    assert_eq!((status, body["stage"].as_str()), (StatusCode::OK, Some("full")), "{body}");
    assert_ne!(pending.cookie, half, "a new token after the second factor");
    assert_eq!(call(&service, pending.request("GET", "/api/v1/locations")).await.0, StatusCode::OK);
    let (_, _, body) = call(&service, pending.request("GET", "/api/v1/auth/passkeys")).await;
    assert!(json_of(&body)["passkeys"][0]["last_used_at"].is_string(), "the use is shown");

    // Passwordless only where the tenant allows it.
    let (status, body, _) = passwordless(&service, &mut passkey).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("passkey_sign_in_off")));
    allow_passwordless(&service, &pending).await;
    let (status, body, signed_in) = passwordless(&service, &mut passkey).await;
    assert_eq!((status, body["stage"].as_str()), (StatusCode::OK, Some("full")), "{body}");
    assert_eq!(call(&service, signed_in.request("GET", "/api/v1/locations")).await.0, StatusCode::OK);

    for action in ["auth.passkey_added", "auth.mfa_passed", "auth.sign_in_succeeded"] {
        assert!(audited(&app, action).iter().any(|row| action == "auth.passkey_added" || row.contains("passkey")), "{action} audited");
    }
    assert!(audited(&app, "auth.sign_in_succeeded").iter().any(|row| row.contains("\"method\":\"passkey\"")));
}

#[actix_web::test]
async fn acc_6_a_ceremony_finishes_once_within_five_minutes_and_only_for_its_session() {
    let app = app();
    app.tenant_with_admin("verein-a", ADMIN);
    let service = service!(app);
    let mut client = sign_in(&service, ADMIN).await;
    let mut passkey = add_passkey(&service, &mut client, "Laptop").await;
    let (_, mut pending, _, _) = login(&service, ADMIN, PASSWORD).await;

    // Used once: the same answer again finds no ceremony.
    let (_, _, body) = call(&service, pending.request("POST", "/api/v1/auth/passkeys/mfa/start")).await;
    let challenge = json_of(&body);
    let answer = passkey.assert(&challenge["options"]);
    let request = json!({ "ceremony": challenge["ceremony"], "credential": answer });
    let (status, headers, body) = call(&service, pending.request("POST", "/api/v1/auth/passkeys/mfa/finish").set_json(&request)).await;
    assert_eq!(status, StatusCode::OK);
    pending.update(&headers, &json_of(&body));
    let (_, mut other, _, _) = login(&service, ADMIN, PASSWORD).await;
    let (status, _, body) = call(&service, other.request("POST", "/api/v1/auth/passkeys/mfa/finish").set_json(&request)).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::CONFLICT, Some("no_challenge")), "a used ceremony");

    // Started by one session, not finished by another.
    let (_, _, body) = call(&service, other.request("POST", "/api/v1/auth/passkeys/mfa/start")).await;
    let challenge = json_of(&body);
    let (_, third, _, _) = login(&service, ADMIN, PASSWORD).await;
    let request = json!({ "ceremony": challenge["ceremony"], "credential": passkey.assert(&challenge["options"]) });
    let (status, _, body) = call(&service, third.request("POST", "/api/v1/auth/passkeys/mfa/finish").set_json(&request)).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::CONFLICT, Some("no_challenge")), "another session's ceremony");

    // Expired after five minutes (the session itself is still alive).
    let (_, _, body) = call(&service, other.request("POST", "/api/v1/auth/passkeys/mfa/start")).await;
    let challenge = json_of(&body);
    app.clock.advance(Duration::minutes(5) + Duration::seconds(1));
    let request = json!({ "ceremony": challenge["ceremony"], "credential": passkey.assert(&challenge["options"]) });
    let (status, _, body) = call(&service, other.request("POST", "/api/v1/auth/passkeys/mfa/finish").set_json(&request)).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::CONFLICT, Some("no_challenge")), "an expired ceremony");
    // Within the five minutes it works.
    let (status, body) = second_factor(&service, &mut other, &mut passkey).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[actix_web::test]
async fn acc_6_a_passkey_of_another_account_or_without_user_verification_is_refused() {
    let app = app();
    let a = app.tenant_with_admin("verein-a", ADMIN);
    crate::fixtures::member(&app, &a, "kasse@verein-a.example", "organiser", None);
    let service = service!(app);
    let mut admin = sign_in(&service, ADMIN).await;
    let mut admins = add_passkey(&service, &mut admin, "Admin-Schlüssel").await;
    allow_passwordless(&service, &admin).await;
    let mut organiser = sign_in(&service, "kasse@verein-a.example").await;
    let mut organisers = add_passkey(&service, &mut organiser, "Kasse").await;

    // The organiser's passkey does not complete the admin's second step.
    let (_, mut pending, _, _) = login(&service, ADMIN, PASSWORD).await;
    let (status, body) = second_factor(&service, &mut pending, &mut organisers).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("passkey_refused")));
    assert_eq!(call(&service, pending.request("GET", "/api/v1/locations")).await.0, StatusCode::UNAUTHORIZED);

    // A credential presenting itself as the admin's account (user handle swapped) is refused.
    let mut impostor = organisers.clone();
    impostor.user_handle = admins.user_handle.clone();
    let (status, body, _) = passwordless(&service, &mut impostor).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("passkey_refused")));

    // Without user verification: neither passwordless nor as second factor.
    admins.user_verified = false;
    let (status, body, _) = passwordless(&service, &mut admins).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("passkey_refused")));
    let (_, mut pending, _, _) = login(&service, ADMIN, PASSWORD).await;
    let (status, body) = second_factor(&service, &mut pending, &mut admins).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("passkey_refused")));
    admins.user_verified = true;
    let (status, body) = second_factor(&service, &mut pending, &mut admins).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(audited(&app, "auth.mfa_failed").len() >= 2, "refusals are audited");
}

#[actix_web::test]
async fn acc_6_a_signature_counter_that_goes_back_is_refused_and_audited_as_a_clone() {
    let app = app();
    app.tenant_with_admin("verein-a", ADMIN);
    let service = service!(app);
    let mut client = sign_in(&service, ADMIN).await;
    let mut original = add_passkey(&service, &mut client, "YubiKey").await;
    let mut copy = original.clone();
    original.counter = 7;
    let (_, mut pending, _, _) = login(&service, ADMIN, PASSWORD).await;
    let (status, _) = second_factor(&service, &mut pending, &mut original).await;
    assert_eq!(status, StatusCode::OK);

    // The copy still counts from 1: refused, and the account's chain says why.
    assert!(audited(&app, "auth.passkey_clone_suspected").is_empty());
    let (_, mut pending, _, _) = login(&service, ADMIN, PASSWORD).await;
    let (status, body) = second_factor(&service, &mut pending, &mut copy).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("passkey_refused")));
    let warnings = audited(&app, "auth.passkey_clone_suspected");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(!warnings[0].starts_with("platform|"), "in the tenant's chain, where its admins see it: {}", warnings[0]);
    // The original goes on.
    let (status, _) = second_factor(&service, &mut pending, &mut original).await;
    assert_eq!(status, StatusCode::OK);
}

#[actix_web::test]
async fn acc_6_removing_a_passkey_needs_the_password_and_keeps_a_factor_the_tenant_requires() {
    let app = app();
    app.tenant_with_admin("verein-a", ADMIN);
    let service = service!(app);
    let mut client = sign_in(&service, ADMIN).await;
    add_passkey(&service, &mut client, "Eins").await;
    add_passkey(&service, &mut client, "Zwei").await;
    let (_, _, body) = call(&service, client.request("GET", "/api/v1/auth/passkeys")).await;
    let ids: Vec<String> =
        json_of(&body)["passkeys"].as_array().expect("list").iter().map(|p| p["id"].as_str().expect("id").to_owned()).collect();

    let remove = |id: &str, password: &str| {
        client.request("POST", &format!("/api/v1/auth/passkeys/{id}/remove")).set_json(json!({ "password": password }))
    };
    let (status, _, body) = call(&service, remove(&ids[0], "falsch falsch falsch")).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_credentials")));
    assert_eq!(count(&app, "passkeys"), 2, "nothing removed without the password");

    // Requiring passkeys for admins: the last one stays.
    let body = json!({ "mfa_required_for_admins": true, "passkeys_required_for_admins": true });
    assert_eq!(call(&service, client.request("PUT", "/api/v1/tenant/security").set_json(body)).await.0, StatusCode::OK);
    assert_eq!(call(&service, remove(&ids[0], PASSWORD)).await.0, StatusCode::NO_CONTENT);
    let (status, _, body) = call(&service, remove(&ids[1], PASSWORD)).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::CONFLICT, Some("passkey_required_by_tenant")));
    let (status, _, _) = call(&service, remove(&ids[0], PASSWORD)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "removed once");
    assert_eq!(count(&app, "passkeys"), 1);
    assert_eq!(audited(&app, "auth.passkey_removed").len(), 1);
}

#[actix_web::test]
async fn acc_6_an_admin_with_only_totp_must_add_a_passkey_where_the_tenant_requires_one() {
    let app = app();
    app.tenant_with_admin("verein-a", ADMIN);
    let service = service!(app);
    let (_, _, me, _) = login(&service, ADMIN, PASSWORD).await;
    crate::fixtures::enrol_factor(&app, me["account_id"].as_str().expect("account"));
    let client = crate::fixtures::sign_in_with_factor(&app, &service, ADMIN).await;
    let body = json!({ "mfa_required_for_admins": true, "passkeys_required_for_admins": true });
    assert_eq!(call(&service, client.request("PUT", "/api/v1/tenant/security").set_json(body)).await.0, StatusCode::OK);

    // TOTP now leads to enrolment, not into the app; a passkey completes it.
    let (_, mut pending, _, _) = login(&service, ADMIN, PASSWORD).await;
    let code = crate::fixtures::totp_code(&app, &base32(crate::fixtures::TOTP_SECRET), 1);
    let (status, headers, body) = call(&service, pending.request("POST", "/api/v1/auth/mfa").set_json(json!({ "code": code }))).await;
    assert_eq!((status, json_of(&body)["stage"].as_str()), (StatusCode::OK, Some("enrol")), "{}", json_of(&body));
    pending.update(&headers, &json_of(&body));
    assert_eq!(json_of(&body)["passkey_required"], true);
    let (status, _, body) = call(&service, pending.request("GET", "/api/v1/locations")).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("mfa_enrolment_required")));
    let mut passkey = add_passkey(&service, &mut pending, "Pflicht").await;
    assert_eq!(call(&service, pending.request("GET", "/api/v1/locations")).await.0, StatusCode::OK);

    // From now on TOTP is refused; the passkey is the way in.
    app.clock.advance(Duration::seconds(90));
    let (_, mut again, _, _) = login(&service, ADMIN, PASSWORD).await;
    let code = crate::fixtures::totp_code(&app, &base32(crate::fixtures::TOTP_SECRET), 0);
    let (status, _, body) = call(&service, again.request("POST", "/api/v1/auth/mfa").set_json(json!({ "code": code }))).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::CONFLICT, Some("passkey_required_by_tenant")));
    let (status, _) = second_factor(&service, &mut again, &mut passkey).await;
    assert_eq!(status, StatusCode::OK);
}

fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut bits, mut n) = (0u64, 0);
    for b in bytes {
        bits = (bits << 8) | u64::from(*b);
        n += 8;
        while n >= 5 {
            n -= 5;
            out.push(ALPHABET[((bits >> n) & 31) as usize] as char);
        }
    }
    if n > 0 {
        out.push(ALPHABET[((bits << (5 - n)) & 31) as usize] as char);
    }
    out
}

#[actix_web::test]
async fn acc_6_malformed_oversized_and_hostile_passkey_input_is_refused_and_writes_nothing() {
    let app = app();
    app.tenant_with_admin("verein-a", ADMIN);
    let service = service!(app);
    let client = sign_in(&service, ADMIN).await;
    let start = json!({ "name": "Gültig", "password": PASSWORD });
    let (_, _, body) = call(&service, client.request("POST", "/api/v1/auth/passkeys/register/start").set_json(&start)).await;
    let ceremony = json_of(&body)["ceremony"].as_str().expect("ceremony").to_owned();

    let huge = "A".repeat(2 * 1024 * 1024);
    let raw = |uri: &str, body: String| client.request("POST", uri).insert_header(("content-type", "application/json")).set_payload(body);
    let register = "/api/v1/auth/passkeys/register/finish";
    let cases: Vec<(&str, test::TestRequest)> = vec![
        ("not JSON", raw(register, "{ceremony".into())),
        ("no credential", raw(register, json!({ "ceremony": ceremony }).to_string())),
        ("unknown field", raw(register, json!({ "ceremony": ceremony, "credential": {}, "admin": true }).to_string())),
        ("credential not an object", raw(register, json!({ "ceremony": "x", "credential": "<script>" }).to_string())),
        ("ceremony too long", raw(register, json!({ "ceremony": "x".repeat(65), "credential": {} }).to_string())),
        ("oversized", raw(register, json!({ "ceremony": ceremony, "credential": { "id": huge } }).to_string())),
        ("name empty", raw("/api/v1/auth/passkeys/register/start", json!({ "name": " ", "password": PASSWORD }).to_string())),
        ("name too long", raw("/api/v1/auth/passkeys/register/start", json!({ "name": "ü".repeat(65), "password": PASSWORD }).to_string())),
        (
            "name with control characters",
            raw("/api/v1/auth/passkeys/register/start", json!({ "name": "a\u{0}b", "password": PASSWORD }).to_string()),
        ),
        (
            "password oversized",
            raw("/api/v1/auth/passkeys/register/start", json!({ "name": "a", "password": "p".repeat(5000) }).to_string()),
        ),
        ("remove: no password", raw("/api/v1/auth/passkeys/x/remove", "{}".into())),
        (
            "sign-in: SQL in the ceremony",
            public("POST", "/api/v1/auth/passkeys/sign-in/finish", "198.51.100.30")
                .set_json(json!({ "ceremony": "' OR 1=1 --", "credential": {} })),
        ),
        (
            "sign-in: other origin",
            test::TestRequest::post().uri("/api/v1/auth/passkeys/sign-in/start").insert_header(("origin", "https://evil.example")),
        ),
    ];
    for (what, request) in cases {
        let (status, headers, body) = call(&service, request).await;
        assert!(status.is_client_error(), "{what}: {status}");
        assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"), "{what}");
        assert!(json_of(&body)["code"].is_string(), "{what}: {}", String::from_utf8_lossy(&body));
    }

    // A well-formed credential whose attestation is garbage: refused, ceremony used up.
    let (_, _, body) = call(&service, client.request("POST", "/api/v1/auth/passkeys/register/start").set_json(&start)).await;
    let challenge = json_of(&body);
    let (_, mut answer) = SoftPasskey::register(&challenge["options"]);
    answer["response"]["attestationObject"] = json!("bm90IGNib3I");
    let request = json!({ "ceremony": challenge["ceremony"], "credential": answer });
    let (status, _, body) = call(&service, client.request("POST", register).set_json(&request)).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_field")));
    // A registration answered for another challenge (a replayed answer) is refused.
    let (_, _, body) = call(&service, client.request("POST", "/api/v1/auth/passkeys/register/start").set_json(&start)).await;
    let fresh = json_of(&body);
    let (_, answer) = SoftPasskey::register(&challenge["options"]);
    let request = json!({ "ceremony": fresh["ceremony"], "credential": answer });
    let (status, _, _) = call(&service, client.request("POST", register).set_json(&request)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app, "passkeys"), 0, "nothing half-written");
    assert!(audited(&app, "auth.passkey_added").is_empty());
}

#[actix_web::test]
async fn acc_6_a_primary_admin_resets_a_members_lost_factors_and_the_member_is_told() {
    let app = app();
    let a = app.tenant_with_admin("verein-a", ADMIN);
    let kasse = crate::fixtures::member(&app, &a, "kasse@verein-a.example", "organiser", None);
    crate::fixtures::member(&app, &a, "vize@verein-a.example", "tenant_admin", None);
    let service = service!(app);
    let mut member = sign_in(&service, "kasse@verein-a.example").await;
    add_passkey(&service, &mut member, "Verloren").await;
    crate::fixtures::enrol_factor(&app, &kasse);
    let uri = format!("/api/v1/accounts/{kasse}/factors/reset");

    // Only a primary admin, and not for their own account.
    let vize = sign_in(&service, "vize@verein-a.example").await;
    assert_eq!(call(&service, vize.request("POST", &uri)).await.0, StatusCode::FORBIDDEN);
    let admin = sign_in(&service, ADMIN).await;
    let (_, _, me) = call(&service, admin.request("GET", "/api/v1/auth/me")).await;
    let own = format!("/api/v1/accounts/{}/factors/reset", json_of(&me)["account_id"].as_str().expect("id"));
    assert_eq!(call(&service, admin.request("POST", &own)).await.0, StatusCode::CONFLICT);
    assert_eq!(count(&app, "passkeys"), 1);

    let (status, _, body) = call(&service, admin.request("POST", &uri)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{}", String::from_utf8_lossy(&body));
    assert_eq!(count(&app, "passkeys"), 0);
    assert_eq!(call(&service, member.request("GET", "/api/v1/auth/me")).await.0, StatusCode::UNAUTHORIZED, "sessions ended");
    let (status, _, me, _) = login(&service, "kasse@verein-a.example", PASSWORD).await;
    assert_eq!((status, me["stage"].as_str(), &me["mfa_enabled"]), (StatusCode::OK, Some("full"), &json!(false)));
    assert_eq!(audited(&app, "auth.factors_reset").len(), 1);
    assert_eq!(count(&app, "mail_outbox WHERE purpose = 'second_factor_reset'"), 1, "the member is told");
}

/// The access review's row of `email`, as the admin `client` reads it.
async fn review_row<S, B>(service: &S, client: &Client, email: &str) -> Value
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, _, body) = call(service, client.request("GET", "/api/v1/members")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let members = json_of(&body);
    members.as_array().expect("members").iter().find(|m| m["email"] == email).cloned().expect("row")
}

#[actix_web::test]
async fn acc_6_a_clone_warning_is_shown_to_the_accounts_admins_until_the_passkey_is_removed() {
    const ORGANISER: &str = "orga@verein-a.example";
    let app = app();
    let scope = app.tenant_with_admin("verein-a", ADMIN);
    member(&app, &scope, ORGANISER, "organiser", None);
    let service = service!(app);
    let admin = sign_in(&service, ADMIN).await;
    let mut orga = sign_in(&service, ORGANISER).await;
    let mut original = add_passkey(&service, &mut orga, "YubiKey").await;
    let mut copy = original.clone();
    assert_eq!(review_row(&service, &admin, ORGANISER).await["passkey_clone_suspected_at"], Value::Null);

    // The original moves the counter on; the copy, still at its old count, is refused.
    original.counter = 7;
    let (_, mut pending, _, _) = login(&service, ORGANISER, PASSWORD).await;
    assert_eq!(second_factor(&service, &mut pending, &mut original).await.0, StatusCode::OK);
    assert_eq!(review_row(&service, &admin, ORGANISER).await["passkey_clone_suspected_at"], Value::Null, "a counter that moves on");
    let (_, mut pending, _, _) = login(&service, ORGANISER, PASSWORD).await;
    assert_eq!(second_factor(&service, &mut pending, &mut copy).await.0, StatusCode::UNAUTHORIZED);

    // The tenant's admins see it in the access review, on the account's row only.
    let row = review_row(&service, &admin, ORGANISER).await;
    assert!(row["passkey_clone_suspected_at"].is_string(), "{row}");
    assert_eq!(review_row(&service, &admin, ADMIN).await["passkey_clone_suspected_at"], Value::Null);

    // Removing the passkey settles it.
    let (_, _, body) = call(&service, orga.request("GET", "/api/v1/auth/passkeys")).await;
    let id = json_of(&body)["passkeys"][0]["id"].as_str().expect("passkey id").to_owned();
    let removal = orga.request("POST", &format!("/api/v1/auth/passkeys/{id}/remove")).set_json(json!({ "password": PASSWORD }));
    let (status, _, body) = call(&service, removal).await;
    assert!(status.is_success(), "{}", String::from_utf8_lossy(&body));
    assert_eq!(review_row(&service, &admin, ORGANISER).await["passkey_clone_suspected_at"], Value::Null);
}
