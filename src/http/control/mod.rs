//! The control plane under `/_mirror/` (control-plane spec): health, tokens, partners, clocks and the rest.
//! Registered only when the control plane is enabled.

pub mod admin;
pub mod body;
pub mod clock;
pub mod health;
pub mod partners;
pub mod tokens;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every control-plane route.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::health)
        .service(health::ready)
        .service(tokens::mint_token)
        .service(partners::list_partners)
        .service(partners::get_partner)
        .service(partners::put_partner)
        .service(clock::get_global_clock)
        .service(clock::change_global_clock)
        .service(clock::get_partner_clock)
        .service(clock::change_partner_clock);
}
