use uuid::Uuid;

use super::model::{Location, NewLocation};
use super::store;
use crate::audit::{self, Action, AuditContext, Event};
use crate::db::{Db, TenantScope};
use crate::error::AppError;

fn validate_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if (1..=200).contains(&name.chars().count()) && !name.chars().any(char::is_control) {
        Ok(name.to_owned())
    } else {
        Err(AppError::invalid("name", "1–200 characters, no control characters"))
    }
}

pub fn create(db: &Db, scope: &TenantScope, ctx: &AuditContext, input: NewLocation) -> Result<Location, AppError> {
    let now = audit::chain::truncate_to_micros(ctx.at.naive_utc());
    let location = Location {
        tenant_id: scope.tenant_id().to_owned(),
        id: Uuid::now_v7().to_string(),
        parent_id: input.parent_id,
        name: validate_name(&input.name)?,
        created_at: now,
        updated_at: now,
    };
    db.tenant_tx(scope, |tx| {
        store::insert(tx, &location).map_err(|e| match AppError::from(e) {
            // The composite foreign key refused a parent outside this tenant (SEP-2).
            e if e.is_constraint_violation() => AppError::invalid("parent_id", "no such location"),
            e => e,
        })?;
        let mut event = Event::new(Action::LocationCreated, "location", Some(&location.id));
        if let Some(parent) = &location.parent_id {
            event = event.detail("parent_id", parent.as_str());
        }
        audit::record(tx, ctx, event)?;
        Ok(())
    })?;
    Ok(location)
}

pub fn list(db: &Db, scope: &TenantScope) -> Result<Vec<Location>, AppError> {
    db.tenant_read(scope, |tx| Ok(store::list(tx)?))
}

/// Renames a location of the tenant in scope; another tenant's id is simply not found.
pub fn rename(db: &Db, scope: &TenantScope, ctx: &AuditContext, id: &str, name: &str) -> Result<(), AppError> {
    let name = validate_name(name)?;
    db.tenant_tx(scope, |tx| {
        if store::rename(tx, id, &name, ctx.at.naive_utc())? == 0 {
            return Err(AppError::NotFound);
        }
        audit::record(tx, ctx, Event::new(Action::LocationUpdated, "location", Some(id)).detail("fields", "name"))?;
        Ok(())
    })
}

/// The location `id` and the rooms inside it (a kiosk at the entrance greets taps on
/// every device inside).
pub fn with_rooms(db: &Db, scope: &TenantScope, id: &str) -> Result<Vec<String>, AppError> {
    let all = db.tenant_read(scope, |tx| Ok(store::list(tx)?))?;
    Ok(all.into_iter().filter(|x| x.id == id || x.parent_id.as_deref() == Some(id)).map(|x| x.id).collect())
}
