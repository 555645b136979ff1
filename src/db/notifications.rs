//! Queries on the notification outbox.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::NotificationRow;
use super::schema::notifications::dsl;
use super::DbConnection;

/// Puts a message in the outbox.
pub fn insert(conn: &mut DbConnection, row: &NotificationRow) -> QueryResult<usize> {
    super::native!(conn, |c| {
        diesel::insert_into(dsl::notifications).values(row).execute(c)
    })
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

/// Messages not yet delivered (the dispatcher's work list), earliest due first.
pub fn undelivered(conn: &mut DbConnection) -> QueryResult<Vec<NotificationRow>> {
    dsl::notifications
        .filter(dsl::delivered_at.is_null())
        .order((dsl::due_at.asc(), dsl::id.asc()))
        .select(NotificationRow::as_select())
        .load(conn)
}

/// Takes the lease of an undelivered message until `until`, unless another holder's lease (or a retry wait)
/// runs past `now`; true when this caller holds it now. One conditional UPDATE, so two instances cannot both win.
pub fn claim(conn: &mut DbConnection, id: &str, now: NaiveDateTime, until: NaiveDateTime) -> QueryResult<bool> {
    let claimed = diesel::update(
        dsl::notifications
            .filter(dsl::id.eq(id))
            .filter(dsl::delivered_at.is_null())
            .filter(dsl::lease_until.is_null().or(dsl::lease_until.lt(now))),
    )
    .set(dsl::lease_until.eq(Some(until)))
    .execute(conn)?;
    Ok(claimed == 1)
}

/// Records the delivery of a message at `at` and drops its lease; false when it is gone or already delivered.
pub fn mark_delivered(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        dsl::notifications
            .filter(dsl::id.eq(id))
            .filter(dsl::delivered_at.is_null()),
    )
    .set((
        dsl::delivered_at.eq(Some(at)),
        dsl::lease_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Records a failed attempt: one more attempt, the error, and no new claim before `retry_at`.
pub fn mark_failed(conn: &mut DbConnection, id: &str, error: &str, retry_at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        dsl::notifications
            .filter(dsl::id.eq(id))
            .filter(dsl::delivered_at.is_null()),
    )
    .set((
        dsl::attempts.eq(dsl::attempts + 1),
        dsl::last_error.eq(Some(error)),
        dsl::lease_until.eq(Some(retry_at)),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}
