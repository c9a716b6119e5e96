//! Staff sign-in with SAML 2.0 against a real IdP (npm `samlify`), TOM ACC-7: the whole
//! SP-initiated flow, and the attacks on SAML signatures, each refused with nothing written.

use actix_web::cookie::Cookie;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{header, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
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
