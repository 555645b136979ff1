//! Queries on orders (kept for idempotency and inspection only).

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
