use diesel::prelude::*;

use super::model::Account;
use crate::db::schema::accounts;
use crate::db::DbConnection;

pub fn insert(conn: &mut DbConnection, account: &Account) -> QueryResult<usize> {
    diesel::insert_into(accounts::table).values(account).execute(conn)
}

pub fn find_by_email_index(conn: &mut DbConnection, index: &[u8]) -> QueryResult<Option<Account>> {
    accounts::table.filter(accounts::email_index.eq(index)).select(Account::as_select()).first(conn).optional()
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Account>> {
    accounts::table.find(id).select(Account::as_select()).first(conn).optional()
}

pub fn set_last_sign_in(conn: &mut DbConnection, id: &str, at: chrono::NaiveDateTime) -> QueryResult<usize> {
    diesel::update(accounts::table.find(id)).set(accounts::last_sign_in_at.eq(at)).execute(conn)
}
