//! Queries on partner registrations.

use diesel::prelude::*;

use super::models::PartnerRow;
use super::schema::partners::dsl;
use super::DbConnection;

/// One registration.
pub fn find(conn: &mut DbConnection, tenant_id: &str) -> QueryResult<Option<PartnerRow>> {
    dsl::partners
        .filter(dsl::tenant_id.eq(tenant_id))
        .select(PartnerRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts a registration unless one exists; returns the number of rows written.
pub fn insert_if_absent(conn: &mut DbConnection, row: &PartnerRow) -> QueryResult<usize> {
    super::insert_ignoring_duplicate(conn, |c| diesel::insert_into(dsl::partners).values(row).execute(c))
}
