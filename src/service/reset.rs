//! Reset of the mirror (control-plane spec §5): the whole mirror or one partner's data, in one transaction
//! (used form-token nonces go with a whole reset).
//! The in-memory journal is not stored here; the HTTP floor clears it and adds its count.

use super::ServiceError;
use crate::db::{self, DbConnection};

/// What a reset removed from the database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removed {
    /// Partner registrations.
    pub partners: i64,
    /// Customers.
    pub customers: i64,
    /// Partner–customer relationships.
    pub relationships: i64,
    /// Attestations (agreement history).
    pub agreements: i64,
    /// Direct acceptances of removed customers.
    pub direct_acceptances: i64,
    /// Orders.
    pub orders: i64,
    /// Outbox messages.
    pub notifications: i64,
    /// Idempotency records.
    pub idempotency_records: i64,
    /// Fault rules.
    pub faults: i64,
    /// Clock offsets.
    pub clocks: i64,
}

fn count(rows: usize) -> i64 {
    i64::try_from(rows).unwrap_or(i64::MAX)
}

/// Removes everything but the templates, keys and settings; restarts the fault id counter.
pub fn reset_all(conn: &mut DbConnection) -> Result<Removed, ServiceError> {
    db::transaction(conn, |conn| {
        let direct_acceptances = db::reset::count_direct_acceptances(conn)?;
        let agreements = count(db::reset::delete_all_agreements(conn)?);
        let orders = count(db::reset::delete_all_orders(conn)?);
        let relationships = count(db::reset::delete_all_relationships(conn)?);
        let notifications = count(db::reset::delete_all_notifications(conn)?);
        let idempotency_records = count(db::reset::delete_all_idempotency_records(conn)?);
        db::reset::delete_all_continuation_tokens(conn)?;
        db::reset::delete_all_form_nonces(conn)?;
        let faults = count(db::faults::delete_all(conn)?);
        db::faults::reset_counter(conn, db::faults::ID_COUNTER)?;
        db::faults::reset_counter(conn, db::faults::POSITION_COUNTER)?;
        let clocks = count(db::reset::delete_all_clock_offsets(conn)?);
        let customers = count(db::reset::delete_all_customers(conn)?);
        let partners = count(db::reset::delete_all_partners(conn)?);
        Ok(Removed {
            partners,
            customers,
            relationships,
            agreements,
            direct_acceptances,
            orders,
            notifications,
            idempotency_records,
            faults,
            clocks,
        })
    })
}

/// Removes one partner's data and then its customers nobody else knows; keeps the registration.
/// An unknown partner gives zero counts.
pub fn reset_partner(conn: &mut DbConnection, tenant: &str) -> Result<Removed, ServiceError> {
    db::transaction(conn, |conn| {
        let known = db::reset::customers_of_partner(conn, tenant)?;
        let relationships = count(db::reset::delete_relationships_of(conn, tenant)?);
        let mut agreements = count(db::reset::delete_agreements_of(conn, tenant)?);
        let mut orders = count(db::reset::delete_orders_of(conn, tenant)?);
        let idempotency_records = count(db::reset::delete_idempotency_records_of(conn, tenant)?);
        let notifications = count(db::reset::delete_notifications_of(conn, tenant)?);
        db::reset::delete_continuation_tokens_of(conn, tenant)?;
        let faults = count(db::faults::delete_for_partner(conn, tenant)?);
        let clocks = count(db::reset::delete_clock_offset_of(conn, tenant)?);
        let orphans = db::reset::without_relationships(conn, &known)?;
        let direct_acceptances = db::reset::count_direct_acceptances_among(conn, &orphans)?;
        agreements += count(db::reset::delete_agreements_of_customers(conn, &orphans)?);
        orders += count(db::reset::delete_orders_of_customers(conn, &orphans)?);
        let customers = count(db::reset::delete_customers(conn, &orphans)?);
        db::reset::clear_owner(conn, tenant)?;
        Ok(Removed {
            partners: 0,
            customers,
            relationships,
            agreements,
            direct_acceptances,
            orders,
            notifications,
            idempotency_records,
            faults,
            clocks,
        })
    })
}

/// Whole-mirror reset, then the fixture file loaded in the same transaction (`reloadFixtures=true`).
pub fn reset_all_and_reload(conn: &mut DbConnection, fixtures: &std::path::Path) -> Result<Removed, ServiceError> {
    db::transaction(conn, |conn| {
        let removed = reset_all(conn)?;
        super::fixtures::load_file_in(conn, fixtures)?;
        Ok(removed)
    })
}
