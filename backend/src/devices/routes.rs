//! `/api/v1/devices` (admins: enrolment codes, list, settings, revoke; card enrolment)
//! and `/api/v1/device/*` (the agent: enrol with a code, signed heartbeat and taps).

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use anwesend_protocol::{EnrolRequest, EnrolResponse, HeartbeatRequest, HeartbeatResponse, TapRequest, TapResponse};

use super::model::{CardEnrolmentPending, CardEnrolmentRequest, DeviceSettings, DeviceView, EnrolmentCode, NewEnrolment};
use super::service;
use super::signed::{self, DeviceRequest};
use crate::auth::policy::Permission;
use crate::auth::principal::RequestFacts;
use crate::auth::service::Principal;
use crate::http::call::staff;
use crate::http::json::{from_slice, Json};
use crate::http::{problems, ApiError};
use crate::state::AppState;
use crate::AppError;

/// A one-time code for enrolling a new device (shown once).
#[utoipa::path(post, path = "/api/v1/devices/enrolment-codes", operation_id = "device_enrolment_create", tag = "devices", request_body = NewEnrolment, responses(
    (status = 201, body = EnrolmentCode),
    problems::Forbidden,
    problems::Unprocessable,
))]
#[post("/enrolment-codes")]
pub async fn create_enrolment(state: web::Data<AppState>, p: Principal, body: Json<NewEnrolment>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created()
        .json(staff(state, p, Permission::DevicesManage, move |s, p, scope| service::create_enrolment(s, p, scope, &body)).await?))
}

/// Devices with their last heartbeat, agent version (outdated flagged) and readers.
#[utoipa::path(get, path = "/api/v1/devices", operation_id = "devices_list", tag = "devices", responses(
    (status = 200, body = [DeviceView]),
    problems::Forbidden,
))]
#[get("")]
pub async fn list(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff(state, p, Permission::DevicesRead, service::list).await?))
}

/// Name, location and the configuration the device picks up at its next heartbeat.
#[utoipa::path(put, path = "/api/v1/devices/{id}", operation_id = "devices_update", tag = "devices", params(("id" = String, Path)), request_body = DeviceSettings, responses(
    (status = 200, body = DeviceView),
    problems::Forbidden,
    problems::NotFound,
    problems::Unprocessable,
))]
#[put("/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<DeviceSettings>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(staff(state, p, Permission::DevicesManage, move |s, p, scope| service::update(s, p, scope, &id, &body)).await?))
}

/// Revokes a device at once: its next request fails.
#[utoipa::path(post, path = "/api/v1/devices/{id}/revoke", operation_id = "devices_revoke", tag = "devices", params(("id" = String, Path)), responses(
    (status = 200, body = DeviceView),
    problems::Forbidden,
    problems::NotFound,
    problems::Conflict,
))]
#[post("/{id}/revoke")]
pub async fn revoke(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff(state, p, Permission::DevicesManage, move |s, p, scope| service::revoke(s, p, scope, &id)).await?))
}

/// "Enrol card": the next card tapped on this device (within 2 minutes) is bound to the participant.
#[utoipa::path(post, path = "/api/v1/devices/{id}/card-enrolment", operation_id = "devices_card_enrolment", tag = "devices", params(("id" = String, Path)), request_body = CardEnrolmentRequest, responses(
    (status = 200, body = CardEnrolmentPending),
    problems::Forbidden,
    problems::NotFound,
    problems::Conflict,
    problems::Unprocessable,
))]
#[post("/{id}/card-enrolment")]
pub async fn card_enrolment(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<CardEnrolmentRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(staff(state, p, Permission::CardsWrite, move |s, p, scope| service::request_card_enrolment(s, p, scope, &id, &body)).await?))
}

/// Exchanges an enrolment code for the device id and secret (the agent; not signed,
/// limited per address and by the ceiling of unauthenticated requests).
#[utoipa::path(post, path = "/api/v1/device/enrol", operation_id = "device_enrol", tag = "devices", request_body = anwesend_protocol::EnrolRequest, responses(
    (status = 201, body = anwesend_protocol::EnrolResponse),
    problems::NotFound,
    problems::Unprocessable,
    problems::TooManyRequests,
))]
#[post("/enrol")]
pub async fn enrol(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let input: EnrolRequest = from_slice(&body)?;
    let facts = RequestFacts::of(&req)?;
    let state = state.into_inner();
    let answer = web::block(move || -> Result<EnrolResponse, ApiError> {
        let origin = facts.origin(&state)?;
        state.limits.admit_public(&origin.ip_key())?;
        Ok(service::enrol(&state, &origin, &input)?)
    })
    .await??;
    Ok(HttpResponse::Created().json(answer))
}

async fn signed_call<I: serde::de::DeserializeOwned + Send + 'static, O: Send + 'static>(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
    f: impl FnOnce(&AppState, &DeviceRequest, &I) -> Result<O, AppError> + Send + 'static,
) -> Result<O, ApiError> {
    let head = signed::SignedHead::of(&req)?;
    web::block(move || {
        let device = head.verify(&state, body)?;
        let answer = from_slice(&device.body).and_then(|input: I| Ok(f(&state, &device, &input)?));
        device.settle(&state, answer)
    })
    .await?
}

/// The agent's heartbeat (signed, limited per address): version, readers, queue; answers with its configuration.
#[utoipa::path(post, path = "/api/v1/device/heartbeat", operation_id = "device_heartbeat", tag = "devices", request_body = anwesend_protocol::HeartbeatRequest, responses(
    (status = 200, body = anwesend_protocol::HeartbeatResponse),
    problems::Unauthorized,
    problems::Unprocessable,
    problems::TooManyRequests,
))]
#[post("/heartbeat")]
pub async fn heartbeat(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let answer: HeartbeatResponse = signed_call(req, state, body, |s, d, i: &HeartbeatRequest| service::heartbeat(s, d, i)).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// The keys for the secure card on the device's reader, while an admin has the device in
/// "enrol card" mode (signed; for `anwesend-agent card provision`).
#[utoipa::path(post, path = "/api/v1/device/card-keys", operation_id = "device_card_keys", tag = "devices", request_body = crate::secure_cards::model::CardKeysRequest, responses(
    (status = 200, body = crate::secure_cards::model::CardKeys),
    problems::Unauthorized,
    problems::Conflict,
    problems::Unprocessable,
    problems::TooManyRequests,
))]
#[post("/card-keys")]
pub async fn card_keys(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let answer = signed_call(req, state, body, |s, d, i: &crate::secure_cards::model::CardKeysRequest| {
        crate::secure_cards::service::card_keys(s, d, i)
    })
    .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// One card tap (signed, limited per address, idempotent by key).
#[utoipa::path(post, path = "/api/v1/device/taps", operation_id = "device_tap", tag = "devices", request_body = anwesend_protocol::TapRequest, responses(
    (status = 200, body = anwesend_protocol::TapResponse),
    problems::Unauthorized,
    problems::Unprocessable,
    problems::TooManyRequests,
))]
#[post("/taps")]
pub async fn tap(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let answer: TapResponse = signed_call(req, state, body, |s, d, i: &TapRequest| crate::attendance::service::tap(s, d, i)).await?;
    Ok(HttpResponse::Ok().json(answer))
}
