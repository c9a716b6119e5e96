//! Reports (issue 21): the figures match a hand count on a fixture, instructors and
//! company admins see only their courses (TOM SEP-3), bad input is refused (TOM PRIV-5).

use actix_web::http::StatusCode;
use anwesend::clock::Clock;
use chrono::{Duration, NaiveDateTime};
use serde_json::{json, Value};

use crate::common::test_app_with;
use crate::fixtures::{book_confirmed, call, json_of, login, member, published_event, Client, PASSWORD};

fn fmt(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Publishes a course with these session starts (one hour each); its session ids in order.
async fn course<S, B>(service: &S, staff: &Client, mut body: Value, starts: &[NaiveDateTime]) -> (String, Vec<String>)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    body["sessions"] = starts.iter().map(|s| json!({ "starts_at": fmt(*s), "ends_at": fmt(*s + Duration::hours(1)) })).collect();
    let event = published_event(service, staff, body).await;
    let (_, _, detail) = call(service, staff.request("GET", &format!("/api/v1/events/{event}"))).await;
    let mut list: Vec<(String, String)> = json_of(&detail)["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|s| (s["starts_at"].as_str().expect("start").to_owned(), s["id"].as_str().expect("id").to_owned()))
        .collect();
    list.sort();
    (event, list.into_iter().map(|(_, id)| id).collect())
}

async fn book<S, B>(app: &crate::common::TestApp, service: &S, event: &str, n: usize) -> Vec<String>
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let mut out = Vec::new();
    for i in 0..n {
        let body = json!({ "name": format!("Person {i}"), "email": format!("p{i}.{event}@example.org"), "consent": true });
        let (status, answer) = book_confirmed(app, service, "verein-a", event, body, "198.51.100.8").await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        out.push(answer["booking_id"].as_str().expect("booking").to_owned());
    }
    out
}

async fn check_in_at<S, B>(service: &S, staff: &Client, session: &str, booking: &str, at: NaiveDateTime)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let body = json!({ "session_id": session, "booking_id": booking, "kind": "check_in", "occurred_at": fmt(at) });
    let (status, _, answer) = call(service, staff.request("POST", "/api/v1/attendance").set_json(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&answer));
}

async fn report<S, B>(service: &S, client: &Client, query: &str) -> (StatusCode, Value)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, _, body) = call(service, client.request("GET", &format!("/api/v1/reports{query}"))).await;
    (status, if body.is_empty() { Value::Null } else { serde_json::from_slice(&body).unwrap_or(Value::Null) })
}

fn figures(v: &Value, keys: &[&str]) -> Vec<i64> {
    keys.iter().map(|k| v[*k].as_i64().unwrap_or(-1)).collect()
}

#[actix_web::test]
async fn sep_3_report_numbers_match_a_hand_count_and_each_role_sees_its_courses() {
    let app = test_app_with(|c| c.rate_limit.public_per_ip_per_minute = 10_000);
    let scope = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let trainer = member(&app, &scope, "trainer@verein-a.example", "instructor", None);
    member(&app, &scope, "personal@acme.example", "company_admin", Some("c-acme"));
    let service = app.service().await;
    let (_, staff, _, _) = login(&service, "leitung@verein-a.example", PASSWORD).await;
    let (_, _, hall) = call(&service, staff.request("POST", "/api/v1/locations").set_json(json!({ "name": "Halle Süd" }))).await;
    let hall = json_of(&hall)["id"].as_str().expect("location").to_owned();
    let now = app.clock.now().naive_utc();
    let day = |d: i64| (now - Duration::days(d)).date().and_hms_opt(9, 0, 0).expect("time");

    // Course A (taught by the trainer): two ended sessions, one ahead, three people.
    let body = json!({ "kind": "course", "title": "Kurs A", "capacity": 10, "waiting_list": false, "instructor_ids": [trainer] });
    let (a, a_sessions) = course(&service, &staff, body, &[day(3), day(2), now + Duration::days(2)]).await;
    let a_people = book(&app, &service, &a, 3).await;
    // Session 1: person 0 on time, person 1 twenty minutes late, person 2 excused.
    check_in_at(&service, &staff, &a_sessions[0], &a_people[0], day(3) + Duration::minutes(2)).await;
    check_in_at(&service, &staff, &a_sessions[0], &a_people[1], day(3) + Duration::minutes(20)).await;
    let (status, _, _) = call(
        &service,
        staff
            .request("PUT", &format!("/api/v1/event-sessions/{}/absences", a_sessions[0]))
            .set_json(json!({ "booking_id": a_people[2], "excused": true, "reason": "other" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Session 2: only person 0.
    check_in_at(&service, &staff, &a_sessions[1], &a_people[0], day(2) - Duration::minutes(5)).await;
    // Course B at the hall (not the trainer's): one ended session, one person on time.
    let body = json!({ "kind": "course", "title": "Kurs B", "capacity": 10, "waiting_list": false, "location_id": hall });
    let (b, b_sessions) = course(&service, &staff, body, &[day(1)]).await;
    let b_people = book(&app, &service, &b, 1).await;
    check_in_at(&service, &staff, &b_sessions[0], &b_people[0], day(1) + Duration::minutes(1)).await;
    // A session that ended before the period counts nowhere.
    let body = json!({ "kind": "course", "title": "Kurs Alt", "capacity": 10, "waiting_list": false });
    course(&service, &staff, body, &[day(40)]).await;

    let (status, r) = report(&service, &staff, "?days=30").await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let keys = ["sessions", "booked", "present", "late", "no_shows", "attendance_rate_percent"];
    let courses = r["courses"].as_array().expect("courses");
    assert_eq!(courses.len(), 2, "{r}");
    assert_eq!((courses[0]["title"].clone(), figures(&courses[0], &keys)), (json!("Kurs A"), vec![2, 6, 3, 1, 3, 50]));
    assert_eq!((courses[1]["title"].clone(), figures(&courses[1], &keys)), (json!("Kurs B"), vec![1, 1, 1, 0, 0, 100]));
    let keys = ["booked", "present", "late", "no_shows", "excused", "attendance_rate_percent"];
    let sessions = r["sessions"].as_array().expect("sessions");
    assert_eq!(
        sessions.iter().map(|s| figures(s, &keys)).collect::<Vec<_>>(),
        vec![vec![3, 2, 1, 1, 1, 66], vec![3, 1, 0, 2, 0, 33], vec![1, 1, 0, 0, 0, 100]]
    );
    // Check-ins per hour at each location in the tenant's zone (Europe/Berlin).
    let zone = anwesend::zone::Zone::named("Europe/Berlin");
    let hour = |t: NaiveDateTime| zone.format(t, "%H").parse::<i64>().expect("hour");
    // Course A: 9:02 and 9:20 on day 3, 8:55 on day 2 (UTC); course B: 9:01 at the hall.
    let mut expected = vec![
        (String::new(), hour(day(3) + Duration::minutes(2)), 2),
        (String::new(), hour(day(2) - Duration::minutes(5)), 1),
        ("Halle Süd".to_owned(), hour(day(1)), 1),
    ];
    let mut got: Vec<(String, i64, i64)> = r["hours"]
        .as_array()
        .expect("hours")
        .iter()
        .map(|h| {
            (h["location"].as_str().unwrap_or_default().to_owned(), h["hour"].as_i64().unwrap_or(-1), h["check_ins"].as_i64().unwrap_or(-1))
        })
        .collect();
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "{r}");
    assert!(r["devices"].is_array(), "admins see device health");
    assert!(!r.to_string().contains("Person 0"), "numbers only, no names");

    // The trainer sees course A only, and no devices; the company admin sees none of these.
    let (_, trainer, _, _) = login(&service, "trainer@verein-a.example", PASSWORD).await;
    let (status, r) = report(&service, &trainer, "?days=30").await;
    assert_eq!(status, StatusCode::OK);
    let titles: Vec<&str> = r["courses"].as_array().expect("courses").iter().filter_map(|c| c["title"].as_str()).collect();
    assert_eq!(titles, ["Kurs A"]);
    assert_eq!(r["sessions"].as_array().map(Vec::len), Some(2));
    assert!(r["devices"].is_null());
    let (_, company, _, _) = login(&service, "personal@acme.example", PASSWORD).await;
    let (status, r) = report(&service, &company, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((r["courses"].as_array().map(Vec::len), r["hours"].as_array().map(Vec::len)), (Some(0), Some(0)), "{r}");

    // Bad input (TOM PRIV-5).
    for (query, expected) in [("?days=0", 422), ("?days=367", 422), ("?days=-1", 422), ("?days=zehn", 400), ("?tage=3", 400)] {
        let (status, _) = report(&service, &staff, query).await;
        assert_eq!(status.as_u16(), expected, "{query}");
    }
    let (status, _) = report(&service, &Client::new(), "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
