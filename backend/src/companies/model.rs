use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::companies;

#[derive(Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema, Debug, Clone)]
#[diesel(table_name = companies)]
pub struct Company {
    #[serde(skip)]
    pub tenant_id: String,
    pub id: String,
    pub name: String,
    #[serde(with = "crate::timestamp")]
    pub created_at: NaiveDateTime,
}
