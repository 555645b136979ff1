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

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every control-plane route.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::health)
        .service(health::ready)
        .service(reset::reset_mirror)
        .service(faults::create_fault)
        .service(faults::list_faults)
        .service(faults::delete_faults)
        .service(faults::get_fault)
        .service(faults::delete_fault)
        .service(journal::list_requests)
        .service(journal::clear_requests)
        .service(tokens::mint_token)
        .service(customers::list_customers)
        .service(customers::get_customer)
        .service(customers::put_scenario)
        .service(customers::accept_directly)
        .service(customers::put_relationship)
        .service(notifications::list_notifications)
        .service(notifications::clear_notifications)
        .service(partners::list_partners)
        .service(partners::get_partner)
        .service(partners::put_partner)
        .service(clock::get_global_clock)
        .service(clock::change_global_clock)
        .service(clock::get_partner_clock)
        .service(clock::change_partner_clock)
        .service(fixtures::load_fixtures)
        .service(fixtures::get_snapshot)
        .service(fixtures::put_snapshot);
}
