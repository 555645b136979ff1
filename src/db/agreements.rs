//! Queries on the agreement history.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{AgreementRow, NewAgreementRow};
use super::schema::agreements::dsl;
use super::schema::customer_relationships as rel;
use super::DbConnection;

/// Appends a record.
pub fn insert(conn: &mut DbConnection, row: &NewAgreementRow) -> QueryResult<usize> {
    super::native!(conn, |c| {
        diesel::insert_into(dsl::agreements).values(row).execute(c)
    })
}

/// One partner's records for a customer, newest recorded first.
pub fn history(conn: &mut DbConnection, partner: &str, customer: &str) -> QueryResult<Vec<AgreementRow>> {
    super::native!(conn, |c| {
        dsl::agreements
            .filter(dsl::customer_id.eq(customer))
            .filter(dsl::partner_tenant_id.eq(partner))
            .order((dsl::recorded_at.desc(), dsl::id.desc()))
            .select(AgreementRow::as_select())
            .load(c)
    })
}

/// The partner's relationship with the customer and the history, newest first, in one statement (one read
/// lock on SQLite); `None` when the partner does not know the customer.
pub fn history_of_known(
    conn: &mut DbConnection,
    partner: &str,
    customer: &str,
) -> QueryResult<Option<(String, Vec<AgreementRow>)>> {
    let rows: Vec<(String, Option<AgreementRow>)> = super::native!(conn, |c| {
        rel::table
            .left_join(
                dsl::agreements.on(dsl::customer_id
                    .eq(rel::customer_id)
                    .and(dsl::partner_tenant_id.eq(rel::partner_tenant_id))),
            )
            .filter(rel::customer_id.eq(customer))
            .filter(rel::partner_tenant_id.eq(partner))
            .order((dsl::recorded_at.desc(), dsl::id.desc()))
            .select((rel::relationship, Option::<AgreementRow>::as_select()))
            .load(c)
    })?;
    let mut rows = rows.into_iter();
    let Some((relationship, first)) = rows.next() else {
        return Ok(None);
    };
    Ok(Some((
        relationship,
        first.into_iter().chain(rows.filter_map(|(_, row)| row)).collect(),
    )))
}

/// The most recently recorded record of one type for a partner and customer.
pub fn latest_of_type(
    conn: &mut DbConnection,
    partner: &str,
    customer: &str,
    agreement_type: &str,
) -> QueryResult<Option<AgreementRow>> {
    super::native!(conn, |c| {
        dsl::agreements
            .filter(dsl::customer_id.eq(customer))
            .filter(dsl::partner_tenant_id.eq(partner))
            .filter(dsl::agreement_type.eq(agreement_type))
            .order((dsl::recorded_at.desc(), dsl::id.desc()))
            .select(AgreementRow::as_select())
            .get_result(c)
            .optional()
    })
}

/// When the partner's newest record for the customer was recorded, of any type.
pub fn last_recorded_at(conn: &mut DbConnection, partner: &str, customer: &str) -> QueryResult<Option<NaiveDateTime>> {
    super::native!(conn, |c| {
        dsl::agreements
            .filter(dsl::customer_id.eq(customer))
            .filter(dsl::partner_tenant_id.eq(partner))
            .order((dsl::recorded_at.desc(), dsl::id.desc()))
            .select(dsl::recorded_at)
            .first(c)
            .optional()
    })
}

/// True when the partner recorded at least one record of `agreement_type` for the customer.
pub fn exists_of_type(
    conn: &mut DbConnection,
    partner: &str,
    customer: &str,
    agreement_type: &str,
) -> QueryResult<bool> {
    super::native!(conn, |c| {
        diesel::select(diesel::dsl::exists(
            dsl::agreements
                .filter(dsl::customer_id.eq(customer))
                .filter(dsl::partner_tenant_id.eq(partner))
                .filter(dsl::agreement_type.eq(agreement_type)),
        ))
        .get_result(c)
    })
}
