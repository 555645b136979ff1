//! Queries on the agreement history.

use diesel::prelude::*;

use super::models::{AgreementRow, NewAgreementRow};
use super::schema::agreements::dsl;
use super::DbConnection;

/// Appends a record.
pub fn insert(conn: &mut DbConnection, row: &NewAgreementRow) -> QueryResult<usize> {
    diesel::insert_into(dsl::agreements).values(row).execute(conn)
}

/// One partner's records for a customer, newest recorded first.
pub fn history(conn: &mut DbConnection, partner: &str, customer: &str) -> QueryResult<Vec<AgreementRow>> {
    dsl::agreements
        .filter(dsl::customer_id.eq(customer))
        .filter(dsl::partner_tenant_id.eq(partner))
        .order((dsl::recorded_at.desc(), dsl::id.desc()))
        .select(AgreementRow::as_select())
        .load(conn)
}

/// The most recently recorded record of one type for a partner and customer.
pub fn latest_of_type(
    conn: &mut DbConnection,
    partner: &str,
    customer: &str,
    agreement_type: &str,
) -> QueryResult<Option<AgreementRow>> {
    dsl::agreements
        .filter(dsl::customer_id.eq(customer))
        .filter(dsl::partner_tenant_id.eq(partner))
        .filter(dsl::agreement_type.eq(agreement_type))
        .order((dsl::recorded_at.desc(), dsl::id.desc()))
        .select(AgreementRow::as_select())
        .get_result(conn)
        .optional()
}

/// True when the partner recorded at least one record of `agreement_type` for the customer.
pub fn exists_of_type(
    conn: &mut DbConnection,
    partner: &str,
    customer: &str,
    agreement_type: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        dsl::agreements
            .filter(dsl::customer_id.eq(customer))
            .filter(dsl::partner_tenant_id.eq(partner))
            .filter(dsl::agreement_type.eq(agreement_type)),
    ))
    .get_result(conn)
}
