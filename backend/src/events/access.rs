//! Which events a staff member may see (TOM SEP-3). Asked by every service that acts on
//! an event named by id, so a hidden event answers 404 like a missing one.

use super::model::{EventRow, InstructorRow};
use super::store;
use crate::auth::model::Role;
use crate::auth::service::Principal;
use crate::db::TenantTx;
use crate::error::AppError;

/// Which events a staff member may see: admins and organisers all; instructors the ones
/// they teach; company admins their companies' courses (TOM SEP-3).
pub enum EventAccess {
    All,
    Limited { account_id: String, companies: Vec<String> },
}

impl EventAccess {
    pub fn of(p: &Principal) -> Self {
        if [Role::TenantAdmin, Role::PartnerAdmin, Role::Organiser].iter().any(|r| p.has_role(*r)) {
            return Self::All;
        }
        let companies =
            p.memberships.iter().filter(|m| m.role == Role::CompanyAdmin.as_str()).filter_map(|m| m.company_id.clone()).collect();
        Self::Limited { account_id: p.account_id.clone(), companies }
    }

    pub(super) fn allows(&self, event: &EventRow, instructors: &[InstructorRow]) -> bool {
        match self {
            Self::All => true,
            Self::Limited { account_id, companies } => {
                event.company_id.as_ref().is_some_and(|c| companies.contains(c))
                    || instructors.iter().any(|i| i.event_id == event.id && &i.account_id == account_id)
            }
        }
    }
}

/// The event `id` if `p` may see it; `NotFound` otherwise.
pub fn visible_event(tx: &mut TenantTx<'_>, p: &Principal, id: &str) -> Result<EventRow, AppError> {
    let event = store::find(tx, id)?.ok_or(AppError::NotFound)?;
    let instructors = store::instructors(tx, std::slice::from_ref(&event.id))?;
    if EventAccess::of(p).allows(&event, &instructors) {
        Ok(event)
    } else {
        Err(AppError::NotFound)
    }
}

/// The events among `rows` that `p` may see.
pub fn visible_among(tx: &mut TenantTx<'_>, p: &Principal, rows: Vec<EventRow>) -> Result<Vec<EventRow>, AppError> {
    let ids: Vec<String> = rows.iter().map(|e| e.id.clone()).collect();
    let instructors = store::instructors(tx, &ids)?;
    let access = EventAccess::of(p);
    Ok(rows.into_iter().filter(|e| access.allows(e, &instructors)).collect())
}
