//! Queries on customer-list continuation tokens.

use diesel::prelude::*;

use super::models::ContinuationRow;
use super::schema::continuation_tokens::dsl;
use super::DbConnection;

/// Stores a new token.
pub fn insert(conn: &mut DbConnection, row: &ContinuationRow) -> QueryResult<usize> {
    super::native!(conn, |c| {
        diesel::insert_into(dsl::continuation_tokens).values(row).execute(c)
    })
}

/// Looks a token up.
pub fn find(conn: &mut DbConnection, token: &str) -> QueryResult<Option<ContinuationRow>> {
    super::native!(conn, |c| {
        dsl::continuation_tokens
            .filter(dsl::token.eq(token))
            .select(ContinuationRow::as_select())
            .get_result(c)
            .optional()
    })
}
