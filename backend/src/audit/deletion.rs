//! The deletion log (TOM PRIV-4, DEL-3): what was deleted, how much, why, on what legal
//! basis, by whom and when — and no deleted personal data. The privacy capability
//! writes it; admins view and export it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::model::AuditContext;
use crate::db::schema::deletion_log;
use crate::db::TenantTx;
use crate::error::AppError;

#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[diesel(table_name = deletion_log)]
pub struct Deletion {
    pub tenant_id: String,
    pub id: String,
    #[serde(with = "crate::timestamp")]
    pub occurred_at: NaiveDateTime,
    pub actor_type: String,
    pub actor_id: Option<String>,
    /// What kind of data, e.g. `participant_profile`, `bookings`, `card_bindings`.
    pub category: String,
    pub record_count: i64,
    /// Pseudonymous reference of the person, never their name or email.
    pub subject_ref: Option<String>,
    /// Stable code, e.g. `erasure_request`, `retention_expired`, `tenant_offboarding`.
    pub reason_code: String,
    pub reason_text: String,
    /// E.g. `GDPR Art. 17(1)(a)`.
    pub legal_basis: String,
    pub request_id: Option<String>,
}

pub struct NewDeletion<'a> {
    pub category: &'a str,
    pub record_count: i64,
    pub subject_ref: Option<&'a str>,
    pub reason_code: &'a str,
    pub reason_text: &'a str,
    pub legal_basis: &'a str,
}

fn check_code(field: &'static str, value: &str) -> Result<(), AppError> {
    let ok = (1..=64).contains(&value.len()) && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    ok.then_some(()).ok_or_else(|| AppError::invalid(field, "1–64 characters: a–z, 0–9 and _"))
}

/// Writes one deletion-log entry in the tenant transaction that deletes the data.
pub fn record(tx: &mut TenantTx<'_>, ctx: &AuditContext, new: NewDeletion<'_>) -> Result<Deletion, AppError> {
    let tenant_id = tx.tenant_id().to_owned();
    check_code("category", new.category)?;
    check_code("reason_code", new.reason_code)?;
    if new.record_count < 0 {
        return Err(AppError::invalid("record_count", "must not be negative"));
    }
    if new.reason_text.chars().count() > 1000 || new.legal_basis.is_empty() || new.legal_basis.chars().count() > 200 {
        return Err(AppError::invalid("reason_text", "reason up to 1000, legal basis 1–200 characters"));
    }
    let deletion = Deletion {
        tenant_id,
        id: Uuid::now_v7().to_string(),
        occurred_at: super::chain::truncate_to_micros(ctx.at.naive_utc()),
        actor_type: ctx.actor.kind.code().to_owned(),
        actor_id: ctx.actor.id.clone(),
        category: new.category.to_owned(),
        record_count: new.record_count,
        subject_ref: new.subject_ref.map(str::to_owned),
        reason_code: new.reason_code.to_owned(),
        reason_text: new.reason_text.to_owned(),
        legal_basis: new.legal_basis.to_owned(),
        request_id: ctx.request_id.clone(),
    };
    super::store::insert_deletion(tx, &deletion)?;
    // Also in the hash chain, so a removed deletion-log row is noticed.
    super::record(
        tx,
        ctx,
        super::Event::new(super::Action::DeletionRecorded, "deletion_log", Some(&deletion.id))
            .detail("category", deletion.category.as_str())
            .detail("record_count", deletion.record_count)
            .detail("reason_code", deletion.reason_code.as_str()),
    )?;
    Ok(deletion)
}

pub const COLUMNS: &[&str] = &[
    "tenant_id",
    "id",
    "occurred_at",
    "actor_type",
    "actor_id",
    "category",
    "record_count",
    "subject_ref",
    "reason_code",
    "reason_text",
    "legal_basis",
    "request_id",
];
