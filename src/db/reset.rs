//! Deletes behind `POST /_mirror/reset` (control-plane spec §5): whole tables, or one partner's rows.
//! The caller runs them inside one transaction.

use diesel::prelude::*;

use super::schema::{
    agreements, clock_offsets, continuation_tokens, customer_relationships as rel, customers, form_nonces,
    idempotency_records, notifications, orders, partners,
};
use super::DbConnection;

/// Customers with a direct acceptance.
pub fn count_direct_acceptances(conn: &mut DbConnection) -> QueryResult<i64> {
    customers::table
        .filter(customers::direct_acceptance_at.is_not_null())
        .count()
        .get_result(conn)
}

/// Deletes every attestation.
pub fn delete_all_agreements(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(agreements::table).execute(conn)
}

/// Deletes every relationship.
pub fn delete_all_relationships(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(rel::table).execute(conn)
}

/// Deletes every outbox message.
pub fn delete_all_notifications(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(notifications::table).execute(conn)
}

/// Deletes every idempotency record.
pub fn delete_all_idempotency_records(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(idempotency_records::table).execute(conn)
}

/// Deletes every continuation token.
pub fn delete_all_continuation_tokens(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(continuation_tokens::table).execute(conn)
}

/// Deletes every clock offset, the global one included.
pub fn delete_all_clock_offsets(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(clock_offsets::table).execute(conn)
}

/// Deletes every customer.
pub fn delete_all_customers(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(customers::table).execute(conn)
}

/// Deletes every partner registration.
pub fn delete_all_partners(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(partners::table).execute(conn)
}

/// Ids of the customers a partner has a relationship with or owns.
pub fn customers_of_partner(conn: &mut DbConnection, partner: &str) -> QueryResult<Vec<String>> {
    let mut ids: Vec<String> = rel::table
        .filter(rel::partner_tenant_id.eq(partner))
        .select(rel::customer_id)
        .load(conn)?;
    let owned: Vec<String> = customers::table
        .filter(customers::owner_partner_tenant_id.eq(partner))
        .select(customers::id)
        .load(conn)?;
    ids.extend(owned);
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// Deletes a partner's relationships.
pub fn delete_relationships_of(conn: &mut DbConnection, partner: &str) -> QueryResult<usize> {
    diesel::delete(rel::table.filter(rel::partner_tenant_id.eq(partner))).execute(conn)
}

/// Deletes a partner's attestations.
pub fn delete_agreements_of(conn: &mut DbConnection, partner: &str) -> QueryResult<usize> {
    diesel::delete(agreements::table.filter(agreements::partner_tenant_id.eq(partner))).execute(conn)
}

/// Deletes a partner's idempotency records.
pub fn delete_idempotency_records_of(conn: &mut DbConnection, partner: &str) -> QueryResult<usize> {
    diesel::delete(idempotency_records::table.filter(idempotency_records::partner_tenant_id.eq(partner))).execute(conn)
}

/// Deletes a partner's outbox messages.
pub fn delete_notifications_of(conn: &mut DbConnection, partner: &str) -> QueryResult<usize> {
    diesel::delete(notifications::table.filter(notifications::partner_tenant_id.eq(partner))).execute(conn)
}

/// Deletes a partner's continuation tokens.
pub fn delete_continuation_tokens_of(conn: &mut DbConnection, partner: &str) -> QueryResult<usize> {
    diesel::delete(continuation_tokens::table.filter(continuation_tokens::partner_tenant_id.eq(partner))).execute(conn)
}

/// Deletes a partner's own clock offset.
pub fn delete_clock_offset_of(conn: &mut DbConnection, partner: &str) -> QueryResult<usize> {
    diesel::delete(clock_offsets::table.filter(clock_offsets::scope.eq(partner))).execute(conn)
}

/// The customers among `ids` that have no relationship left.
pub fn without_relationships(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<String>> {
    let related: Vec<String> = rel::table
        .filter(rel::customer_id.eq_any(ids))
        .select(rel::customer_id)
        .distinct()
        .load(conn)?;
    Ok(ids.iter().filter(|id| !related.contains(id)).cloned().collect())
}

/// Customers among `ids` with a direct acceptance.
pub fn count_direct_acceptances_among(conn: &mut DbConnection, ids: &[String]) -> QueryResult<i64> {
    customers::table
        .filter(customers::id.eq_any(ids))
        .filter(customers::direct_acceptance_at.is_not_null())
        .count()
        .get_result(conn)
}

/// Deletes the attestations recorded for these customers (by any partner).
pub fn delete_agreements_of_customers(conn: &mut DbConnection, ids: &[String]) -> QueryResult<usize> {
    diesel::delete(agreements::table.filter(agreements::customer_id.eq_any(ids))).execute(conn)
}

/// Deletes these customers.
pub fn delete_customers(conn: &mut DbConnection, ids: &[String]) -> QueryResult<usize> {
    diesel::delete(customers::table.filter(customers::id.eq_any(ids))).execute(conn)
}

/// Sets `owner_partner_tenant_id` to NULL where it was this partner.
pub fn clear_owner(conn: &mut DbConnection, partner: &str) -> QueryResult<usize> {
    diesel::update(customers::table.filter(customers::owner_partner_tenant_id.eq(partner)))
        .set(customers::owner_partner_tenant_id.eq(None::<String>))
        .execute(conn)
}

/// Deletes every order.
pub fn delete_all_orders(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(orders::table).execute(conn)
}

/// Deletes a partner's orders.
pub fn delete_orders_of(conn: &mut DbConnection, partner: &str) -> QueryResult<usize> {
    diesel::delete(orders::table.filter(orders::partner_tenant_id.eq(partner))).execute(conn)
}

/// Deletes the orders placed for these customers (by any partner).
pub fn delete_orders_of_customers(conn: &mut DbConnection, ids: &[String]) -> QueryResult<usize> {
    diesel::delete(orders::table.filter(orders::customer_id.eq_any(ids))).execute(conn)
}

/// Deletes every used form-token nonce.
pub fn delete_all_form_nonces(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(form_nonces::table).execute(conn)
}
