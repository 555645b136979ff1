//! Queries behind the in-memory control state: its version counter and the rows it is built from.

use diesel::prelude::*;

use super::fault_rows::FaultRow;
use super::schema::{clock_offsets, control_version, faults, partners};
use super::DbConnection;

/// The current control version (moved by triggers on partners, clock offsets and fault rules).
pub fn version(conn: &mut DbConnection) -> QueryResult<i64> {
    super::native!(conn, |c| {
        control_version::table
            .filter(control_version::id.eq(1))
            .select(control_version::version)
            .get_result(c)
    })
}

/// Moves the control version as the first write of a control-plane transaction: it serialises read-modify-write
/// changes of the control state (such as advancing a clock) across connections and instances.
pub fn bump(conn: &mut DbConnection) -> QueryResult<usize> {
    super::native!(conn, |c| {
        diesel::update(control_version::table.filter(control_version::id.eq(1)))
            .set(control_version::version.eq(control_version::version + 1))
            .execute(c)
    })
}

/// Every registration as (tenant id, partner type).
pub fn partner_types(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    partners::table
        .select((partners::tenant_id, partners::partner_type))
        .load(conn)
}

/// Every clock offset as (scope, milliseconds).
pub fn offsets(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    clock_offsets::table
        .select((clock_offsets::scope, clock_offsets::offset_ms))
        .load(conn)
}

/// The active fault rules in creation order.
pub fn active_faults(conn: &mut DbConnection) -> QueryResult<Vec<FaultRow>> {
    faults::table
        .filter(faults::active.eq(true))
        .order(faults::position.asc())
        .select(FaultRow::as_select())
        .load(conn)
}
