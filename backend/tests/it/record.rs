//! The processing record (TOM RIGHTS-3): generated per tenant from what is stored and
//! configured, for the tenant's own record of processing activities (Art. 30 GDPR).

use serde_json::{json, Value};

use crate::common::{sensitive, test_app_with};
use crate::fixtures::{
    admin, book_confirmed, call, event_body, json_of, login, member, published_event, sign_in, tenant, Client, PASSWORD,
};

fn activity<'a>(record: &'a Value, id: &str) -> &'a Value {
    record["activities"]
        .as_array()
        .expect("activities")
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("activity {id} in {record}"))
}

fn category_ids(activity: &Value) -> Vec<&str> {
    activity["data_categories"].as_array().expect("categories").iter().filter_map(|c| c["id"].as_str()).collect()
}

#[actix_web::test]
async fn rights_3_processing_record_reflects_the_tenants_settings_and_holds_no_personal_data() {
    let app = test_app_with(|c| {
        c.rate_limit.public_per_ip_per_minute = 10_000;
        c.mail.transport = anwesend::config::MailTransport::Smtp;
        c.mail.smtp.host = "relay.mail.example.net".into();
        c.mail.smtp.username = Some("relay-user-secret".into());
        c.mail.smtp.password = Some("relay-password-secret".into());
    });
    let service = app.service().await;
    let (a, b) = (tenant(&app, "verein-a"), tenant(&app, "verein-b"));
    admin(&app, &a, "leitung@verein-a.example");
    admin(&app, &b, "leitung@verein-b.example");
    member(&app, &a, "orga@verein-a.example", "organiser", None);
    member(&app, &a, "trainer@verein-a.example", "instructor", None);
    member(&app, &a, "personal@acme.example", "company_admin", Some("c-acme"));
    let boss = sign_in(&service, "leitung@verein-a.example").await;

    // A booking, so there is personal data the record must not contain.
    let event = published_event(&service, &boss, event_body("Erste-Hilfe-Kurs", 10, false)).await;
    let (name, email) = (sensitive("Ottilie Verzeichnis"), sensitive("ottilie.v@example.org"));
    let phone = sensitive("+49 30 9876543");
    let (status, booked) = book_confirmed(
        &app,
        &service,
        "verein-a",
        &event,
        json!({ "name": name, "email": email, "phone": phone, "consent": true }),
        "198.51.100.7",
    )
    .await;
    assert_eq!(status.as_u16(), 200, "{booked}");

    // The defaults first.
    let (status, headers, body) = call(&service, boss.request("GET", "/api/v1/processing-record")).await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&body));
    assert!(headers.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json")));
    let record = json_of(&body);
    assert_eq!(
        (record["retention"]["participant_retention_months"].as_i64(), record["retention"]["audit_retention_months"].as_i64()),
        (Some(12), Some(24)),
        "{record}"
    );

    // The admin changes the periods: the record follows.
    let (status, _, body) = call(
        &service,
        boss.request("PUT", "/api/v1/retention").set_json(json!({ "participant_retention_months": 7, "audit_retention_months": 36 })),
    )
    .await;
    assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&body));
    let (status, _, body) = call(&service, boss.request("GET", "/api/v1/processing-record")).await;
    assert_eq!(status.as_u16(), 200);
    let text = String::from_utf8_lossy(&body).into_owned();
    let record = json_of(&body);
    let retention = &record["retention"];
    assert_eq!(
        (retention["participant_retention_months"].as_i64(), retention["audit_retention_months"].as_i64()),
        (Some(7), Some(36)),
        "{record}"
    );
    assert!(retention["updated_at"].is_string(), "{record}");
    assert_eq!(retention["offboarding_window_days"].as_i64(), Some(30));
    assert!(retention["rules"].as_array().expect("rules").iter().any(|r| r.as_str().is_some_and(|r| r.contains("7 months"))), "{record}");
    assert!(activity(&record, "bookings")["retention"].as_str().is_some_and(|r| r.starts_with("7 months")), "{record}");
    assert!(activity(&record, "audit")["retention"].as_str().is_some_and(|r| r.contains("36 months")), "{record}");

    // Controller, processor, the activities with their parts.
    assert_eq!((record["controller"]["name"].as_str(), record["controller"]["slug"].as_str()), (Some("verein-a"), Some("verein-a")));
    assert_eq!(record["processor"]["name"].as_str(), Some(anwesend::privacy::record::DEFAULT_PROCESSOR));
    let ids: Vec<&str> = record["activities"].as_array().expect("activities").iter().filter_map(|a| a["id"].as_str()).collect();
    assert_eq!(ids, ["bookings", "attendance", "staff_accounts", "mail", "audit"]);
    for a in record["activities"].as_array().expect("activities") {
        for part in ["purposes", "legal_basis", "data_subjects", "data_categories", "recipients"] {
            assert!(a[part].as_array().is_some_and(|v| !v.is_empty()), "{} has {part}", a["id"]);
        }
    }
    for id in ["name", "email", "phone", "booking_answers", "consent"] {
        assert!(category_ids(activity(&record, "bookings")).contains(&id), "bookings store {id}");
    }
    assert!(category_ids(activity(&record, "attendance")).contains(&"card_pseudonym"));
    assert!(category_ids(activity(&record, "audit")).contains(&"ip_hash"));
    assert!(category_ids(activity(&record, "staff_accounts")).contains(&"staff_email"));
    let legal: Vec<&str> = record["activities"]
        .as_array()
        .expect("activities")
        .iter()
        .flat_map(|a| a["legal_basis"].as_array().expect("basis"))
        .filter_map(Value::as_str)
        .collect();
    for basis in ["Art. 6(1)(b)", "Art. 6(1)(c)", "Art. 6(1)(f)"] {
        assert!(legal.iter().any(|l| l.contains(basis)), "{basis} in {legal:?}");
    }
    // The mail relay by host only.
    let mail = activity(&record, "mail")["recipients"].to_string();
    assert!(mail.contains("relay.mail.example.net"), "{mail}");
    assert!(!text.contains("relay-user-secret") && !text.contains("relay-password-secret"), "no relay credentials");
    // Measures by id, counts only.
    let toms: Vec<&str> = record["toms"].as_array().expect("toms").iter().filter_map(|t| t["id"].as_str()).collect();
    for id in ["PSEUDO-1", "PRIV-6", "RIGHTS-3", "DEL-4", "INPUT-2"] {
        assert!(toms.contains(&id), "{id} in {toms:?}");
    }
    let counts = &record["counts"];
    assert_eq!(
        (counts["participants"].as_i64(), counts["bookings"].as_i64(), counts["attendance_records"].as_i64()),
        (Some(1), Some(1), Some(0)),
        "{counts}"
    );
    assert_eq!(counts["staff_memberships"].as_i64(), Some(4), "{counts}");

    // No personal data: neither the participant's nor the staff's.
    for secret in [
        name.as_str(),
        "Ottilie",
        "Verzeichnis",
        email.as_str(),
        phone.as_str(),
        "leitung@verein-a.example",
        "orga@verein-a.example",
        "personal@acme.example",
    ] {
        assert!(!text.contains(secret), "the record holds {secret:?}");
    }

    // German.
    let (status, _, body) = call(&service, boss.request("GET", "/api/v1/processing-record?lang=de")).await;
    assert_eq!(status.as_u16(), 200);
    let de = json_of(&body);
    assert_eq!(de["lang"].as_str(), Some("de"));
    assert!(activity(&de, "bookings")["retention"].as_str().is_some_and(|r| r.starts_with("7 Monate")), "{de}");
    assert!(de["activities"].to_string().contains("Art. 6 Abs. 1 lit. b DSGVO"));
    let (status, _, _) = call(&service, boss.request("GET", "/api/v1/processing-record?lang=fr")).await;
    assert_eq!(status.as_u16() / 100, 4, "an unknown language is refused");

    // Every read is audited, without personal data in the entry.
    let viewed: Vec<String> = app.db.audit_text().into_iter().filter(|r| r.contains("processing_record.viewed")).collect();
    assert_eq!(viewed.len(), 3, "{viewed:?}");

    // Tenant B sees its own record: its defaults, none of tenant A's counts.
    let boss_b = sign_in(&service, "leitung@verein-b.example").await;
    let (status, _, body) = call(&service, boss_b.request("GET", "/api/v1/processing-record")).await;
    assert_eq!(status.as_u16(), 200);
    let other = json_of(&body);
    assert_eq!(
        (
            other["controller"]["slug"].as_str(),
            other["retention"]["participant_retention_months"].as_i64(),
            other["counts"]["bookings"].as_i64()
        ),
        (Some("verein-b"), Some(12), Some(0))
    );

    // Other roles: 403 (and audited as denied); signed out: 401.
    for email in ["orga@verein-a.example", "trainer@verein-a.example", "personal@acme.example"] {
        let (_, client, _, _) = login(&service, email, PASSWORD).await;
        let (status, _, _) = call(&service, client.request("GET", "/api/v1/processing-record")).await;
        assert_eq!(status.as_u16(), 403, "{email}");
    }
    assert!(app.db.audit_text().iter().any(|r| r.contains("auth.permission_denied") && r.contains("processing_record.read")));
    let (status, _, _) = call(&service, Client::new().request("GET", "/api/v1/processing-record")).await;
    assert_eq!(status.as_u16(), 401);
}
