use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

closed_set! {
    /// How a measure stands now (TOM REVIEW-1).
    pub enum TomStatus {
        /// The evidence shows the control working, or a documented control has proving tests.
        Ok = "ok",
        /// Something to look at: a figure off the mark, or a control without proving tests.
        Attention = "attention",
        /// The evidence shows the control broken (e.g. an audit chain that does not verify).
        Failing = "failing",
    }
}

closed_set! {
    /// Whose report: the platform's (every tenant, as counts) or one tenant's.
    pub enum TomView {
        Platform = "platform",
        Tenant = "tenant",
    }
}

/// A test that proves a measure, found by its name at build time.
#[derive(Serialize, Debug, Clone, PartialEq, Eq, ToSchema)]
pub struct ProvingTestView {
    /// `integration`, `unit` or `browser`.
    pub kind: String,
    /// The file, relative to the repository.
    pub file: String,
    /// The function's name, or the browser test's title.
    pub name: String,
}

/// One measure of `docs/toms.md`.
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct TomRow {
    /// The TOM id, e.g. `ACC-1`.
    pub id: String,
    /// The status `docs/toms.md` gives it.
    pub documented_status: String,
    /// The control, first sentence.
    pub control: String,
    pub tests: Vec<ProvingTestView>,
    /// The evidence comes from the running system; otherwise it is the documented control.
    pub live: bool,
    /// What the system shows now (English), or "documented control".
    pub evidence: String,
    /// The evidence's numbers, by name (counts, ages in hours, parameters).
    pub figures: BTreeMap<String, i64>,
    pub status: TomStatus,
    /// Why the status is what it is.
    pub reason: String,
}

/// The TOM evidence report (TOM REVIEW-1).
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct TomReport {
    pub view: TomView,
    /// The tenant of a tenant's view.
    pub tenant_id: Option<String>,
    pub tenant_slug: Option<String>,
    #[serde(with = "crate::timestamp")]
    pub generated_at: NaiveDateTime,
    /// The server's version.
    pub version: String,
    pub ok: i64,
    pub attention: i64,
    pub failing: i64,
    pub rows: Vec<TomRow>,
}

/// Filters of the report.
#[derive(Deserialize, Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TomQuery {
    /// Only the rows of this status: `ok`, `attention` or `failing`.
    pub status: Option<TomStatus>,
}
