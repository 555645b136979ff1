//! The control plane under `/_mirror/` (control-plane spec): health, tokens, partners, clocks and the rest.
//! Registered only when the control plane is enabled.

pub mod admin;
pub mod body;
pub mod clock;
pub mod customers;
pub mod faults;
pub mod fixtures;
pub mod health;
pub mod journal;
pub mod notifications;
pub mod partners;
pub mod reset;
pub mod tokens;

use crate::http::RouteSink;

/// Registers every control-plane route.
pub fn routes<S: RouteSink>(cfg: &mut S) {
    cfg.add(health::health)
        .add(health::ready)
        .add(reset::reset_mirror)
        .add(faults::create_fault)
        .add(faults::list_faults)
        .add(faults::delete_faults)
        .add(faults::get_fault)
        .add(faults::delete_fault)
        .add(journal::list_requests)
        .add(journal::clear_requests)
        .add(tokens::mint_token)
        .add(customers::list_customers)
        .add(customers::get_customer)
        .add(customers::put_scenario)
        .add(customers::accept_directly)
        .add(customers::put_relationship)
        .add(notifications::list_notifications)
        .add(notifications::clear_notifications)
        .add(partners::list_partners)
        .add(partners::get_partner)
        .add(partners::put_partner)
        .add(clock::get_global_clock)
        .add(clock::change_global_clock)
        .add(clock::get_partner_clock)
        .add(clock::change_partner_clock)
        .add(fixtures::load_fixtures)
        .add(fixtures::get_snapshot)
        .add(fixtures::put_snapshot);
}
