//! Staff accounts over HTTP: invitations by mail, the second factor, the access review,
//! roles under the admin rules, tenant switching, the password policy
//! (TOM ACC-1, ACC-6, AUTHZ-3, AUTHZ-4, AUTHZ-5, SEP-3, SEP-6).

use actix_web::http::StatusCode;
use actix_web::test;
use anwesend::http::build_app;
use chrono::Duration;
use serde_json::{json, Value};

use crate::common::{sensitive, test_app, test_app_with, MailSink, TestApp};
use crate::fixtures::{admin, call, count, json_of, login, member, sign_in, tenant, totp_code as code, Client, PASSWORD};

const NEW_PASSWORD: &str = "Sonnenblume-Kanu-Treppe-7";

macro_rules! service {
    ($app:expr) => {
        test::init_service(build_app($app.state.clone())).await
    };
}

fn anonymous(method: &str, uri: &str) -> test::TestRequest {
    Client::new().request(method, uri)
}

/// The token of the invitation link in a received mail.
fn token_in(mail: &str) -> String {
    let start = mail.find("#/invitation?token=").expect("invitation link in the mail") + "#/invitation?token=".len();
    mail[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

#[actix_web::test]
async fn authz_3_invitation_by_mail_sets_a_password_and_signs_in() {
    let sink = MailSink::start();
    let app = test_app_with(|c| sink.configure(c));
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = service!(app);
    let boss = sign_in(&service, "leitung@verein-a.example").await;

    let colleague = sensitive("kollegin@verein-a.example");
    let (status, _, body) = call(
        &service,
        boss.request("POST", "/api/v1/invitations").set_json(json!({ "email": colleague, "role": "organiser", "language": "en" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{}", json_of(&body));
    assert_eq!(anwesend::notify::deliver_due(&app.state).expect("deliver"), 1);
    let mail = sink.message_to(&colleague);
    assert!(mail.contains("Subject: Invitation to verein-a on anwesend"), "{mail}");
    let token = sensitive(&token_in(&mail));
    assert!(token.len() >= 43, "256-bit token: {token}");
    let (_, _, list) = call(&service, boss.request("GET", "/api/v1/invitations")).await;
    assert_eq!(json_of(&list)[0]["mail_status"], "sent", "the delivery status is recorded (INPUT-6)");

    let (status, _, body) = call(&service, anonymous("POST", "/api/v1/invitations/preview").set_json(json!({ "token": token }))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        json_of(&body),
        json!({ "tenant_name": "verein-a", "tenant_slug": "verein-a", "email": colleague, "role": "organiser", "account_exists": false })
    );

    // Weak passwords are refused and nothing is written (ACC-1).
    let accounts_before = count(&app, "accounts");
    for weak in ["kurz", "password1234", "Passwort2024!", "aaaaaaaaaaaaaaaa", "kollegin-sagt-hallo"] {
        let (status, _, body) =
            call(&service, anonymous("POST", "/api/v1/invitations/accept").set_json(json!({ "token": token, "password": weak }))).await;
        assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("weak_password")), "{weak}");
    }
    assert_eq!(count(&app, "accounts"), accounts_before);

    let (status, _, body) =
        call(&service, anonymous("POST", "/api/v1/invitations/accept").set_json(json!({ "token": token, "password": NEW_PASSWORD }))).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    let (status, _, body) =
        call(&service, anonymous("POST", "/api/v1/invitations/accept").set_json(json!({ "token": token, "password": NEW_PASSWORD }))).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::NOT_FOUND, Some("invitation_invalid")), "a link works once");

    let (status, _, me, _) = login(&service, &colleague, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((me["roles"].clone(), me["tenant"]["slug"].clone()), (json!(["organiser"]), json!("verein-a")));
    let audit = app.db.audit_text().join("\n");
    for action in ["invitation.created", "mail.sent", "invitation.accepted", "account.created", "membership.granted"] {
        assert!(audit.contains(action), "{action} is audited");
    }
}

#[actix_web::test]
async fn authz_3_invitation_links_expire_and_can_be_revoked() {
    let sink = MailSink::start();
    let app = test_app_with(|c| sink.configure(c));
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = service!(app);
    let boss = sign_in(&service, "leitung@verein-a.example").await;
    for email in ["spaet@verein-a.example", "weg@verein-a.example"] {
        let (status, _, _) = call(
            &service,
            boss.request("POST", "/api/v1/invitations").set_json(json!({ "email": sensitive(email), "role": "instructor" })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    anwesend::notify::deliver_due(&app.state).expect("deliver");
    let late = token_in(&sink.message_to("spaet@verein-a.example"));
    let revoked = token_in(&sink.message_to("weg@verein-a.example"));
    assert!(sink.message_to("weg@verein-a.example").contains("Einladung zu verein-a"), "German by default");
    let (_, _, list) = call(&service, boss.request("GET", "/api/v1/invitations")).await;
    let id = json_of(&list).as_array().expect("list").iter().find(|i| i["email"] == "weg@verein-a.example").expect("invitation")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(call(&service, boss.request("POST", &format!("/api/v1/invitations/{id}/revoke"))).await.0, StatusCode::NO_CONTENT);
    let preview = |token: &str| anonymous("POST", "/api/v1/invitations/preview").set_json(json!({ "token": token }));
    assert_eq!(call(&service, preview(&revoked)).await.0, StatusCode::NOT_FOUND, "revoked");
    assert_eq!(call(&service, preview(&late)).await.0, StatusCode::OK);
    app.clock.advance(Duration::days(7) + Duration::seconds(1));
    assert_eq!(call(&service, preview(&late)).await.0, StatusCode::NOT_FOUND, "expired after 7 days");
    assert_eq!(call(&service, preview("erfunden")).await.0, StatusCode::NOT_FOUND, "unknown");
}

#[actix_web::test]
async fn authz_3_only_primary_admins_grant_admin_roles() {
    let app = test_app();
    let a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let deputy = member(&app, &a, "vize@verein-a.example", "tenant_admin", None);
    let coach = member(&app, &a, "trainer@verein-a.example", "organiser", None);
    let service = service!(app);
    let deputy_client = sign_in(&service, "vize@verein-a.example").await;
    let denials_before = app.db.audit_text().iter().filter(|r| r.contains("auth.permission_denied")).count();

    let (status, _, body) = call(
        &service,
        deputy_client.request("POST", "/api/v1/invitations").set_json(json!({ "email": "neu@verein-a.example", "role": "tenant_admin" })),
    )
    .await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
    let set = |client: &Client, id: &str, roles: Value| {
        client.request("PUT", &format!("/api/v1/members/{id}/roles")).set_json(json!({ "roles": roles }))
    };
    assert_eq!(call(&service, set(&deputy_client, &coach, json!([{ "role": "tenant_admin" }]))).await.0, StatusCode::FORBIDDEN);
    // A non-primary admin manages the other roles.
    let (status, _, body) = call(&service, set(&deputy_client, &coach, json!([{ "role": "instructor" }]))).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    assert_eq!(json_of(&body)["roles"], json!([{ "role": "instructor", "is_primary": false, "company_id": null, "course_id": null }]));
    assert_eq!(
        app.db.audit_text().iter().filter(|r| r.contains("auth.permission_denied")).count(),
        denials_before + 2,
        "every denial is audited"
    );

    // The primary admin may; the last primary admin keeps the role.
    let (_, boss, me, _) = login(&service, "leitung@verein-a.example", PASSWORD).await;
    let (status, _, _) = call(&service, set(&boss, &deputy, json!([{ "role": "organiser" }]))).await;
    assert_eq!(status, StatusCode::OK);
    let own = me["account_id"].as_str().expect("id").to_owned();
    let (status, _, body) = call(&service, set(&boss, &own, json!([{ "role": "organiser" }]))).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::CONFLICT, Some("last_primary_admin")));
    let (status, _, body) = call(&service, set(&boss, &coach, json!([{ "role": "company_admin" }]))).await;
    assert_eq!(
        (status, json_of(&body)["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("company_id")),
        "a company admin needs a company"
    );
    let (status, _, body) = call(&service, set(&boss, &coach, json!([{ "role": "partner_admin" }]))).await;
    assert_eq!(
        (status, json_of(&body)["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("role")),
        "partner admins come from the operator"
    );
}

#[actix_web::test]
async fn authz_4_admins_per_tenant_are_limited() {
    let app = test_app_with(|c| c.auth.max_admins_per_tenant = 2);
    let a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let coach = member(&app, &a, "trainer@verein-a.example", "organiser", None);
    let service = service!(app);
    let boss = sign_in(&service, "leitung@verein-a.example").await;
    let invite = |email: &str| boss.request("POST", "/api/v1/invitations").set_json(json!({ "email": email, "role": "tenant_admin" }));
    assert_eq!(call(&service, invite("zwei@verein-a.example")).await.0, StatusCode::CREATED, "the second admin fits");
    let (status, _, body) = call(&service, invite("drei@verein-a.example")).await;
    assert_eq!(
        (status, json_of(&body)["code"].as_str()),
        (StatusCode::CONFLICT, Some("admin_limit_reached")),
        "an open admin invitation counts"
    );
    let (status, _, body) = call(
        &service,
        boss.request("PUT", &format!("/api/v1/members/{coach}/roles")).set_json(json!({ "roles": [{ "role": "tenant_admin" }] })),
    )
    .await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::CONFLICT, Some("admin_limit_reached")));
    assert_eq!(
        call(
            &service,
            boss.request("POST", "/api/v1/invitations").set_json(json!({ "email": "vier@verein-a.example", "role": "organiser" }))
        )
        .await
        .0,
        StatusCode::CREATED,
        "other roles are not limited"
    );
}

#[actix_web::test]
async fn authz_5_access_review_flags_dormant_accounts_and_disabling_ends_sessions() {
    let app = test_app_with(|c| c.rate_limit.sign_in_per_account_per_minute = 100);
    let a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let coach = member(&app, &a, "trainer@verein-a.example", "organiser", None);
    let service = service!(app);
    let _first_sign_in = login(&service, "trainer@verein-a.example", PASSWORD).await;
    app.clock.advance(Duration::days(91));
    let (_, boss, me, _) = login(&service, "leitung@verein-a.example", PASSWORD).await;
    let (status, _, body) = call(&service, boss.request("GET", "/api/v1/members")).await;
    assert_eq!(status, StatusCode::OK);
    let review = json_of(&body);
    let row = |email: &str| review.as_array().expect("list").iter().find(|m| m["email"] == email).cloned().expect("member");
    assert_eq!(row("trainer@verein-a.example")["dormant"], true, "no sign-in for 91 days");
    assert_eq!(row("leitung@verein-a.example")["dormant"], false);
    assert!(row("trainer@verein-a.example")["last_sign_in_at"].is_string());
    assert_eq!(row("trainer@verein-a.example")["roles"][0]["role"], "organiser");

    let coach_client2 = sign_in(&service, "trainer@verein-a.example").await;
    let (status, _, body) = call(&service, boss.request("POST", &format!("/api/v1/members/{coach}/disable"))).await;
    assert_eq!((status, json_of(&body)["disabled"].clone()), (StatusCode::OK, json!(true)));
    assert_eq!(call(&service, coach_client2.request("GET", "/api/v1/locations")).await.0, StatusCode::UNAUTHORIZED, "their sessions ended");
    let (status, again, me_coach, _) = login(&service, "trainer@verein-a.example", PASSWORD).await;
    assert_eq!(
        (status, me_coach["tenant"].clone(), me_coach["roles"].clone()),
        (StatusCode::OK, Value::Null, json!([])),
        "no access to the tenant any more"
    );
    assert_eq!(call(&service, again.request("GET", "/api/v1/locations")).await.0, StatusCode::FORBIDDEN);
    let own = me["account_id"].as_str().expect("id");
    let (status, _, body) = call(&service, boss.request("POST", &format!("/api/v1/members/{own}/disable"))).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::CONFLICT, Some("cannot_disable_self")));
    assert_eq!(call(&service, boss.request("POST", &format!("/api/v1/members/{coach}/enable"))).await.0, StatusCode::OK);
    let back = sign_in(&service, "trainer@verein-a.example").await;
    assert_eq!(call(&service, back.request("GET", "/api/v1/locations")).await.0, StatusCode::OK);
}

/// Enrols TOTP for a signed-in client; returns the base32 secret and the recovery codes.
async fn enrol<S, B>(service: &S, app: &TestApp, client: &mut Client) -> (String, Vec<String>)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, _, body) = call(service, client.request("POST", "/api/v1/auth/totp/setup")).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    let setup = json_of(&body);
    let secret = setup["secret"].as_str().expect("secret").to_owned();
    let size = setup["qr"]["size"].as_u64().expect("size") as usize;
    assert!(
        size >= 21 && setup["qr"]["rows"].as_array().expect("rows").iter().all(|r| r.as_str().is_some_and(|r| r.len() == size)),
        "a square QR code"
    );
    assert!(setup["otpauth_uri"].as_str().expect("uri").starts_with("otpauth://totp/anwesend:"));
    let confirm =
        |code: String| client.request("POST", "/api/v1/auth/totp/confirm").set_json(json!({ "code": code, "password": PASSWORD }));
    let (status, _, _) = call(service, confirm("000000".into())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a wrong code does not enrol");
    let (status, headers, body) = call(service, confirm(code(app, &secret, 0))).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    let body = json_of(&body);
    client.update(&headers, &body["me"]);
    let codes: Vec<String> =
        body["recovery_codes"].as_array().expect("codes").iter().map(|c| sensitive(c.as_str().expect("code"))).collect();
    assert_eq!(codes.len(), 10);
    (sensitive(&secret), codes)
}

#[actix_web::test]
async fn acc_6_totp_is_asked_after_the_password_and_codes_work_once() {
    let app = test_app_with(|c| {
        c.rate_limit.sign_in_per_account_per_minute = 100;
        c.rate_limit.mfa_per_account_per_minute = 8;
    });
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = service!(app);
    let mut client = sign_in(&service, "leitung@verein-a.example").await;
    let (secret, recovery) = enrol(&service, &app, &mut client).await;
    let (_, _, me) = call(&service, client.request("GET", "/api/v1/auth/me")).await;
    assert_eq!(json_of(&me)["mfa_enabled"], true);
    app.clock.advance(Duration::seconds(30));

    // The password alone opens nothing but the second step.
    let (status, mut pending, me, _) = login(&service, "leitung@verein-a.example", PASSWORD).await;
    assert_eq!((status, me["stage"].as_str()), (StatusCode::OK, Some("mfa")));
    let (status, _, body) = call(&service, pending.request("GET", "/api/v1/locations")).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("mfa_required")));
    let (status, _, body) =
        call(&service, pending.request("POST", "/api/v1/auth/mfa").set_json(json!({ "code": code(&app, &secret, 5) }))).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_code")), "a code from another time");
    let half_token = pending.cookie.clone();
    let valid = code(&app, &secret, 0);
    let (status, headers, body) = call(&service, pending.request("POST", "/api/v1/auth/mfa").set_json(json!({ "code": valid }))).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    assert_eq!(json_of(&body)["stage"], "full");
    pending.update(&headers, &json_of(&body));
    assert_ne!(pending.cookie, half_token, "a new token after the second factor");
    assert_eq!(call(&service, pending.request("GET", "/api/v1/locations")).await.0, StatusCode::OK);
    let stale = Client { cookie: half_token, csrf: None };
    assert_eq!(
        call(&service, stale.request("GET", "/api/v1/auth/me")).await.0,
        StatusCode::UNAUTHORIZED,
        "the half-signed-in token is dead"
    );

    // The same code does not work twice; a recovery code works once.
    let mut again = sign_in(&service, "leitung@verein-a.example").await;
    let (status, _, _) = call(&service, again.request("POST", "/api/v1/auth/mfa").set_json(json!({ "code": valid }))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "replayed TOTP code");
    let (status, headers, body) =
        call(&service, again.request("POST", "/api/v1/auth/mfa").set_json(json!({ "code": recovery[3].to_uppercase() }))).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    again.update(&headers, &json_of(&body));
    let third = sign_in(&service, "leitung@verein-a.example").await;
    assert_eq!(
        call(&service, third.request("POST", "/api/v1/auth/mfa").set_json(json!({ "code": recovery[3] }))).await.0,
        StatusCode::UNAUTHORIZED,
        "used recovery code"
    );
    let audit = app.db.audit_text().join("\n");
    for action in ["auth.totp_enabled", "auth.mfa_failed", "auth.mfa_passed", "auth.recovery_code_used"] {
        assert!(audit.contains(action), "{action} is audited");
    }
    // Guessing is limited per account.
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(call(&service, third.request("POST", "/api/v1/auth/mfa").set_json(json!({ "code": "123456" }))).await.0.as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
}

#[actix_web::test]
async fn acc_6_a_tenant_can_require_a_second_factor_for_admins() {
    let app = test_app_with(|c| c.rate_limit.sign_in_per_account_per_minute = 100);
    let a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    member(&app, &a, "vize@verein-a.example", "tenant_admin", None);
    member(&app, &a, "trainer@verein-a.example", "organiser", None);
    let service = service!(app);
    let boss = sign_in(&service, "leitung@verein-a.example").await;
    let (status, _, body) =
        call(&service, boss.request("PUT", "/api/v1/tenant/security").set_json(json!({ "mfa_required_for_admins": true }))).await;
    assert_eq!((status, json_of(&body)["mfa_required_for_admins"].clone()), (StatusCode::OK, json!(true)));

    let (_, mut deputy, me, _) = login(&service, "vize@verein-a.example", PASSWORD).await;
    assert_eq!(me["stage"], "enrol");
    let (status, _, body) = call(&service, deputy.request("GET", "/api/v1/audit")).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("mfa_enrolment_required")));
    enrol(&service, &app, &mut deputy).await;
    assert_eq!(call(&service, deputy.request("GET", "/api/v1/audit")).await.0, StatusCode::OK, "enrolled: signed in fully");
    let (status, _, body) =
        call(&service, deputy.request("POST", "/api/v1/auth/totp/disable").set_json(json!({ "password": PASSWORD }))).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::CONFLICT, Some("mfa_required_by_tenant")));

    let (_, _, me, _) = login(&service, "trainer@verein-a.example", PASSWORD).await;
    assert_eq!(me["stage"], "full", "only admin roles are required to");
}

#[actix_web::test]
async fn sep_6_partner_admins_switch_tenants_with_a_new_session() {
    let app = test_app_with(|c| c.rate_limit.sign_in_per_account_per_minute = 100);
    let a = tenant(&app, "verein-a");
    let b = tenant(&app, "verein-b");
    let c = tenant(&app, "verein-c");
    for scope in [&a, &b] {
        anwesend::accounts::service::grant_by_operator(
            &app.state.db,
            &app.state.master,
            app.state.config.auth.password_hash,
            &app.ctx(),
            scope,
            &sensitive("partner@reseller.example"),
            PASSWORD,
            anwesend::auth::model::Role::PartnerAdmin,
        )
        .expect("partner");
    }
    anwesend::locations::service::create(
        &app.state.db,
        &b,
        &app.ctx(),
        anwesend::locations::model::NewLocation { name: "Halle B".into(), parent_id: None },
    )
    .expect("location");
    let service = service!(app);
    let (_, mut partner, me, _) = login(&service, "partner@reseller.example", PASSWORD).await;
    assert_eq!(me["tenant"]["slug"], "verein-a");
    assert_eq!(me["tenants"].as_array().map(Vec::len), Some(2));
    assert_eq!(call(&service, partner.request("GET", "/api/v1/members")).await.0, StatusCode::OK, "acts like a tenant admin");
    let old = partner.clone_session();

    let (status, _, body) =
        call(&service, partner.request("POST", "/api/v1/auth/switch-tenant").set_json(json!({ "tenant_id": c.tenant_id() }))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not one of the partner's tenants: {}", json_of(&body));
    let (status, headers, body) =
        call(&service, partner.request("POST", "/api/v1/auth/switch-tenant").set_json(json!({ "tenant_id": b.tenant_id() }))).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    let me = json_of(&body);
    assert_eq!((me["tenant"]["slug"].as_str(), me["roles"].clone()), (Some("verein-b"), json!(["partner_admin"])));
    partner.update(&headers, &me);
    assert_ne!(partner.cookie, old.cookie, "a new session token");
    assert_ne!(partner.csrf, old.csrf, "and a new CSRF token");
    assert_eq!(call(&service, old.request("GET", "/api/v1/auth/me")).await.0, StatusCode::UNAUTHORIZED, "the old session is over");
    let (_, _, body) = call(&service, partner.request("GET", "/api/v1/locations")).await;
    let names: Vec<String> = json_of(&body)["locations"]
        .as_array()
        .or(json_of(&body).as_array())
        .map(|l| l.iter().filter_map(|x| x["name"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    assert_eq!(names, vec!["Halle B".to_owned()], "tenant B's data only");
    assert!(
        app.db.audit_text().iter().any(|r| r.starts_with(b.tenant_id()) && r.contains("auth.tenant_switched")),
        "recorded in B's chain"
    );
}

impl Client {
    fn clone_session(&self) -> Client {
        Client { cookie: self.cookie.clone(), csrf: self.csrf.clone() }
    }
}

#[actix_web::test]
async fn acc_1_new_passwords_follow_the_policy_and_are_hashed_at_owasp_cost() {
    let app = test_app_with(|c| c.rate_limit.sign_in_per_account_per_minute = 100);
    let a = tenant(&app, "verein-a");
    let id = admin(&app, &a, "leitung@verein-a.example");
    let service = service!(app);
    let client = sign_in(&service, "leitung@verein-a.example").await;
    let change =
        |new: &str| client.request("POST", "/api/v1/auth/password").set_json(json!({ "current_password": PASSWORD, "new_password": new }));
    for weak in ["qwertzuiop123", "iloveyou2025!!", "leitung-im-verein-a", "abababababababab", &"x".repeat(129)] {
        let (status, _, body) = call(&service, change(weak)).await;
        assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("weak_password")), "{weak}");
    }
    let long: String = "Ein sehr langes Passwort mit vielen Wörtern ".repeat(2).chars().take(88).collect();
    assert_eq!(call(&service, change(&long)).await.0, StatusCode::OK, "long passphrases are welcome");
    use anwesend::db::schema::accounts::dsl as acc;
    use diesel::prelude::*;
    let hash: String = acc::accounts.find(&id).select(acc::password_hash).first(&mut app.db.inspect()).expect("hash");
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
}

#[actix_web::test]
async fn sep_3_members_of_other_tenants_are_not_found() {
    let app = test_app();
    let (a, b) = (tenant(&app, "verein-a"), tenant(&app, "verein-b"));
    admin(&app, &a, "leitung@verein-a.example");
    let stranger = admin(&app, &b, "leitung@verein-b.example");
    let service = service!(app);
    let boss = sign_in(&service, "leitung@verein-a.example").await;
    for (method, uri, body) in [
        ("PUT", format!("/api/v1/members/{stranger}/roles"), json!({ "roles": [{ "role": "organiser" }] })),
        ("POST", format!("/api/v1/members/{stranger}/disable"), Value::Null),
        ("POST", format!("/api/v1/accounts/{stranger}/sessions/end-all"), Value::Null),
    ] {
        let req = boss.request(method, &uri);
        let req = if body.is_null() { req } else { req.set_json(body) };
        assert_eq!(call(&service, req).await.0, StatusCode::NOT_FOUND, "{method} {uri}");
    }
    let (_, _, members) = call(&service, boss.request("GET", "/api/v1/members")).await;
    assert!(!String::from_utf8_lossy(&members).contains("verein-b"), "the review lists this tenant only");
}

#[actix_web::test]
async fn priv_5_bad_input_to_staff_endpoints_is_refused_and_writes_nothing() {
    let app = test_app();
    let a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let coach = member(&app, &a, "trainer@verein-a.example", "organiser", None);
    let service = service!(app);
    let boss = sign_in(&service, "leitung@verein-a.example").await;
    let before = (count(&app, "invitations"), count(&app, "memberships"), count(&app, "companies"), count(&app, "mail_outbox"));
    let huge = "x".repeat(100 * 1024);
    let cases: Vec<(&str, String, String)> = vec![
        ("POST", "/api/v1/invitations".into(), "{\"email\": ".into()),
        ("POST", "/api/v1/invitations".into(), json!({ "email": "kein-at-zeichen", "role": "organiser" }).to_string()),
        ("POST", "/api/v1/invitations".into(), json!({ "email": "a@b.example", "role": "kaiser" }).to_string()),
        ("POST", "/api/v1/invitations".into(), json!({ "email": "a@b.example", "role": "organiser", "language": "fr" }).to_string()),
        ("POST", "/api/v1/invitations".into(), json!({ "email": "a@b.example", "role": "organiser", "admin": true }).to_string()),
        ("POST", "/api/v1/invitations".into(), json!({ "email": huge, "role": "organiser" }).to_string()),
        ("POST", "/api/v1/invitations".into(), json!({ "email": "a@b.example\r\nBcc: evil@example.org", "role": "organiser" }).to_string()),
        ("PUT", format!("/api/v1/members/{coach}/roles"), json!({ "roles": "organiser" }).to_string()),
        ("PUT", format!("/api/v1/members/{coach}/roles"), json!({ "roles": [{ "role": "instructor", "course_id": "" }] }).to_string()),
        (
            "PUT",
            format!("/api/v1/members/{coach}/roles"),
            json!({ "roles": [{ "role": "company_admin", "company_id": "'; DROP TABLE memberships; --" }] }).to_string(),
        ),
        (
            "PUT",
            format!("/api/v1/members/{coach}/roles"),
            json!({ "roles": [{ "role": "organiser" }, { "role": "organiser" }] }).to_string(),
        ),
        ("POST", "/api/v1/companies".into(), json!({ "name": "" }).to_string()),
        ("POST", "/api/v1/companies".into(), json!({ "name": "Firma\u{0}GmbH" }).to_string()),
        ("PUT", "/api/v1/tenant/security".into(), json!({ "mfa_required_for_admins": "ja" }).to_string()),
        ("POST", "/api/v1/invitations/accept".into(), json!({ "token": huge, "password": NEW_PASSWORD }).to_string()),
        ("POST", "/api/v1/auth/switch-tenant".into(), json!({ "tenant_id": ["a"] }).to_string()),
        ("POST", "/api/v1/auth/mfa".into(), json!({ "code": huge }).to_string()),
    ];
    for (method, uri, body) in cases {
        let req = boss.request(method, &uri).insert_header(("content-type", "application/json")).set_payload(body.clone());
        let (status, headers, response) = call(&service, req).await;
        assert!(
            status.is_client_error(),
            "{method} {uri} {}: {status} {}",
            &body[..body.len().min(80)],
            String::from_utf8_lossy(&response)
        );
        assert_eq!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/problem+json"),
            "{uri}: {}",
            String::from_utf8_lossy(&response)
        );
    }
    assert_eq!(
        before,
        (count(&app, "invitations"), count(&app, "memberships"), count(&app, "companies"), count(&app, "mail_outbox")),
        "nothing half-written"
    );
}

#[actix_web::test]
async fn input_6_mail_outbox_retries_with_backoff_and_records_the_status() {
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let app = test_app_with(|c| {
        c.mail.transport = anwesend::config::MailTransport::Smtp;
        c.mail.smtp.host = "127.0.0.1".into();
        c.mail.smtp.port = closed_port;
        c.mail.smtp.security = anwesend::config::SmtpSecurity::None;
        c.mail.max_attempts = 2;
    });
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = service!(app);
    let boss = sign_in(&service, "leitung@verein-a.example").await;
    let (status, _, _) = call(
        &service,
        boss.request("POST", "/api/v1/invitations").set_json(json!({ "email": sensitive("nie@verein-a.example"), "role": "organiser" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let row = || {
        use anwesend::db::schema::mail_outbox::dsl as m;
        use diesel::prelude::*;
        m::mail_outbox
            .select((m::status, m::attempts, m::last_error, m::payload_ciphertext.is_not_null()))
            .first::<(String, i32, Option<String>, bool)>(&mut app.db.inspect())
            .expect("outbox row")
    };
    assert_eq!(anwesend::notify::deliver_due(&app.state).expect("run"), 0);
    let (status, attempts, error, has_payload) = row();
    assert_eq!((status.as_str(), attempts, has_payload), ("queued", 1, true), "a failed attempt is retried later");
    assert!(error.as_deref().is_some_and(|e| e.starts_with("smtp:") && !e.contains("nie@")), "{error:?}");
    anwesend::notify::deliver_due(&app.state).expect("run");
    assert_eq!(row().1, 1, "not before the backoff has passed");
    app.clock.advance(Duration::seconds(31));
    anwesend::notify::deliver_due(&app.state).expect("run");
    let (status, attempts, _, has_payload) = row();
    assert_eq!((status.as_str(), attempts, has_payload), ("failed", 2, false), "given up after mail.max_attempts; the content is dropped");
    let (_, _, list) = call(&service, boss.request("GET", "/api/v1/invitations")).await;
    assert_eq!(json_of(&list)[0]["mail_status"], "failed", "the admin sees that the mail did not go out");
    assert!(app.db.audit_text().iter().any(|r| r.contains("mail.failed")));
}

#[actix_web::test]
async fn authz_5_dormant_accounts_are_disabled_by_policy() {
    let app = test_app_with(|c| c.auth.disable_dormant = true);
    let a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    member(&app, &a, "trainer@verein-a.example", "organiser", None);
    member(&app, &a, "kasse@verein-a.example", "organiser", None);
    let service = service!(app);
    assert_eq!(anwesend::members::service::disable_dormant(&app.state).expect("job"), 0, "nobody is dormant yet");
    app.clock.advance(Duration::days(60));
    let _ = sign_in(&service, "kasse@verein-a.example").await;
    app.clock.advance(Duration::days(31));
    assert_eq!(anwesend::members::service::disable_dormant(&app.state).expect("job"), 1, "only the trainer; the last primary admin stays");
    let boss = sign_in(&service, "leitung@verein-a.example").await;
    let (_, _, body) = call(&service, boss.request("GET", "/api/v1/members")).await;
    let disabled: Vec<String> = json_of(&body)
        .as_array()
        .expect("list")
        .iter()
        .filter(|m| m["disabled"] == true)
        .map(|m| m["email"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(disabled, vec!["trainer@verein-a.example".to_owned()]);
    assert!(app.db.audit_text().iter().any(|r| r.contains("membership.disabled") && r.contains("dormant")));
}

#[actix_web::test]
async fn dev_mail_lands_in_readable_files() {
    let dir = tempfile::tempdir().expect("dir");
    let app = test_app_with(|c| {
        c.data_dir = dir.path().to_path_buf();
        c.mail.transport = anwesend::config::MailTransport::File;
    });
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = service!(app);
    let boss = sign_in(&service, "leitung@verein-a.example").await;
    let (status, _, _) = call(
        &service,
        boss.request("POST", "/api/v1/invitations").set_json(json!({ "email": sensitive("datei@verein-a.example"), "role": "organiser" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(anwesend::notify::deliver_due(&app.state).expect("deliver"), 1);
    let files: Vec<_> = std::fs::read_dir(dir.path().join("mail")).expect("data_dir/mail").filter_map(Result::ok).collect();
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(files[0].path()).expect("utf-8 text");
    let token = token_in(&text);
    assert!(
        text.lines().any(|l| l.ends_with(&format!("#/invitation?token={token}")) && l.starts_with("http://localhost:8080/")),
        "the link is one line, as a person copies it:\n{text}"
    );
    let (status, _, _) = call(&service, anonymous("POST", "/api/v1/invitations/preview").set_json(json!({ "token": token }))).await;
    assert_eq!(status, StatusCode::OK, "and it works");
}
