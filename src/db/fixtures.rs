//! Whole-state queries of fixtures and snapshots: everything in a stable order, and emptiness checks.

use diesel::prelude::*;

use chrono::NaiveDateTime;

use super::models::{AgreementRow, CustomerRow, NotificationRow, RelationshipRow};
use super::orders::OrderRow;
use super::schema::{agreements, customer_relationships, customers, faults, notifications, orders, partners};
use super::DbConnection;

/// True when at least one partner or one customer is stored.
pub fn holds_partners_or_customers(conn: &mut DbConnection) -> QueryResult<bool> {
    let partner: Option<String> = partners::table
        .select(partners::tenant_id)
        .get_result(conn)
        .optional()?;
    if partner.is_some() {
        return Ok(true);
    }
    let customer: Option<String> = customers::table.select(customers::id).get_result(conn).optional()?;
    Ok(customer.is_some())
}

/// Every customer, ordered by id.
pub fn all_customers(conn: &mut DbConnection) -> QueryResult<Vec<CustomerRow>> {
    customers::table
        .order(customers::id.asc())
        .select(CustomerRow::as_select())
        .load(conn)
}

/// Every relationship, ordered by customer, then partner.
pub fn all_relationships(conn: &mut DbConnection) -> QueryResult<Vec<RelationshipRow>> {
    customer_relationships::table
        .order((
            customer_relationships::customer_id.asc(),
            customer_relationships::partner_tenant_id.asc(),
        ))
        .select(RelationshipRow::as_select())
        .load(conn)
}

/// Every agreement record, ordered by customer, then recording time, then insertion order.
pub fn all_agreements(conn: &mut DbConnection) -> QueryResult<Vec<AgreementRow>> {
    agreements::table
        .order((
            agreements::customer_id.asc(),
            agreements::recorded_at.asc(),
            agreements::id.asc(),
        ))
        .select(AgreementRow::as_select())
        .load(conn)
}

/// Every outbox message, ordered by creation, then id.
pub fn all_notifications(conn: &mut DbConnection) -> QueryResult<Vec<NotificationRow>> {
    notifications::table
        .order((notifications::created_at.asc(), notifications::id.asc()))
        .select(NotificationRow::as_select())
        .load(conn)
}

/// True when an outbox message with this id exists.
pub fn notification_exists(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    let found: Option<String> = notifications::table
        .filter(notifications::id.eq(id))
        .select(notifications::id)
        .get_result(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Every order, ordered by customer, then creation date, then id.
pub fn all_orders(conn: &mut DbConnection) -> QueryResult<Vec<OrderRow>> {
    orders::table
        .order((orders::customer_id.asc(), orders::creation_date.asc(), orders::id.asc()))
        .select(OrderRow::as_select())
        .load(conn)
}

/// True when an order with this id exists.
pub fn order_exists(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(orders::table.filter(orders::id.eq(id)))).get_result(conn)
}

/// Sets the counters, the state and the creation time of a fault just created from a fixture.
pub fn restore_fault_state(
    conn: &mut DbConnection,
    id: &str,
    matched: i64,
    fired: i64,
    active: bool,
    created_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(faults::table.filter(faults::id.eq(id)))
        .set((
            faults::matched.eq(matched),
            faults::fired.eq(fired),
            faults::active.eq(active),
            faults::created_at.eq(created_at),
        ))
        .execute(conn)
}
