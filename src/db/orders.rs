//! Queries on orders.

use diesel::prelude::*;

use super::schema::orders::dsl;
use super::DbConnection;

/// An order as stored; `line_items` is the JSON array as answered.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::orders)]
pub struct OrderRow {
    pub id: String,
    pub partner_tenant_id: String,
    pub customer_id: String,
    pub reference_customer_id: String,
    pub billing_cycle: String,
    pub line_items: String,
    pub creation_date: chrono::NaiveDateTime,
    pub status: String,
}

/// Stores an order.
pub fn insert(conn: &mut DbConnection, row: &OrderRow) -> QueryResult<usize> {
    super::native!(conn, |c| { diesel::insert_into(dsl::orders).values(row).execute(c) })
}

/// A partner's orders for a customer, oldest first.
pub fn for_customer(conn: &mut DbConnection, partner: &str, customer: &str) -> QueryResult<Vec<OrderRow>> {
    super::native!(conn, |c| {
        dsl::orders
            .filter(dsl::customer_id.eq(customer))
            .filter(dsl::partner_tenant_id.eq(partner))
            .order((dsl::creation_date.asc(), dsl::id.asc()))
            .select(OrderRow::as_select())
            .load(c)
    })
}

/// Sets the status of one order of a partner for a customer; returns the rows changed.
pub fn set_status(
    conn: &mut DbConnection,
    partner: &str,
    customer: &str,
    id: &str,
    status: &str,
) -> QueryResult<usize> {
    super::native!(conn, |c| {
        diesel::update(
            dsl::orders
                .filter(dsl::id.eq(id))
                .filter(dsl::customer_id.eq(customer))
                .filter(dsl::partner_tenant_id.eq(partner)),
        )
        .set(dsl::status.eq(status))
        .execute(c)
    })
}

/// One order of a partner for a customer.
pub fn find(conn: &mut DbConnection, partner: &str, customer: &str, id: &str) -> QueryResult<Option<OrderRow>> {
    super::native!(conn, |c| {
        dsl::orders
            .filter(dsl::id.eq(id))
            .filter(dsl::customer_id.eq(customer))
            .filter(dsl::partner_tenant_id.eq(partner))
            .select(OrderRow::as_select())
            .get_result(c)
            .optional()
    })
}
