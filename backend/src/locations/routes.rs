//! `/api/v1/locations`: a tenant's venues and rooms.

use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{Location, NewLocation};
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::staff;
use crate::http::json::Json;
use crate::http::{problems, ApiError};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLocation {
    #[schema(max_length = 200)]
    pub name: String,
    /// The venue this room belongs to.
    pub parent_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LocationView {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
}

impl From<Location> for LocationView {
    fn from(l: Location) -> Self {
        Self { id: l.id, parent_id: l.parent_id, name: l.name }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LocationList {
    pub locations: Vec<LocationView>,
}

#[utoipa::path(get, path = "/api/v1/locations", operation_id = "locations_list", tag = "locations", responses(
    (status = 200, body = LocationList),
    problems::Unauthorized,
))]
#[get("")]
pub async fn list(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let locations = staff(state, p, Permission::LocationsRead, move |state, _, scope| service::list(&state.db, scope)).await?;
    let list = LocationList { locations: locations.into_iter().map(LocationView::from).collect() };
    Ok(HttpResponse::Ok().json(list))
}

/// Needs `X-CSRF-Token`.
#[utoipa::path(post, path = "/api/v1/locations", operation_id = "locations_create", tag = "locations", request_body = CreateLocation, responses(
    (status = 201, body = LocationView),
    problems::Forbidden,
    problems::Unprocessable,
))]
#[post("")]
pub async fn create(state: web::Data<AppState>, p: Principal, body: Json<CreateLocation>) -> Result<HttpResponse, ApiError> {
    let CreateLocation { name, parent_id } = body.into_inner();
    let location = staff(state, p, Permission::LocationsWrite, move |state, p, scope| {
        service::create(&state.db, scope, &p.audit, NewLocation { name, parent_id })
    })
    .await?;
    let location = LocationView::from(location);
    Ok(HttpResponse::Created().json(location))
}
