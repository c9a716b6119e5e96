use chrono::NaiveDateTime;
use serde::Serialize;

use crate::portal::model::{ReceivedVia, RequestKind, RequestStatus};

/// Why data is erased, as the deletion log records it.
pub struct Reason<'a> {
    /// E.g. `erasure_request`, `retention_expired`, `erasure_reapplied`.
    pub code: &'a str,
    pub text: &'a str,
    /// E.g. `GDPR Art. 17(1)(a)`.
    pub legal_basis: &'a str,
}

/// What one erasure removed, per category (the deletion log holds the same counts).
#[derive(Serialize, Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct ErasureReport {
    pub participant_id: String,
    #[serde(with = "crate::timestamp")]
    pub erased_at: NaiveDateTime,
    pub counts: Vec<(String, i64)>,
}

/// A request about a person's data in the tenant's queue (TOM RIGHTS-2).
#[derive(Serialize, Debug, Clone, utoipa::ToSchema)]
pub struct SubjectRequestView {
    pub id: String,
    pub participant_id: String,
    /// Empty once the person is erased.
    pub participant_name: String,
    pub kind: RequestKind,
    pub status: RequestStatus,
    pub received_via: ReceivedVia,
    pub message: Option<String>,
    #[serde(with = "crate::timestamp")]
    pub created_at: NaiveDateTime,
    /// One month after receipt (Art. 12(3) GDPR).
    #[serde(with = "crate::timestamp")]
    pub due_at: NaiveDateTime,
    pub overdue: bool,
    #[serde(with = "crate::timestamp::option")]
    pub handled_at: Option<NaiveDateTime>,
    pub handled_by: Option<String>,
}

/// A request staff received by phone, letter, mail or in person.
#[derive(serde::Deserialize, Debug, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubjectRequest {
    pub participant_id: String,
    pub kind: String,
    pub received_via: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub message: String,
}

/// The corrected data of one person (Art. 16 GDPR): name and email as they should be stored.
#[derive(serde::Deserialize, Debug, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantCorrection {
    pub name: String,
    pub email: String,
    /// Absent: kept as it is; empty: removed.
    pub phone: Option<String>,
}

/// What a correction changed: field names only.
#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct ParticipantCorrectionView {
    pub participant_id: String,
    pub changed: Vec<String>,
}

/// The restriction of one person (Art. 18 GDPR).
#[derive(serde::Deserialize, Debug, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestrictionChange {
    pub restricted: bool,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct RestrictionView {
    pub participant_id: String,
    #[serde(with = "crate::timestamp::option")]
    pub restricted_at: Option<NaiveDateTime>,
}
