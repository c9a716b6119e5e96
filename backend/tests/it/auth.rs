//! Staff sign-in, sessions, CSRF, rate limits and the permission check over HTTP
//! (TOM ACC-1, ACC-3, ACC-4, TRANS-4, AUTHZ-1, AUTHZ-2, INPUT-3).

use actix_web::http::{header, StatusCode};
use actix_web::test;
use anwesend::audit::export;
use anwesend::auth::password;
use anwesend::config::HashParams;
use anwesend::crypto::PlatformSigner;
use anwesend::db::TenantScope;
use argon2::password_hash::{PasswordHasher, SaltString};
use chrono::Duration;
use serde_json::{json, Value};

use crate::common::{sensitive, test_app, test_app_with, TestApp};
use crate::fixtures::{admin, call, json_of, login, member, sign_in, tenant, Client, ORIGIN, PASSWORD};

/// Tenants A and B with a primary admin each, and an organiser in A.
fn two_tenants_with_staff(app: &TestApp) -> (TenantScope, TenantScope) {
    let a = tenant(app, "verein-a");
    let b = tenant(app, "verein-b");
    admin(app, &a, "leitung@verein-a.example");
    admin(app, &b, "leitung@verein-b.example");
    member(app, &a, "trainer@verein-a.example", "organiser", None);
    (a, b)
}

#[actix_web::test]
async fn acc_3_sign_in_sets_a_server_tracked_session_cookie() {
    let app = test_app();
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;

    let (status, client, me, headers) = login(&service, "Leitung@Verein-A.example", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], "leitung@verein-a.example");
    assert_eq!(me["roles"], json!(["tenant_admin"]));
    assert_eq!(me["tenant"]["slug"], "verein-a");
    let set_cookie = headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict") && set_cookie.contains("Path=/"), "{set_cookie}");
    assert!(!set_cookie.contains("Max-Age") && !set_cookie.contains("Expires"), "no persistent cookie: {set_cookie}");
    let token = client.cookie.as_ref().expect("cookie").value().to_owned();
    assert!(token.len() >= 43, "256-bit token");

    // Only the token's hash is stored.
    {
        use anwesend::db::schema::sessions::dsl as s;
        use diesel::prelude::*;
        let mut conn = app.db.inspect();
        let hashes: Vec<Vec<u8>> = s::sessions.select(s::token_hash).load(&mut conn).expect("sessions");
        assert_eq!(hashes, vec![anwesend::auth::service::token_hash(&token)]);
    }

    let (status, _, body) = call(&service, client.request("GET", "/api/v1/auth/me")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json_of(&body)["account_id"], me["account_id"]);
    let (status, _, body) = call(&service, Client::new().request("GET", "/api/v1/auth/me")).await;
    assert_eq!((status, json_of(&body)["code"].clone()), (StatusCode::UNAUTHORIZED, json!("unauthenticated")));

    // A second sign-in gets a new token; the first stays valid until it ends.
    let second = sign_in(&service, "leitung@verein-a.example").await;
    assert_ne!(second.cookie.as_ref().map(|c| c.value().to_owned()), Some(token));
}

#[actix_web::test]
async fn trans_4_https_deployments_use_a_host_prefixed_secure_cookie() {
    let app = test_app_with(|c| {
        c.public_url = "https://anwesend.example.org".into();
        c.proxy = anwesend::config::ProxyConfig { trusted: vec!["127.0.0.1".parse().expect("ip")], tls_terminated: true };
    });
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let req = test::TestRequest::post()
        .uri("/api/v1/auth/login")
        .insert_header((header::ORIGIN, "https://anwesend.example.org"))
        .set_json(json!({ "email": "leitung@verein-a.example", "password": PASSWORD }));
    let (status, headers, _) = call(&service, req).await;
    assert_eq!(status, StatusCode::OK);
    let set_cookie = headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(set_cookie.starts_with("__Host-anwesend_session=") && set_cookie.contains("Secure"), "{set_cookie}");
}

#[actix_web::test]
async fn acc_4_failures_do_not_reveal_whether_an_account_exists() {
    let app = test_app();
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let wrong = sensitive("falsches Passwort 123");
    let (s1, _, b1, _) = login(&service, "leitung@verein-a.example", &wrong).await;
    let (s2, _, b2, _) = login(&service, &sensitive("niemand@verein-a.example"), &wrong).await;
    assert_eq!((s1, s2), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(b1, b2, "same answer for a wrong password and an unknown account");
    assert_eq!(b1["code"], "invalid_credentials");
    // Both failures are in the platform trail, without the email.
    let failures = app.db.audit_text().into_iter().filter(|r| r.contains("auth.sign_in_failed")).count();
    assert_eq!(failures, 2);
}

#[actix_web::test]
async fn acc_4_sign_in_is_rate_limited_per_account_and_per_address() {
    let app = test_app();
    let a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let (status, _, _, headers) = login(&service, "leitung@verein-a.example", "falsch falsch falsch").await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            let retry: u64 =
                headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).expect("Retry-After");
            assert!((1..=60).contains(&retry), "{retry}");
        }
        statuses.push(status.as_u16());
    }
    assert_eq!(statuses, vec![401, 401, 401, 401, 401, 429, 429], "5 a minute per account");
    // Even the right password waits out the window: no oracle.
    let (status, _, _, _) = login(&service, "leitung@verein-a.example", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(app.db.audit_text().iter().any(|r| r.contains("auth.rate_limited")), "rate-limit hits are audited");
    // Another account from another address is unaffected.
    admin(&app, &a, "kasse@verein-a.example");
    let req = test::TestRequest::post()
        .uri("/api/v1/auth/login")
        .peer_addr("192.0.2.10:5000".parse().expect("addr"))
        .insert_header((header::ORIGIN, ORIGIN))
        .set_json(json!({ "email": "kasse@verein-a.example", "password": PASSWORD }));
    assert_eq!(call(&service, req).await.0, StatusCode::OK);
}

#[actix_web::test]
async fn acc_3_idle_and_absolute_timeouts_end_sessions_server_side() {
    let app = test_app();
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;

    let client = sign_in(&service, "leitung@verein-a.example").await;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(call(&service, client.request("GET", "/api/v1/auth/me")).await.0, StatusCode::OK, "active within 30 min");
    app.clock.advance(Duration::minutes(31));
    assert_eq!(call(&service, client.request("GET", "/api/v1/auth/me")).await.0, StatusCode::UNAUTHORIZED, "idle 31 min");
    app.clock.advance(Duration::minutes(-60));
    assert_eq!(call(&service, client.request("GET", "/api/v1/auth/me")).await.0, StatusCode::UNAUTHORIZED, "ended for good, not just late");

    let client = sign_in(&service, "leitung@verein-a.example").await;
    for _ in 0..40 {
        app.clock.advance(Duration::minutes(20));
        if call(&service, client.request("GET", "/api/v1/auth/me")).await.0 != StatusCode::OK {
            break;
        }
    }
    let (status, _, _) = call(&service, client.request("GET", "/api/v1/auth/me")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let reasons = app.db.audit_text().into_iter().filter(|r| r.contains("auth.session_expired")).collect::<Vec<_>>();
    assert!(reasons.iter().any(|r| r.contains("idle_timeout")) && reasons.iter().any(|r| r.contains("absolute_timeout")), "{reasons:?}");
}

#[actix_web::test]
async fn trans_4_state_changes_need_origin_and_csrf_token() {
    let app = test_app();
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let client = sign_in(&service, "leitung@verein-a.example").await;

    let body = json!({ "name": "Halle" });
    let no_token = Client { cookie: client.cookie.clone(), csrf: None };
    let (status, _, b) = call(&service, no_token.request("POST", "/api/v1/locations").set_json(&body)).await;
    assert_eq!((status, json_of(&b)["code"].clone()), (StatusCode::FORBIDDEN, json!("csrf_failed")));
    let wrong = Client { cookie: client.cookie.clone(), csrf: Some("0".repeat(64)) };
    assert_eq!(call(&service, wrong.request("POST", "/api/v1/locations").set_json(&body)).await.0, StatusCode::FORBIDDEN);
    let foreign = client.request("POST", "/api/v1/locations").insert_header((header::ORIGIN, "https://evil.example")).set_json(&body);
    assert_eq!(call(&service, foreign).await.0, StatusCode::FORBIDDEN, "foreign Origin");
    let foreign_login = test::TestRequest::post()
        .uri("/api/v1/auth/login")
        .insert_header((header::ORIGIN, "https://evil.example"))
        .set_json(json!({ "email": "leitung@verein-a.example", "password": PASSWORD }));
    assert_eq!(call(&service, foreign_login).await.0, StatusCode::FORBIDDEN, "login CSRF");

    let (status, _, created) = call(&service, client.request("POST", "/api/v1/locations").set_json(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&created));
    let (_, _, list) = call(&service, client.request("GET", "/api/v1/locations")).await;
    assert_eq!(json_of(&list)["locations"].as_array().map(Vec::len), Some(1), "exactly one: the refused ones wrote nothing");

    // Hostile bodies on the real endpoint: problem+json, nothing written.
    for bad in [&b"{\"name\": "[..], &b"{\"name\": \"X\", \"tenant_id\": \"other\"}"[..], &b"[]"[..]] {
        let req =
            client.request("POST", "/api/v1/locations").insert_header((header::CONTENT_TYPE, "application/json")).set_payload(bad.to_vec());
        let (status, headers, _) = call(&service, req).await;
        assert!(status.is_client_error(), "{status}");
        assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    }
    let huge = json!({ "name": "x".repeat(100_000) });
    assert_eq!(call(&service, client.request("POST", "/api/v1/locations").set_json(&huge)).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    let long = json!({ "name": "x".repeat(201) });
    assert_eq!(call(&service, client.request("POST", "/api/v1/locations").set_json(&long)).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, _, list) = call(&service, client.request("GET", "/api/v1/locations")).await;
    assert_eq!(json_of(&list)["locations"].as_array().map(Vec::len), Some(1));

    // Sign-out ends the session on the server: the old cookie is worthless.
    let (status, _, _) = call(&service, no_token.request("POST", "/api/v1/auth/logout")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "sign-out needs the token too");
    assert_eq!(call(&service, client.request("POST", "/api/v1/auth/logout")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(call(&service, client.request("GET", "/api/v1/auth/me")).await.0, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn input_3_audit_view_is_scoped_by_role_over_http() {
    let app = test_app();
    let (a, _b) = two_tenants_with_staff(&app);
    let service = app.service().await;

    let admin_a = sign_in(&service, "leitung@verein-a.example").await;
    for i in 0..7 {
        let req = admin_a.request("POST", "/api/v1/locations").set_json(json!({ "name": format!("Raum {i}") }));
        assert_eq!(call(&service, req).await.0, StatusCode::CREATED);
    }
    let (status, _, page) = call(&service, admin_a.request("GET", "/api/v1/audit?limit=5&action=location.created")).await;
    assert_eq!(status, StatusCode::OK);
    let page = json_of(&page);
    assert_eq!(page["entries"].as_array().map(Vec::len), Some(5));
    let next = page["next_before"].as_i64().expect("more pages");
    let (_, _, rest) =
        call(&service, admin_a.request("GET", &format!("/api/v1/audit?limit=5&action=location.created&before={next}"))).await;
    let rest = json_of(&rest);
    assert_eq!(rest["entries"].as_array().map(Vec::len), Some(2));
    assert!(rest["next_before"].is_null());

    let (status, _, report) = call(&service, admin_a.request("GET", "/api/v1/audit/verify")).await;
    assert_eq!((status, json_of(&report)["intact"].clone()), (StatusCode::OK, json!(true)));

    let (status, headers, file) = call(&service, admin_a.request("GET", "/api/v1/audit/export?format=csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get(header::CONTENT_DISPOSITION).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("audit-verein-a-")));
    let signer = PlatformSigner::from_master(&app.state.master).expect("signer");
    let verified = export::verify(&file, &signer).expect("download verifies");
    assert_eq!(verified.chain, a.tenant_id());

    // B's admin sees none of A's entries; the organiser may not read the log at all.
    let admin_b = sign_in(&service, "leitung@verein-b.example").await;
    let (_, _, page_b) = call(&service, admin_b.request("GET", "/api/v1/audit?limit=200")).await;
    let page_b = json_of(&page_b);
    assert!(page_b["entries"].as_array().expect("entries").iter().all(|e| e["action"] != "location.created"), "{page_b}");
    let organiser = sign_in(&service, "trainer@verein-a.example").await;
    let (status, _, body) = call(&service, organiser.request("GET", "/api/v1/audit")).await;
    assert_eq!((status, json_of(&body)["code"].clone()), (StatusCode::FORBIDDEN, json!("forbidden")));
    assert!(app.db.audit_text().iter().any(|r| r.contains("auth.permission_denied") && r.contains("audit.read")), "denials are audited");
    // The organiser may create locations, which an instructor may not.
    assert_eq!(
        call(&service, organiser.request("POST", "/api/v1/locations").set_json(json!({"name": "Platz"}))).await.0,
        StatusCode::CREATED
    );
}

/// TOM AUTHZ-2: tenant and role come from the session alone. An organiser of tenant A who
/// names tenant B and a higher role in headers, query and body still acts in A, as
/// organiser, and a body naming a tenant is refused without a trace.
#[actix_web::test]
async fn authz_2_tenant_and_role_named_by_the_client_are_ignored() {
    let app = test_app();
    let (_a, b) = two_tenants_with_staff(&app);
    let service = app.service().await;
    let organiser = sign_in(&service, "trainer@verein-a.example").await;
    let b_id = b.tenant_id().to_owned();
    let forged = |method: &str, path: &str| {
        organiser
            .request(method, &format!("{path}?tenant_id={b_id}&tenant=verein-b&role=tenant_admin"))
            .insert_header(("x-tenant-id", b_id.as_str()))
            .insert_header(("x-tenant", "verein-b"))
            .insert_header(("x-role", "tenant_admin"))
            .insert_header(("x-forwarded-user", "leitung@verein-b.example"))
    };

    let (status, _, me) = call(&service, forged("GET", "/api/v1/auth/me")).await;
    let me = json_of(&me);
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!((me["tenant"]["slug"].clone(), me["roles"].clone()), (json!("verein-a"), json!(["organiser"])));

    // A body that names a tenant or a role is refused (unknown fields), nothing written.
    for extra in [json!({ "name": "Halle X", "tenant_id": b_id }), json!({ "name": "Halle X", "role": "tenant_admin" })] {
        let (status, _, body) = call(&service, forged("POST", "/api/v1/locations").set_json(&extra)).await;
        assert_eq!((status, json_of(&body)["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("invalid_body")), "{extra}");
    }
    // Named in headers and query only: created, in A.
    let (status, _, created) = call(&service, forged("POST", "/api/v1/locations").set_json(json!({ "name": "Halle X" }))).await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&created));
    let names = |body: &[u8]| -> Vec<String> {
        json_of(body)["locations"].as_array().into_iter().flatten().filter_map(|l| l["name"].as_str().map(str::to_owned)).collect()
    };
    let (_, _, in_a) = call(&service, organiser.request("GET", "/api/v1/locations")).await;
    assert_eq!(names(&in_a), vec!["Halle X".to_owned()], "exactly one, in A");
    let admin_b = sign_in(&service, "leitung@verein-b.example").await;
    let (_, _, in_b) = call(&service, admin_b.request("GET", "/api/v1/locations")).await;
    assert!(names(&in_b).is_empty(), "nothing reached B: {}", String::from_utf8_lossy(&in_b));

    // The forged role opens nothing: the audit log stays closed to an organiser. (Its
    // query parameters are checked, so the forged ones are refused first.)
    let (status, _, body) = call(&service, forged("GET", "/api/v1/audit")).await;
    assert_eq!((status, json_of(&body)["code"].clone()), (StatusCode::BAD_REQUEST, json!("invalid_query")));
    let headers_only =
        organiser.request("GET", "/api/v1/audit").insert_header(("x-tenant-id", b_id.as_str())).insert_header(("x-role", "tenant_admin"));
    let (status, _, body) = call(&service, headers_only).await;
    assert_eq!((status, json_of(&body)["code"].clone()), (StatusCode::FORBIDDEN, json!("forbidden")));
}

#[actix_web::test]
async fn input_3_platform_admin_sees_platform_events_only() {
    let app = test_app();
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    crate::fixtures::platform_admin(&app, "ops@example.org");
    let service = app.service().await;
    let platform = crate::fixtures::sign_in_with_factor(&app, &service, "ops@example.org").await;
    let (_, _, me) = call(&service, platform.request("GET", "/api/v1/auth/me")).await;
    let me = json_of(&me);
    assert!(me["tenant"].is_null() && me["is_platform_admin"] == json!(true));
    let (_, _, page) = call(&service, platform.request("GET", "/api/v1/audit?limit=200")).await;
    let actions: Vec<String> =
        json_of(&page)["entries"].as_array().expect("entries").iter().map(|e| e["action"].as_str().unwrap_or("").to_owned()).collect();
    assert!(actions.contains(&"tenant.created".to_owned()), "{actions:?}");
    assert!(!actions.iter().any(|a| a == "membership.granted" || a.starts_with("location.")), "no tenant inside: {actions:?}");
    // The platform admin has no tenant to write locations in.
    let (status, _, _) = call(&service, platform.request("POST", "/api/v1/locations").set_json(json!({"name": "X"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn priv_4_deletion_log_view_and_export_for_tenant_admins() {
    let app = test_app();
    let a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    member(&app, &a, "trainer@verein-a.example", "organiser", None);
    let ctx = app.ctx();
    app.state
        .db
        .tenant_tx(&a, |tx| {
            anwesend::audit::deletion::record(
                tx,
                &ctx,
                anwesend::audit::deletion::NewDeletion {
                    category: "bookings",
                    record_count: 3,
                    subject_ref: Some("p-0193"),
                    reason_code: "retention_expired",
                    reason_text: "",
                    legal_basis: "GDPR Art. 5(1)(e)",
                },
            )?;
            Ok(())
        })
        .expect("deletion");
    let service = app.service().await;
    let admin_a = sign_in(&service, "leitung@verein-a.example").await;
    let (status, _, body) = call(&service, admin_a.request("GET", "/api/v1/deletion-log")).await;
    assert_eq!(status, StatusCode::OK);
    let body = json_of(&body);
    assert_eq!(body["deletions"][0]["category"], "bookings");
    assert_eq!(body["deletions"][0]["record_count"], 3);
    let (status, _, file) = call(&service, admin_a.request("GET", "/api/v1/deletion-log/export?format=json")).await;
    assert_eq!(status, StatusCode::OK);
    let signer = PlatformSigner::from_master(&app.state.master).expect("signer");
    assert_eq!(export::verify(&file, &signer).expect("verifies").kind, "deletion_log");
    let organiser = sign_in(&service, "trainer@verein-a.example").await;
    assert_eq!(call(&service, organiser.request("GET", "/api/v1/deletion-log")).await.0, StatusCode::FORBIDDEN);
    let (status, _, _) = call(&service, admin_a.request("GET", "/api/v1/deletion-log?from=gestern")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "malformed query");
}

#[actix_web::test]
async fn sep_3_company_admin_sees_only_its_companys_people() {
    let app = test_app();
    let a = tenant(&app, "verein-a");
    member(&app, &a, "personal@acme.example", "company_admin", Some("c-acme"));
    for (person, company) in [("p-anna", Some("c-acme")), ("p-cem", Some("c-globex")), ("p-dora", None)] {
        app.state
            .db
            .tenant_tx(&a, |tx| {
                let event = anwesend::audit::Event::new(anwesend::audit::Action::LocationUpdated, "participant", Some(person))
                    .subject(person, company);
                anwesend::audit::record(tx, &app.ctx(), event)?;
                Ok(())
            })
            .expect("record");
    }
    let service = app.service().await;
    let (_, company_admin, me, _) = login(&service, "personal@acme.example", PASSWORD).await;
    assert_eq!(me["roles"], json!(["company_admin"]));
    let (status, _, page) = call(&service, company_admin.request("GET", "/api/v1/audit?limit=200")).await;
    assert_eq!(status, StatusCode::OK);
    let targets: Vec<Value> = json_of(&page)["entries"].as_array().expect("entries").iter().map(|e| e["target_id"].clone()).collect();
    assert_eq!(targets, vec![json!("p-anna")], "only acme's person, nothing else of the tenant");
    assert_eq!(
        call(&service, company_admin.request("GET", "/api/v1/audit/verify")).await.0,
        StatusCode::FORBIDDEN,
        "the whole chain is for tenant admins"
    );
}

#[actix_web::test]
async fn acc_8_users_see_and_end_their_other_sessions() {
    let app = test_app();
    let a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    admin(&app, &a, "kasse@verein-a.example");
    let service = app.service().await;
    let laptop = sign_in(&service, "leitung@verein-a.example").await;
    let phone = sign_in(&service, "leitung@verein-a.example").await;
    let other_user = sign_in(&service, "kasse@verein-a.example").await;

    let (status, _, list) = call(&service, laptop.request("GET", "/api/v1/auth/sessions")).await;
    assert_eq!(status, StatusCode::OK);
    let sessions = json_of(&list)["sessions"].as_array().cloned().expect("sessions");
    assert_eq!(sessions.len(), 2, "only my own sessions");
    assert_eq!(sessions.iter().filter(|s| s["current"] == json!(true)).count(), 1);
    assert!(sessions.iter().all(|s| s["ip_key_id"].is_string() && !s.to_string().contains("198.51.100.77")), "hashed-IP day only");
    let current = sessions.iter().find(|s| s["current"] == json!(true)).and_then(|s| s["id"].as_str()).expect("current").to_owned();
    let phone_id = sessions.iter().find(|s| s["current"] == json!(false)).and_then(|s| s["id"].as_str()).expect("other").to_owned();

    let (_, _, theirs) = call(&service, other_user.request("GET", "/api/v1/auth/sessions")).await;
    let their_id = json_of(&theirs)["sessions"][0]["id"].as_str().expect("id").to_owned();
    assert_eq!(
        call(&service, laptop.request("POST", &format!("/api/v1/auth/sessions/{their_id}/end"))).await.0,
        StatusCode::NOT_FOUND,
        "not mine"
    );
    assert_eq!(call(&service, other_user.request("GET", "/api/v1/auth/me")).await.0, StatusCode::OK);
    assert_eq!(
        call(&service, laptop.request("POST", &format!("/api/v1/auth/sessions/{current}/end"))).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    assert_eq!(call(&service, laptop.request("POST", &format!("/api/v1/auth/sessions/{phone_id}/end"))).await.0, StatusCode::OK);
    assert_eq!(call(&service, phone.request("GET", "/api/v1/auth/me")).await.0, StatusCode::UNAUTHORIZED);

    let tablet = sign_in(&service, "leitung@verein-a.example").await;
    let (status, _, ended) = call(&service, laptop.request("POST", "/api/v1/auth/sessions/end-others")).await;
    assert_eq!((status, json_of(&ended)["ended"].clone()), (StatusCode::OK, json!(1)));
    assert_eq!(call(&service, tablet.request("GET", "/api/v1/auth/me")).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&service, laptop.request("GET", "/api/v1/auth/me")).await.0, StatusCode::OK, "the current session stays");
}

#[actix_web::test]
async fn acc_5_password_change_ends_every_other_session() {
    let app = test_app();
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let laptop = sign_in(&service, "leitung@verein-a.example").await;
    let phone = sign_in(&service, "leitung@verein-a.example").await;
    let new_password = sensitive("ein ganz neues langes Passwort");

    let change = |current: &str, new: &str| {
        laptop.request("POST", "/api/v1/auth/password").set_json(json!({ "current_password": current, "new_password": new }))
    };
    let (status, _, body) = call(&service, change("falsch falsch falsch", &new_password)).await;
    assert_eq!((status, json_of(&body)["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("current_password")));
    let (status, _, body) = call(&service, change(PASSWORD, "kurz")).await;
    assert_eq!((status, json_of(&body)["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("password")));
    assert_eq!(call(&service, phone.request("GET", "/api/v1/auth/me")).await.0, StatusCode::OK, "failed changes end nothing");

    let (status, _, body) = call(&service, change(PASSWORD, &new_password)).await;
    assert_eq!((status, json_of(&body)["ended"].clone()), (StatusCode::OK, json!(1)));
    assert_eq!(call(&service, phone.request("GET", "/api/v1/auth/me")).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&service, laptop.request("GET", "/api/v1/auth/me")).await.0, StatusCode::OK);
    assert_eq!(login(&service, "leitung@verein-a.example", PASSWORD).await.0, StatusCode::UNAUTHORIZED, "old password is gone");
    assert_eq!(login(&service, "leitung@verein-a.example", &new_password).await.0, StatusCode::OK);
    assert!(app.db.audit_text().iter().any(|r| r.contains("auth.password_changed")));
}

#[actix_web::test]
async fn acc_8_tenant_admin_ends_all_sessions_of_a_member() {
    let app = test_app();
    two_tenants_with_staff(&app);
    let service = app.service().await;
    let admin_a = sign_in(&service, "leitung@verein-a.example").await;
    let admin_b = sign_in(&service, "leitung@verein-b.example").await;
    let (_, organiser, me, _) = login(&service, "trainer@verein-a.example", PASSWORD).await;
    let organiser_id = me["account_id"].as_str().expect("id").to_owned();
    let uri = format!("/api/v1/accounts/{organiser_id}/sessions/end-all");

    assert_eq!(call(&service, organiser.request("POST", &uri)).await.0, StatusCode::FORBIDDEN, "not an admin");
    assert_eq!(
        call(&service, admin_b.request("POST", &uri)).await.0,
        StatusCode::NOT_FOUND,
        "another tenant's member does not exist for B"
    );
    assert_eq!(call(&service, organiser.request("GET", "/api/v1/auth/me")).await.0, StatusCode::OK);
    let (status, _, body) = call(&service, admin_a.request("POST", &uri)).await;
    assert_eq!((status, json_of(&body)["ended"].clone()), (StatusCode::OK, json!(1)));
    assert_eq!(call(&service, organiser.request("GET", "/api/v1/auth/me")).await.0, StatusCode::UNAUTHORIZED);
    assert!(app.db.audit_text().iter().any(|r| r.contains("ended_by_admin")));
}

/// The Argon2 workers run at a lower priority than request handling, so a storm of
/// sign-ins does not slow other requests down while the cores are busy.
#[::core::prelude::v1::test]
fn argon2_workers_yield_to_request_handling() {
    password::hash("ein langes Passwort", HashParams::FLOOR).expect("hash");
    let nice_of_workers: Vec<i64> = std::fs::read_dir("/proc/self/task")
        .expect("threads")
        .filter_map(|task| {
            let dir = task.ok()?.path();
            (std::fs::read_to_string(dir.join("comm")).ok()?.trim() == "argon2").then_some(dir)
        })
        .map(|dir| {
            let stat = std::fs::read_to_string(dir.join("stat")).expect("stat");
            // After the name in parentheses: state is field 3, nice field 19.
            let fields: Vec<&str> = stat[stat.rfind(')').expect("name") + 2..].split(' ').collect();
            fields[16].parse().expect("nice")
        })
        .collect();
    assert!(!nice_of_workers.is_empty(), "the hash ran on an argon2 worker");
    assert!(nice_of_workers.iter().all(|&nice| nice == i64::from(password::ARGON2_NICE)), "{nice_of_workers:?}");
}

/// ACC-1: the hash made in a worker's reused memory is the argon2 crate's own PHC hash,
/// and only the right password verifies against it, also after other hashes reused the memory.
#[::core::prelude::v1::test]
fn acc_1_hashes_in_reused_memory_match_the_reference() {
    const PARAMS: HashParams = HashParams::FLOOR;
    let salt = SaltString::encode_b64(b"sixteen byte sal").expect("salt");
    let reference = password::argon2(PARAMS).hash_password(b"ein langes Passwort", &salt).expect("reference").to_string();
    let ours = password::phc(&password::argon2(PARAMS), b"ein langes Passwort", salt.as_salt()).expect("ours").to_string();
    assert_eq!(ours, reference);

    let stored = password::hash("ein langes Passwort", PARAMS).expect("hash");
    let other = password::hash("ein anderes Passwort", PARAMS).expect("hash");
    assert_ne!(stored, other);
    assert!(password::verify("ein langes Passwort", &stored).expect("verify"));
    assert!(!password::verify("ein langes Passwort!", &stored).expect("verify"));
    assert!(password::verify("ein langes Passwort", &reference).expect("verify"));
    // Parameters are part of the hash: the same output under other parameters fails.
    assert!(!password::verify("ein langes Passwort", &stored.replace("t=2", "t=3")).expect("verify"));
    assert!(!password::verify("ein langes Passwort", "not a hash").expect("verify"));
}

/// A server's resident memory in KiB (VmRSS).
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("process status");
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS");
    line.split_whitespace().nth(1).and_then(|kib| kib.parse().ok()).expect("VmRSS in kB")
}

/// An Argon2 worker gives its memory (19 MiB at the floor) back after a quiet spell, and
/// again after every later sign-in: a server that signs someone in now and then does not
/// keep a hash's memory for good. Run on the real binary, whose allocator is glibc's
/// malloc: the first version gave the memory back once only (malloc kept later copies).
#[::core::prelude::v1::test]
fn argon2_memory_is_given_back_after_every_quiet_spell() {
    use crate::common::{test_app_beside_server, TestDb};
    use crate::fixtures::server::{node, text};
    use anwesend::crypto::{MasterKey, MasterKeyOrigin};

    const HASH_MIB: u64 = 19;
    let dir = tempfile::tempdir().expect("dir");
    let key_file = dir.path().join("master.key");
    MasterKey::generate(MasterKeyOrigin::Operator).write_file(&key_file).expect("master key");
    let app = test_app_beside_server(TestDb::new(), MasterKey::read_file(&key_file).expect("master key"));
    assert_eq!(app.state.config.auth.password_hash.memory_kib / 1024, HASH_MIB as u32, "the floor's memory");
    let scope = tenant(&app, "verein-a");
    admin(&app, &scope, "leitung@verein-a.example");
    let (server, port) = node(&app.db, dir.path(), &[]);
    let pid = server.0.id();

    for round in 1..=3 {
        let signed_in = std::process::Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "content-type: application/json"])
            .args(["-H", &format!("origin: http://localhost:{port}")])
            .args(["--data-binary", &json!({ "email": "leitung@verein-a.example", "password": PASSWORD }).to_string()])
            .arg(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
            .output()
            .expect("curl");
        assert_eq!(text(&signed_in.stdout), "200", "sign-in {round}");
        let holding = resident_kib(pid);
        let started = std::time::Instant::now();
        loop {
            let now = resident_kib(pid);
            if now + (HASH_MIB - 4) * 1024 <= holding {
                break;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "sign-in {round}: {holding} KiB right after the hash, still {now} KiB 30 s later"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}
