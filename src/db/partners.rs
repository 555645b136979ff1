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
        .get_result(conn)
        .optional()
}

/// Inserts a registration unless one exists; returns the number of rows written.
pub fn insert_if_absent(conn: &mut DbConnection, row: &PartnerRow) -> QueryResult<usize> {
    super::insert_ignoring_duplicate(conn, |c| diesel::insert_into(dsl::partners).values(row).execute(c))
}

/// Every registration, ordered by tenant id.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<PartnerRow>> {
    dsl::partners
        .order(dsl::tenant_id.asc())
        .select(PartnerRow::as_select())
        .load(conn)
}

/// The registration holding an MPN id.
pub fn find_by_mpn_id(conn: &mut DbConnection, mpn_id: &str) -> QueryResult<Option<PartnerRow>> {
    dsl::partners
        .filter(dsl::mpn_id.eq(mpn_id))
        .select(PartnerRow::as_select())
        .get_result(conn)
        .optional()
}

/// Replaces the type, MPN id, MPA and sandbox flags of a registration; returns the number of rows changed.
pub fn update(conn: &mut DbConnection, row: &PartnerRow) -> QueryResult<usize> {
    diesel::update(dsl::partners.filter(dsl::tenant_id.eq(&row.tenant_id)))
        .set((
            dsl::partner_type.eq(&row.partner_type),
            dsl::mpn_id.eq(&row.mpn_id),
            dsl::mpa_signed.eq(row.mpa_signed),
            dsl::auto_registered.eq(row.auto_registered),
            dsl::integration_sandbox.eq(row.integration_sandbox),
        ))
        .execute(conn)
}

/// Inserts a registration.
pub fn insert(conn: &mut DbConnection, row: &PartnerRow) -> QueryResult<usize> {
    diesel::insert_into(dsl::partners).values(row).execute(conn)
}

/// Number of customers each partner knows.
pub fn customer_counts(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    use super::schema::customer_relationships::dsl as rel;
    rel::customer_relationships
        .group_by(rel::partner_tenant_id)
        .select((rel::partner_tenant_id, diesel::dsl::count_star()))
        .load(conn)
}
