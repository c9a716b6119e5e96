//! Staff sign-in with SAML 2.0 against a real IdP (npm `samlify`), TOM ACC-7: the whole
//! SP-initiated flow, and the attacks on SAML signatures, each refused with nothing written.

use actix_web::cookie::Cookie;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{header, StatusCode};
use anwesend::sso::saml::{checked_shape, Refusal};
use anwesend::sso::saml_slo::{generate, logout_request, signed_redirect, verified_redirect};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use openssl::pkey::PKey;
use openssl::x509::X509;
use samael::crypto::CertificateDer;
use serde_json::{json, Value};

use crate::common::{sensitive, TestApp};
use crate::fixtures::saml::{IdpUser, SamlIdp};
use crate::fixtures::{call, json_of, sign_in, Client};
use crate::sso::{app, cookie_named, count, SLUG};

fn alice<'a>(groups: &'a [&'a str]) -> IdpUser<'a> {
    IdpUser { login: "alice", name_id: "persistent-alice", email: "alice@schule.example", groups }
}

fn saml_body(metadata_xml: &str) -> Value {
    json!({
        "kind": "saml", "preset": "generic", "name": "Mit Schul-SAML anmelden", "enabled": true,
        "saml": { "metadata_xml": metadata_xml },
        "role_mappings": [{ "value": "orga", "role": "organiser" }],
        "provisioning": "jit", "jit_domains": ["schule.example"], "default_role": "instructor",
    })
}

/// anwesend's SP metadata for the tenant, as the admin hands it to the IdP.
async fn sp_metadata<S, B>(service: &S) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, headers, body) = call(service, Client::new().request("GET", &format!("/api/v1/public/{SLUG}/saml/metadata"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/samlmetadata+xml"));
    String::from_utf8(body.to_vec()).expect("utf-8")
}

/// A tenant with a SAML provider whose IdP answers its SP: the app, the IdP and the provider id.
struct Setup<S> {
    service: S,
    idp: SamlIdp,
    provider: String,
}

async fn setup(
    app: &TestApp,
) -> Setup<impl Service<actix_http::Request, Response = ServiceResponse<impl actix_web::body::MessageBody>, Error = actix_web::Error>> {
    let service = app.service().await;
    let idp = SamlIdp::start(&sp_metadata(&service).await, &[alice(&["orga"])]);
    sensitive("alice@schule.example");
    let admin = sign_in(&service, &sensitive("leitung@schule.example")).await;
    let (status, _, body) = call(&service, admin.request("POST", "/api/v1/sso/providers").set_json(saml_body(&idp.metadata().await))).await;
    let provider = json_of(&body);
    assert_eq!(status, StatusCode::CREATED, "{provider}");
    Setup { service, idp, provider: provider["id"].as_str().expect("id").to_owned() }
}

/// Begins a sign-in; answers the URL the browser goes to at the IdP, and the cookie that
/// binds the sign-in to this browser.
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

struct Landing {
    status: StatusCode,
    location: String,
    session: Option<Client>,
}

/// Posts a form to the ACS as the IdP's page makes the browser do, and follows its redirect
/// to complete the sign-in with the browser's binding cookie (if any).
async fn post_acs<S, B>(service: &S, saml_response: &str, relay_state: &str, binding: Option<&Cookie<'static>>) -> Landing
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("SAMLResponse", saml_response)
        .append_pair("RelayState", relay_state)
        .finish();
    // The IdP's page posts from the IdP's origin.
    let req = Client::new()
        .request("POST", &format!("/api/v1/public/{SLUG}/saml/acs"))
        .insert_header((header::ORIGIN, "http://127.0.0.1:9"))
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(form);
    let (mut status, mut headers, _) = call(service, req).await;
    let location = |headers: &header::HeaderMap| headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let checked = location(&headers);
    if checked.starts_with(&format!("/api/v1/public/{SLUG}/saml/complete?")) {
        assert!(cookie_named(&headers, "anwesend_session").is_none(), "no session before the browser's own request");
        let mut req = Client::new().request("GET", &checked);
        if let Some(cookie) = binding {
            req = req.cookie(cookie.clone());
        }
        (status, headers, _) = call(service, req).await;
    }
    let session = cookie_named(&headers, "anwesend_session").map(|cookie| Client { cookie: Some(cookie), csrf: None });
    Landing { status, location: location(&headers), session }
}

fn decode(saml_response: &str) -> String {
    String::from_utf8(STANDARD.decode(saml_response).expect("base64")).expect("utf-8")
}

fn encode(xml: &str) -> String {
    STANDARD.encode(xml)
}

#[actix_rt::test]
async fn acc_7_saml_sign_in_end_to_end_maps_roles() {
    let app = app();
    let s = setup(&app).await;
    let admin = sign_in(&s.service, &sensitive("leitung@schule.example")).await;
    let (_, _, body) = call(&s.service, admin.request("GET", "/api/v1/sso/providers")).await;
    let view = &json_of(&body)["providers"][0];
    let acs = format!("{}/api/v1/public/{SLUG}/saml/acs", app.state.config.public_origin());
    assert_eq!(view["saml_sp"]["acs_url"], json!(acs));
    assert_eq!(view["saml"]["idp_entity_id"], json!(s.idp.metadata_url()));
    assert_eq!(view["secret_set"], json!(false));

    let (url, binding) = start(&s.service, &s.provider).await;
    assert!(url.starts_with(&format!("http://127.0.0.1:{}/sso?SAMLRequest=", s.idp.port)), "{url}");
    let (action, response, relay) = s.idp.sign_in(&url, "alice").await;
    assert_eq!(action, acs, "the IdP posts to the ACS of the SP metadata");
    let landing = post_acs(&s.service, &response, &relay, Some(&binding)).await;
    assert_eq!((landing.status, landing.location.as_str()), (StatusCode::SEE_OTHER, "/#/"));
    let session = landing.session.expect("signed in");
    let (status, _, body) = call(&s.service, session.request("GET", "/api/v1/auth/me")).await;
    assert_eq!(status, StatusCode::OK);
    let me = json_of(&body);
    assert_eq!(me["email"], json!("alice@schule.example"));
    let mut roles: Vec<&str> = me["roles"].as_array().expect("roles").iter().filter_map(Value::as_str).collect();
    roles.sort();
    assert_eq!(roles, vec!["instructor", "organiser"], "the default role and the one the `orga` group maps to");
    let (_, _, body) = call(&s.service, session.request("GET", "/api/v1/auth/sessions")).await;
    assert_eq!(json_of(&body)["sessions"][0]["sign_in_method"], json!("saml"));
    assert_eq!(count(&app, "saml_assertions"), 1, "the assertion's ID is kept for the replay check");

    // The same response again: refused, and no second session.
    let again = post_acs(&s.service, &response, &relay, Some(&binding)).await;
    assert_eq!(again.location, format!("/#/login/{SLUG}?sso_error=sso_failed"));
    assert!(again.session.is_none());

    // The same identity signs in again into the same account.
    let (xml, relay, binding) = honest(&s).await;
    assert!(post_acs(&s.service, &encode(&xml), &relay, Some(&binding)).await.session.is_some());
    assert_eq!(count(&app, "sso_identities"), 1);

    // A checked response completed in another browser (without the binding cookie): refused.
    let (xml, relay, _) = honest(&s).await;
    let elsewhere = post_acs(&s.service, &encode(&xml), &relay, None).await;
    assert_eq!(elsewhere.location, format!("/#/login/{SLUG}?sso_error=sso_failed"));
    assert!(elsewhere.session.is_none());
}

#[actix_rt::test]
async fn acc_7_saml_metadata_without_signing_certificate_or_with_dtd_cannot_be_saved() {
    let app = app();
    let service = app.service().await;
    let idp = SamlIdp::start(&sp_metadata(&service).await, &[]);
    let admin = sign_in(&service, &sensitive("leitung@schule.example")).await;
    let metadata = idp.metadata().await;
    let start = metadata.find("<KeyDescriptor").or_else(|| metadata.find("<md:KeyDescriptor")).expect("a key descriptor");
    let end = metadata.rfind("KeyDescriptor>").expect("its end") + "KeyDescriptor>".len();
    let without_key = format!("{}{}", &metadata[..start], &metadata[end..]);
    let dtd = format!("<!DOCTYPE x [<!ENTITY a \"aaaa\">]>{}", metadata.trim_start_matches(|c| c != '<'));
    for (what, xml) in
        [("no signing certificate", without_key.as_str()), ("a DTD", dtd.as_str()), ("not metadata", "<html/>"), ("empty", "")]
    {
        let (status, _, body) = call(&service, admin.request("POST", "/api/v1/sso/providers").set_json(saml_body(xml))).await;
        let problem = json_of(&body);
        assert_eq!((status, problem["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_field")), "{what}: {problem}");
    }
    assert_eq!(count(&app, "sso_providers"), 0, "nothing was saved");
    // A metadata URL is fetched once and kept.
    let body = json!({
        "kind": "saml", "preset": "generic", "name": "SAML", "enabled": true,
        "saml": { "metadata_url": idp.metadata_url() },
        "provisioning": "off",
    });
    let (status, _, answer) = call(&service, admin.request("POST", "/api/v1/sso/providers").set_json(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&answer));
    assert!(json_of(&answer)["saml"]["metadata_xml"].as_str().expect("metadata").contains("X509Certificate"));
}

/// The reasons of the audited SAML refusals so far.
fn refusals(app: &TestApp) -> Vec<String> {
    app.db
        .audit_text()
        .iter()
        .filter(|row| row.contains("auth.sign_in_failed"))
        .filter_map(|row| row.split("\"reason\":\"").nth(1).and_then(|r| r.split('"').next()).map(str::to_owned))
        .collect()
}

/// The one refusal audited since `before`.
fn new_refusal(app: &TestApp, mut before: Vec<String>) -> String {
    let mut added = Vec::new();
    for reason in refusals(app) {
        match before.iter().position(|r| r == &reason) {
            Some(i) => {
                before.remove(i);
            }
            None => added.push(reason),
        }
    }
    assert_eq!(added.len(), 1, "one refusal audited: {added:?}");
    added.remove(0)
}

/// One signed, otherwise honest response for a fresh sign-in: (XML, relay state, binding cookie).
async fn honest<S, B>(s: &Setup<S>) -> (String, String, Cookie<'static>)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (url, binding) = start(&s.service, &s.provider).await;
    let (_, response, relay) = s.idp.sign_in(&url, "alice").await;
    (decode(&response), relay, binding)
}

/// The assertion element of a response, and an unsigned copy naming `evil` instead.
fn assertion_and_forgery(xml: &str) -> (String, String) {
    let start = xml.find("<saml:Assertion").expect("assertion");
    let end = xml.find("</saml:Assertion>").expect("assertion end") + "</saml:Assertion>".len();
    let signed = xml[start..end].to_owned();
    let sig_start = signed.find("<ds:Signature").expect("signature");
    let sig_end = signed.find("</ds:Signature>").expect("signature end") + "</ds:Signature>".len();
    let forged = format!("{}{}", &signed[..sig_start], &signed[sig_end..]).replace("persistent-alice", "persistent-leitung");
    (signed, forged)
}

#[actix_rt::test]
async fn acc_7_saml_signature_wrapping_and_forgeries_are_refused_with_nothing_written() {
    let app = app();
    let mut s = setup(&app).await;
    let accounts = count(&app, "accounts");
    type Forge = fn(&str) -> String;
    let attacks: Vec<(&str, &str, Forge)> = vec![
        ("unsigned response", "saml_unsigned_assertion", |xml| {
            let (signed, forged) = assertion_and_forgery(xml);
            xml.replace(&signed, &forged)
        }),
        ("unsigned assertion before the signed one", "saml_shape", |xml| {
            let (signed, forged) = assertion_and_forgery(xml);
            let forged = forged.replacen("ID=\"", "ID=\"x", 1);
            xml.replace(&signed, &format!("{forged}{signed}"))
        }),
        ("unsigned assertion after the signed one", "saml_shape", |xml| {
            let (signed, forged) = assertion_and_forgery(xml);
            let forged = forged.replacen("ID=\"", "ID=\"x", 1);
            xml.replace(&signed, &format!("{signed}{forged}"))
        }),
        ("unsigned assertion inside the signed one", "saml_shape", |xml| {
            let (signed, forged) = assertion_and_forgery(xml);
            let forged = forged.replacen("ID=\"", "ID=\"x", 1);
            let inner = signed.replacen("</saml:Subject>", &format!("</saml:Subject>{forged}"), 1);
            xml.replace(&signed, &inner)
        }),
        ("signed assertion moved into Extensions, a forgery with its ID in its place", "saml_shape", |xml| {
            let (signed, forged) = assertion_and_forgery(xml);
            let moved = format!("<samlp:Extensions>{signed}</samlp:Extensions>{forged}");
            xml.replace(&signed, &moved)
        }),
        ("signed assertion moved into ds:Object of the forgery", "saml_shape", |xml| {
            let (signed, forged) = assertion_and_forgery(xml);
            let object =
                format!("<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:Object>{signed}</ds:Object></ds:Signature>");
            let forged = forged.replacen("</saml:Issuer>", &format!("</saml:Issuer>{object}"), 1);
            xml.replace(&signed, &forged)
        }),
        ("an ID twice", "saml_shape", |xml| {
            let (signed, forged) = assertion_and_forgery(xml);
            xml.replace(&signed, &format!("{signed}{forged}"))
        }),
        ("a comment inside the NameID", "saml_xml_forbidden", |xml| xml.replace("persistent-alice", "persistent-al<!---->ice")),
        ("billion laughs", "saml_xml_forbidden", |xml| {
            let dtd = "<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>";
            format!("{dtd}{}", xml.replace("persistent-alice", "&c;"))
        }),
        ("external entity", "saml_xml_forbidden", |xml| {
            format!("<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>{}", xml.replace("persistent-alice", "&x;"))
        }),
        ("a changed byte in the signed assertion", "saml_signature", |xml| xml.replace("alice@schule.example", "alice@schule.exampla")),
    ];
    for (what, reason, forge) in attacks {
        let (xml, relay, binding) = honest(&s).await;
        let before = refusals(&app);
        let landing = post_acs(&s.service, &encode(&forge(&xml)), &relay, Some(&binding)).await;
        assert_eq!(landing.location, format!("/#/login/{SLUG}?sso_error=sso_failed"), "{what}");
        assert!(landing.session.is_none(), "{what}: no session");
        assert_eq!(new_refusal(&app, before), reason, "{what}");
    }
    // What the IdP itself gets wrong, signed with its real key.
    for (mode, reason) in [
        ("response_only", "saml_unsigned_assertion"),
        ("expired", "saml_conditions"),
        ("audience", "saml_conditions"),
        ("destination", "saml_conditions"),
        ("unsolicited", "saml_conditions"),
        ("sha1", "saml_signature"),
    ] {
        s.idp.tamper(Some(mode));
        let (xml, relay, binding) = honest(&s).await;
        let before = refusals(&app);
        let landing = post_acs(&s.service, &encode(&xml), &relay, Some(&binding)).await;
        assert_eq!(landing.location, format!("/#/login/{SLUG}?sso_error=sso_failed"), "{mode}");
        assert!(landing.session.is_none(), "{mode}: no session");
        assert_eq!(new_refusal(&app, before), reason, "{mode}");
    }
    s.idp.tamper(None);
    assert_eq!(count(&app, "accounts"), accounts, "no account was made");
    assert_eq!(count(&app, "sso_identities"), 0);
    assert_eq!(count(&app, "saml_assertions"), 0);
    // The honest IdP still works afterwards.
    let (xml, relay, binding) = honest(&s).await;
    assert!(post_acs(&s.service, &encode(&xml), &relay, Some(&binding)).await.session.is_some());
}

#[actix_rt::test]
async fn acc_7_saml_another_idp_idp_initiated_and_oversized_posts_are_refused() {
    let app = app();
    let s = setup(&app).await;
    // Another IdP (another key, e.g. another tenant's) answering this tenant's request.
    let other = SamlIdp::start(&sp_metadata(&s.service).await, &[alice(&["orga"])]);
    let (url, binding) = start(&s.service, &s.provider).await;
    let (_, response, relay) = other.sign_in(&url, "alice").await;
    let landing = post_acs(&s.service, &response, &relay, Some(&binding)).await;
    assert_eq!(landing.location, format!("/#/login/{SLUG}?sso_error=sso_failed"));
    assert!(landing.session.is_none());

    // IdP-initiated: a response without a request of ours (no relay state).
    let (xml, _, binding) = honest(&s).await;
    let landing = post_acs(&s.service, &encode(&xml), "", Some(&binding)).await;
    assert_eq!(landing.location, format!("/#/login/{SLUG}?sso_error=sso_failed"));
    assert!(landing.session.is_none());

    // 10 MB: refused before it is read whole.
    let huge = "A".repeat(10 * 1024 * 1024);
    let landing = post_acs(&s.service, &huge, "x", None).await;
    assert_eq!(landing.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Not base64, no SAMLResponse: 4xx problem answers.
    let req = Client::new()
        .request("POST", &format!("/api/v1/public/{SLUG}/saml/acs"))
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload("RelayState=x");
    let (status, _, body) = call(&s.service, req).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_body")));
    assert_eq!(count(&app, "sso_identities"), 0);
    assert_eq!(count(&app, "sessions"), 1, "only the admin's session");
}

fn bob<'a>(groups: &'a [&'a str]) -> IdpUser<'a> {
    IdpUser { login: "bob", name_id: "persistent-bob", email: "bob@schule.example", groups }
}

/// Signs `login` in through the IdP: the session and the assertion's SessionIndex.
async fn signed_in<S, B>(s: &Setup<S>, login: &str) -> (Client, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (url, binding) = start(&s.service, &s.provider).await;
    let (_, response, relay) = s.idp.sign_in(&url, login).await;
    let xml = decode(&response);
    let index = xml.split("SessionIndex=\"").nth(1).and_then(|r| r.split('"').next()).expect("a SessionIndex").to_owned();
    let mut session = post_acs(&s.service, &response, &relay, Some(&binding)).await.session.expect("signed in");
    let (status, headers, body) = call(&s.service, session.request("GET", "/api/v1/auth/me")).await;
    assert_eq!(status, StatusCode::OK);
    session.update(&headers, &json_of(&body));
    (session, index)
}

async fn alive<S, B>(service: &S, session: &Client) -> bool
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, _, _) = call(service, session.request("GET", "/api/v1/auth/me")).await;
    status == StatusCode::OK
}

/// The path and query of an absolute URL at anwesend.
fn local(url: &str) -> String {
    url[url.find("/api/v1/").expect("an anwesend URL")..].to_owned()
}

/// The reasons of the audited, refused SAML logout requests so far.
fn logout_refusals(app: &TestApp) -> Vec<String> {
    app.db
        .audit_text()
        .iter()
        .filter(|row| row.contains("sso.backchannel_logout") && row.contains("saml_redirect") && row.contains("\"reason\":\""))
        .filter_map(|row| row.split("\"reason\":\"").nth(1).and_then(|r| r.split('"').next()).map(str::to_owned))
        .collect()
}

#[actix_rt::test]
async fn acc_7_saml_sp_metadata_names_the_signing_certificate_and_slo_and_the_idp_verifies_signed_requests() {
    let app = app();
    let s = setup(&app).await;
    let metadata = sp_metadata(&s.service).await;
    let certificate =
        |xml: &str| xml.split("<ds:X509Certificate>").nth(1).and_then(|r| r.split('<').next()).expect("the SP's certificate").to_owned();
    let first = certificate(&metadata);
    assert!(STANDARD.decode(&first).expect("base64 DER").len() > 500, "an RSA 3072 certificate");
    assert!(metadata.contains("AuthnRequestsSigned=\"true\""), "{metadata}");
    let slo = format!("{}/api/v1/public/{SLUG}/saml/slo", app.state.config.public_origin());
    assert!(metadata
        .contains(&format!("SingleLogoutService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\"{slo}\"")));
    assert_eq!(certificate(&sp_metadata(&s.service).await), first, "one key pair per tenant, kept");
    assert_eq!(count(&app, "saml_sp_keys"), 1);
    let stored: Vec<u8> = {
        use anwesend::db::schema::saml_sp_keys::dsl as k;
        use diesel::prelude::*;
        k::saml_sp_keys.select(k::private_key_ciphertext).first::<Vec<u8>>(&mut app.db.inspect()).expect("row")
    };
    assert!(!String::from_utf8_lossy(&stored).contains("PRIVATE KEY"), "the private key is encrypted at rest");

    // The AuthnRequest is signed (RSA-SHA256 over the query); the IdP requires and checks it.
    let (url, _) = start(&s.service, &s.provider).await;
    assert!(url.contains("&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256&Signature="), "{url}");
    assert_eq!(s.idp.visit(&url).await.0, reqwest::StatusCode::OK, "the IdP verified the request");
    let unsigned = url.split("&SigAlg=").next().expect("unsigned").to_owned();
    assert_eq!(s.idp.visit(&unsigned).await.0, reqwest::StatusCode::BAD_REQUEST, "an unsigned request is refused by the IdP");
    let relay = url.split("RelayState=").nth(1).and_then(|r| r.split('&').next()).expect("relay state").to_owned();
    let changed = url.replace(&relay, &"0".repeat(relay.len()));
    assert_eq!(s.idp.visit(&changed).await.0, reqwest::StatusCode::BAD_REQUEST, "a changed request is refused by the IdP");

    // Rotation: a new key pair; requests signed with it; the IdP reading the old metadata refuses them.
    let admin = sign_in(&s.service, &sensitive("leitung@schule.example")).await;
    let (status, _, _) = call(&s.service, admin.request("POST", "/api/v1/sso/saml/sp-key/rotate")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let rotated = sp_metadata(&s.service).await;
    assert_ne!(certificate(&rotated), first);
    let (url, _) = start(&s.service, &s.provider).await;
    assert_eq!(s.idp.visit(&url).await.0, reqwest::StatusCode::BAD_REQUEST, "the IdP still knows only the old certificate");
    assert!(app.db.audit_text().iter().any(|row| row.contains("\"saml_sp_key\":\"rotated\"")), "the rotation is audited");
}

#[actix_rt::test]
async fn acc_7_saml_idp_logout_ends_only_the_named_sessions_once_and_answers_signed() {
    let app = app();
    let mut s = setup(&app).await;
    s.idp.set_users(&[alice(&["orga"]), bob(&["orga"])]);
    sensitive("bob@schule.example");
    let (first, first_index) = signed_in(&s, "alice").await;
    let (second, _) = signed_in(&s, "alice").await;
    let (at_bob, _) = signed_in(&s, "bob").await;
    let admin = sign_in(&s.service, &sensitive("leitung@schule.example")).await;

    // The IdP ends alice's first session: that one ends, nothing else.
    let url = s.idp.logout_request("alice", Some(&first_index), None, None).await;
    let (status, headers, body) = call(&s.service, Client::new().request("GET", &local(&url))).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{}", String::from_utf8_lossy(&body));
    let answer = headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).expect("to the IdP").to_owned();
    assert!(answer.starts_with(&format!("http://127.0.0.1:{}/slo?SAMLResponse=", s.idp.port)), "{answer}");
    let (status, verified) = s.idp.verify_logout_response(&answer).await;
    assert_eq!(
        (status, &verified["verified"]),
        (reqwest::StatusCode::OK, &json!(true)),
        "the IdP verified the signed LogoutResponse: {verified}"
    );
    assert_eq!(verified["relay_state"], json!("idp-relay"));
    assert!(!alive(&s.service, &first).await, "the named session ended");
    assert!(alive(&s.service, &second).await, "alice's other session (another SessionIndex) stays");
    assert!(alive(&s.service, &at_bob).await, "bob's session stays");
    assert!(alive(&s.service, &admin).await);
    assert!(app.db.audit_text().iter().any(|row| row.contains("\"reason\":\"provider_logout\"")), "the ended session is audited");

    // The same request again: refused, nothing changes.
    let (status, _, body) = call(&s.service, Client::new().request("GET", &local(&url))).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")));
    assert_eq!(logout_refusals(&app), vec!["saml_replayed".to_owned()]);
    assert!(alive(&s.service, &second).await);

    // Without a SessionIndex: every session of alice at this IdP; bob's stays.
    let url = s.idp.logout_request("alice", None, None, None).await;
    let (status, _, _) = call(&s.service, Client::new().request("GET", &local(&url))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(!alive(&s.service, &second).await);
    assert!(alive(&s.service, &at_bob).await, "only that account's sessions");
    assert!(alive(&s.service, &admin).await);
}

#[actix_rt::test]
async fn acc_7_saml_logout_requests_that_break_a_rule_are_refused_and_change_nothing() {
    let app = app();
    let s = setup(&app).await;
    let (session, index) = signed_in(&s, "alice").await;
    let other = SamlIdp::start(&sp_metadata(&s.service).await, &[alice(&["orga"])]);
    let honest = s.idp.logout_request("alice", Some(&index), None, None).await;
    let relay_changed = honest.replace("RelayState=idp-relay", "RelayState=idp-relaz");
    let cases = [
        ("unsigned", s.idp.logout_request("alice", Some(&index), Some("unsigned"), None).await, "saml_unsigned_message"),
        ("signed over another relay state", relay_changed, "saml_signature"),
        ("expired", s.idp.logout_request("alice", Some(&index), Some("expired"), None).await, "saml_conditions"),
        ("another IdP", other.logout_request("alice", Some(&index), None, None).await, "saml_signature"),
        (
            "another IdP naming this one as issuer",
            other.logout_request("alice", Some(&index), None, Some(&s.idp.metadata_url())).await,
            "saml_signature",
        ),
    ];
    let sessions_before = count(&app, "sessions");
    for (i, (what, url, reason)) in cases.iter().enumerate() {
        let (status, _, body) = call(&s.service, Client::new().request("GET", &local(url))).await;
        let problem = json_of(&body);
        assert_eq!((status, problem["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")), "{what}: {problem}");
        assert_eq!(logout_refusals(&app).get(i).map(String::as_str), Some(*reason), "{what}");
        assert!(alive(&s.service, &session).await, "{what}: the session stays");
    }
    assert_eq!(count(&app, "sessions"), sessions_before);
    assert_eq!(count(&app, "saml_assertions"), 1, "no logout request ID was kept, only the sign-in's assertion");
    // Malformed and hostile: 400 problem answers, nothing written.
    let oversized = format!("SAMLRequest={}", "A".repeat(60_000));
    for query in ["", "SAMLRequest=notbase64&SigAlg=x&Signature=y", "SAMLRequest=a&SAMLRequest=b", oversized.as_str()] {
        let (status, _, body) = call(&s.service, Client::new().request("GET", &format!("/api/v1/public/{SLUG}/saml/slo?{query}"))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{}: {}", &query[..query.len().min(40)], String::from_utf8_lossy(&body));
    }
    // The honest request still works afterwards.
    let (status, _, _) = call(&s.service, Client::new().request("GET", &local(&honest))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(!alive(&s.service, &session).await);
}

#[actix_rt::test]
async fn acc_7_saml_sign_out_sends_a_signed_logout_request_and_lands_back_here() {
    let app = app();
    let s = setup(&app).await;
    let (session, index) = signed_in(&s, "alice").await;
    let (status, _, body) = call(&s.service, session.request("POST", "/api/v1/auth/logout")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let url = json_of(&body)["provider_logout_url"].as_str().expect("provider_logout_url").to_owned();
    assert!(url.starts_with(&format!("http://127.0.0.1:{}/slo?SAMLRequest=", s.idp.port)), "{url}");
    assert!(url.contains("&SigAlg=") && url.contains("&Signature="), "signed: {url}");
    assert!(!alive(&s.service, &session).await, "signed out here at once");
    // The IdP verifies the signature (it answers 400 otherwise), ends its session for the
    // NameID and SessionIndex of the assertion, and sends the browser back.
    let (status, back) = s.idp.visit(&url).await;
    assert_eq!(status, reqwest::StatusCode::FOUND, "the IdP took the LogoutRequest");
    let last = s.idp.last_logout().await;
    assert_eq!((last["name_id"].as_str(), last["session_index"].as_str()), (Some("persistent-alice"), Some(index.as_str())));
    assert!(back.starts_with(&format!("{}/api/v1/public/{SLUG}/saml/slo?SAMLResponse=", app.state.config.public_origin())), "{back}");
    let (status, headers, _) = call(&s.service, Client::new().request("GET", &local(&back))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers.get(header::LOCATION).and_then(|v| v.to_str().ok()), Some("/#/"));
    // The IdP's answer once only; a changed one is refused.
    let (_, headers, _) = call(&s.service, Client::new().request("GET", &local(&back))).await;
    assert_eq!(headers.get(header::LOCATION).and_then(|v| v.to_str().ok()), Some(format!("/#/login/{SLUG}?sso_error=sso_failed").as_str()));
    // A tampered signature is refused (a fresh sign-out, its answer with a changed signature).
    let (session, _) = signed_in(&s, "alice").await;
    let (_, _, body) = call(&s.service, session.request("POST", "/api/v1/auth/logout")).await;
    let (_, back) = s.idp.visit(json_of(&body)["provider_logout_url"].as_str().expect("url")).await;
    let forged = back.replace("&Signature=", "&Signature=AAAA");
    let (_, headers, _) = call(&s.service, Client::new().request("GET", &local(&forged))).await;
    assert_eq!(headers.get(header::LOCATION).and_then(|v| v.to_str().ok()), Some(format!("/#/login/{SLUG}?sso_error=sso_failed").as_str()));
    assert!(refusals(&app).contains(&"saml_signature".to_owned()), "{:?}", refusals(&app));
}

const ACS: &str = "https://anwesend.example/api/v1/public/t/saml/acs";

fn response(assertion: &str) -> String {
    format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" ID="_r" Destination="{ACS}">{assertion}</samlp:Response>"#
    )
}

const SIGNED: &str = r##"<saml:Assertion ID="_a"><saml:Issuer>idp</saml:Issuer><ds:Signature><ds:SignedInfo><ds:Reference URI="#_a"/></ds:SignedInfo></ds:Signature></saml:Assertion>"##;

#[::core::prelude::v1::test]
fn acc_7_shape_accepts_one_signed_assertion() {
    assert_eq!(checked_shape(&response(SIGNED), ACS), Ok("_a".to_owned()));
}

#[::core::prelude::v1::test]
fn acc_7_shape_refuses_wrapping_comments_and_dtds() {
    let unsigned = r#"<saml:Assertion ID="_b"><saml:Issuer>idp</saml:Issuer></saml:Assertion>"#;
    assert_eq!(checked_shape(&response(unsigned), ACS), Err(Refusal::UnsignedAssertion));
    assert_eq!(checked_shape(&response(&format!("{unsigned}{SIGNED}")), ACS), Err(Refusal::Shape));
    assert_eq!(checked_shape(&response(&SIGNED.replace("_a\">", "_r\">")), ACS), Err(Refusal::Shape), "an ID twice");
    let nested = SIGNED.replace("</saml:Assertion>", &format!("{unsigned}</saml:Assertion>"));
    assert_eq!(checked_shape(&response(&nested), ACS), Err(Refusal::Shape));
    let comment = SIGNED.replace("<saml:Issuer>idp", "<saml:Issuer>i<!---->dp");
    assert_eq!(checked_shape(&response(&comment), ACS), Err(Refusal::XmlForbidden));
    let dtd = format!("<!DOCTYPE r [<!ENTITY a \"b\">]>{}", response(SIGNED));
    assert_eq!(checked_shape(&dtd, ACS), Err(Refusal::XmlForbidden));
    assert_eq!(checked_shape(&response(SIGNED).replace(ACS, "https://evil.example/acs"), ACS), Err(Refusal::Conditions));
}

const REQUEST: &str = r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_1" Version="2.0" IssueInstant="2026-12-06T10:00:00Z" Destination="https://a.example/slo"><saml:Issuer>idp</saml:Issuer><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">al&amp;ice</saml:NameID><samlp:SessionIndex>s1</samlp:SessionIndex></samlp:LogoutRequest>"#;

#[::core::prelude::v1::test]
fn acc_7_logout_request_is_read_with_the_acs_rules() {
    let r = logout_request(REQUEST).expect("read");
    assert_eq!((r.id.as_str(), r.issuer.as_str(), r.name_id.as_str()), ("_1", "idp", "al&ice"));
    assert_eq!(r.session_indexes, vec!["s1".to_owned()]);
    let comment = REQUEST.replace("al&amp;ice", "al<!---->ice");
    assert_eq!(logout_request(&comment).unwrap_err(), Refusal::XmlForbidden);
    let dtd = format!("<!DOCTYPE r [<!ENTITY a \"b\">]>{REQUEST}");
    assert_eq!(logout_request(&dtd).unwrap_err(), Refusal::XmlForbidden);
    let two = REQUEST.replace("</samlp:SessionIndex>", "</samlp:SessionIndex><saml:NameID>mallory</saml:NameID>");
    assert_eq!(logout_request(&two).unwrap_err(), Refusal::Shape);
    let nested = REQUEST.replace("<saml:Issuer>idp</saml:Issuer>", "<samlp:Extensions><saml:Issuer>idp</saml:Issuer></samlp:Extensions>");
    assert_eq!(logout_request(&nested).unwrap_err(), Refusal::Shape);
}

#[::core::prelude::v1::test]
fn acc_7_redirect_signature_covers_request_relay_state_and_algorithm() {
    let (pem, certificate) = generate("t").expect("key");
    let key = PKey::private_key_from_pem(pem.as_bytes()).expect("pem");
    let der = X509::from_pem(certificate.as_bytes()).expect("cert").to_der().expect("der");
    let certificates = vec![CertificateDer::from(der)];
    let url = signed_redirect("https://idp.example/slo", "SAMLRequest", REQUEST, Some("r1"), &key).expect("signed");
    let query = url::Url::parse(&url).expect("url").query().expect("query").to_owned();
    let read = verified_redirect(&query, "SAMLRequest", &certificates).expect("verifies");
    assert_eq!((read.xml.as_str(), read.relay_state.as_deref()), (REQUEST, Some("r1")));
    let other_relay = query.replace("RelayState=r1", "RelayState=r2");
    assert_eq!(verified_redirect(&other_relay, "SAMLRequest", &certificates).err(), Some(Refusal::Signature));
    let unsigned = query.split("&SigAlg=").next().expect("unsigned").to_owned();
    assert_eq!(verified_redirect(&unsigned, "SAMLRequest", &certificates).err(), Some(Refusal::UnsignedMessage));
    let (_, other) = generate("u").expect("key");
    let other = vec![CertificateDer::from(X509::from_pem(other.as_bytes()).expect("cert").to_der().expect("der"))];
    assert_eq!(verified_redirect(&query, "SAMLRequest", &other).err(), Some(Refusal::Signature));
}
