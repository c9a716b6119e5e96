//! `/api/v1/audit`: the role-scoped audit view, chain verification and signed exports.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::export::ExportFormat;
use super::model::{Action, Entry, Filter};
use super::service::{self, VerifyReport};
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::{staff, staff_granted};
use crate::http::{problems, ApiError};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// From this time on (RFC 3339; without an offset: UTC).
    #[serde(default, with = "crate::timestamp::option")]
    pub from: Option<NaiveDateTime>,
    /// Before this time.
    #[serde(default, with = "crate::timestamp::option")]
    pub to: Option<NaiveDateTime>,
    pub actor_id: Option<String>,
    /// An action code from `/api/v1/audit/actions`.
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// Page cursor: `next_before` of the previous page.
    pub before: Option<i64>,
    /// Entries per page, 1–200 (default 50).
    pub limit: Option<i64>,
    /// Export only: `csv` or `json`.
    pub format: Option<ExportFormat>,
}

impl AuditQuery {
    fn filter(&self) -> Filter {
        Filter {
            from: self.from,
            to: self.to,
            actor_id: self.actor_id.clone(),
            action: self.action.clone(),
            target_type: self.target_type.clone(),
            target_id: self.target_id.clone(),
        }
    }
}

/// One entry as the audit view shows it.
#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    pub id: String,
    #[serde(with = "crate::timestamp")]
    pub occurred_at: NaiveDateTime,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub outcome: String,
    pub request_id: Option<String>,
    pub ip_key_id: Option<String>,
    #[schema(value_type = Object, additional_properties)]
    pub detail: serde_json::Value,
}

impl From<Entry> for AuditEntry {
    fn from(e: Entry) -> Self {
        Self {
            seq: e.seq,
            id: e.id,
            occurred_at: e.occurred_at,
            actor_type: e.actor_type,
            actor_id: e.actor_id,
            actor_role: e.actor_role,
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            outcome: e.outcome,
            request_id: e.request_id,
            ip_key_id: e.ip_key_id,
            detail: serde_json::from_str(&e.detail).unwrap_or_default(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditActions {
    pub actions: Vec<String>,
}

/// The entries the caller's role may see, newest first (TOM INPUT-3).
#[utoipa::path(get, path = "/api/v1/audit", operation_id = "audit_list", tag = "audit", params(AuditQuery), responses(
    (status = 200, body = AuditPage),
    problems::Unauthorized,
    problems::Forbidden,
))]
#[get("")]
pub async fn list(state: web::Data<AppState>, p: Principal, query: web::Query<AuditQuery>) -> Result<HttpResponse, ApiError> {
    let (entries, next_before) = staff_granted(state, p, Permission::AuditRead, move |state, _, grant| {
        service::page(state, &grant, &query.filter(), query.before, query.limit)
    })
    .await?;
    let page = AuditPage { entries: entries.into_iter().map(AuditEntry::from).collect(), next_before };
    Ok(HttpResponse::Ok().json(page))
}

/// The action codes, for filters.
#[utoipa::path(get, path = "/api/v1/audit/actions", operation_id = "audit_actions", tag = "audit", responses(
    (status = 200, body = AuditActions),
    problems::Unauthorized,
))]
#[get("/actions")]
pub async fn actions(_p: Principal) -> HttpResponse {
    HttpResponse::Ok().json(AuditActions { actions: Action::ALL.iter().map(|a| a.code().to_owned()).collect() })
}

/// Checks the caller's chain and names the first broken entry (TOM INPUT-5).
#[utoipa::path(get, path = "/api/v1/audit/verify", operation_id = "audit_verify", tag = "audit", responses(
    (status = 200, body = VerifyReport),
    problems::Forbidden,
))]
#[get("/verify")]
pub async fn verify(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let report = staff_granted(state, p, Permission::AuditVerify, move |state, _, grant| service::verify_granted(state, &grant)).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// A signed export of the entries the caller may see (TOM INPUT-4); recorded in the chain.
#[utoipa::path(get, path = "/api/v1/audit/export", operation_id = "audit_export", tag = "audit", params(AuditQuery), responses(
    (status = 200, description = "CSV or JSON file with its proof", content((String = "text/csv"), (Object = "application/json"))),
    problems::Forbidden,
))]
#[get("/export")]
pub async fn export(state: web::Data<AppState>, p: Principal, query: web::Query<AuditQuery>) -> Result<HttpResponse, ApiError> {
    let format = query.format.unwrap_or(ExportFormat::Csv);
    let (bytes, name) = staff_granted(state, p, Permission::AuditExport, move |state, p, grant| {
        service::export_granted(state, p, &grant, &query.filter(), format)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .body(bytes))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeletionQuery {
    #[serde(default, with = "crate::timestamp::option")]
    pub from: Option<NaiveDateTime>,
    #[serde(default, with = "crate::timestamp::option")]
    pub to: Option<NaiveDateTime>,
    /// Export only: `csv` or `json`.
    pub format: Option<ExportFormat>,
}

#[derive(Serialize, ToSchema)]
pub struct DeletionList {
    pub deletions: Vec<super::deletion::Deletion>,
}

/// The tenant's deletion log, newest first (TOM PRIV-4, DEL-3).
#[utoipa::path(get, path = "/api/v1/deletion-log", operation_id = "deletion_log_list", tag = "audit", params(DeletionQuery), responses(
    (status = 200, body = DeletionList),
    problems::Forbidden,
))]
#[get("")]
pub async fn deletions(state: web::Data<AppState>, p: Principal, query: web::Query<DeletionQuery>) -> Result<HttpResponse, ApiError> {
    let deletions =
        staff(state, p, Permission::DeletionLogRead, move |state, _, scope| service::deletions(state, scope, query.from, query.to)).await?;
    let deletions = DeletionList { deletions };
    Ok(HttpResponse::Ok().json(deletions))
}

/// A signed export of the deletion log; recorded in the audit trail.
#[utoipa::path(get, path = "/api/v1/deletion-log/export", operation_id = "deletion_log_export", tag = "audit", params(DeletionQuery), responses(
    (status = 200, description = "CSV or JSON file with its proof", content((String = "text/csv"), (Object = "application/json"))),
    problems::Forbidden,
))]
#[get("/export")]
pub async fn deletions_export(
    state: web::Data<AppState>,
    p: Principal,
    query: web::Query<DeletionQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format.unwrap_or(ExportFormat::Csv);
    let bytes = staff(state, p, Permission::DeletionLogRead, move |state, p, scope| {
        service::export_deletion_log(state, p, scope, query.from, query.to, format)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"deletion-log.{}\"", format.extension())))
        .body(bytes))
}
