//! `/api/v1/audit`: the role-scoped audit view, chain verification and signed exports.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::export::ExportFormat;
use super::model::{Action, Entry, Filter};
use super::service::{self, VerifyReport};
use crate::auth::policy::{authorize, Permission};
use crate::auth::service::Principal;
use crate::crypto::PlatformSigner;
use crate::http::{ApiError, Problem};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// From this UTC time on (`YYYY-MM-DDTHH:MM:SS`).
    pub from: Option<NaiveDateTime>,
    /// Before this UTC time.
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
    #[param(value_type = Option<String>)]
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
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("")]
pub async fn list(state: web::Data<AppState>, p: Principal, query: web::Query<AuditQuery>) -> Result<HttpResponse, ApiError> {
    let page = web::block(move || -> Result<AuditPage, ApiError> {
        let grant = authorize(&state, &p, Permission::AuditRead)?;
        let limit = query.limit.unwrap_or(50).clamp(1, 200);
        let filter = query.filter();
        let run = |tx: &mut crate::db::Tx<'_>| {
            let chain = service::chain_of(tx);
            service::search(tx, &chain, &grant.visibility, &filter, query.before, limit + 1)
        };
        let mut entries = match &grant.scope {
            Some(scope) => state.db.tenant_tx(scope, run)?,
            None => state.db.platform_tx(run)?,
        };
        let more = entries.len() as i64 > limit;
        entries.truncate(limit as usize);
        let next_before = if more { entries.last().map(|e| e.seq) } else { None };
        Ok(AuditPage { entries: entries.into_iter().map(AuditEntry::from).collect(), next_before })
    })
    .await??;
    Ok(HttpResponse::Ok().json(page))
}

/// The action codes, for filters.
#[utoipa::path(get, path = "/api/v1/audit/actions", operation_id = "audit_actions", tag = "audit", responses(
    (status = 200, body = AuditActions),
    (status = 401, body = Problem, content_type = "application/problem+json"),
))]
#[get("/actions")]
pub async fn actions(_p: Principal) -> HttpResponse {
    HttpResponse::Ok().json(AuditActions { actions: Action::ALL.iter().map(|a| a.code().to_owned()).collect() })
}

/// Checks the caller's chain and names the first broken entry (TOM INPUT-5).
#[utoipa::path(get, path = "/api/v1/audit/verify", operation_id = "audit_verify", tag = "audit", responses(
    (status = 200, body = VerifyReport),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/verify")]
pub async fn verify(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let report = web::block(move || -> Result<VerifyReport, ApiError> {
        let grant = authorize(&state, &p, Permission::AuditVerify)?;
        let run = |tx: &mut crate::db::Tx<'_>| {
            let chain = service::chain_of(tx);
            service::verify_chain(tx, &chain)
        };
        Ok(match &grant.scope {
            Some(scope) => state.db.tenant_tx(scope, run)?,
            None => state.db.platform_tx(run)?,
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(report))
}

/// A signed export of the entries the caller may see (TOM INPUT-4); recorded in the chain.
#[utoipa::path(get, path = "/api/v1/audit/export", operation_id = "audit_export", tag = "audit", params(AuditQuery), responses(
    (status = 200, description = "CSV or JSON file with its proof", content_type = "text/csv"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/export")]
pub async fn export(state: web::Data<AppState>, p: Principal, query: web::Query<AuditQuery>) -> Result<HttpResponse, ApiError> {
    let format = query.format.unwrap_or(ExportFormat::Csv);
    let (bytes, name) = web::block(move || -> Result<(Vec<u8>, String), ApiError> {
        let grant = authorize(&state, &p, Permission::AuditExport)?;
        let signer = PlatformSigner::from_master(&state.master).map_err(crate::AppError::from)?;
        let bytes = service::export_entries(&state.db, grant.scope.as_ref(), &grant.visibility, &query.filter(), format, &p.audit, &signer)?;
        let label = match &grant.scope {
            Some(scope) => {
                let mut conn = state.db.conn()?;
                crate::tenants::store::find(&mut conn, scope.tenant_id()).map_err(crate::AppError::from)?.map_or_else(|| "tenant".into(), |t| t.slug)
            }
            None => "platform".into(),
        };
        let ext = match format {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        };
        Ok((bytes, format!("audit-{label}-{}.{ext}", p.audit.at.format("%Y-%m-%d"))))
    })
    .await??;
    let content_type = match format {
        ExportFormat::Csv => "text/csv; charset=utf-8",
        ExportFormat::Json => "application/json",
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .body(bytes))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeletionQuery {
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    /// Export only: `csv` or `json`.
    #[param(value_type = Option<String>)]
    pub format: Option<ExportFormat>,
}

#[derive(Serialize, ToSchema)]
pub struct DeletionList {
    pub deletions: Vec<super::deletion::Deletion>,
}

/// The tenant's deletion log, newest first (TOM PRIV-4, DEL-3).
#[utoipa::path(get, path = "/api/v1/deletion-log", operation_id = "deletion_log_list", tag = "audit", params(DeletionQuery), responses(
    (status = 200, body = DeletionList),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("")]
pub async fn deletions(state: web::Data<AppState>, p: Principal, query: web::Query<DeletionQuery>) -> Result<HttpResponse, ApiError> {
    let deletions = web::block(move || -> Result<DeletionList, ApiError> {
        let grant = authorize(&state, &p, Permission::DeletionLogRead)?;
        let scope = grant.scope.ok_or_else(ApiError::not_found)?;
        let deletions = state.db.tenant_tx(&scope, |tx| Ok(super::deletion::list(tx, scope.tenant_id(), query.from, query.to)?))?;
        Ok(DeletionList { deletions })
    })
    .await??;
    Ok(HttpResponse::Ok().json(deletions))
}

/// A signed export of the deletion log; recorded in the audit trail.
#[utoipa::path(get, path = "/api/v1/deletion-log/export", operation_id = "deletion_log_export", tag = "audit", params(DeletionQuery), responses(
    (status = 200, description = "CSV or JSON file with its proof", content_type = "text/csv"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/export")]
pub async fn deletions_export(state: web::Data<AppState>, p: Principal, query: web::Query<DeletionQuery>) -> Result<HttpResponse, ApiError> {
    let format = query.format.unwrap_or(ExportFormat::Csv);
    let bytes = web::block(move || -> Result<Vec<u8>, ApiError> {
        let grant = authorize(&state, &p, Permission::DeletionLogRead)?;
        let scope = grant.scope.ok_or_else(ApiError::not_found)?;
        let signer = PlatformSigner::from_master(&state.master).map_err(crate::AppError::from)?;
        let filter = Filter { from: query.from, to: query.to, ..Filter::default() };
        Ok(service::export_deletions(&state.db, &scope, &filter, format, &p.audit, &signer)?)
    })
    .await??;
    let (content_type, ext) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::Json => ("application/json", "json"),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"deletion-log.{ext}\"")))
        .body(bytes))
}
