use uuid::Uuid;

use super::model::Company;
use super::store;
use crate::audit::{self, Action, AuditContext, Event};
use crate::db::{Db, TenantScope};
use crate::error::AppError;

pub fn create(db: &Db, scope: &TenantScope, ctx: &AuditContext, name: &str) -> Result<Company, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(AppError::invalid("name", "must be 1 to 200 characters without control characters"));
    }
    let company = Company {
        tenant_id: scope.tenant_id().to_owned(),
        id: Uuid::now_v7().to_string(),
        name: name.to_owned(),
        created_at: audit::chain::truncate_to_micros(ctx.at.naive_utc()),
    };
    db.tenant_tx(scope, |tx| {
        if store::list(tx)?.iter().any(|c| c.name.eq_ignore_ascii_case(&company.name)) {
            return Err(AppError::Conflict("a company with this name exists".into()));
        }
        store::insert(tx, &company)?;
        audit::record(tx, ctx, Event::new(Action::CompanyCreated, "company", Some(&company.id)))?;
        Ok(())
    })?;
    Ok(company)
}

pub fn list(db: &Db, scope: &TenantScope) -> Result<Vec<Company>, AppError> {
    db.tenant_read(scope, |tx| Ok(store::list(tx)?))
}
