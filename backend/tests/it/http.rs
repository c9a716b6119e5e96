//! The HTTP skeleton: security headers, problem+json answers, readiness, SPA fallback.

use std::net::IpAddr;

use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{test, web, App, HttpResponse};
use anwesend::config::ProxyConfig;
use anwesend::http::context::client_ip;
use anwesend::http::{build_app, json_config};
use anwesend::problem::ProblemCode;
use anwesend::timestamp;
use chrono::NaiveDateTime;
use serde::Deserialize;
use serde_json::Value;

use crate::common::{backend, test_app, test_app_with, Backend};

fn header<'a, B>(res: &'a actix_web::dev::ServiceResponse<B>, name: &str) -> &'a str {
    res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("header {name} missing"))
}

#[actix_web::test]
async fn security_headers_on_api_and_ui() {
    let app = test_app();
    let service = app.service().await;
    let res = test::call_service(&service, test::TestRequest::get().uri("/api/v1/status").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let csp = header(&res, "content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(header(&res, "referrer-policy"), "no-referrer");
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    assert_eq!(header(&res, "cache-control"), "no-store");
    assert!(!header(&res, "x-request-id").is_empty());
    assert!(res.headers().get("strict-transport-security").is_none(), "no HSTS over plain HTTP");
    let body: Value = test::read_body_json(res).await;
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["environment"], "dev");
    assert_eq!(body["database"], "ok");

    let res = test::call_service(&service, test::TestRequest::get().uri("/healthz").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "cache-control"), "no-store");
}

#[actix_web::test]
async fn trans_1_hsts_when_tls_is_declared() {
    let app = test_app_with(|c| {
        c.proxy = ProxyConfig { trusted: vec!["127.0.0.1".parse().expect("ip")], tls_terminated: true };
    });
    let service = app.service().await;
    let res = test::call_service(&service, test::TestRequest::get().uri("/healthz").to_request()).await;
    assert!(header(&res, "strict-transport-security").starts_with("max-age="));
}

#[actix_web::test]
async fn readyz_reports_database_state() {
    let app = test_app();
    let service = app.service().await;
    let res = test::call_service(&service, test::TestRequest::get().uri("/readyz").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);

    // The same server with its database gone.
    let dir = tempfile::tempdir().expect("dir");
    let not_a_dir = dir.path().join("file");
    std::fs::write(&not_a_dir, b"x").expect("file");
    let gone = match backend() {
        Backend::Sqlite => format!("sqlite://{}/gone.db", not_a_dir.display()),
        Backend::Postgres => "postgres://anwesend_app:anwesend_app@127.0.0.1:1/gone".to_string(),
    };
    let mut state = app.state.clone();
    state.db = anwesend::db::Db::new(&gone, 2).expect("pool builds without connecting");
    let service = test::init_service(build_app(state)).await;
    let res = test::call_service(&service, test::TestRequest::get().uri("/readyz").to_request()).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(header(&res, "content-type"), "application/problem+json");
    let body: Value = test::read_body_json(res).await;
    assert_eq!(body["code"], "not_ready");
    assert_eq!(body["status"], 503);
    assert!(body.get("detail").is_none(), "no internal detail on 5xx: {body}");

    let res = test::call_service(&service, test::TestRequest::get().uri("/api/v1/status").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK, "status still answers");
    let body: Value = test::read_body_json(res).await;
    assert_eq!(body["database"], "unavailable");
}

/// PostgreSQL going away while the server runs, and coming back.
#[actix_web::test]
async fn readyz_follows_a_live_database_outage() {
    let app = test_app();
    let Some(name) = app.db.pg_name().map(str::to_owned) else {
        return; // SQLite is a file inside the process: it has no outage to follow.
    };
    let service = app.service().await;
    macro_rules! ready {
        () => {
            test::call_service(&service, test::TestRequest::get().uri("/readyz").to_request()).await.status()
        };
    }
    assert_eq!(ready!(), StatusCode::OK);

    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let mut admin = diesel::PgConnection::establish(&crate::common::pg_admin_url()).expect("admin");
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS false;
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}';"
        ))
        .expect("cut the database off");
    assert_eq!(ready!(), StatusCode::SERVICE_UNAVAILABLE);
    admin.batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).expect("restore");
    assert_eq!(ready!(), StatusCode::OK, "recovers by itself");
}

#[actix_web::test]
async fn unknown_api_path_is_problem_json() {
    let app = test_app();
    let service = app.service().await;
    let res = test::call_service(&service, test::TestRequest::get().uri("/api/v1/does-not-exist").to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&res, "content-type"), "application/problem+json");
    let body: Value = test::read_body_json(res).await;
    assert_eq!(body["code"], "not_found");
}

#[actix_web::test]
async fn spa_fallback_serves_index_for_client_routes() {
    let ui = tempfile::tempdir().expect("dir");
    std::fs::write(ui.path().join("index.html"), "<!doctype html><title>anwesend</title>").expect("index");
    std::fs::create_dir(ui.path().join("assets")).expect("assets");
    std::fs::write(ui.path().join("assets/app.js"), "console.log(1)").expect("asset");
    let dir = ui.path().to_path_buf();
    let app = test_app_with(move |c| c.frontend_dir = dir);
    let service = app.service().await;
    for path in ["/", "/events/42", "/login"] {
        let res = test::call_service(&service, test::TestRequest::get().uri(path).to_request()).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(header(&res, "content-security-policy").contains("default-src 'self'"));
        let body = test::read_body(res).await;
        assert!(body.starts_with(b"<!doctype html>"), "{path}");
    }
    let res = test::call_service(&service, test::TestRequest::get().uri("/assets/app.js").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(test::read_body(res).await, "console.log(1)");
    let res = test::call_service(&service, test::TestRequest::get().uri("/../../etc/passwd").to_request()).await;
    assert!(!test::read_body(res).await.starts_with(b"root:"), "no path traversal");
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Sample {
    name: String,
    capacity: u32,
}

/// Every JSON endpoint uses `json_config` and `http::json::Json`; this exercises them
/// with hostile bodies (TOM PRIV-5).
#[actix_web::test]
async fn priv_5_bad_json_bodies_get_problem_json() {
    let service = test::init_service(App::new().app_data(json_config(1024)).route(
        "/sample",
        web::post().to(|body: anwesend::http::json::Json<Sample>| async move { HttpResponse::Created().body(body.name.clone()) }),
    ))
    .await;
    let post = |body: Vec<u8>, content_type: &'static str| {
        test::TestRequest::post().uri("/sample").insert_header((header::CONTENT_TYPE, content_type)).set_payload(body).to_request()
    };
    let cases: Vec<(Vec<u8>, &str, StatusCode, &str)> = vec![
        (br#"{"name": "Kurs", "capacity": 20"#.to_vec(), "application/json", StatusCode::BAD_REQUEST, "malformed_json"),
        (b"\xff\xfe\x00".to_vec(), "application/json", StatusCode::BAD_REQUEST, "malformed_json"),
        (
            br#"{"name": "Kurs", "capacity": 20, "tenant_id": "other"}"#.to_vec(),
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (br#"{"name": "Kurs", "capacity": -1}"#.to_vec(), "application/json", StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
        (br#"{"name": "Kurs"}"#.to_vec(), "application/json", StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
        // serde alone would fill the struct's fields from an array, in order.
        (br#"["Kurs", 20]"#.to_vec(), "application/json", StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
        (br#""Kurs""#.to_vec(), "application/json", StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
        (
            format!(r#"{{"name": "{}", "capacity": 1}}"#, "x".repeat(4096)).into_bytes(),
            "application/json",
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
        (br#"{"name": "Kurs", "capacity": 20}"#.to_vec(), "text/plain", StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
    ];
    for (body, content_type, status, code) in cases {
        let res = test::call_service(&service, post(body.clone(), content_type)).await;
        assert_eq!(res.status(), status, "{}", String::from_utf8_lossy(&body));
        assert_eq!(header(&res, "content-type"), "application/problem+json");
        let problem: Value = test::read_body_json(res).await;
        assert_eq!(problem["code"], code);
        assert_eq!(problem["status"], status.as_u16());
        assert_eq!(problem["type"], format!("urn:anwesend:problem:{code}"));
    }
    let res = test::call_service(&service, post(br#"{"name": "Kurs", "capacity": 20}"#.to_vec(), "application/json")).await;
    assert_eq!(res.status(), StatusCode::CREATED, "a good body still passes");
}

#[::core::prelude::v1::test]
fn client_ip_trusts_forwarded_for_only_from_trusted_proxies() {
    let proxy: IpAddr = "10.0.0.2".parse().expect("ip");
    let client: IpAddr = "198.51.100.23".parse().expect("ip");
    let mut headers = HeaderMap::new();
    headers.insert(header::HeaderName::from_static("x-forwarded-for"), HeaderValue::from_static("6.6.6.6, 198.51.100.23"));
    assert_eq!(client_ip(Some(client), &headers, &[proxy]), Some(client), "untrusted peer cannot pick its address");
    assert_eq!(client_ip(Some(proxy), &headers, &[proxy]), Some(client), "right-most entry from a trusted proxy");
    assert_eq!(client_ip(Some(proxy), &HeaderMap::new(), &[proxy]), Some(proxy));
}

#[::core::prelude::v1::test]
fn openapi_document_lists_the_api_and_matches_the_ui_copy() {
    let doc: Value = serde_json::from_str(&anwesend::http::routes::openapi_json()).expect("valid JSON");
    for path in ["/api/v1/status", "/healthz", "/readyz"] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    // The UI's typed client is generated from frontend/openapi.json: it must be current.
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../frontend/openapi.json")).expect("frontend/openapi.json");
    let committed: Value = serde_json::from_str(&committed).expect("committed JSON");
    assert_eq!(committed, doc, "frontend/openapi.json is stale: run `make openapi`");
}

#[::core::prelude::v1::test]
fn every_code_serialises_as_its_name_and_is_unique() {
    let mut seen = std::collections::HashSet::new();
    for code in ProblemCode::ALL {
        assert_eq!(serde_json::to_value(code).ok(), Some(serde_json::Value::from(code.as_str())));
        assert!(seen.insert(code.as_str()), "{code} twice");
    }
}

#[::core::prelude::v1::test]
fn utc_with_z_and_back() {
    let t = NaiveDateTime::parse_from_str("2026-12-02T19:34:06.125259", "%Y-%m-%dT%H:%M:%S%.f").unwrap_or_default();
    assert_eq!(timestamp::rfc3339(t), "2026-12-02T19:34:06.125259Z");
    assert_eq!(timestamp::parse("2026-12-02T19:34:06.125259Z"), Some(t));
    assert_eq!(timestamp::parse("2026-12-02T20:34:06.125259+01:00"), Some(t));
    assert_eq!(timestamp::parse("2026-12-02T19:34:06.125259"), Some(t));
    let minute = NaiveDateTime::parse_from_str("2026-12-01T18:00:00", "%Y-%m-%dT%H:%M:%S").unwrap_or_default();
    assert_eq!((timestamp::parse("2026-12-01T18:00"), timestamp::parse("2026-12-01T18:00Z")), (Some(minute), Some(minute)));
    assert_eq!(timestamp::parse("2026-12-01 18:00"), None);
}
