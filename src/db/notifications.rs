//! Queries on the notification outbox.

use diesel::prelude::*;

use super::models::NotificationRow;
use super::schema::notifications::dsl;
use super::DbConnection;

/// Puts a message in the outbox.
pub fn insert(conn: &mut DbConnection, row: &NotificationRow) -> QueryResult<usize> {
    diesel::insert_into(dsl::notifications).values(row).execute(conn)
}

/// Messages about one customer, oldest first.
pub fn for_customer(conn: &mut DbConnection, customer_tenant_id: &str) -> QueryResult<Vec<NotificationRow>> {
    dsl::notifications
        .filter(dsl::customer_tenant_id.eq(customer_tenant_id))
        .order((dsl::created_at.asc(), dsl::id.asc()))
        .select(NotificationRow::as_select())
        .load(conn)
}

/// Every message, oldest first.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<NotificationRow>> {
    dsl::notifications
        .order((dsl::created_at.asc(), dsl::id.asc()))
        .select(NotificationRow::as_select())
        .load(conn)
}

/// Deletes every message, or one partner's; returns how many.
pub fn delete(conn: &mut DbConnection, partner: Option<&str>) -> QueryResult<usize> {
    match partner {
        Some(partner) => diesel::delete(dsl::notifications.filter(dsl::partner_tenant_id.eq(partner))).execute(conn),
        None => diesel::delete(dsl::notifications).execute(conn),
    }
}
