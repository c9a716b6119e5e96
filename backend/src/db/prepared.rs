//! Raw statements that the connection keeps prepared.
//!
//! diesel prepares a statement once per connection and keeps it only when nothing in it
//! says its text may vary: a raw `sql_query` always says so, and so is parsed and planned
//! again on every execution on PostgreSQL (a third of a card tap's statements were). A
//! `Raw` statement is written in pieces around its parameters, which diesel writes as
//! `$n` on PostgreSQL and `?` on SQLite, so one text serves both backends, and the
//! connection keeps it (keyed by that text).

use diesel::backend::Backend;
use diesel::expression::AsExpression;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
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
/// data-modifying CTE (`WITH w0 AS (…), w1 AS (…) last`), so one round trip and one
/// executor start for all; on SQLite, which has no such CTEs and no round trips, one after
/// another. None may read another's rows: in one PostgreSQL statement none sees the
/// others' (foreign keys are checked at its end, against all of them). Answers the rows
/// the last statement changed.
pub trait Together: diesel::Connection {
    fn together<'a>(&mut self, statements: Vec<Box<dyn QueryFragment<Self::Backend> + 'a>>) -> QueryResult<usize>;
}

impl Together for diesel::PgConnection {
    fn together<'a>(&mut self, statements: Vec<Box<dyn QueryFragment<diesel::pg::Pg> + 'a>>) -> QueryResult<usize> {
        WithStatements(statements).execute(self)
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

struct WithStatements<'a>(Vec<Box<dyn QueryFragment<diesel::pg::Pg> + 'a>>);

impl QueryFragment<diesel::pg::Pg> for WithStatements<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, diesel::pg::Pg>) -> QueryResult<()> {
        let Some((last, before)) = self.0.split_last() else {
            return Err(Error::QueryBuilderError("no statements".into()));
        };
        for (i, statement) in before.iter().enumerate() {
            out.push_sql(&format!("{} w{i} AS (", if i == 0 { "WITH" } else { "," }));
            statement.walk_ast(out.reborrow())?;
            out.push_sql(") ");
        }
        last.walk_ast(out.reborrow())
    }
}

/// One boxed statement, runnable.
struct OneOf<'a, DB>(Box<dyn QueryFragment<DB> + 'a>);

impl<DB: Backend> QueryFragment<DB> for OneOf<'_, DB> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(out)
    }
}

/// No static id: the connection keys the statement by its text.
impl QueryId for WithStatements<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB> QueryId for OneOf<'_, DB> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Conn> RunQueryDsl<Conn> for WithStatements<'_> {}
impl<DB, Conn> RunQueryDsl<Conn> for OneOf<'_, DB> {}
