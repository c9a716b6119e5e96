//! The TOM evidence report (TOM REVIEW-1): a row for every measure of `docs/toms.md` with
//! tests that exist, live evidence that follows the system (weak password hashes, a
//! tampered audit chain, destroyed tenant keys), the tenant's view without another
//! tenant's figures, the signed export, who may see it, and bad input.

use actix_web::http::{header, StatusCode};
use actix_web::test;
use anwesend::clock::Clock;
use anwesend::http::build_app;
use serde_json::Value;

use crate::common::{test_app, TestApp};
use crate::fixtures::server::{anwesend, text};
use crate::fixtures::{admin, call, json_of, login, member, platform_admin, sign_in_with_factor, tenant, Client, PASSWORD};

const PLATFORM_ADMIN: &str = "betrieb@anwesend.example";

macro_rules! service {
    ($app:expr) => {
        test::init_service(build_app($app.state.clone())).await
    };
}

fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("repository").to_path_buf()
}

/// The ids of `docs/toms.md`'s table, read here on their own (not through the build script).
fn documented_ids() -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join("docs/toms.md")).expect("docs/toms.md");
    let mut ids = Vec::new();
    for line in text.lines() {
        let Some(cell) = line.strip_prefix("| ").and_then(|l| l.split(" | ").next()) else { continue };
        for id in cell.split(" (").next().unwrap_or_default().split(',').map(str::trim) {
            let is_id = id.split_once('-').is_some_and(|(p, n)| {
                !p.is_empty() && p.chars().all(|c| c.is_ascii_uppercase()) && !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())
            });
            if is_id && !ids.iter().any(|known| known == id) {
                ids.push(id.to_owned());
            }
        }
    }
    ids
}

fn row<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["rows"].as_array().expect("rows").iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("no row {id} in {report}"))
}

/// Audit rows of `chain` whose action is `action`.
fn entries(app: &TestApp, chain: &str, action: &str) -> usize {
    app.db.audit_text().iter().filter(|r| r.starts_with(&format!("{chain}|")) && r.contains(&format!("|{action}|"))).count()
}

/// A PHC string of Argon2id with parameters below the floor (m=4096 KiB, t=1).
const WEAK_HASH: &str = "$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

fn weaken_password(app: &TestApp, account_id: &str) {
    use anwesend::db::schema::accounts::dsl as a;
    use diesel::prelude::*;
    diesel::update(a::accounts.filter(a::id.eq(account_id)))
        .set(a::password_hash.eq(WEAK_HASH))
        .execute(&mut app.db.inspect())
        .expect("weaken the hash");
}

async fn get_json<S, B>(service: &S, client: &Client, uri: &str) -> Value
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, _, body) = call(service, client.request("GET", uri)).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {}", text(&body));
    json_of(&body)
}

#[actix_web::test]
async fn review_1_every_documented_measure_has_a_row_with_tests_that_exist_and_weak_hashes_show() {
    let app = test_app();
    let a = tenant(&app, "verein-a");
    admin(&app, &a, "leitung@verein-a.example");
    let organiser = member(&app, &a, "orga@verein-a.example", "organiser", None);
    platform_admin(&app, PLATFORM_ADMIN);
    let service = service!(app);
    let operator = sign_in_with_factor(&app, &service, PLATFORM_ADMIN).await;

    let report = get_json(&service, &operator, "/api/v1/platform/toms").await;
    assert_eq!(report["view"], "platform");
    let ids: Vec<String> = report["rows"].as_array().expect("rows").iter().map(|r| r["id"].as_str().expect("id").to_owned()).collect();
    let documented = documented_ids();
    assert!(documented.len() > 40, "{documented:?}");
    assert_eq!(ids, documented, "one row per id of docs/toms.md, in its order");
    let total = report["ok"].as_i64().expect("ok")
        + report["attention"].as_i64().expect("attention")
        + report["failing"].as_i64().expect("failing");
    assert_eq!(total, i64::try_from(ids.len()).expect("count"));

    // Every listed test exists where the row says; one known test is there.
    let input_5 = row(&report, "INPUT-5");
    assert!(
        input_5["tests"].as_array().expect("tests").iter().any(|t| t["name"] == "input_5_chain_detects_edit_delete_and_swap"
            && t["file"] == "backend/tests/it/audit.rs"
            && t["kind"] == "integration"),
        "{input_5}"
    );
    assert!(row(&report, "PRIV-2")["tests"].as_array().expect("tests").iter().any(|t| t["kind"] == "browser"));
    for r in report["rows"].as_array().expect("rows") {
        for t in r["tests"].as_array().expect("tests") {
            let file = std::fs::read_to_string(repo_root().join(t["file"].as_str().expect("file"))).expect("the test's file exists");
            let name = t["name"].as_str().expect("name");
            let needle = if t["kind"] == "browser" { name.to_owned() } else { format!("fn {name}(") };
            assert!(file.contains(&needle), "{} holds {name}", t["file"]);
            let id = r["id"].as_str().expect("id");
            let prefix = id.to_ascii_lowercase().replace('-', "_");
            assert!(name.contains(id) || name.contains(&prefix), "{name} names {id}");
        }
        // A row without live evidence is a documented control: ok with tests, attention without.
        if r["live"] == false {
            assert_eq!(r["evidence"], "documented control");
            let expected = if r["tests"].as_array().expect("tests").is_empty() { "attention" } else { "ok" };
            assert_eq!(r["status"], expected, "{r}");
        }
    }
    for id in ["ACC-1", "ACC-3", "ACC-6", "INPUT-2", "INPUT-5", "AVAIL-1", "AVAIL-2", "AVAIL-3", "DEL-4", "DEV-2", "TRANS-1", "PRIV-6"] {
        assert_eq!(row(&report, id)["live"], true, "{id} shows live evidence");
    }

    // ACC-1: every hash at the configured parameters, then one made weaker.
    let acc_1 = row(&report, "ACC-1");
    assert_eq!((acc_1["status"].as_str(), acc_1["figures"]["hashes_below_configured"].as_i64()), (Some("ok"), Some(0)), "{acc_1}");
    assert_eq!(acc_1["figures"]["hashes"], 3, "{acc_1}");
    assert_eq!(acc_1["figures"]["memory_kib"], 19456);
    weaken_password(&app, &organiser);
    let report = get_json(&service, &operator, "/api/v1/platform/toms").await;
    let acc_1 = row(&report, "ACC-1");
    assert_eq!((acc_1["status"].as_str(), acc_1["figures"]["hashes_below_configured"].as_i64()), (Some("attention"), Some(1)), "{acc_1}");
    assert!(acc_1["evidence"].as_str().expect("evidence").contains("1 of 3"), "{acc_1}");
    // ACC-3: the operator's session is open; INPUT-5: every chain verifies.
    assert_eq!(row(&report, "ACC-3")["figures"]["open_sessions"], 1);
    assert_eq!(row(&report, "INPUT-5")["status"], "ok");
    assert_eq!(row(&report, "INPUT-5")["figures"]["chains"], 2);

    // The status filter.
    let attention = get_json(&service, &operator, "/api/v1/platform/toms?status=attention").await;
    assert!(attention["rows"].as_array().expect("rows").iter().all(|r| r["status"] == "attention"));
    assert!(attention["rows"].as_array().expect("rows").iter().any(|r| r["id"] == "ACC-1"));
}

#[actix_web::test]
async fn review_1_input_5_a_tampered_entry_fails_the_report_and_the_cli_exits_non_zero() {
    let app = test_app();
    let a = tenant(&app, "verein-a");
    let b = tenant(&app, "verein-b");
    admin(&app, &a, "leitung@verein-a.example");
    admin(&app, &b, "leitung@verein-b.example");
    platform_admin(&app, PLATFORM_ADMIN);

    // The operator's command on the same database, master key and keyring: intact first.
    let dir = tempfile::tempdir().expect("dir");
    let key = dir.path().join("master.key");
    app.state.master.write_file(&key).expect("master key file");
    let cli = || {
        let mut cmd = anwesend(&app.db, &app.state.config.data_dir);
        cmd.env("ANWESEND_MASTER_KEY_FILE", &key).args(["toms", "report"]);
        cmd
    };
    let out = cli().output().expect("run");
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.lines().any(|l| l.starts_with("INPUT-5") && l.contains("ok")), "{table}");
    let out = cli().arg("--json").output().expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["failing"], 0);

    crate::audit::tamper(
        &app,
        &format!("UPDATE audit_entries SET detail = '{{\"forged\":true}}' WHERE chain = '{}' AND seq = 1", a.tenant_id()),
    );

    let service = service!(app);
    let operator = sign_in_with_factor(&app, &service, PLATFORM_ADMIN).await;
    let report = get_json(&service, &operator, "/api/v1/platform/toms").await;
    let input_5 = row(&report, "INPUT-5");
    assert_eq!((input_5["status"].as_str(), input_5["figures"]["broken"].as_i64()), (Some("failing"), Some(1)), "{input_5}");
    assert!(report["failing"].as_i64().expect("failing") >= 1);
    let failing = get_json(&service, &operator, "/api/v1/platform/toms?status=failing").await;
    assert!(failing["rows"].as_array().expect("rows").iter().any(|r| r["id"] == "INPUT-5"));

    // Each tenant sees its own chain only: A's is broken, B's is not.
    let (_, boss_a, _, _) = login(&service, "leitung@verein-a.example", PASSWORD).await;
    let (_, boss_b, _, _) = login(&service, "leitung@verein-b.example", PASSWORD).await;
    let view_a = get_json(&service, &boss_a, "/api/v1/tenant/toms").await;
    let view_b = get_json(&service, &boss_b, "/api/v1/tenant/toms").await;
    assert_eq!(row(&view_a, "INPUT-5")["status"], "failing");
    assert_eq!(row(&view_b, "INPUT-5")["status"], "ok");

    let out = cli().output().expect("run");
    assert!(!out.status.success(), "a failing measure fails the command");
    let table = text(&out.stdout);
    assert!(table.lines().any(|l| l.starts_with("INPUT-5") && l.contains("failing")), "{table}");
    assert!(text(&out.stderr).contains("INPUT-5"), "{}", text(&out.stderr));
}

#[actix_web::test]
async fn review_1_del_4_a_tenant_whose_keys_are_destroyed_shows_and_tenants_see_only_their_figures() {
    let app = test_app();
    let a = tenant(&app, "verein-a");
    let b = tenant(&app, "verein-b");
    let gone = tenant(&app, "verein-weg");
    admin(&app, &a, "leitung@verein-a.example");
    let orga_a = member(&app, &a, "orga@verein-a.example", "organiser", None);
    member(&app, &a, "trainer@verein-a.example", "instructor", None);
    admin(&app, &b, "leitung@verein-b.example");
    platform_admin(&app, PLATFORM_ADMIN);
    weaken_password(&app, &orga_a);

    // A tenant offboarded after its window: keys and keyring secret destroyed.
    anwesend::offboarding::service::start(
        &app.state,
        &app.ctx(),
        &gone,
        &anwesend::offboarding::model::StartOffboarding { confirm_slug: "verein-weg".into() },
    )
    .expect("start");
    app.clock.advance(chrono::Duration::days(31));
    let done = anwesend::offboarding::service::complete_due(&app.state, app.clock.now()).expect("job");
    assert_eq!(done, vec![gone.tenant_id().to_owned()]);

    let service = service!(app);
    let operator = sign_in_with_factor(&app, &service, PLATFORM_ADMIN).await;
    let report = get_json(&service, &operator, "/api/v1/platform/toms").await;
    let del_4 = row(&report, "DEL-4");
    assert_eq!(del_4["figures"]["tenants_keys_destroyed"], 1, "{del_4}");
    assert_eq!(del_4["figures"]["tenants_offboarded"], 1, "{del_4}");
    assert_eq!((del_4["status"].as_str(), del_4["figures"]["offboarded_with_keys"].as_i64()), (Some("ok"), Some(0)), "{del_4}");
    assert!(del_4["evidence"].as_str().expect("evidence").starts_with("1 tenant(s) with destroyed keys"), "{del_4}");
    // Across tenants: 4 staff hashes and the platform admin's, one weak.
    assert_eq!(row(&report, "ACC-1")["figures"]["hashes"], 5);
    assert_eq!(row(&report, "ACC-1")["figures"]["hashes_below_configured"], 1);

    // A location and a device in tenant A only.
    let (_, boss_a, _, _) = login(&service, "leitung@verein-a.example", PASSWORD).await;
    let (_, boss_b, _, _) = login(&service, "leitung@verein-b.example", PASSWORD).await;
    let (status, _, location) =
        call(&service, boss_a.request("POST", "/api/v1/locations").set_json(serde_json::json!({ "name": "Halle A" }))).await;
    assert_eq!(status, StatusCode::CREATED);
    crate::fixtures::enrol(&service, &boss_a, json_of(&location)["id"].as_str().expect("location"), "Gerät A").await;

    let view_a = get_json(&service, &boss_a, "/api/v1/tenant/toms").await;
    let view_b = get_json(&service, &boss_b, "/api/v1/tenant/toms").await;
    assert_eq!((view_a["view"].as_str(), view_a["tenant_id"].as_str()), (Some("tenant"), Some(a.tenant_id())));
    assert_eq!((view_b["view"].as_str(), view_b["tenant_id"].as_str()), (Some("tenant"), Some(b.tenant_id())));
    // Only the measures that apply to a tenant.
    for view in [&view_a, &view_b] {
        assert!(view["rows"].as_array().expect("rows").iter().all(|r| r["id"] != "AVAIL-3" && r["id"] != "SEP-4"));
    }
    assert_eq!(row(&view_a, "ACC-1")["figures"]["hashes"], 3);
    assert_eq!(row(&view_a, "ACC-1")["figures"]["hashes_below_configured"], 1);
    assert_eq!(row(&view_a, "ACC-1")["status"], "attention");
    assert_eq!(row(&view_b, "ACC-1")["figures"]["hashes"], 1);
    assert_eq!(row(&view_b, "ACC-1")["figures"]["hashes_below_configured"], 0);
    assert_eq!(row(&view_b, "ACC-1")["status"], "ok");
    assert_eq!(row(&view_a, "DEV-2")["figures"]["devices"], 1);
    assert_eq!(row(&view_b, "DEV-2")["figures"]["devices"], 0);
    assert_eq!(row(&view_a, "ACC-3")["figures"]["open_sessions"], 1);
    assert_eq!(row(&view_b, "ACC-3")["figures"]["open_sessions"], 1);
    assert_eq!(row(&view_a, "INPUT-5")["figures"]["chains"], 1);
    assert_eq!(row(&view_b, "DEL-4")["figures"]["keyring_secret"], 1);
    assert!(row(&view_b, "DEL-4")["figures"].get("tenants_keys_destroyed").is_none(), "no platform figure in a tenant's view");
    let text_b = view_b.to_string();
    for other in [a.tenant_id(), gone.tenant_id(), "verein-a", "verein-weg"] {
        assert!(!text_b.contains(other), "tenant B's view names {other}");
    }
}

#[actix_web::test]
async fn review_1_the_signed_export_verifies_fails_after_one_changed_byte_and_only_admins_see_the_report() {
    let app = test_app();
    let a = tenant(&app, "verein-a");
    admin(&app, &a, "leitung@verein-a.example");
    member(&app, &a, "orga@verein-a.example", "organiser", None);
    platform_admin(&app, PLATFORM_ADMIN);
    let service = service!(app);
    let operator = sign_in_with_factor(&app, &service, PLATFORM_ADMIN).await;
    let (_, boss, _, _) = login(&service, "leitung@verein-a.example", PASSWORD).await;
    let (_, organiser, _, _) = login(&service, "orga@verein-a.example", PASSWORD).await;
    let platform_key = anwesend::crypto::PlatformSigner::from_master(&app.state.master).expect("signer").public_key_hex();

    for (client, uri, chain) in [
        (&operator, "/api/v1/platform/toms/export", "platform".to_owned()),
        (&boss, "/api/v1/tenant/toms/export", a.tenant_id().to_owned()),
    ] {
        let (status, headers, body) = call(&service, client.request("GET", uri)).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {}", text(&body));
        assert!(headers.get(header::CONTENT_DISPOSITION).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("attachment")));
        let key_id = anwesend::toms::service::verify_export(&body, Some(&platform_key)).expect("the export verifies");
        let document: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(document["signature"]["key_id"], key_id);
        assert_eq!(document["report"]["format"], anwesend::toms::service::EXPORT_FORMAT);
        assert!(document["report"]["rows"].as_array().expect("rows").len() > 40);
        // With the public key alone, as an auditor checks it.
        let content = serde_json::to_string(&document["report"]).expect("canonical");
        let signature = &document["signature"];
        assert_eq!(
            anwesend::crypto::verify_with_public_key(
                signature["public_key"].as_str().expect("key"),
                content.as_bytes(),
                signature["value"].as_str().expect("value")
            )
            .ok(),
            Some(key_id)
        );
        for at in [body.len() / 3, body.len() / 2, body.len() - 10] {
            let mut changed = body.clone();
            changed[at] ^= 0x01;
            assert!(anwesend::toms::service::verify_export(&changed, Some(&platform_key)).is_err(), "byte {at} changed");
        }
        assert!(anwesend::toms::service::verify_export(&body, Some(&"ab".repeat(65))).is_err(), "another key");
        assert_eq!(entries(&app, &chain, "toms.report_exported"), 1, "the export is audited on {chain}'s chain");
    }

    // Who may see it.
    for (client, uri, expected) in [
        (&boss, "/api/v1/platform/toms", StatusCode::FORBIDDEN),
        (&boss, "/api/v1/platform/toms/export", StatusCode::FORBIDDEN),
        (&organiser, "/api/v1/tenant/toms", StatusCode::FORBIDDEN),
        (&organiser, "/api/v1/tenant/toms/export", StatusCode::FORBIDDEN),
        (&Client::new(), "/api/v1/platform/toms", StatusCode::UNAUTHORIZED),
        (&operator, "/api/v1/tenant/toms", StatusCode::FORBIDDEN),
    ] {
        let (status, headers, body) = call(&service, client.request("GET", uri)).await;
        assert_eq!(status, expected, "{uri}: {}", text(&body));
        assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/problem+json"), "{uri}");
    }

    // Bad query values: problem+json, nothing written.
    let before = app.db.audit_text().len();
    for uri in [
        "/api/v1/platform/toms?status=kaputt",
        "/api/v1/platform/toms?status=",
        "/api/v1/platform/toms?unbekannt=1",
        "/api/v1/platform/toms?status=ok&status=failing",
        "/api/v1/tenant/toms?status=%27%3B%20DROP%20TABLE%20accounts%3B--",
    ] {
        let client = if uri.contains("/tenant/") { &boss } else { &operator };
        let (status, headers, body) = call(&service, client.request("GET", uri)).await;
        assert!(status.is_client_error(), "{uri}: {status}");
        assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/problem+json"), "{uri}");
        assert!(json_of(&body)["code"].is_string(), "{uri}: {}", text(&body));
    }
    let long = format!("/api/v1/platform/toms?status={}", "x".repeat(5000));
    let (status, _, _) = call(&service, operator.request("GET", &long)).await;
    assert!(status.is_client_error(), "{status}");
    assert_eq!(app.db.audit_text().len(), before, "bad input writes nothing");
}
