//! Queries on fault rules and their counters (control-plane spec §13). Counter updates are single UPDATE
//! statements so that several instances on one database share them.

use diesel::prelude::*;

use super::fault_rows::FaultRow;
use super::schema::fault_counters::dsl as counters;
use super::schema::faults::dsl;
use super::DbConnection;

/// Counter giving the creation order of faults.
pub const POSITION_COUNTER: &str = "position";
/// Counter behind generated `fault-<n>` ids.
pub const ID_COUNTER: &str = "id";

/// Active faults in creation order (the per-request query; empty when no fault exists).
pub fn active_in_order(conn: &mut DbConnection) -> QueryResult<Vec<FaultRow>> {
    dsl::faults
        .filter(dsl::active.eq(true))
        .order(dsl::position.asc())
        .select(FaultRow::as_select())
        .load(conn)
}

/// Every fault in creation order.
pub fn all_in_order(conn: &mut DbConnection) -> QueryResult<Vec<FaultRow>> {
    dsl::faults
        .order(dsl::position.asc())
        .select(FaultRow::as_select())
        .load(conn)
}

/// One fault.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<FaultRow>> {
    dsl::faults
        .filter(dsl::id.eq(id))
        .select(FaultRow::as_select())
        .get_result(conn)
        .optional()
}

/// True when a fault with this id exists.
pub fn exists(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(dsl::faults.filter(dsl::id.eq(id)))).get_result(conn)
}

/// Stores a new fault.
pub fn insert(conn: &mut DbConnection, row: &FaultRow) -> QueryResult<usize> {
    diesel::insert_into(dsl::faults).values(row).execute(conn)
}

/// Deletes one fault; returns the number of rows removed.
pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(dsl::faults.filter(dsl::id.eq(id))).execute(conn)
}

/// Deletes every fault.
pub fn delete_all(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(dsl::faults).execute(conn)
}

/// Deletes the faults whose `match.partnerTenantId` is this partner.
pub fn delete_for_partner(conn: &mut DbConnection, partner: &str) -> QueryResult<usize> {
    diesel::delete(dsl::faults.filter(dsl::match_partner_tenant_id.eq(partner))).execute(conn)
}

/// Increments a counter and returns its new value; the write serialises concurrent callers.
pub fn next_counter(conn: &mut DbConnection, name: &str) -> QueryResult<i64> {
    let increment = |conn: &mut DbConnection| {
        diesel::update(counters::fault_counters.filter(counters::name.eq(name)))
            .set(counters::value.eq(counters::value + 1))
            .execute(conn)
    };
    if increment(conn)? == 0 {
        // First use: two callers may both find no row; the one whose insert loses increments the winner's row.
        let inserted = super::insert_ignoring_duplicate(conn, |conn| {
            diesel::insert_into(counters::fault_counters)
                .values((counters::name.eq(name), counters::value.eq(1_i64)))
                .execute(conn)
        })?;
        if inserted == 0 {
            increment(conn)?;
        }
    }
    counters::fault_counters
        .filter(counters::name.eq(name))
        .select(counters::value)
        .get_result(conn)
}

/// Sets a counter back to 0.
pub fn reset_counter(conn: &mut DbConnection, name: &str) -> QueryResult<usize> {
    diesel::update(counters::fault_counters.filter(counters::name.eq(name)))
        .set(counters::value.eq(0_i64))
        .execute(conn)
}

/// Counts a criteria match of an active fault; returns false when the fault is gone or no longer active.
/// Inside a transaction this also locks the fault's row until commit.
pub fn count_match(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    let updated = diesel::update(dsl::faults.filter(dsl::id.eq(id)).filter(dsl::active.eq(true)))
        .set(dsl::matched.eq(dsl::matched + 1))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Stores the counters after a firing.
pub fn set_fired(conn: &mut DbConnection, id: &str, fired: i64, active: bool) -> QueryResult<usize> {
    diesel::update(dsl::faults.filter(dsl::id.eq(id)))
        .set((dsl::fired.eq(fired), dsl::active.eq(active)))
        .execute(conn)
}
