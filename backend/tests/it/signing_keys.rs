//! `GET /api/v1/platform/keys` (offline verification, TOM INPUT-4): public, read-only,
//! and what it publishes checks the platform's signatures.

use anwesend::crypto::{PlatformSigner, PublicKey};
use diesel::prelude::*;
use serde_json::Value;

use crate::common::test_app;
use crate::fixtures::{call, Client};

fn key_rows(app: &crate::common::TestApp) -> i64 {
    use anwesend::db::schema::platform_signing_keys::dsl as k;
    k::platform_signing_keys.count().get_result(&mut app.db.inspect()).expect("count")
}

#[actix_web::test]
async fn input_4_platform_keys_are_published_without_sign_in_and_check_signatures() {
    let app = test_app();
    let service = app.service().await;
    let (status, headers, body) = call(&service, Client::new().request("GET", "/api/v1/platform/keys")).await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&body));
    assert!(headers.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json")));
    let list: Value = serde_json::from_slice(&body).expect("json");
    let keys = list["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 1, "{list}");
    let signer = PlatformSigner::from_master(&app.state.master).expect("signer");
    let key = &keys[0];
    assert_eq!(
        (key["key_id"].as_str(), key["current"].as_bool(), key["algorithm"].as_str()),
        (Some(signer.key_id()), Some(true), Some("ECDSA-P256-SHA256"))
    );
    assert!(key["valid_from"].is_string() && key["valid_until"].is_null(), "{key}");
    // Both forms are the same key, and they check what the platform signs.
    let pem = PublicKey::parse(key["public_key_pem"].as_str().expect("pem")).expect("PEM parses");
    let hex = PublicKey::parse(key["public_key_hex"].as_str().expect("hex")).expect("hex parses");
    assert_eq!(pem, hex);
    assert_eq!(pem.key_id(), signer.key_id());
    let signature = signer.sign(b"Teilnahmebescheinigung");
    assert!(pem.verify(b"Teilnahmebescheinigung", &signature).is_ok());
    assert!(pem.verify(b"Teilnahmebescheinigung!", &signature).is_err());
    // Asking again records nothing more.
    let (status, _, again) = call(&service, Client::new().request("GET", "/api/v1/platform/keys")).await;
    assert_eq!((status.as_u16(), again), (200, body));
    assert_eq!(key_rows(&app), 1);
}

#[actix_web::test]
async fn priv_5_platform_keys_refuse_writes_and_hostile_requests_and_write_nothing() {
    let app = test_app();
    let service = app.service().await;
    let (status, _, _) = call(&service, Client::new().request("GET", "/api/v1/platform/keys")).await;
    assert_eq!(status.as_u16(), 200);
    let before = key_rows(&app);
    let forged = serde_json::json!({ "keys": [{ "key_id": "0011223344556677", "public_key_hex": "04ff" }] });
    let requests = [
        ("POST", Client::new().request("POST", "/api/v1/platform/keys")),
        ("PUT", Client::new().request("PUT", "/api/v1/platform/keys")),
        ("PATCH", actix_web::test::TestRequest::patch().uri("/api/v1/platform/keys")),
        ("DELETE", actix_web::test::TestRequest::delete().uri("/api/v1/platform/keys")),
    ];
    for (method, request) in requests {
        let (status, headers, body) = call(&service, request.set_json(forged.clone())).await;
        assert!(status.is_client_error(), "{method}: {status}");
        assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"), "{method}");
        assert!(serde_json::from_slice::<Value>(&body).expect("problem")["code"].is_string());
    }
    // A path under it, and an oversized query: refused or ignored, nothing written.
    let (status, _, _) = call(&service, Client::new().request("GET", "/api/v1/platform/keys/0011223344556677")).await;
    assert_eq!(status.as_u16(), 404);
    let long = format!("/api/v1/platform/keys?key_id={}", "a".repeat(6000));
    let (status, _, body) = call(&service, Client::new().request("GET", &long)).await;
    assert!(status.as_u16() == 200 || status.is_client_error(), "{status}");
    if status.as_u16() == 200 {
        assert_eq!(serde_json::from_slice::<Value>(&body).expect("json")["keys"].as_array().map(Vec::len), Some(1));
    }
    assert_eq!(key_rows(&app), before);
}
