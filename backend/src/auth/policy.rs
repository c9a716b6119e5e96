//! The one permission check (TOM AUTHZ-1, SEP-3, INPUT-3): deny by default; every denial
//! is audited. Routes ask `authorize` and use the scope it grants, never one of their own.

use actix_web::http::StatusCode;

use super::model::Role;
use super::service::Principal;
use crate::audit::model::Visibility;
use crate::audit::{self, Action, Event, Outcome};
use crate::db::TenantScope;
use crate::http::ApiError;
use crate::state::AppState;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    AuditRead,
    AuditExport,
    AuditVerify,
    DeletionLogRead,
    MemberSessionsEnd,
    LocationsRead,
    LocationsWrite,
}

impl Permission {
    pub fn code(self) -> &'static str {
        match self {
            Self::AuditRead => "audit.read",
            Self::AuditExport => "audit.export",
            Self::AuditVerify => "audit.verify",
            Self::DeletionLogRead => "deletion_log.read",
            Self::MemberSessionsEnd => "member_sessions.end",
            Self::LocationsRead => "locations.read",
            Self::LocationsWrite => "locations.write",
        }
    }
}

/// What a permission grants: the tenant to act in (none: the platform) and, for audit
/// reads, the slice of the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub scope: Option<TenantScope>,
    pub visibility: Visibility,
}

/// The decision, without side effects.
pub fn decide(p: &Principal, permission: Permission) -> Option<Grant> {
    use Permission::*;
    let whole = |scope: Option<TenantScope>| Some(Grant { scope, visibility: Visibility::WholeChain });
    let Some(tenant) = p.tenant.clone() else {
        // Outside any tenant only platform admins act, and only on platform records.
        return match permission {
            AuditRead | AuditExport | AuditVerify if p.is_platform_admin => whole(None),
            _ => None,
        };
    };
    match permission {
        AuditRead | AuditExport if p.has_role(Role::TenantAdmin) => whole(Some(tenant)),
        AuditRead | AuditExport if p.has_role(Role::CompanyAdmin) => {
            let companies = p.memberships.iter().filter(|m| m.role == Role::CompanyAdmin.code()).filter_map(|m| m.company_id.clone()).collect();
            Some(Grant { scope: Some(tenant), visibility: Visibility::Companies(companies) })
        }
        AuditVerify | DeletionLogRead | MemberSessionsEnd if p.has_role(Role::TenantAdmin) => whole(Some(tenant)),
        LocationsRead if !p.memberships.is_empty() => whole(Some(tenant)),
        LocationsWrite if p.has_role(Role::TenantAdmin) || p.has_role(Role::Organiser) => whole(Some(tenant)),
        _ => None,
    }
}

/// Decides and, on denial, records it and answers 403. Blocking (writes the audit entry).
pub fn authorize(state: &AppState, p: &Principal, permission: Permission) -> Result<Grant, ApiError> {
    if let Some(grant) = decide(p, permission) {
        return Ok(grant);
    }
    let event = Event::new(Action::PermissionDenied, "permission", Some(permission.code())).outcome(Outcome::Denied);
    let record = |tx: &mut crate::db::Tx<'_>| audit::record(tx, &p.audit, event).map(|_| ());
    match &p.tenant {
        Some(scope) => state.db.tenant_tx(scope, record)?,
        None => state.db.platform_tx(record)?,
    }
    Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "Your role does not allow this"))
}
