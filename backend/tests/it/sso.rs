//! Staff single sign-on against real providers (TOM ACC-7): the npm `oidc-provider` for
//! OpenID Connect and Debian's slapd for LDAP, both started on loopback by the fixtures.

use actix_web::cookie::Cookie;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{header, StatusCode};
use anwesend::clock::Clock;
use serde_json::{json, Value};

use crate::common::{sensitive, test_app_with, TestApp};
use crate::fixtures::sso::{
    OpUser, OpenIdProvider, ProviderBrowser, Slapd, CLIENT_ID, CLIENT_SECRET, LDAP_BASE, LDAP_PASSWORD, LDAP_SERVICE_DN,
    LDAP_SERVICE_PASSWORD,
};
use crate::fixtures::{call, json_of, login, member, sign_in, Client, ORIGIN, PASSWORD};

pub(crate) const SLUG: &str = "schule";

/// An app whose clock is the real time: the provider's tokens carry the real time.
pub(crate) fn app() -> TestApp {
    app_adjusted(|_| {})
}

fn app_adjusted(adjust: impl FnOnce(&mut anwesend::config::Config)) -> TestApp {
    let app = test_app_with(|c| {
        c.rate_limit.public_per_ip_per_minute = 10_000;
        c.rate_limit.sign_in_per_account_per_minute = 1_000;
        adjust(c);
    });
    app.clock.advance(chrono::Utc::now() - app.clock.now());
    app.tenant_with_admin(SLUG, "leitung@schule.example");
    app
}

fn redirect_uri(app: &TestApp) -> String {
    format!("{}/api/v1/public/{SLUG}/sso/callback", app.state.config.public_origin())
}

fn alice<'a>(groups: &'a [&'a str]) -> OpUser<'a> {
    OpUser { login: "alice", sub: "sub-alice", email: "alice@schule.example", groups }
}

fn oidc_body(issuer: &str, extra: Value) -> Value {
    let mut body = json!({
        "kind": "oidc", "preset": "generic", "name": "Mit Schulkonto anmelden", "enabled": true,
        "oidc": { "issuer": issuer, "client_id": CLIENT_ID },
        "secret": CLIENT_SECRET,
        "role_mappings": [
            { "value": "orga", "role": "organiser" },
            { "value": "leitung", "role": "tenant_admin" },
        ],
        "provisioning": "jit", "jit_domains": ["schule.example"], "default_role": "instructor",
    });
    for (k, v) in extra.as_object().expect("object") {
        body[k] = v.clone();
    }
    body
}

async fn admin<S, B>(service: &S) -> Client
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    sign_in(service, &sensitive("leitung@schule.example")).await
}

async fn add_provider<S, B>(service: &S, admin: &Client, body: &Value) -> (StatusCode, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, _, answer) = call(service, admin.request("POST", "/api/v1/sso/providers").set_json(body)).await;
    (status, json_of(&answer))
}

pub(crate) fn cookie_named(headers: &header::HeaderMap, name: &str) -> Option<Cookie<'static>> {
    headers
        .get_all(header::SET_COOKIE)
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| Cookie::parse_encoded(v.to_owned()).ok())
        .find(|c| c.name() == name && !c.value().is_empty())
}

/// Where a callback sent the browser, and the session it opened (if any).
struct Landing {
    location: String,
    session: Option<Client>,
}

impl Landing {
    fn error(&self) -> Option<&str> {
        self.location.split_once("sso_error=").map(|(_, code)| code)
    }
}

/// Begins the sign-in; answers the provider's URL and the browser-binding cookie.
async fn start<S, B>(service: &S, provider: &str) -> (String, Cookie<'static>)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, headers, body) =
        call(service, Client::new().request("POST", &format!("/api/v1/public/{SLUG}/sso/{provider}/start"))).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let url = json_of(&body)["authorize_url"].as_str().expect("authorize_url").to_owned();
    (url, cookie_named(&headers, "anwesend_sso").expect("binding cookie"))
}

async fn callback<S, B>(service: &S, path: &str, binding: Option<&Cookie<'static>>) -> Landing
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let mut req = Client::new().request("GET", path);
    if let Some(cookie) = binding {
        req = req.cookie(cookie.clone());
    }
    let (status, headers, body) = call(service, req).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{}", String::from_utf8_lossy(&body));
    let location = headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).expect("location").to_owned();
    let session = cookie_named(&headers, "anwesend_session").map(|cookie| Client { cookie: Some(cookie), csrf: None });
    Landing { location, session }
}

/// The whole flow as a browser does it: start, the provider's page, back to anwesend.
async fn oidc_sign_in<S, B>(service: &S, provider: &str, login: &str) -> Landing
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (url, binding) = start(service, provider).await;
    let back = ProviderBrowser::new().sign_in(&url, login).await;
    callback(service, &back, Some(&binding)).await
}

async fn me<S, B>(service: &S, client: &mut Client) -> Value
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, headers, body) = call(service, client.request("GET", "/api/v1/auth/me")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let me = json_of(&body);
    client.update(&headers, &me);
    me
}

fn roles(me: &Value) -> Vec<String> {
    let mut roles: Vec<String> = me["roles"].as_array().expect("roles").iter().filter_map(|r| r.as_str().map(str::to_owned)).collect();
    roles.sort();
    roles
}

pub(crate) fn count(app: &TestApp, table: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result::<Count>(&mut app.db.inspect()).expect("count").n
}

#[actix_rt::test]
async fn acc_7_oidc_sign_in_end_to_end_provisions_with_mapped_role() {
    let app = app();
    let service = app.service().await;
    let op = OpenIdProvider::start(&redirect_uri(&app), &[alice(&["orga"])]);
    sensitive("alice@schule.example");
    let admin = admin(&service).await;
    let (status, provider) = add_provider(&service, &admin, &oidc_body(&op.issuer(), json!({}))).await;
    assert_eq!(status, StatusCode::CREATED, "{provider}");
    let id = provider["id"].as_str().expect("id");
    assert_eq!(provider["redirect_uri"], json!(redirect_uri(&app)));

    let (status, _, body) = call(&service, Client::new().request("GET", &format!("/api/v1/public/{SLUG}/sso"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json_of(&body)["providers"][0]["name"], json!("Mit Schulkonto anmelden"));

    let landing = oidc_sign_in(&service, id, "alice").await;
    assert_eq!(landing.location, "/#/");
    let mut session = landing.session.expect("signed in");
    let me = me(&service, &mut session).await;
    assert_eq!(me["email"], json!("alice@schule.example"));
    assert_eq!(me["stage"], json!("full"));
    // The default role of just-in-time accounts, and the one the `orga` group maps to.
    assert_eq!(roles(&me), vec!["instructor", "organiser"]);
    let (_, _, body) = call(&service, session.request("GET", "/api/v1/auth/sessions")).await;
    let sessions = json_of(&body);
    assert_eq!(sessions["sessions"][0]["sign_in_method"], json!("oidc"));
    assert_eq!(sessions["sessions"][0]["sign_in_provider"], json!("Mit Schulkonto anmelden"));
    // The account has no local password.
    let (status, _, _, _) = login(&service, "alice@schule.example", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[actix_rt::test]
async fn acc_7_role_mapping_applied_at_every_sign_in_and_removed_when_the_group_is_gone() {
    let app = app();
    let service = app.service().await;
    let mut op = OpenIdProvider::start(&redirect_uri(&app), &[alice(&["orga", "leitung"])]);
    sensitive("alice@schule.example");
    let admin = admin(&service).await;
    let (_, provider) = add_provider(&service, &admin, &oidc_body(&op.issuer(), json!({}))).await;
    let id = provider["id"].as_str().expect("id");

    let mut session = oidc_sign_in(&service, id, "alice").await.session.expect("signed in");
    assert_eq!(roles(&me(&service, &mut session).await), vec!["instructor", "organiser", "tenant_admin"]);

    op.set_users(&[alice(&[])]);
    let mut session = oidc_sign_in(&service, id, "alice").await.session.expect("signed in");
    // The mapped roles are gone; the default role from provisioning stays.
    assert_eq!(roles(&me(&service, &mut session).await), vec!["instructor"]);
    let audit = app.db.audit_text();
    let revoked = audit.iter().filter(|row| row.contains("membership.revoked") && row.contains("sso_role_mapping")).count();
    assert_eq!(revoked, 2, "each removed role is audited");
    assert_eq!(audit.iter().filter(|row| row.contains("membership.granted") && row.contains("sso_role_mapping")).count(), 2);
}

#[actix_rt::test]
async fn acc_7_admin_role_is_never_granted_by_default() {
    let app = app();
    let service = app.service().await;
    let op = OpenIdProvider::start(&redirect_uri(&app), &[alice(&["Administratoren"])]);
    sensitive("alice@schule.example");
    let admin = admin(&service).await;
    for role in ["tenant_admin", "company_admin", "partner_admin"] {
        let (status, body) = add_provider(&service, &admin, &oidc_body(&op.issuer(), json!({ "default_role": role }))).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_field")), "{role}: {body}");
    }
    let (_, provider) = add_provider(&service, &admin, &oidc_body(&op.issuer(), json!({}))).await;
    let mut session = oidc_sign_in(&service, provider["id"].as_str().expect("id"), "alice").await.session.expect("signed in");
    // A group without a mapping grants nothing beyond the default (non-admin) role.
    assert_eq!(roles(&me(&service, &mut session).await), vec!["instructor"]);
}

#[actix_rt::test]
async fn acc_7_just_in_time_only_for_listed_domains() {
    let app = app();
    let service = app.service().await;
    let op = OpenIdProvider::start(
        &redirect_uri(&app),
        &[OpUser { login: "eve", sub: "sub-eve", email: "eve@elsewhere.example", groups: &["leitung"] }],
    );
    let admin = admin(&service).await;
    let (_, provider) = add_provider(&service, &admin, &oidc_body(&op.issuer(), json!({}))).await;
    let accounts = count(&app, "accounts");
    let landing = oidc_sign_in(&service, provider["id"].as_str().expect("id"), "eve").await;
    assert_eq!(landing.error(), Some("sso_not_linked"));
    assert!(landing.session.is_none());
    assert_eq!(count(&app, "accounts"), accounts, "no account was made");
    assert_eq!(count(&app, "sso_identities"), 0);
}

#[actix_rt::test]
async fn acc_7_provider_asserting_a_members_email_takes_no_account_over() {
    let app = app();
    let service = app.service().await;
    organiser(&app, "bob@schule.example");
    let op = OpenIdProvider::start(
        &redirect_uri(&app),
        &[OpUser { login: "mallory", sub: "sub-mallory", email: "bob@schule.example", groups: &["leitung"] }],
    );
    let admin = admin(&service).await;
    let (_, provider) = add_provider(&service, &admin, &oidc_body(&op.issuer(), json!({}))).await;
    let landing = oidc_sign_in(&service, provider["id"].as_str().expect("id"), "mallory").await;
    assert_eq!(landing.error(), Some("sso_not_linked"));
    assert!(landing.session.is_none());
    assert_eq!(count(&app, "sso_identities"), 0);
    // Bob's own sign-in and roles are untouched.
    let (status, _, me, _) = login(&service, &sensitive("bob@schule.example"), PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(roles(&me), vec!["organiser"]);
}

#[actix_rt::test]
async fn acc_7_changed_email_with_the_same_subject_is_the_same_account() {
    let app = app();
    let service = app.service().await;
    let mut op = OpenIdProvider::start(&redirect_uri(&app), &[alice(&[])]);
    sensitive("alice@schule.example");
    sensitive("alice.neu@schule.example");
    let admin = admin(&service).await;
    let (_, provider) = add_provider(&service, &admin, &oidc_body(&op.issuer(), json!({}))).await;
    let id = provider["id"].as_str().expect("id");
    let mut first = oidc_sign_in(&service, id, "alice").await.session.expect("signed in");
    let before = me(&service, &mut first).await["account_id"].clone();
    op.set_users(&[OpUser { email: "alice.neu@schule.example", ..alice(&[]) }]);
    let mut second = oidc_sign_in(&service, id, "alice").await.session.expect("signed in");
    assert_eq!(me(&service, &mut second).await["account_id"], before);
}

#[actix_rt::test]
async fn acc_7_replayed_state_and_another_browser_are_refused() {
    let app = app();
    let service = app.service().await;
    let op = OpenIdProvider::start(&redirect_uri(&app), &[alice(&[])]);
    sensitive("alice@schule.example");
    let admin = admin(&service).await;
    let (_, provider) = add_provider(&service, &admin, &oidc_body(&op.issuer(), json!({}))).await;
    let id = provider["id"].as_str().expect("id");

    let (url, binding) = start(&service, id).await;
    let back = ProviderBrowser::new().sign_in(&url, "alice").await;
    assert!(callback(&service, &back, Some(&binding)).await.session.is_some());
    let replay = callback(&service, &back, Some(&binding)).await;
    assert_eq!((replay.error(), replay.session.is_none()), (Some("sso_failed"), true));
    // Refused by anwesend before the code went to the provider again.
    assert!(!app.db.audit_text().iter().any(|row| row.contains("token_exchange_failed")), "the state works once");

    // The provider's answer arriving in a browser that did not begin the sign-in.
    let (url, _) = start(&service, id).await;
    let back = ProviderBrowser::new().sign_in(&url, "alice").await;
    let stranger = callback(&service, &back, None).await;
    assert_eq!((stranger.error(), stranger.session.is_none()), (Some("sso_failed"), true));
    // The RFC 9207 `iss` of another issuer.
    let (url, binding) = start(&service, id).await;
    let back = ProviderBrowser::new().sign_in(&url, "alice").await;
    let forged = back.replace("iss=", "iss=http%3A%2F%2Fevil.example&was=");
    let landing = callback(&service, &forged, Some(&binding)).await;
    assert_eq!((landing.error(), landing.session.is_none()), (Some("sso_failed"), true));
}

async fn forged_token_refused(mode: &str) {
    let app = app();
    let service = app.service().await;
    let mut op = OpenIdProvider::start(&redirect_uri(&app), &[alice(&["leitung"])]);
    sensitive("alice@schule.example");
    let admin = admin(&service).await;
    let (_, provider) = add_provider(&service, &admin, &oidc_body(&op.issuer(), json!({}))).await;
    let id = provider["id"].as_str().expect("id");
    op.tamper(Some(mode));
    let accounts = count(&app, "accounts");
    let landing = oidc_sign_in(&service, id, "alice").await;
    assert_eq!((landing.error(), landing.session.is_none()), (Some("sso_failed"), true), "{mode}");
    assert_eq!(count(&app, "accounts"), accounts, "{mode}: nothing was provisioned");
    assert!(app.db.audit_text().iter().any(|row| row.contains("auth.sign_in_failed") && row.contains("id_token_invalid")), "{mode}");
    // The same provider, honest again: the sign-in works, so the refusal was the token's.
    op.tamper(None);
    assert!(oidc_sign_in(&service, id, "alice").await.session.is_some(), "{mode}");
}

#[actix_rt::test]
async fn acc_7_wrong_audience_refused() {
    forged_token_refused("aud").await;
}

#[actix_rt::test]
async fn acc_7_token_from_another_issuer_refused() {
    forged_token_refused("iss").await;
}

#[actix_rt::test]
async fn acc_7_expired_token_refused() {
    forged_token_refused("expired").await;
}

#[actix_rt::test]
async fn acc_7_wrong_nonce_refused() {
    forged_token_refused("nonce").await;
}

#[actix_rt::test]
async fn acc_7_alg_none_refused() {
    forged_token_refused("alg_none").await;
}

#[actix_rt::test]
async fn acc_7_hmac_token_signed_with_the_public_key_refused() {
    forged_token_refused("hs256_public_key").await;
}

fn tenant_id(app: &TestApp) -> String {
    anwesend::tenants::service::find_by_slug(&app.state.db, SLUG).expect("db").expect("tenant").id
}

/// A member of staff with a password and the organiser role.
fn organiser(app: &TestApp, email: &str) -> String {
    member(app, &anwesend::db::TenantScope::named_by_operator(tenant_id(app)), email, "organiser", None)
}

#[actix_rt::test]
async fn acc_7_sso_only_blocks_local_passwords_except_the_break_glass_admin() {
    let app = app();
    let service = app.service().await;
    organiser(&app, "bob@schule.example");
    let admin = admin(&service).await;
    let (_, me) = {
        let (status, _, body) = call(&service, admin.request("GET", "/api/v1/auth/me")).await;
        (status, json_of(&body))
    };
    let admin_id = me["account_id"].as_str().expect("id").to_owned();

    let (status, _, body) = call(&service, admin.request("PUT", "/api/v1/sso/settings").set_json(json!({ "sso_only": true }))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a break-glass admin is required: {}", String::from_utf8_lossy(&body));
    let bob = {
        use anwesend::db::schema::memberships::dsl as m;
        use diesel::prelude::*;
        m::memberships.filter(m::role.eq("organiser")).select(m::account_id).first::<String>(&mut app.db.inspect()).expect("bob")
    };
    let (status, _, _) =
        call(&service, admin.request("PUT", "/api/v1/sso/settings").set_json(json!({ "sso_only": true, "break_glass_account_id": bob })))
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "only a primary admin can be the break-glass account");
    let (status, _, body) = call(
        &service,
        admin.request("PUT", "/api/v1/sso/settings").set_json(json!({ "sso_only": true, "break_glass_account_id": admin_id })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));

    let (status, _, body, _) = login(&service, &sensitive("bob@schule.example"), PASSWORD).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("sso_required")));
    let (status, _, body, _) = login(&service, &sensitive("bob@schule.example"), "wrong password of bob").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_credentials")),
        "a wrong password says nothing more"
    );
    let (status, _, _, _) = login(&service, &sensitive("leitung@schule.example"), PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "the break-glass admin keeps the password");
    let (status, _, body) = call(&service, Client::new().request("GET", &format!("/api/v1/public/{SLUG}/sso"))).await;
    assert_eq!((status, json_of(&body)["sso_only"].as_bool()), (StatusCode::OK, Some(true)));

    // The access review shows the break-glass admin as such, and no one else.
    let break_glass = |body: &[u8]| -> Vec<(String, bool)> {
        json_of(body)
            .as_array()
            .expect("members")
            .iter()
            .map(|m| (m["account_id"].as_str().expect("id").to_owned(), m["break_glass"].as_bool().expect("break_glass")))
            .collect()
    };
    let (status, _, body) = call(&service, admin.request("GET", "/api/v1/members")).await;
    assert_eq!(status, StatusCode::OK);
    let marked: Vec<String> = break_glass(&body).into_iter().filter(|(_, b)| *b).map(|(id, _)| id).collect();
    assert_eq!(marked, vec![admin_id.clone()]);
    let (_, _, body) = call(
        &service,
        admin.request("PUT", "/api/v1/sso/settings").set_json(json!({ "sso_only": false, "break_glass_account_id": admin_id })),
    )
    .await;
    assert_eq!(json_of(&body)["sso_only"], json!(false));
    let (_, _, body) = call(&service, admin.request("GET", "/api/v1/members")).await;
    assert!(break_glass(&body).iter().all(|(_, b)| !b), "no break-glass account while passwords work for everyone");
}

#[actix_rt::test]
async fn acc_7_secrets_are_write_only_and_encrypted() {
    let app = app();
    let service = app.service().await;
    let op = OpenIdProvider::start(&redirect_uri(&app), &[]);
    let admin = admin(&service).await;
    let (status, created) = add_provider(&service, &admin, &oidc_body(&op.issuer(), json!({}))).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["id"].as_str().expect("id").to_owned();
    let (_, _, listed) = call(&service, admin.request("GET", "/api/v1/sso/providers")).await;
    // An update without a secret keeps the stored one.
    let mut body = oidc_body(&op.issuer(), json!({ "name": "Neu" }));
    body.as_object_mut().expect("object").remove("secret");
    let (status, _, updated) = call(&service, admin.request("PUT", &format!("/api/v1/sso/providers/{id}")).set_json(&body)).await;
    assert_eq!(status, StatusCode::OK);
    for answer in [created.to_string(), String::from_utf8_lossy(&listed).into_owned(), String::from_utf8_lossy(&updated).into_owned()] {
        assert!(!answer.contains(CLIENT_SECRET), "the secret is never answered: {answer}");
        assert!(answer.contains("\"secret_set\":true"), "{answer}");
    }
    let stored: Vec<u8> = {
        use anwesend::db::schema::sso_providers::dsl as p;
        use diesel::prelude::*;
        p::sso_providers.select(p::secret_ciphertext).first::<Option<Vec<u8>>>(&mut app.db.inspect()).expect("row").expect("secret")
    };
    assert!(!String::from_utf8_lossy(&stored).contains(CLIENT_SECRET), "encrypted at rest");
    let (_, _, tested) = call(&service, admin.request("POST", &format!("/api/v1/sso/providers/{id}/test?lang=en"))).await;
    let report = json_of(&tested);
    assert_eq!(report["ok"], json!(true), "the kept secret still works: {report}");
    sensitive(CLIENT_SECRET);
}

#[actix_rt::test]
async fn acc_7_connection_test_says_what_is_wrong() {
    let app = app();
    let service = app.service().await;
    let op = OpenIdProvider::start(&redirect_uri(&app), &[]);
    let admin = admin(&service).await;
    let (_, good) = add_provider(&service, &admin, &oidc_body(&op.issuer(), json!({}))).await;
    let (_, _, body) =
        call(&service, admin.request("POST", &format!("/api/v1/sso/providers/{}/test", good["id"].as_str().expect("id")))).await;
    let report = json_of(&body);
    let checks: Vec<&str> = report["checks"].as_array().expect("checks").iter().filter_map(|c| c["check"].as_str()).collect();
    assert_eq!(checks, vec!["discovery", "jwks", "redirect_uri", "client_secret"]);
    assert_eq!(report["ok"], json!(true), "{report}");

    let (_, wrong) = add_provider(&service, &admin, &oidc_body(&op.issuer(), json!({ "secret": "not the secret" }))).await;
    let (_, _, body) =
        call(&service, admin.request("POST", &format!("/api/v1/sso/providers/{}/test?lang=en", wrong["id"].as_str().expect("id")))).await;
    let report = json_of(&body);
    assert_eq!(report["ok"], json!(false));
    assert_eq!(report["checks"][3]["check"], json!("client_secret"));
    assert!(report["checks"][3]["message"].as_str().expect("message").contains("client secret is wrong"), "{report}");

    let (_, wrong) =
        add_provider(&service, &admin, &oidc_body(&op.issuer(), json!({ "oidc": { "issuer": op.issuer(), "client_id": "unknown" } })))
            .await;
    let (_, _, body) =
        call(&service, admin.request("POST", &format!("/api/v1/sso/providers/{}/test", wrong["id"].as_str().expect("id")))).await;
    let report = json_of(&body);
    assert_eq!(report["checks"][2]["ok"], json!(false), "an unknown client is refused at the sign-in page: {report}");
    assert!(report["checks"][2]["message"].as_str().expect("message").contains("Weiterleitungsadresse"), "German by default: {report}");
}

#[actix_rt::test]
async fn acc_7_unreachable_provider_answers_a_clear_error_and_writes_nothing() {
    let app = app();
    let service = app.service().await;
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let admin = admin(&service).await;
    let (status, provider) = add_provider(&service, &admin, &oidc_body(&format!("http://127.0.0.1:{port}"), json!({}))).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = provider["id"].as_str().expect("id");
    let (status, headers, body) = call(&service, Client::new().request("POST", &format!("/api/v1/public/{SLUG}/sso/{id}/start"))).await;
    assert_eq!(status, StatusCode::FAILED_DEPENDENCY);
    assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    assert_eq!(json_of(&body)["code"], json!("sso_unavailable"));
    assert_eq!(count(&app, "sso_logins"), 0);
    let (_, _, body) = call(&service, admin.request("POST", &format!("/api/v1/sso/providers/{id}/test?lang=en"))).await;
    let report = json_of(&body);
    assert_eq!((report["ok"].as_bool(), report["checks"][0]["check"].as_str()), (Some(false), Some("discovery")));
    assert!(report["checks"][0]["message"].as_str().expect("message").contains("cannot be reached"), "{report}");
    // A callback nobody began: the sign-in page with the problem, nothing written.
    let landing = callback(&service, &format!("/api/v1/public/{SLUG}/sso/callback?code=x&state=made-up"), None).await;
    assert_eq!(landing.error(), Some("sso_failed"));
}

#[actix_rt::test]
async fn acc_7_signed_in_member_links_the_provider_once() {
    let app = app();
    let service = app.service().await;
    organiser(&app, "bob@schule.example");
    let op = OpenIdProvider::start(
        &redirect_uri(&app),
        &[OpUser { login: "bob", sub: "sub-bob", email: "bob.privat@elsewhere.example", groups: &[] }],
    );
    let admin = admin(&service).await;
    let (_, provider) =
        add_provider(&service, &admin, &oidc_body(&op.issuer(), json!({ "provisioning": "off", "jit_domains": [], "default_role": null })))
            .await;
    let id = provider["id"].as_str().expect("id");
    // Not linked yet, provisioning off: refused.
    assert_eq!(oidc_sign_in(&service, id, "bob").await.error(), Some("sso_not_linked"));

    let bob = sign_in(&service, &sensitive("bob@schule.example")).await;
    let (status, headers, body) = call(&service, bob.request("POST", &format!("/api/v1/sso/providers/{id}/link"))).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let binding = cookie_named(&headers, "anwesend_sso").expect("binding");
    let back = ProviderBrowser::new().sign_in(json_of(&body)["authorize_url"].as_str().expect("url"), "bob").await;
    assert!(callback(&service, &back, Some(&binding)).await.session.is_some());

    let mut session = oidc_sign_in(&service, id, "bob").await.session.expect("signed in through the provider");
    let me = me(&service, &mut session).await;
    assert_eq!((me["email"].as_str(), roles(&me)), (Some("bob@schule.example"), vec!["organiser".to_owned()]));
    sensitive("bob.privat@elsewhere.example");
}

#[actix_rt::test]
async fn acc_7_bad_input_to_provider_endpoints_answers_problem_json_and_writes_nothing() {
    let app = app();
    let service = app.service().await;
    let admin = admin(&service).await;
    let issuer = "https://login.example";
    // Larger than the SSO routes take (they take a SAML IdP's metadata, up to 256 KiB, in a provider).
    let huge = "x".repeat(600_000);
    let hostile: Vec<(&str, Value)> = vec![
        ("unknown kind", json!({ "kind": "saml" })),
        ("javascript issuer", json!({ "oidc": { "issuer": "javascript:alert(1)", "client_id": "a" } })),
        ("plain http issuer off loopback", json!({ "oidc": { "issuer": "http://login.example", "client_id": "a" } })),
        ("issuer with user", json!({ "oidc": { "issuer": "https://user:pw@login.example", "client_id": "a" } })),
        ("empty client id", json!({ "oidc": { "issuer": issuer, "client_id": "" } })),
        ("entra without directory", json!({ "preset": "entra", "oidc": { "client_id": "a" } })),
        (
            "entra personal accounts",
            json!({ "preset": "entra", "oidc": { "client_id": "a", "directory_id": "9188040d-6c67-4c5b-b112-36a304b66dad" } }),
        ),
        ("ldap preset for oidc", json!({ "preset": "active_directory" })),
        ("control characters in name", json!({ "name": "a\u{0}b" })),
        ("long name", json!({ "name": "n".repeat(81) })),
        ("empty secret", json!({ "secret": "" })),
        ("mapping to a participant", json!({ "role_mappings": [{ "value": "x", "role": "participant" }] })),
        ("mapping twice", json!({ "role_mappings": [{ "value": "x", "role": "organiser" }, { "value": "x", "role": "organiser" }] })),
        ("company admin without company", json!({ "role_mappings": [{ "value": "x", "role": "company_admin" }] })),
        ("jit without domain", json!({ "jit_domains": [] })),
        ("bad domain", json!({ "jit_domains": ["*.example"] })),
        ("unknown field", json!({ "admin": true })),
        (
            "ldap url for ldap kind",
            json!({ "kind": "ldap", "oidc": null, "ldap": { "url": "ldap://dir.example", "ca_certificate": "x", "bind_dn": "a", "user_base_dn": "b" } }),
        ),
    ];
    for (what, change) in hostile {
        let (status, body) = add_provider(&service, &admin, &oidc_body(issuer, change)).await;
        assert!(status.is_client_error(), "{what}: {status} {body}");
        assert!(body["code"].is_string(), "{what}: problem+json {body}");
    }
    let (status, _, body) = call(
        &service,
        admin.request("POST", "/api/v1/sso/providers").set_payload(huge).insert_header((header::CONTENT_TYPE, "application/json")),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{}", String::from_utf8_lossy(&body));
    let (status, _, _) = call(
        &service,
        admin.request("POST", "/api/v1/sso/providers").set_payload("{").insert_header((header::CONTENT_TYPE, "application/json")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = call(&service, admin.request("PUT", "/api/v1/sso/settings").set_json(json!({ "sso_only": "yes" }))).await;
    assert!(status.is_client_error());
    let (status, _, _) =
        call(&service, admin.request("PUT", &format!("/api/v1/sso/providers/{}", "9".repeat(100))).set_json(oidc_body(issuer, json!({}))))
            .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = call(
        &service,
        Client::new()
            .request("POST", &format!("/api/v1/public/{SLUG}/sso/x/ldap"))
            .set_json(json!({ "username": "u".repeat(300), "password": "p" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app, "sso_providers"), 0, "nothing half-written");
    let tenant = anwesend::tenants::service::find_by_slug(&app.state.db, SLUG).expect("db").expect("tenant");
    assert!(!tenant.sso_only && tenant.sso_break_glass_account_id.is_none());
    // The callback with hostile parameters: the sign-in page, no 5xx.
    let landing = callback(&service, &format!("/api/v1/public/{SLUG}/sso/callback?state={}&code=%00%27", "s".repeat(600)), None).await;
    assert_eq!(landing.error(), Some("sso_failed"));
}

#[actix_rt::test]
async fn acc_7_only_primary_admins_manage_providers() {
    let app = app();
    let service = app.service().await;
    organiser(&app, "orga@schule.example");
    let orga = sign_in(&service, &sensitive("orga@schule.example")).await;
    for (method, path) in [("GET", "/api/v1/sso/providers"), ("GET", "/api/v1/sso/settings"), ("POST", "/api/v1/sso/providers")] {
        let mut req = orga.request(method, path);
        if method == "POST" {
            req = req.set_json(oidc_body("https://login.example", json!({})));
        }
        let (status, _, _) = call(&service, req).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
    }
    let (status, _, _) = call(&service, Client::new().request("GET", "/api/v1/sso/providers")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

fn ldap_body(url: &str, starttls: bool, ca: &str, groups: &[(&str, &str)]) -> Value {
    json!({
        "kind": "ldap", "preset": "generic", "name": "Mit Schulkonto anmelden", "enabled": true,
        "ldap": {
            "url": url, "starttls": starttls, "ca_certificate": ca, "bind_dn": LDAP_SERVICE_DN,
            "user_base_dn": format!("ou=people,{LDAP_BASE}"), "group_base_dn": format!("ou=groups,{LDAP_BASE}"),
        },
        "secret": LDAP_SERVICE_PASSWORD,
        "role_mappings": groups.iter().map(|(value, role)| json!({ "value": value, "role": role })).collect::<Vec<_>>(),
        "provisioning": "jit", "jit_domains": ["schule.example"], "default_role": "instructor",
    })
}

async fn ldap_login<S, B>(service: &S, provider: &str, username: &str, password: &str) -> (StatusCode, Value, Client)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let req = Client::new()
        .request("POST", &format!("/api/v1/public/{SLUG}/sso/{provider}/ldap"))
        .set_json(json!({ "username": username, "password": password }));
    let (status, headers, body) = call(service, req).await;
    let body = json_of(&body);
    let mut client = Client::new();
    client.update(&headers, &body);
    (status, body, client)
}

#[actix_rt::test]
async fn acc_7_ldap_sign_in_over_ldaps_and_starttls_with_group_mapping() {
    let app = app();
    let service = app.service().await;
    let slapd = Slapd::start();
    let carla = slapd.person("carla", "carla@schule.example");
    let orga = slapd.group("orga", &[&carla]);
    sensitive("carla@schule.example");
    let admin = admin(&service).await;
    let url = format!("ldaps://127.0.0.1:{}", slapd.ldaps_port);
    let (status, provider) = add_provider(&service, &admin, &ldap_body(&url, false, &slapd.ca_pem, &[(&orga, "organiser")])).await;
    assert_eq!(status, StatusCode::CREATED, "{provider}");
    let id = provider["id"].as_str().expect("id").to_owned();
    let (_, _, body) = call(&service, admin.request("POST", &format!("/api/v1/sso/providers/{id}/test"))).await;
    assert_eq!(json_of(&body)["ok"], json!(true), "{}", json_of(&body));

    let (status, me, _) = ldap_login(&service, &id, "carla", LDAP_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(roles(&me), vec!["instructor", "organiser"]);

    // The group is gone in the directory: the mapped role goes at the next sign-in.
    slapd.modify(&format!("dn: {orga}\nchangetype: modify\nreplace: member\nmember: cn=nobody,{LDAP_BASE}\n"));
    let starttls = format!("ldap://127.0.0.1:{}", slapd.ldap_port);
    let (status, _, _) = call(
        &service,
        admin.request("PUT", &format!("/api/v1/sso/providers/{id}")).set_json(ldap_body(
            &starttls,
            true,
            &slapd.ca_pem,
            &[(&orga, "organiser")],
        )),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, me, _) = ldap_login(&service, &id, "carla", LDAP_PASSWORD).await;
    assert_eq!((status, roles(&me)), (StatusCode::OK, vec!["instructor".to_owned()]), "over StartTLS: {me}");

    let (status, body, _) = ldap_login(&service, &id, "carla", "wrong directory password").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_credentials")));
    let (status, body, _) = ldap_login(&service, &id, "nobody", LDAP_PASSWORD).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_credentials")), "the same answer");
}

#[actix_rt::test]
async fn acc_7_ldap_filter_injection_and_empty_password_refused() {
    let app = app();
    let service = app.service().await;
    let slapd = Slapd::start();
    slapd.person("carla", "carla@schule.example");
    slapd.person("dora", "dora@schule.example");
    let admin = admin(&service).await;
    let url = format!("ldaps://127.0.0.1:{}", slapd.ldaps_port);
    let (_, provider) = add_provider(&service, &admin, &ldap_body(&url, false, &slapd.ca_pem, &[])).await;
    let id = provider["id"].as_str().expect("id");
    let accounts = count(&app, "accounts");
    for username in ["*", "*)(uid=*", "carla)(|(uid=*", "*)(userPassword=*"] {
        let (status, body, _) = ldap_login(&service, id, username, LDAP_PASSWORD).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_credentials")), "{username}");
    }
    let (status, body, _) = ldap_login(&service, id, "carla", "").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_credentials")), "empty password: no bind");
    assert_eq!(count(&app, "accounts"), accounts, "no one was signed in or made");
}

#[actix_rt::test]
async fn acc_7_ldap_server_certificate_from_another_ca_refused() {
    let app = app();
    let service = app.service().await;
    let slapd = Slapd::start();
    slapd.person("carla", "carla@schule.example");
    let admin = admin(&service).await;
    let url = format!("ldaps://127.0.0.1:{}", slapd.ldaps_port);
    let (_, provider) = add_provider(&service, &admin, &ldap_body(&url, false, &slapd.other_ca_pem, &[])).await;
    let id = provider["id"].as_str().expect("id");
    let (status, body, _) = ldap_login(&service, id, "carla", LDAP_PASSWORD).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FAILED_DEPENDENCY, Some("sso_unavailable")), "{body}");
    let (_, _, body) = call(&service, admin.request("POST", &format!("/api/v1/sso/providers/{id}/test?lang=en"))).await;
    let report = json_of(&body);
    assert_eq!((report["ok"].as_bool(), report["checks"][0]["check"].as_str()), (Some(false), Some("tls")));
    assert!(report["checks"][0]["message"].as_str().expect("message").contains("certificate"), "{report}");
}

/// Signs in through the provider with `browser` (kept by the caller, like a person's
/// browser keeps the provider's session).
async fn oidc_sign_in_with<S, B>(service: &S, provider: &str, login: &str, browser: &ProviderBrowser) -> Landing
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (url, binding) = start(service, provider).await;
    let back = browser.sign_in(&url, login).await;
    callback(service, &back, Some(&binding)).await
}

#[actix_rt::test]
async fn acc_7_jwks_is_cached_and_fetched_again_once_a_minute_for_a_rotated_key() {
    let app = app();
    let service = app.service().await;
    let mut op = OpenIdProvider::start(&redirect_uri(&app), &[alice(&["orga"])]);
    sensitive("alice@schule.example");
    let admin = admin(&service).await;
    let (_, provider) = add_provider(&service, &admin, &oidc_body(&op.issuer(), json!({}))).await;
    let id = provider["id"].as_str().expect("id");

    assert!(oidc_sign_in(&service, id, "alice").await.session.is_some());
    assert!(oidc_sign_in(&service, id, "alice").await.session.is_some());
    assert_eq!(op.fetch_counts().await, (1, 1), "two sign-ins, one fetch of discovery and keys");

    // The provider rotates its key. Within a minute of the last fetch anwesend does not ask
    // again (a forged `kid` cannot make it hammer the provider): the sign-in is refused.
    op.rotate_key(2);
    let landing = oidc_sign_in(&service, id, "alice").await;
    assert_eq!(landing.error(), Some("sso_failed"));
    assert!(app.db.audit_text().iter().any(|r| r.contains("signing_key_unknown")), "audited with its reason");
    assert_eq!(op.fetch_counts().await, (1, 1));

    // A minute later the unknown `kid` fetches the keys again: no restart needed.
    app.clock.advance(chrono::Duration::seconds(61));
    let mut session = oidc_sign_in(&service, id, "alice").await.session.expect("signed in with the new key");
    assert_eq!(me(&service, &mut session).await["email"], json!("alice@schule.example"));
    assert_eq!(op.fetch_counts().await, (2, 2));
    assert!(oidc_sign_in(&service, id, "alice").await.session.is_some());
    assert_eq!(op.fetch_counts().await, (2, 2), "the new keys are cached");
}

async fn set_provider_mfa<S, B>(service: &S, admin: &Client, id: &str, issuer: &str, accept: bool)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let mut body = oidc_body(issuer, json!({}));
    body["oidc"]["accept_provider_mfa"] = json!(accept);
    body.as_object_mut().expect("object").remove("secret");
    let (status, _, answer) = call(service, admin.request("PUT", &format!("/api/v1/sso/providers/{id}")).set_json(&body)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&answer));
}

#[actix_rt::test]
async fn acc_7_provider_mfa_counts_as_second_factor_only_when_the_admin_trusts_it() {
    let app = app();
    let service = app.service().await;
    let mut op = OpenIdProvider::start(&redirect_uri(&app), &[alice(&["leitung"])]);
    sensitive("alice@schule.example");
    let admin = admin(&service).await;
    let (_, provider) = add_provider(&service, &admin, &oidc_body(&op.issuer(), json!({}))).await;
    let id = provider["id"].as_str().expect("id").to_owned();
    let (status, _, body) =
        call(&service, admin.request("PUT", "/api/v1/tenant/security").set_json(json!({ "mfa_required_for_admins": true }))).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));

    let stage = |landing: Landing| async {
        let mut session = landing.session.expect("a session");
        me(&service, &mut session).await["stage"].as_str().expect("stage").to_owned()
    };
    // The provider says MFA, but the admin has not set "Zweiter Faktor beim Anbieter".
    op.set_amr("alice", &["pwd", "mfa"]);
    assert_eq!(stage(oidc_sign_in(&service, &id, "alice").await).await, "enrol", "the local second factor is still required");

    set_provider_mfa(&service, &admin, &id, &op.issuer(), true).await;
    for (amr, expected) in [(&["pwd"][..], "enrol"), (&["pwd", "mfa"][..], "full"), (&["pwd", "otp"][..], "full"), (&["hwk"][..], "full")] {
        op.set_amr("alice", amr);
        assert_eq!(stage(oidc_sign_in(&service, &id, "alice").await).await, expected, "amr {amr:?}");
    }
    set_provider_mfa(&service, &admin, &id, &op.issuer(), false).await;
    op.set_amr("alice", &["pwd", "mfa"]);
    assert_eq!(stage(oidc_sign_in(&service, &id, "alice").await).await, "enrol", "switched off again");
}

fn backchannel(provider: &str, token: &str) -> actix_web::test::TestRequest {
    // The provider's server calls: no Origin, no cookie.
    actix_web::test::TestRequest::post()
        .uri(&format!("/api/v1/sso/oidc/{provider}/backchannel-logout"))
        .peer_addr("127.0.0.1:40000".parse().expect("addr"))
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(format!("logout_token={token}"))
}

#[actix_rt::test]
async fn acc_7_sign_out_ends_the_provider_session_and_backchannel_logout_ends_ours_once() {
    let app = app();
    let service = app.service().await;
    let mut op = OpenIdProvider::start(&redirect_uri(&app), &[alice(&["orga"])]);
    sensitive("alice@schule.example");
    let admin = admin(&service).await;
    let (_, provider) = add_provider(&service, &admin, &oidc_body(&op.issuer(), json!({}))).await;
    let id = provider["id"].as_str().expect("id").to_owned();
    let origin = app.state.config.public_origin();
    op.set_logout(&format!("{origin}/api/v1/sso/oidc/{id}/backchannel-logout"), &format!("{origin}/"));

    // Two browsers, two sessions at the provider and here.
    let (laptop, phone) = (ProviderBrowser::new(), ProviderBrowser::new());
    let mut at_laptop = oidc_sign_in_with(&service, &id, "alice", &laptop).await.session.expect("laptop");
    let mut at_phone = oidc_sign_in_with(&service, &id, "alice", &phone).await.session.expect("phone");
    me(&service, &mut at_laptop).await;
    me(&service, &mut at_phone).await;

    // Alice signs out at the provider on the laptop (another application's sign-out): the
    // provider sends a logout token for that provider session.
    laptop.sign_out(&format!("{}/session/end", op.issuer())).await;
    let tokens = op.logout_tokens().await;
    assert_eq!(tokens.len(), 1, "one logout token");
    let (status, headers, body) = call(&service, backchannel(&id, &tokens[0])).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()), Some("no-store"));
    assert_eq!(call(&service, at_laptop.request("GET", "/api/v1/auth/me")).await.0, StatusCode::UNAUTHORIZED, "the laptop's ended");
    assert_eq!(call(&service, at_phone.request("GET", "/api/v1/auth/me")).await.0, StatusCode::OK, "the phone's (other sid) stays");

    // The same token again: refused, in the database (so on every node).
    let (status, headers, body) = call(&service, backchannel(&id, &tokens[0])).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")));
    assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    assert_eq!(count(&app, "sso_logout_tokens"), 1);
    assert!(app.db.audit_text().iter().any(|r| r.contains("sso.backchannel_logout") && r.contains("jti_replayed")));
    assert!(app.db.audit_text().iter().any(|r| r.contains("auth.session_ended") && r.contains("provider_logout")));

    // Signing out of anwesend on the phone goes on to the provider, which ends its session
    // there and sends the browser back to anwesend.
    let (status, _, body) = call(&service, at_phone.request("POST", "/api/v1/auth/logout")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let url = json_of(&body)["provider_logout_url"].as_str().expect("provider_logout_url").to_owned();
    assert!(url.starts_with(&format!("{}/session/end?", op.issuer())), "{url}");
    assert!(url.contains(&format!("client_id={}", crate::fixtures::sso::CLIENT_ID)), "{url}");
    let back = phone.sign_out(&url).await;
    assert_eq!(back, format!("{origin}/"), "the provider accepted anwesend's post-logout redirect");
    assert_eq!(op.logout_tokens().await.len(), 2, "the provider ended the phone's session too");
    // A password session signs out as before.
    let (status, _, _) = call(&service, admin.request("POST", "/api/v1/auth/logout")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[actix_rt::test]
async fn acc_7_backchannel_logout_refuses_tokens_that_break_a_rule_and_writes_nothing() {
    let app = app();
    let service = app.service().await;
    let mut op = OpenIdProvider::start(&redirect_uri(&app), &[alice(&["orga"])]);
    sensitive("alice@schule.example");
    let admin = admin(&service).await;
    let (_, provider) = add_provider(&service, &admin, &oidc_body(&op.issuer(), json!({}))).await;
    let id = provider["id"].as_str().expect("id").to_owned();
    let origin = app.state.config.public_origin();
    op.set_logout(&format!("{origin}/api/v1/sso/oidc/{id}/backchannel-logout"), &format!("{origin}/"));
    let browser = ProviderBrowser::new();
    let mut session = oidc_sign_in_with(&service, &id, "alice", &browser).await.session.expect("signed in");
    me(&service, &mut session).await;

    let now = chrono::Utc::now().timestamp();
    let event = json!({ "http://schemas.openid.net/event/backchannel-logout": {} });
    let good = json!({ "iss": op.issuer(), "aud": crate::fixtures::sso::CLIENT_ID, "iat": now, "jti": "j-1", "sub": "sub-alice", "events": event });
    let with = |k: &str, v: Value| {
        let mut c = good.clone();
        c[k] = v;
        c
    };
    let without = |k: &str| {
        let mut c = good.clone();
        c.as_object_mut().expect("object").remove(k);
        c
    };
    let typ = json!({ "typ": "logout+jwt" });
    let cases: Vec<(&str, Value, Value)> = vec![
        ("an ID token's typ", json!({ "typ": "JWT" }), good.clone()),
        ("another audience", typ.clone(), with("aud", json!("another-client"))),
        ("another issuer", typ.clone(), with("iss", json!("http://127.0.0.1:9/another"))),
        ("too old", typ.clone(), with("iat", json!(now - 3600))),
        ("no iat", typ.clone(), without("iat")),
        ("no events", typ.clone(), without("events")),
        ("another event", typ.clone(), with("events", json!({ "urn:example:other": {} }))),
        ("a nonce", typ.clone(), with("nonce", json!("n"))),
        ("neither sid nor sub", typ.clone(), without("sub")),
        ("no jti", typ.clone(), without("jti")),
        ("an unknown kid", json!({ "typ": "logout+jwt", "kid": "not-a-key" }), good.clone()),
    ];
    for (what, header, claims) in cases {
        let token = op.sign(header, claims).await;
        let (status, headers, body) = call(&service, backchannel(&id, &token)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {}", String::from_utf8_lossy(&body));
        assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/problem+json"), "{what}");
    }
    // Not signed by the provider: `alg: none`, and a changed payload.
    let b64 = |v: &Value| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, v.to_string());
    let unsigned = format!("{}.{}.", b64(&json!({ "alg": "none", "typ": "logout+jwt" })), b64(&good));
    let signed = op.sign(typ.clone(), good.clone()).await;
    let parts: Vec<&str> = signed.split('.').collect();
    let altered = format!("{}.{}.{}", parts[0], b64(&with("sub", json!("sub-someone-else"))), parts[2]);
    let raw = |body: &str, content_type: &str| {
        actix_web::test::TestRequest::post()
            .uri(&format!("/api/v1/sso/oidc/{id}/backchannel-logout"))
            .peer_addr("127.0.0.1:40000".parse().expect("addr"))
            .insert_header((header::CONTENT_TYPE, content_type.to_owned()))
            .set_payload(body.to_owned())
    };
    let form = "application/x-www-form-urlencoded";
    let more: Vec<(&str, actix_web::test::TestRequest, u16)> = vec![
        ("alg none", backchannel(&id, &unsigned), 400),
        ("altered payload", backchannel(&id, &altered), 400),
        ("garbage", backchannel(&id, "kein.token.hier"), 400),
        ("empty", backchannel(&id, ""), 400),
        ("oversized", backchannel(&id, &"a".repeat(9000)), 400),
        ("no logout_token", raw("token=x", form), 400),
        ("two logout_tokens", raw(&format!("logout_token={signed}&logout_token={signed}"), form), 400),
        ("JSON", raw(&json!({ "logout_token": signed }).to_string(), "application/json"), 415),
        ("unknown provider", backchannel("0193ffff-0000-7000-8000-000000000000", &signed), 404),
    ];
    for (what, req, expected) in more {
        let (status, headers, body) = call(&service, req).await;
        assert_eq!(status.as_u16(), expected, "{what}: {}", String::from_utf8_lossy(&body));
        assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/problem+json"), "{what}");
    }
    assert_eq!(count(&app, "sso_logout_tokens"), 0, "nothing was written");
    assert_eq!(call(&service, session.request("GET", "/api/v1/auth/me")).await.0, StatusCode::OK, "no session ended");

    // The honest token of the same shape ends alice's sessions by `sub`.
    let (status, _, body) = call(&service, backchannel(&id, &signed)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(call(&service, session.request("GET", "/api/v1/auth/me")).await.0, StatusCode::UNAUTHORIZED);
}

#[actix_rt::test]
async fn acc_7_invited_person_signing_in_at_the_provider_is_linked_to_the_invitation() {
    let sink = crate::common::MailSink::start();
    let app = test_app_with(|c| {
        sink.configure(c);
        c.rate_limit.public_per_ip_per_minute = 10_000;
    });
    app.clock.advance(chrono::Utc::now() - app.clock.now());
    app.tenant_with_admin(SLUG, "leitung@schule.example");
    let service = app.service().await;
    // Her address at the provider differs from the invited one: the link, not the email, links.
    let op = OpenIdProvider::start(
        &redirect_uri(&app),
        &[OpUser { login: "carla", sub: "sub-carla", email: "carla.privat@elsewhere.example", groups: &[] }],
    );
    let admin = admin(&service).await;
    let body = oidc_body(&op.issuer(), json!({ "provisioning": "off", "jit_domains": [], "default_role": null }));
    let (_, provider) = add_provider(&service, &admin, &body).await;
    let id = provider["id"].as_str().expect("id").to_owned();
    let invite = json!({ "email": sensitive("carla@schule.example"), "role": "organiser" });
    assert_eq!(call(&service, admin.request("POST", "/api/v1/invitations").set_json(invite)).await.0, StatusCode::CREATED);
    anwesend::notify::deliver_due(&app.state).expect("deliver");
    let mail = sink.message_to("carla@schule.example");
    let start_at = mail.find("#/invitation?token=").expect("invitation link") + "#/invitation?token=".len();
    let token: String = mail[start_at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    let token = sensitive(&token);

    // Without the invitation the provider's identity is linked to nothing.
    assert_eq!(oidc_sign_in(&service, &id, "carla").await.error(), Some("sso_not_linked"));

    let begin = |token: &str| {
        Client::new().request("POST", &format!("/api/v1/public/{SLUG}/sso/{id}/invitation")).set_json(json!({ "token": token }))
    };
    for bad in [json!({ "token": "unbekannt" }), json!({ "token": "" }), json!({ "token": "x".repeat(500) })] {
        let req = Client::new().request("POST", &format!("/api/v1/public/{SLUG}/sso/{id}/invitation")).set_json(&bad);
        let (status, _, body) = call(&service, req).await;
        assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::NOT_FOUND, Some("invitation_invalid")), "{bad}");
    }
    let req =
        Client::new().request("POST", &format!("/api/v1/public/{SLUG}/sso/{id}/invitation")).set_json(json!({ "token": token, "x": 1 }));
    assert_eq!(call(&service, req).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app, "sso_logins"), 0, "bad input writes nothing");

    let (status, headers, body) = call(&service, begin(&token)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let binding = cookie_named(&headers, "anwesend_sso").expect("binding");
    let back = ProviderBrowser::new().sign_in(json_of(&body)["authorize_url"].as_str().expect("url"), "carla").await;
    let mut session = callback(&service, &back, Some(&binding)).await.session.expect("signed in from the invitation");
    let me = me(&service, &mut session).await;
    assert_eq!((me["email"].as_str(), roles(&me)), (Some("carla@schule.example"), vec!["organiser".to_owned()]));
    assert!(app.db.audit_text().iter().any(|r| r.contains("invitation.accepted")), "the invitation is accepted");

    // From now on the provider signs her in; the invitation works once.
    assert!(oidc_sign_in(&service, &id, "carla").await.session.is_some());
    let (status, _, body) = call(&service, begin(&token)).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::NOT_FOUND, Some("invitation_invalid")));
    sensitive("carla.privat@elsewhere.example");
}

async fn lookup<S, B>(service: &S, email: &str) -> Value
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, _, body) =
        call(service, Client::new().request("POST", "/api/v1/public/sso/lookup").set_json(json!({ "email": email }))).await;
    assert_eq!(status, StatusCode::OK, "{email}: {}", String::from_utf8_lossy(&body));
    json_of(&body)
}

fn offered(answer: &Value) -> Vec<(String, String)> {
    answer["providers"]
        .as_array()
        .expect("providers")
        .iter()
        .map(|p| (p["tenant"].as_str().expect("tenant").to_owned(), p["name"].as_str().expect("name").to_owned()))
        .collect()
}

#[actix_rt::test]
async fn acc_7_email_first_lookup_offers_the_domains_providers_of_any_tenant() {
    let app = app();
    app.tenant_with_admin("andere", "leitung@andere.example");
    let service = app.service().await;
    let schule = admin(&service).await;
    let issuer = "https://login.example";
    let body = oidc_body(issuer, json!({ "name": "Mit Microsoft anmelden", "sign_in_domains": ["lehrer.schule.example"] }));
    let (status, view) = add_provider(&service, &schule, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{view}");
    assert_eq!(view["sign_in_domains"], json!(["lehrer.schule.example"]));
    // A disabled provider of the same domain is not offered.
    let off = oidc_body(issuer, json!({ "name": "Alt", "enabled": false, "sign_in_domains": ["lehrer.schule.example"] }));
    assert_eq!(add_provider(&service, &schule, &off).await.0, StatusCode::CREATED);
    let andere = sign_in(&service, &sensitive("leitung@andere.example")).await;
    let other = oidc_body(
        issuer,
        json!({ "name": "Mit Schulkonto anmelden", "provisioning": "off", "jit_domains": [], "default_role": null, "sign_in_domains": ["andere.example"] }),
    );
    assert_eq!(add_provider(&service, &andere, &other).await.0, StatusCode::CREATED);

    let schule_offer = vec![("schule".to_owned(), "Mit Microsoft anmelden".to_owned())];
    // The just-in-time domain and the sign-in domain, any case; the tenant's name comes along.
    let answer = lookup(&service, "Jemand@Lehrer.Schule.Example").await;
    assert_eq!(offered(&answer), schule_offer);
    assert_eq!(answer["providers"][0]["kind"], "oidc");
    assert!(answer["providers"][0]["tenant_name"].is_string());
    assert_eq!(offered(&lookup(&service, "neu@schule.example").await), schule_offer);
    assert_eq!(offered(&lookup(&service, "x@andere.example").await), vec![("andere".to_owned(), "Mit Schulkonto anmelden".to_owned())]);
    // The answer never depends on whether an account exists: a member and a stranger alike.
    assert_eq!(lookup(&service, "leitung@schule.example").await, lookup(&service, "niemand@schule.example").await);
    // Exact domains only: no suffix, prefix or wildcard match; malformed input answers an empty list.
    for email in [
        "a@schule.example.evil",
        "a@chule.example",
        "a@example",
        "a@%",
        "a@%schule.example",
        "a@_chule.example",
        "kein-at-zeichen",
        "",
        "a@\"schule.example\"",
    ] {
        assert_eq!(lookup(&service, email).await, json!({ "providers": [] }), "{email}");
    }
}

#[actix_rt::test]
async fn acc_7_bad_input_to_the_domain_lookup_answers_problem_json() {
    let app = app();
    let service = app.service().await;
    let admin = admin(&service).await;
    let bad = oidc_body("https://login.example", json!({ "sign_in_domains": ["*.example"] }));
    let (status, body) = add_provider(&service, &admin, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "invalid_field");
    let many: Vec<String> = (0..51).map(|i| format!("d{i}.example")).collect();
    let (status, _) = add_provider(&service, &admin, &oidc_body("https://login.example", json!({ "sign_in_domains": many }))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app, "sso_providers"), 0, "nothing written");
    let path = "/api/v1/public/sso/lookup";
    let long = format!("{}@schule.example", "a".repeat(300));
    for (what, req) in [
        ("too long", Client::new().request("POST", path).set_json(json!({ "email": long }))),
        ("unknown field", Client::new().request("POST", path).set_json(json!({ "email": "a@schule.example", "account": true }))),
        ("not a string", Client::new().request("POST", path).set_json(json!({ "email": 7 }))),
        ("an array, not an object", Client::new().request("POST", path).set_json(json!([""]))),
        ("broken json", Client::new().request("POST", path).set_payload("{").insert_header((header::CONTENT_TYPE, "application/json"))),
        (
            "another site",
            Client::new()
                .request("POST", path)
                .set_json(json!({ "email": "a@schule.example" }))
                .insert_header((header::ORIGIN, "https://evil.example")),
        ),
    ] {
        let (status, headers, body) = call(&service, req).await;
        assert!(status.is_client_error(), "{what}: {status}");
        assert!(
            headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/problem+json")),
            "{what}: problem+json {}",
            String::from_utf8_lossy(&body)
        );
    }
}

#[actix_rt::test]
async fn acc_7_domain_lookup_is_rate_limited_like_every_public_request() {
    let app = test_app_with(|c| c.rate_limit.public_per_ip_per_minute = 3);
    let service = app.service().await;
    for _ in 0..3 {
        lookup(&service, "a@schule.example").await;
    }
    let (status, headers, _) =
        call(&service, Client::new().request("POST", "/api/v1/public/sso/lookup").set_json(json!({ "email": "a@schule.example" }))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.get(header::RETRY_AFTER).is_some());
}

const ENTRA_ALLOWED: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const ENTRA_OTHER: &str = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
const ENTRA_PERSONAL: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// The test provider as Entra's multi-tenant endpoint (its origin as the authority), with
/// alice in directory `tid`; the app's Entra preset points there. Answers the app, the
/// provider (kept running) and the provider's id in anwesend, a multi-tenant app that
/// admits `ENTRA_ALLOWED` only.
async fn entra_multi_tenant(tid: &str) -> (TestApp, OpenIdProvider, String) {
    let mut op = OpenIdProvider::start(&format!("{ORIGIN}/api/v1/public/{SLUG}/sso/callback"), &[alice(&["orga"])]);
    op.set_entra("alice", tid, "0000aaaa-11bb-22cc-33dd-444444eeeeee");
    let authority = op.issuer();
    let app = app_adjusted(move |c| c.auth.entra_authority = authority);
    assert_eq!(redirect_uri(&app), format!("{ORIGIN}/api/v1/public/{SLUG}/sso/callback"));
    sensitive("alice@schule.example");
    let service = app.service().await;
    let admin = admin(&service).await;
    let body = oidc_body(
        "",
        json!({ "preset": "entra", "name": "Mit Microsoft anmelden",
                "oidc": { "client_id": CLIENT_ID, "allowed_directories": [ENTRA_ALLOWED.to_uppercase()] } }),
    );
    let (status, provider) = add_provider(&service, &admin, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{provider}");
    assert_eq!(provider["oidc"]["issuer"], json!(format!("{}/organizations/v2.0", op.issuer())));
    assert_eq!(provider["oidc"]["allowed_directories"], json!([ENTRA_ALLOWED]));
    assert_eq!(provider["oidc"]["directory_id"], Value::Null);
    let id = provider["id"].as_str().expect("id").to_owned();
    (app, op, id)
}

#[actix_rt::test]
async fn acc_7_entra_multi_tenant_app_admits_a_listed_directory() {
    let (app, _op, id) = entra_multi_tenant(ENTRA_ALLOWED).await;
    let service = app.service().await;
    let landing = oidc_sign_in(&service, &id, "alice").await;
    assert_eq!(landing.location, "/#/", "{}", app.db.audit_text().join("\n"));
    let mut session = landing.session.expect("signed in");
    let me = me(&service, &mut session).await;
    assert_eq!(me["email"], json!("alice@schule.example"));
    assert_eq!(roles(&me), vec!["instructor", "organiser"]);
    // The identity is the directory and object id: the next sign-in is the same account.
    let again = oidc_sign_in(&service, &id, "alice").await;
    assert!(again.session.is_some());
    assert_eq!(count(&app, "sso_identities"), 1);
}

#[actix_rt::test]
async fn acc_7_entra_multi_tenant_app_refuses_a_directory_not_listed() {
    let (app, _op, id) = entra_multi_tenant(ENTRA_OTHER).await;
    let service = app.service().await;
    let accounts = count(&app, "accounts");
    let landing = oidc_sign_in(&service, &id, "alice").await;
    assert_eq!((landing.error(), landing.session.is_none()), (Some("sso_failed"), true));
    assert_eq!(count(&app, "accounts"), accounts, "nothing provisioned");
    assert_eq!(count(&app, "sso_identities"), 0);
    assert!(app.db.audit_text().iter().any(|row| row.contains("auth.sign_in_failed") && row.contains("directory_not_allowed")));
}

#[actix_rt::test]
async fn acc_7_entra_personal_account_directory_is_always_refused() {
    let (app, _op, id) = entra_multi_tenant(ENTRA_PERSONAL).await;
    let service = app.service().await;
    let admin = admin(&service).await;
    // It cannot be listed, neither alone nor beside a directory of an organisation.
    for list in [json!([ENTRA_PERSONAL]), json!([ENTRA_ALLOWED, ENTRA_PERSONAL.to_uppercase()])] {
        let body = oidc_body("", json!({ "preset": "entra", "oidc": { "client_id": CLIENT_ID, "allowed_directories": list } }));
        let (status, answer) = add_provider(&service, &admin, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(answer["code"], "invalid_field");
    }
    assert_eq!(count(&app, "sso_providers"), 1);
    let accounts = count(&app, "accounts");
    let landing = oidc_sign_in(&service, &id, "alice").await;
    assert_eq!((landing.error(), landing.session.is_none()), (Some("sso_failed"), true));
    assert_eq!(count(&app, "accounts"), accounts, "nothing provisioned");
    assert!(app.db.audit_text().iter().any(|row| row.contains("auth.sign_in_failed") && row.contains("directory_not_allowed")));
}

#[actix_rt::test]
async fn acc_7_bad_input_to_the_entra_allow_list_answers_problem_json_and_writes_nothing() {
    let app = app();
    let service = app.service().await;
    let admin = admin(&service).await;
    let many: Vec<String> = (0..51).map(|i| format!("3f2504e0-4f89-41d3-9a0c-{i:012}")).collect();
    for (what, oidc) in [
        ("empty list without directory", json!({ "client_id": "a", "allowed_directories": [] })),
        ("not a uuid", json!({ "client_id": "a", "allowed_directories": ["contoso.onmicrosoft.com"] })),
        ("a filter, not a uuid", json!({ "client_id": "a", "allowed_directories": ["%"] })),
        ("too many", json!({ "client_id": "a", "allowed_directories": many })),
        (
            "list beside a single directory",
            json!({ "client_id": "a", "directory_id": ENTRA_ALLOWED, "allowed_directories": [ENTRA_OTHER] }),
        ),
        ("list not a list", json!({ "client_id": "a", "allowed_directories": ENTRA_ALLOWED })),
    ] {
        let (status, body) = add_provider(&service, &admin, &oidc_body("", json!({ "preset": "entra", "oidc": oidc }))).await;
        assert!(status.is_client_error(), "{what}: {status} {body}");
        assert!(body["code"].is_string(), "{what}: problem+json {body}");
    }
    // The allow-list belongs to the Entra preset only.
    let generic = oidc_body(
        "https://login.example",
        json!({ "oidc": { "issuer": "https://login.example", "client_id": "a", "allowed_directories": [ENTRA_ALLOWED] } }),
    );
    assert_eq!(add_provider(&service, &admin, &generic).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app, "sso_providers"), 0, "nothing written");
}
