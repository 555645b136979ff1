//! Queries on secrets shared by every instance of one database (signing keys).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::shared_secrets::dsl;
use super::DbConnection;

/// Stores `secret` under `name` unless a secret of that name exists; returns the stored secret either way.
pub fn get_or_insert(conn: &mut DbConnection, name: &str, secret: &str, now: NaiveDateTime) -> QueryResult<String> {
    super::insert_ignoring_duplicate(conn, |c| {
        diesel::insert_into(dsl::shared_secrets)
            .values((dsl::name.eq(name), dsl::secret.eq(secret), dsl::created_at.eq(now)))
            .execute(c)
    })?;
    dsl::shared_secrets
        .filter(dsl::name.eq(name))
        .select(dsl::secret)
        .get_result(conn)
}

/// The secret stored under `name`, if any.
pub fn find(conn: &mut DbConnection, name: &str) -> QueryResult<Option<String>> {
    dsl::shared_secrets
        .filter(dsl::name.eq(name))
        .select(dsl::secret)
        .get_result(conn)
        .optional()
}
