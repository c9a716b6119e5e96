//! The platform console (issue 20): tenants with counts only, a new tenant with its first
//! primary admin, offboarding and the platform's state (TOM AUTHZ-3, DEL-1).

use actix_web::http::StatusCode;
use actix_web::test;
use anwesend::http::build_app;
use serde_json::{json, Value};

use crate::common::{backend, sensitive, test_app_with, Backend, MailSink};
use crate::fixtures::{admin, call, count, json_of, login, member, platform_admin, sign_in, sign_in_with_factor, tenant, Client, PASSWORD};

const PLATFORM_ADMIN: &str = "betrieb@anwesend.example";
const NEW_PASSWORD: &str = "Sonnenblume-Kanu-Treppe-7";

macro_rules! service {
    ($app:expr) => {
        test::init_service(build_app($app.state.clone())).await
    };
}

fn token_in(mail: &str) -> String {
    let start = mail.find("#/invitation?token=").expect("invitation link in the mail") + "#/invitation?token=".len();
    mail[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

fn tenant_row<'a>(list: &'a Value, slug: &str) -> &'a Value {
    list.as_array().expect("list").iter().find(|t| t["slug"] == slug).expect("tenant in the list")
}

#[actix_web::test]
async fn authz_3_the_platform_console_lists_tenants_by_counts_and_creates_one_with_its_primary_admin() {
    let sink = MailSink::start();
    let app = test_app_with(|c| sink.configure(c));
    let a = tenant(&app, "verein-a");
    let boss = sensitive("leitung@verein-a.example");
    admin(&app, &a, &boss);
    let organiser = sensitive("orga@verein-a.example");
    member(&app, &a, &organiser, "organiser", None);
    platform_admin(&app, PLATFORM_ADMIN);
    let service = service!(app);

    // Second factor first: a password alone opens nothing of the console.
    let (status, half, _, _) = login(&service, PLATFORM_ADMIN, PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = call(&service, half.request("GET", "/api/v1/platform/tenants")).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("mfa_required")), "{}", json_of(&body));

    let operator = sign_in_with_factor(&app, &service, PLATFORM_ADMIN).await;
    let (_, _, me) = call(&service, operator.request("GET", "/api/v1/auth/me")).await;
    let permissions = json_of(&me)["permissions"].clone();
    for p in ["platform.tenants", "platform.status", "platform.offboarding"] {
        assert!(permissions.as_array().expect("permissions").iter().any(|x| x == p), "{p} in {permissions}");
    }

    // Counts only: no name or address of anyone in the tenant (AUTHZ-3).
    let (status, _, body) = call(&service, operator.request("GET", "/api/v1/platform/tenants")).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    let list = json_of(&body);
    let row = tenant_row(&list, "verein-a");
    assert_eq!((row["status"].as_str(), row["members"].as_i64(), row["admins"].as_i64()), (Some("active"), Some(2), Some(1)), "{row}");
    let text = String::from_utf8_lossy(&body);
    for secret in [&boss, &organiser] {
        assert!(!text.contains(secret.as_str()), "the console shows no member's address: {text}");
    }

    // Tenant admins do not reach the console.
    let tenant_admin = sign_in(&service, &boss).await;
    for uri in ["/api/v1/platform/tenants", "/api/v1/platform/status"] {
        let (status, _, _) = call(&service, tenant_admin.request("GET", uri)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
    }
    let (status, _, _) = call(
        &service,
        tenant_admin
            .request("POST", "/api/v1/platform/tenants")
            .set_json(json!({ "slug": "fremd", "name": "Fremd", "admin_email": "x@fremd.example" })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A new tenant with its first primary admin, invited by mail.
    let first = sensitive("vorstand@neuer-verein.example");
    let (status, _, body) = call(
        &service,
        operator
            .request("POST", "/api/v1/platform/tenants")
            .set_json(json!({ "slug": "neuer-verein", "name": "Neuer Verein", "admin_email": first, "language": "de" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{}", json_of(&body));
    let created = json_of(&body);
    assert_eq!((created["members"].as_i64(), created["open_invitations"].as_i64()), (Some(0), Some(1)), "{created}");
    let tenant_id = created["id"].as_str().expect("id").to_owned();
    assert!(anwesend::notify::deliver_due(&app.state).expect("deliver") >= 1);
    let mail = sink.message_to(&first);
    assert!(mail.contains("Neuer Verein"), "{mail}");
    let token = sensitive(&token_in(&mail));
    let (status, _, body) = call(
        &service,
        Client::new().request("POST", "/api/v1/invitations/accept").set_json(json!({ "token": token, "password": NEW_PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    let (status, newcomer, me, _) = login(&service, &first, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["tenant"]["slug"], "neuer-verein", "{me}");
    let (_, _, me) = call(&service, newcomer.request("GET", "/api/v1/auth/me")).await;
    let perms = json_of(&me)["permissions"].clone();
    assert!(perms.as_array().expect("permissions").iter().any(|p| p == "admin_roles.grant"), "the first admin is primary: {perms}");
    let (_, _, body) = call(&service, operator.request("GET", "/api/v1/platform/tenants")).await;
    let list = json_of(&body);
    let row = tenant_row(&list, "neuer-verein");
    assert_eq!((row["members"].as_i64(), row["admins"].as_i64(), row["open_invitations"].as_i64()), (Some(1), Some(1), Some(0)));

    // Audited on the platform chain and on the new tenant's chain.
    let audit = app.db.audit_text();
    assert!(audit.iter().any(|r| r.starts_with("platform|") && r.contains("|tenant.created|")), "platform chain");
    assert!(audit.iter().any(|r| r.starts_with(&format!("{tenant_id}|")) && r.contains("|tenant.created|")), "tenant chain");
    assert!(audit.iter().any(|r| r.starts_with(&format!("{tenant_id}|")) && r.contains("|invitation.created|")), "invitation audited");

    // The same slug again: 409, nothing written.
    let before = (count(&app, "tenants"), count(&app, "invitations"), count(&app, "mail_outbox"));
    let (status, _, body) = call(
        &service,
        operator
            .request("POST", "/api/v1/platform/tenants")
            .set_json(json!({ "slug": "neuer-verein", "name": "Noch einer", "admin_email": "zwei@neuer-verein.example" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{}", json_of(&body));
    assert_eq!((count(&app, "tenants"), count(&app, "invitations"), count(&app, "mail_outbox")), before);

    // Offboarding from the console: the typed slug, then read-only in the list.
    let (status, _, _) = call(
        &service,
        operator
            .request("POST", &format!("/api/v1/platform/tenants/{tenant_id}/offboarding"))
            .set_json(json!({ "confirm_slug": "neuer-verein" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, body) = call(&service, operator.request("GET", "/api/v1/platform/tenants")).await;
    let list = json_of(&body);
    let row = tenant_row(&list, "neuer-verein");
    assert_eq!(row["status"], "read_only", "{row}");
    assert!(row["archive_until"].is_string(), "{row}");
    assert_eq!(row["certificate_available"], false);

    // The status panel.
    let (status, _, body) = call(&service, operator.request("GET", "/api/v1/platform/status")).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    let state = json_of(&body);
    let db = match backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(state["database"], db);
    assert_eq!(state["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!((state["tenants_active"].as_i64(), state["tenants_read_only"].as_i64()), (Some(1), Some(1)), "{state}");
    let jobs = state["jobs"].as_array().expect("jobs");
    assert!(jobs.iter().any(|j| j["name"] == "offboarding"), "{state}");
    assert!(state["outbox"].as_array().expect("outbox").iter().any(|o| o["status"] == "sent"), "{state}");
    assert_eq!(state["devices_overdue"], 0);
}

#[actix_web::test]
async fn authz_3_bad_input_to_the_platform_console_is_refused_and_writes_nothing() {
    let app = test_app_with(|_| {});
    platform_admin(&app, PLATFORM_ADMIN);
    let a = tenant(&app, "verein-a");
    admin(&app, &a, "leitung@verein-a.example");
    let service = service!(app);
    let operator = sign_in_with_factor(&app, &service, PLATFORM_ADMIN).await;
    let before = (count(&app, "tenants"), count(&app, "invitations"), count(&app, "mail_outbox"), count(&app, "tenant_keys"));
    let huge = "x".repeat(100 * 1024);
    let ok = |slug: &str| json!({ "slug": slug, "name": "Verein", "admin_email": "a@verein.example" });
    let mut cases: Vec<String> = vec![
        "{\"slug\": ".into(),
        "[]".into(),
        json!({ "slug": "ok-slug", "name": "Verein" }).to_string(),
        json!({ "slug": "Gross", "name": "Verein", "admin_email": "a@verein.example" }).to_string(),
        json!({ "slug": "-rand", "name": "Verein", "admin_email": "a@verein.example" }).to_string(),
        json!({ "slug": "x", "name": "Verein", "admin_email": "a@verein.example" }).to_string(),
        json!({ "slug": "ok-slug", "name": "", "admin_email": "a@verein.example" }).to_string(),
        json!({ "slug": "ok-slug", "name": "Ver\u{0}ein", "admin_email": "a@verein.example" }).to_string(),
        json!({ "slug": "ok-slug", "name": "Verein", "admin_email": "kein-at-zeichen" }).to_string(),
        json!({ "slug": "ok-slug", "name": "Verein", "admin_email": "a@b.example\r\nBcc: evil@example.org" }).to_string(),
        json!({ "slug": "ok-slug", "name": "Verein", "admin_email": "a@verein.example", "language": "fr" }).to_string(),
        json!({ "slug": "ok-slug", "name": "Verein", "admin_email": "a@verein.example", "is_demo": true }).to_string(),
        json!({ "slug": "'; DROP TABLE tenants; --", "name": "Verein", "admin_email": "a@verein.example" }).to_string(),
        json!({ "slug": "ok-slug", "name": huge, "admin_email": "a@verein.example" }).to_string(),
        json!({ "slug": "verein-a", "name": "Doppelt", "admin_email": "a@verein.example" }).to_string(),
    ];
    cases.push(ok("ok-slug").to_string().replace("\"slug\"", "\"slug\": 5, \"x\""));
    for body in &cases {
        let (status, headers, answer) = call(
            &service,
            operator
                .request("POST", "/api/v1/platform/tenants")
                .insert_header(("content-type", "application/json"))
                .set_payload(body.clone()),
        )
        .await;
        assert!(status.is_client_error(), "{status} for {}", &body[..body.len().min(120)]);
        assert_eq!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/problem+json"),
            "{}",
            String::from_utf8_lossy(&answer)
        );
    }
    assert_eq!((count(&app, "tenants"), count(&app, "invitations"), count(&app, "mail_outbox"), count(&app, "tenant_keys")), before);
}
