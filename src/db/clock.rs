//! Queries on clock offsets.

use diesel::prelude::*;

use super::schema::clock_offsets::dsl;
use super::DbConnection;

/// Scope of the global clock offset.
pub const GLOBAL_SCOPE: &str = "*";

/// The global offset and, when given, the partner's own offset, in milliseconds (0 when unset).
pub fn offsets(conn: &mut DbConnection, partner: Option<&str>) -> QueryResult<(i64, i64)> {
    // `a OR b` with a fixed shape keeps the statement cacheable, which an `IN` list is not on every backend.
    let rows: Vec<(String, i64)> = dsl::clock_offsets
        .filter(
            dsl::scope
                .eq(GLOBAL_SCOPE)
                .or(dsl::scope.eq(partner.unwrap_or(GLOBAL_SCOPE))),
        )
        .select((dsl::scope, dsl::offset_ms))
        .load(conn)?;
    let of = |scope: &str| rows.iter().find(|(s, _)| s == scope).map_or(0, |(_, ms)| *ms);
    Ok((of(GLOBAL_SCOPE), partner.map_or(0, of)))
}

/// Every offset row.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    dsl::clock_offsets
        .order(dsl::scope.asc())
        .select((dsl::scope, dsl::offset_ms))
        .load(conn)
}

/// Sets the offset of a scope; 0 removes its row.
pub fn set(conn: &mut DbConnection, scope: &str, offset_ms: i64) -> QueryResult<()> {
    diesel::delete(dsl::clock_offsets.filter(dsl::scope.eq(scope))).execute(conn)?;
    if offset_ms != 0 {
        let inserted = super::insert_ignoring_duplicate(conn, |conn| {
            diesel::insert_into(dsl::clock_offsets)
                .values((dsl::scope.eq(scope), dsl::offset_ms.eq(offset_ms)))
                .execute(conn)
        })?;
        if inserted == 0 {
            // Another writer stored the scope in between: the last write wins, as it would have in order.
            diesel::update(dsl::clock_offsets.filter(dsl::scope.eq(scope)))
                .set(dsl::offset_ms.eq(offset_ms))
                .execute(conn)?;
        }
    }
    Ok(())
}
