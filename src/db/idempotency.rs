//! Queries on idempotency records, keyed by partner tenant and `MS-RequestId`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::IdempotencyRow;
use super::schema::idempotency_records::dsl;
use super::DbConnection;

/// Claims a key by inserting an in-flight record; returns false when a record already exists.
pub fn try_claim(conn: &mut DbConnection, row: &IdempotencyRow) -> QueryResult<bool> {
    let inserted = super::insert_ignoring_duplicate(conn, |c| {
        super::native!(c, |c| diesel::insert_into(dsl::idempotency_records)
            .values(row)
            .execute(c))
    })?;
    Ok(inserted == 1)
}

/// The record of a key.
pub fn find(conn: &mut DbConnection, partner: &str, request_id: &str) -> QueryResult<Option<IdempotencyRow>> {
    super::native!(conn, |c| {
        dsl::idempotency_records
            .filter(dsl::partner_tenant_id.eq(partner))
            .filter(dsl::request_id.eq(request_id))
            .select(IdempotencyRow::as_select())
            .get_result(c)
            .optional()
    })
}

/// Stores the response of an in-flight record claimed at `claimed_at`.
pub fn complete(
    conn: &mut DbConnection,
    partner: &str,
    request_id: &str,
    claimed_at: NaiveDateTime,
    status: i32,
    body: &str,
    stored_at: NaiveDateTime,
) -> QueryResult<usize> {
    super::native!(conn, |c| {
        diesel::update(
            dsl::idempotency_records
                .filter(dsl::partner_tenant_id.eq(partner))
                .filter(dsl::request_id.eq(request_id))
                .filter(dsl::claimed_at.eq(claimed_at)),
        )
        .set((
            dsl::status.eq(Some(status)),
            dsl::response_body.eq(Some(body)),
            dsl::stored_at.eq(Some(stored_at)),
        ))
        .execute(c)
    })
}

/// Deletes the record of a key if it still is the one claimed at `claimed_at`.
pub fn release(
    conn: &mut DbConnection,
    partner: &str,
    request_id: &str,
    claimed_at: NaiveDateTime,
) -> QueryResult<usize> {
    super::native!(conn, |c| {
        diesel::delete(
            dsl::idempotency_records
                .filter(dsl::partner_tenant_id.eq(partner))
                .filter(dsl::request_id.eq(request_id))
                .filter(dsl::claimed_at.eq(claimed_at)),
        )
        .execute(c)
    })
}
