//! CSV import of participants (issue 23; TOM PRIV-5, AVAIL-5): preview with row-level
//! errors, nothing written while a row has an error, skip the bad rows, seats and the
//! waiting list as on the public page, German Excel files, formula-like cells, size
//! limits, and an audit entry with counts only.

use actix_web::http::StatusCode;
use anwesend::bookings::import::{decode, delimiter, formula_like, guess};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::{test_app_with, TestDb};
use crate::fixtures::{book_confirmed, call, event_body, json_of, outbox_mail, published_event, sign_in};

/// Rows in every table an import could write.
fn row_counts(db: &TestDb) -> Vec<i64> {
    let mut conn = db.inspect();
    ["participants", "participant_terms", "bookings", "mail_outbox", "audit_entries"]
        .iter()
        .map(|t| {
            #[derive(QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {t}")).get_result::<N>(&mut conn).expect("count").n
        })
        .collect()
}

fn statuses(db: &TestDb, event: &str) -> (i64, i64) {
    use anwesend::db::schema::bookings::dsl as b;
    let mut conn = db.inspect();
    let mut count =
        |s: &str| b::bookings.filter(b::event_id.eq(event)).filter(b::status.eq(s)).count().get_result::<i64>(&mut conn).expect("n");
    (count("confirmed"), count("waiting"))
}

/// A class list as German Excel saves "CSV (Trennzeichen-getrennt)": Windows-1252, `;`.
fn excel_file() -> Vec<u8> {
    let text = "Vorname;Nachname;E-Mail;Telefon\r\n\
                J\u{fc}rgen;M\u{fc}ller;juergen@example.org;030 1234\r\n\
                =HYPERLINK(\"http://evil.example\");X;evil@example.org;\r\n\
                Anna;Beispiel;anna@example.org;\r\n\
                Kim;Kein;keine-adresse;\r\n\
                Lea;Lustig;lea@example.org;+49 30 5555\r\n\
                J\u{fc}rgen;Doppelt;JUERGEN@example.org;\r\n\
                ;;;\r\n\
                Max;Mustermann;max@example.org;@SUM(1)\r\n\
                Mia;Meier;mia@example.org;\r\n";
    // Every character here is in Windows-1252 (ü is 0xFC).
    text.chars().map(|c| u8::try_from(u32::from(c)).expect("latin-1")).collect()
}

fn body(file: &[u8], extra: Value) -> Value {
    let mut body = json!({ "file_base64": STANDARD.encode(file) });
    if let (Some(b), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(extra.clone());
    }
    body
}

#[actix_web::test]
async fn priv_5_csv_import_previews_row_errors_writes_nothing_then_skips_bad_rows_and_books_as_seats_allow() {
    let app = test_app_with(|c| c.rate_limit.public_per_ip_per_minute = 100_000);
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    // Three seats and a waiting list; Anna holds one seat already.
    let event = published_event(&service, &staff, event_body("Klasse 7b", 3, true)).await;
    let (status, _) = book_confirmed(
        &app,
        &service,
        "verein-a",
        &event,
        json!({ "name": "Anna Beispiel", "email": "anna@example.org", "consent": true }),
        "10.9.0.1",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let preview_uri = format!("/api/v1/events/{event}/import/preview");
    let import_uri = format!("/api/v1/events/{event}/import");

    // The preview: encoding, separator and columns found; each row's errors; writes nothing.
    let before = row_counts(&app.db);
    let (status, _, answer) = call(&service, staff.request("POST", &preview_uri).set_json(body(&excel_file(), json!({})))).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&answer));
    let preview = json_of(&answer);
    assert_eq!(preview["encoding"], "windows-1252");
    assert_eq!(preview["delimiter"], ";");
    assert_eq!(preview["mapping"], json!({ "name": null, "first_name": 0, "last_name": 1, "email": 2, "phone": 3, "language": null }));
    let rows = preview["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 8, "the empty line is left out: {rows:?}");
    let errors = |i: usize| -> Vec<String> {
        rows[i]["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| format!("{}:{}", e["field"].as_str().unwrap_or(""), e["code"].as_str().unwrap_or("")))
            .collect()
    };
    assert_eq!(rows[0]["name"], "Jürgen Müller");
    assert_eq!(rows[0]["line"], 2);
    assert_eq!((rows[0]["outcome"].as_str(), errors(0)), (Some("confirmed"), vec![]));
    assert_eq!(errors(1), vec!["name:formula"]);
    assert_eq!(errors(2), vec!["email:already_booked"]);
    assert_eq!(errors(3), vec!["email:invalid"]);
    assert_eq!((rows[4]["outcome"].as_str(), errors(4)), (Some("confirmed"), vec![]), "a phone number may start with +");
    assert_eq!(errors(5), vec!["email:duplicate"], "addresses compare normalised");
    assert_eq!(errors(6), vec!["phone:formula"]);
    assert_eq!((rows[7]["outcome"].as_str(), errors(7)), (Some("waiting"), vec![]), "the seats are taken: the waiting list");
    assert_eq!((preview["valid"].as_u64(), preview["invalid"].as_u64()), (Some(3), Some(5)));
    assert_eq!((preview["confirmed"].as_u64(), preview["waiting"].as_u64()), (Some(2), Some(1)));
    assert_eq!(row_counts(&app.db), before, "a preview writes nothing");

    // The import without skipping: 422 problem+json, nothing written.
    let (status, headers, answer) = call(&service, staff.request("POST", &import_uri).set_json(body(&excel_file(), json!({})))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    assert!(json_of(&answer)["detail"].as_str().is_some_and(|d| d.contains("5 rows have errors")), "{}", json_of(&answer));
    assert_eq!(row_counts(&app.db), before, "nothing is written while a row has an error");

    // Skipping the bad rows: the good ones are booked as seats allow, no mails.
    let audit_before = app.db.audit_text().len();
    let (status, _, answer) =
        call(&service, staff.request("POST", &import_uri).set_json(body(&excel_file(), json!({ "skip_invalid": true })))).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&answer));
    let result = json_of(&answer);
    assert_eq!(result, json!({ "imported": 3, "confirmed": 2, "waiting": 1, "skipped": 5, "mails": false }));
    assert_eq!(statuses(&app.db, &event), (3, 1));
    assert!(outbox_mail(&app, "verein-a", "juergen@example.org", "booking_confirmation").is_none(), "no mails unless asked");
    let entries: Vec<String> = app.db.audit_text().split_off(audit_before);
    let summary = entries.iter().find(|e| e.contains("booking.imported")).expect("the import is audited");
    for count in ["\"imported\":3", "\"skipped\":5", "\"confirmed\":2", "\"waiting\":1", "\"rows\":8"] {
        assert!(summary.contains(count), "{count} in {summary}");
    }
    for entry in &entries {
        for personal in ["Jürgen", "Müller", "juergen@", "lea@", "Mustermann", "mia@", "evil"] {
            assert!(!entry.contains(personal), "no names or addresses in the audit: {entry}");
        }
    }
    // The booking list shows the imported people, decrypted with their umlauts.
    let (_, _, list) = call(&service, staff.request("GET", &format!("/api/v1/events/{event}/bookings"))).await;
    assert!(json_of(&list).as_array().expect("list").iter().any(|b| b["name"] == "Jürgen Müller" && b["phone"] == "030 1234"));

    // The same file again: everyone is booked now; with mails asked, a UTF-8 file with BOM
    // and commas books one more person and mails them.
    let (_, _, again) =
        call(&service, staff.request("POST", &preview_uri).set_json(body(&excel_file(), json!({ "skip_invalid": true })))).await;
    assert_eq!(json_of(&again)["valid"], 0);
    let utf8 = "\u{feff}Name,E-Mail,Sprache\r\n\"Zoë Ärger, Dr.\",zoe@example.org,en\r\n".as_bytes().to_vec();
    let (status, _, answer) = call(&service, staff.request("POST", &import_uri).set_json(body(&utf8, json!({ "send_mails": true })))).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&answer));
    assert_eq!(json_of(&answer)["waiting"], 1);
    let mail = outbox_mail(&app, "verein-a", "zoe@example.org", "booking_confirmation").expect("a mail when asked");
    assert!(mail.subject.contains("Waiting list"), "in the row's language: {}", mail.subject);
}

#[actix_web::test]
async fn priv_5_csv_import_refuses_malformed_oversized_and_hostile_input_with_problem_json_and_writes_nothing() {
    let app = test_app_with(|_| {});
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let mut no_phone = event_body("Ohne Telefon", 10, false);
    no_phone["fields"] = json!([]);
    let event = published_event(&service, &staff, no_phone).await;
    let uri = format!("/api/v1/events/{event}/import");
    let ok_file = b"Name;E-Mail;Telefon\r\nEva;eva@example.org;\r\n".to_vec();
    let many: String = std::iter::once("Name;E-Mail\n".to_owned()).chain((0..2001).map(|i| format!("P {i};p{i}@example.org\n"))).collect();
    let big = vec![b'a'; 512 * 1024 + 1];
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        ("not base64", json!({ "file_base64": "***" }), 422, "invalid_field"),
        ("empty file", body(b"", json!({})), 422, "invalid_field"),
        ("only spaces", body(b" ; \r\n", json!({})), 422, "invalid_field"),
        ("binary", body(b"Name;E-Mail\r\n\0\0\0", json!({})), 422, "invalid_field"),
        ("too many rows", body(many.as_bytes(), json!({})), 422, "invalid_field"),
        ("file over 512 KiB", body(&big, json!({})), 413, "body_too_large"),
        ("column out of range", body(&ok_file, json!({ "mapping": { "name": 0, "email": 7 } })), 422, "invalid_field"),
        ("no email column", body(&ok_file, json!({ "mapping": { "name": 0 } })), 422, "invalid_field"),
        ("one column twice", body(&ok_file, json!({ "mapping": { "name": 0, "email": 0 } })), 422, "invalid_field"),
        ("phone not asked", body(&ok_file, json!({ "mapping": { "name": 0, "email": 1, "phone": 2 } })), 422, "invalid_field"),
        ("negative column", body(&ok_file, json!({ "mapping": { "name": -1, "email": 1 } })), 422, "invalid_body"),
        ("unknown field", body(&ok_file, json!({ "overwrite": true })), 422, "invalid_body"),
        ("mails as text", body(&ok_file, json!({ "send_mails": "yes" })), 422, "invalid_body"),
    ];
    let before = row_counts(&app.db);
    for (what, payload, expected, code) in cases {
        for path in [uri.clone(), format!("{uri}/preview")] {
            let (status, headers, answer) = call(&service, staff.request("POST", &path).set_json(payload.clone())).await;
            assert_eq!(status.as_u16(), expected, "{what} at {path}: {}", String::from_utf8_lossy(&answer));
            assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"), "{what}");
            assert_eq!(json_of(&answer)["code"], code, "{what}");
        }
    }
    // A body over the endpoint's limit is refused before it is read.
    let huge = json!({ "file_base64": "A".repeat(anwesend::bookings::import::MAX_BODY_BYTES + 10) });
    let (status, headers, answer) = call(&service, staff.request("POST", &uri).set_json(huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    assert_eq!(json_of(&answer)["code"], "body_too_large");
    // Hostile cells are row errors, never evaluated or stored; an unknown event is 404.
    let hostile = "Name;E-Mail\r\n+cmd|' /C calc'!A0;x@example.org\r\n\t=1+1;t@example.org\r\n\"Zeile\rUmbruch\";z@example.org\r\n-2+3;m@example.org\r\n";
    let (status, _, answer) =
        call(&service, staff.request("POST", &format!("{uri}/preview")).set_json(body(hostile.as_bytes(), json!({})))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json_of(&answer)["invalid"], 4, "{}", json_of(&answer));
    let (status, _, _) = call(&service, staff.request("POST", &uri).set_json(body(hostile.as_bytes(), json!({})))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, _) = call(
        &service,
        staff.request("POST", "/api/v1/events/0193ffff-0000-7000-8000-000000000000/import").set_json(body(&ok_file, json!({}))),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(row_counts(&app.db), before, "no refused import wrote anything");
}

#[::core::prelude::v1::test]
fn excel_files_are_read_as_written() {
    let (text, encoding) = decode(b"Name;E-Mail\r\nJ\xfcrgen M\xfcller;j@example.org\r\n");
    assert_eq!(encoding, "windows-1252");
    assert!(text.contains("Jürgen Müller"));
    assert_eq!(delimiter(&text), b';');
    let (text, encoding) = decode("\u{feff}Name,E-Mail\nÄnne,a@example.org\n".as_bytes());
    assert_eq!(encoding, "utf-8");
    assert!(text.starts_with("Name"));
    assert_eq!(delimiter(&text), b',');
    assert_eq!(delimiter("\"a;b\",c\n"), b',');
}

#[::core::prelude::v1::test]
fn formula_like_cells_are_caught() {
    for v in ["=1+1", "@SUM(A1)", "-2+3", "+cmd", "\tx", "a\rb"] {
        assert!(formula_like(v, false), "{v:?}");
    }
    assert!(!formula_like("+49 30 1234", true));
    assert!(!formula_like("Anna-Lena", false));
}

#[::core::prelude::v1::test]
fn columns_are_guessed_in_german_and_english() {
    let columns: Vec<String> = ["Vorname", "Nachname", "E-Mail", "Telefon"].iter().map(|s| s.to_string()).collect();
    let m = guess(&columns);
    assert_eq!((m.first_name, m.last_name, m.email, m.phone, m.name), (Some(0), Some(1), Some(2), Some(3), None));
}
