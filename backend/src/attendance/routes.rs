//! Attendance lists, manual check-ins, corrections, exports and the kiosk stream.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use tokio::sync::broadcast::error::RecvError;

use super::kiosk::Verdict;
use super::model::{
    Correction, KioskQuery, KioskSignal, ManualRecord, ParticipantAttendance, RecordView, SessionAttendance, Signature,
    SignatureStatusView, SignatureView,
};
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::staff;
use crate::http::json::Json;
use crate::http::{problems, ApiError};
use crate::state::AppState;

/// Who of a session's confirmed bookings is present, late, left early or absent, with every record.
#[utoipa::path(get, path = "/api/v1/event-sessions/{id}/attendance", operation_id = "session_attendance", tag = "attendance", params(("id" = String, Path)), responses(
    (status = 200, body = SessionAttendance),
    problems::Forbidden,
    problems::NotFound,
))]
#[get("/{id}/attendance")]
pub async fn session(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(staff(state, p, Permission::AttendanceRead, move |s, p, scope| service::session_attendance(s, p, scope, &id)).await?))
}

/// The session's attendance with every record as CSV (audited).
#[utoipa::path(get, path = "/api/v1/event-sessions/{id}/attendance.csv", operation_id = "session_attendance_csv", tag = "attendance", params(("id" = String, Path)), responses(
    (status = 200, content_type = "text/csv", body = String),
    problems::Forbidden,
    problems::NotFound,
))]
#[get("/{id}/attendance.csv")]
pub async fn session_csv(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let name = format!(
        "attachment; filename=\"attendance-{}.csv\"",
        id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>()
    );
    let bytes = staff(state, p, Permission::AttendanceRead, move |s, p, scope| service::session_csv(s, p, scope, &id)).await?;
    Ok(HttpResponse::Ok().content_type("text/csv; charset=utf-8").insert_header((header::CONTENT_DISPOSITION, name)).body(bytes))
}

/// A check-in or check-out entered by staff.
#[utoipa::path(post, path = "/api/v1/attendance", operation_id = "attendance_record", tag = "attendance", request_body = ManualRecord, responses(
    (status = 201, body = RecordView),
    problems::Forbidden,
    problems::NotFound,
    problems::Conflict,
    problems::Unprocessable,
))]
#[post("")]
pub async fn record(state: web::Data<AppState>, p: Principal, body: Json<ManualRecord>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created()
        .json(staff(state, p, Permission::AttendanceWrite, move |s, p, scope| service::record_manual(s, p, scope, &body)).await?))
}

/// Corrects a record: a new record supersedes it; the original stays in the proof.
#[utoipa::path(post, path = "/api/v1/attendance/{id}/correct", operation_id = "attendance_correct", tag = "attendance", params(("id" = String, Path)), request_body = Correction, responses(
    (status = 201, body = RecordView),
    problems::Forbidden,
    problems::NotFound,
    problems::Conflict,
    problems::Unprocessable,
))]
#[post("/{id}/correct")]
pub async fn correct(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<Correction>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created()
        .json(staff(state, p, Permission::AttendanceWrite, move |s, p, scope| service::correct(s, p, scope, &id, &body)).await?))
}

/// The participant signs their check-in (at the kiosk, right after the tap or later): pen
/// strokes on the 1000 × 400 field, stored encrypted; once per check-in, only when the
/// event asks for signatures and the list is open.
#[utoipa::path(post, path = "/api/v1/attendance/{id}/signature", operation_id = "attendance_sign", tag = "attendance", params(("id" = String, Path)), request_body = Signature, responses(
    (status = 201, body = SignatureStatusView),
    problems::Forbidden,
    problems::NotFound,
    problems::Conflict,
    problems::Unprocessable,
))]
#[post("/{id}/signature")]
pub async fn sign(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<Signature>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created()
        .json(staff(state, p, Permission::AttendanceWrite, move |s, p, scope| service::sign(s, p, scope, &id, &body)).await?))
}

/// A check-in's signature with its strokes.
#[utoipa::path(get, path = "/api/v1/attendance/{id}/signature", operation_id = "attendance_signature", tag = "attendance", params(("id" = String, Path)), responses(
    (status = 200, body = SignatureView),
    problems::Forbidden,
    problems::NotFound,
))]
#[get("/{id}/signature")]
pub async fn signature(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff(state, p, Permission::AttendanceRead, move |s, p, scope| service::signature(s, p, scope, &id)).await?))
}

/// Closes the session's list, signed by the instructor or organiser as a whole ("Liste
/// abschließen"). A closed list takes no records, taps or signatures; a correction
/// re-opens it visibly (the closing stays in the list and the audit).
#[utoipa::path(post, path = "/api/v1/event-sessions/{id}/close", operation_id = "session_close", tag = "attendance", params(("id" = String, Path)), request_body = Signature, responses(
    (status = 200, body = SessionAttendance),
    problems::Forbidden,
    problems::NotFound,
    problems::Conflict,
    problems::Unprocessable,
))]
#[post("/{id}/close")]
pub async fn close(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<Signature>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(staff(state, p, Permission::AttendanceWrite, move |s, p, scope| service::close(s, p, scope, &id, &body)).await?))
}

/// One participant's attendance records across the events the caller may see.
#[utoipa::path(get, path = "/api/v1/participants/{id}/attendance", operation_id = "participant_attendance", tag = "attendance", params(("id" = String, Path)), responses(
    (status = 200, body = ParticipantAttendance),
    problems::Forbidden,
    problems::NotFound,
))]
#[get("/{id}/attendance")]
pub async fn participant(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(staff(state, p, Permission::AttendanceRead, move |s, p, scope| service::participant_attendance(s, p, scope, &id)).await?))
}

/// The kiosk's live feed (server-sent events, `event: tap`): first name and outcome of
/// each tap in the caller's tenant, optionally of one location; for instructors and
/// company admins only the taps of their events (TOM SEP-3). The session is checked again
/// before each tap and at each keep-alive; the stream ends when it no longer holds
/// (TOM ACC-3). Open streams are capped per session and per tenant (429, TOM ACC-8).
#[utoipa::path(get, path = "/api/v1/kiosk/stream", operation_id = "kiosk_stream", tag = "attendance", params(KioskQuery), responses(
    (status = 200, content_type = "text/event-stream", body = String),
    problems::Forbidden,
    problems::TooManyRequests,
))]
#[get("/stream")]
pub async fn kiosk(state: web::Data<AppState>, p: Principal, q: web::Query<KioskQuery>) -> Result<HttpResponse, ApiError> {
    let location = q.into_inner().location_id;
    let opened = p.clone();
    // A location covers its rooms: a kiosk at the entrance greets taps on every device inside.
    let (scope, places) = staff(state.clone(), p, Permission::KioskView, move |s, _, scope| {
        let places = match location {
            None => None,
            Some(l) => Some(crate::locations::service::with_rooms(&s.db, scope, &l)?),
        };
        Ok((scope.clone(), places))
    })
    .await?;
    let config = &state.config.session;
    let keep_alive = Duration::from_secs(u64::from(config.kiosk_keep_alive_seconds));
    // The slot lives in the stream's state: it is given back when the stream ends.
    let slot = state
        .limits
        .kiosk_streams
        .acquire(&opened.session_id, config.kiosk_streams_per_session, scope.tenant_id(), config.kiosk_streams_per_tenant)
        .ok_or_else(|| ApiError::rate_limited(keep_alive).detail("too many open kiosk streams for this session or organisation"))?;
    let receiver = {
        let state = state.clone();
        web::block(move || super::kiosk::subscribe(&state)).await?
    };
    let tenant = scope.tenant_id().to_owned();
    // First a `retry` hint (EventSource reconnects after 2 s), then taps and keep-alives.
    let hello = futures_util::stream::once(async { Ok::<_, actix_web::Error>(web::Bytes::from_static(b"retry: 2000\n: connected\n\n")) });
    let taps = futures_util::stream::unfold((receiver, slot), move |(mut receiver, slot)| {
        let (tenant, places, state, opened) = (tenant.clone(), places.clone(), state.clone(), opened.clone());
        async move {
            loop {
                let signal = match actix_web::rt::time::timeout(keep_alive, receiver.recv()).await {
                    Err(_) => None,
                    Ok(Ok(KioskSignal::Tap(event)))
                        if event.tenant_id == tenant
                            && places.as_ref().is_none_or(|p| event.location_id.as_ref().is_some_and(|l| p.contains(l))) =>
                    {
                        Some(KioskSignal::Tap(event))
                    }
                    Ok(Ok(KioskSignal::Tap(_))) => continue,
                    // This stream missed taps, or the node's listener did.
                    Ok(Ok(KioskSignal::Resync)) | Ok(Err(RecvError::Lagged(_))) => Some(KioskSignal::Resync),
                    Ok(Err(RecvError::Closed)) => return None,
                };
                let (state, opened) = (state.clone(), opened.clone());
                let checked = web::block(move || {
                    let tap = match &signal {
                        Some(KioskSignal::Tap(event)) => Some(event),
                        _ => None,
                    };
                    (super::kiosk::check(&state, &opened, tap), signal)
                })
                .await;
                let chunk = match checked {
                    Ok((Verdict::Show, Some(KioskSignal::Tap(event)))) => {
                        let json = serde_json::to_string(&event).unwrap_or_default();
                        web::Bytes::from(format!("event: tap\ndata: {json}\n\n"))
                    }
                    Ok((Verdict::Show, Some(KioskSignal::Resync))) => web::Bytes::from_static(b"event: resync\ndata: {}\n\n"),
                    Ok((Verdict::Show, None)) => web::Bytes::from_static(b": keep-alive\n\n"),
                    Ok((Verdict::Hide, _)) => continue,
                    Ok((Verdict::Close, _)) | Err(_) => return None,
                };
                return Some((Ok(chunk), (receiver, slot)));
            }
        }
    });
    use futures_util::StreamExt;
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        // `identity` keeps the compression middleware from buffering the stream.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(hello.chain(taps)))
}
