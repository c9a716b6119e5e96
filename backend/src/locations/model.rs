use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::locations;

#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq, Eq, Serialize)]
#[diesel(table_name = locations)]
pub struct Location {
    pub tenant_id: String,
    pub id: String,
    /// The venue a room belongs to; always inside the same tenant.
    pub parent_id: Option<String>,
    pub name: String,
    #[serde(with = "crate::timestamp")]
    pub created_at: NaiveDateTime,
    #[serde(with = "crate::timestamp")]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct NewLocation {
    pub name: String,
    pub parent_id: Option<String>,
}
