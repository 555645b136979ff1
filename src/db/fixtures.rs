//! Whole-state queries of fixtures and snapshots: everything in a stable order, and emptiness checks.

use diesel::prelude::*;

use super::models::{AgreementRow, CustomerRow, NotificationRow, RelationshipRow};
use super::schema::{agreements, customer_relationships, customers, notifications, partners};
use super::DbConnection;

/// True when at least one partner or one customer is stored.
pub fn holds_partners_or_customers(conn: &mut DbConnection) -> QueryResult<bool> {
    let partner: Option<String> = partners::table.select(partners::tenant_id).first(conn).optional()?;
    if partner.is_some() {
        return Ok(true);
    }
    let customer: Option<String> = customers::table.select(customers::id).first(conn).optional()?;
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
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}
