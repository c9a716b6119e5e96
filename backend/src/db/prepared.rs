//! Raw statements that the connection keeps prepared.
//!
//! diesel prepares a statement once per connection and keeps it only when nothing in it
//! says its text may vary: a raw `sql_query` always says so, and so is parsed and planned
//! again on every execution on PostgreSQL (a third of a card tap's statements were). A
//! `Raw` statement is written in pieces around its parameters, which diesel writes as
//! `$n` on PostgreSQL and `?` on SQLite, so one text serves both backends, and the
//! connection keeps it (keyed by that text).

use diesel::backend::Backend;
use diesel::expression::{AsExpression, Expression};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::result::Error;
use diesel::sql_types::SqlType;
use diesel::{QueryResult, RunQueryDsl};

/// A raw statement: `pieces` around the parameters, one more piece than parameters.
pub struct Raw<'a, DB> {
    pieces: &'static [&'static str],
    binds: Vec<Box<dyn QueryFragment<DB> + Send + 'a>>,
}

/// `raw(&["INSERT INTO t (a, b) VALUES (", ", ", ")"]).bind::<Text, _>(a).bind::<Text, _>(b)`.
pub fn raw<'a, DB>(pieces: &'static [&'static str]) -> Raw<'a, DB> {
    Raw { pieces, binds: Vec::with_capacity(pieces.len().saturating_sub(1)) }
}

impl<'a, DB: Backend> Raw<'a, DB> {
    /// The next parameter, of SQL type `ST`.
    pub fn bind<ST, V>(mut self, value: V) -> Self
    where
        ST: SqlType + diesel::expression::TypedExpressionType,
        V: AsExpression<ST>,
        V::Expression: QueryFragment<DB> + Send + 'a,
    {
        self.binds.push(Box::new(value.as_expression()));
        self
    }
}

impl<DB: Backend> QueryFragment<DB> for Raw<'_, DB> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        if self.pieces.len() != self.binds.len() + 1 {
            return Err(Error::QueryBuilderError(
                format!("{} parameters for {} pieces of SQL", self.binds.len(), self.pieces.len()).into(),
            ));
        }
        for (piece, bind) in self.pieces.iter().zip(self.binds.iter().map(Some).chain([None])) {
            out.push_sql(piece);
            if let Some(bind) = bind {
                bind.walk_ast(out.reborrow())?;
            }
        }
        Ok(())
    }
}

/// No static id: the connection keys the statement by its text.
impl<DB> QueryId for Raw<'_, DB> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB, Conn> RunQueryDsl<Conn> for Raw<'_, DB> {}

/// Statements written as one: on PostgreSQL one statement, each but the last a
/// data-modifying CTE (`with`), so one round trip and one executor start for all; on
/// SQLite, which has no such CTEs and no round trips, one after another. Answers the rows
/// the last statement changed.
pub trait Together: diesel::Connection {
    fn together<'a>(&mut self, statements: Vec<Box<dyn QueryFragment<Self::Backend> + 'a>>) -> QueryResult<usize>;
}

impl Together for diesel::PgConnection {
    fn together<'a>(&mut self, mut statements: Vec<Box<dyn QueryFragment<Pg> + 'a>>) -> QueryResult<usize> {
        let last = statements.pop().ok_or_else(|| Error::QueryBuilderError("no statements".into()))?;
        with(statements, OneOf(last)).execute(self)
    }
}

impl Together for diesel::SqliteConnection {
    fn together<'a>(&mut self, statements: Vec<Box<dyn QueryFragment<diesel::sqlite::Sqlite> + 'a>>) -> QueryResult<usize> {
        let mut changed = 0;
        for statement in statements {
            changed = OneOf(statement).execute(self)?;
        }
        Ok(changed)
    }
}

/// `statement` after `writes`, in one PostgreSQL statement: `WITH w0 AS (…), w1 AS (…)
/// statement`. The writes run whatever `statement` reads; it sees none of their rows but
/// may read what they return (`w0`, `w1`, …). Foreign keys are checked at the end,
/// against the rows of all of them.
pub fn with<'a, Q>(writes: Vec<Box<dyn QueryFragment<Pg> + 'a>>, statement: Q) -> With<'a, Q> {
    With { writes, statement }
}

pub struct With<'a, Q> {
    writes: Vec<Box<dyn QueryFragment<Pg> + 'a>>,
    statement: Q,
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for With<'_, Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        for (i, write) in self.writes.iter().enumerate() {
            out.push_sql(&format!("{} w{i} AS (", if i == 0 { "WITH" } else { "," }));
            write.walk_ast(out.reborrow())?;
            out.push_sql(") ");
        }
        self.statement.walk_ast(out.reborrow())
    }
}

impl<Q: Query> Query for With<'_, Q> {
    type SqlType = Q::SqlType;
}

/// A column for `with`'s statement: whether its first write returned a row (`EXISTS
/// (SELECT FROM w0)`). Written out, not as diesel's `sql` literal, which would keep the
/// connection from keeping the statement prepared.
#[derive(Debug, Clone, Copy, QueryId, diesel::expression::ValidGrouping)]
pub struct FirstWriteReturned;

impl Expression for FirstWriteReturned {
    type SqlType = diesel::sql_types::Bool;
}

impl QueryFragment<Pg> for FirstWriteReturned {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("EXISTS (SELECT FROM w0)");
        Ok(())
    }
}

impl<QS> diesel::AppearsOnTable<QS> for FirstWriteReturned {}
impl<QS> diesel::SelectableExpression<QS> for FirstWriteReturned {}

/// One boxed statement, runnable.
struct OneOf<'a, DB>(Box<dyn QueryFragment<DB> + 'a>);

impl<DB: Backend> QueryFragment<DB> for OneOf<'_, DB> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(out)
    }
}

/// No static id: the connection keys the statement by its text.
impl<Q> QueryId for With<'_, Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB> QueryId for OneOf<'_, DB> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, Conn> RunQueryDsl<Conn> for With<'_, Q> {}
impl<DB, Conn> RunQueryDsl<Conn> for OneOf<'_, DB> {}
