//! Floor 4, HTTP only: middleware, extractors, DTOs, handlers and the one mapping from errors to responses.

pub mod admin_center;
pub mod agreements;
pub mod caller;
pub mod collection;
pub mod compliance;
pub mod control;
pub mod customers;
pub mod documents;
pub mod error;
pub mod fallback;
pub mod idempotent;
pub mod journal;
pub mod json_body;
pub mod jwks;
pub mod normalize;
pub mod openapi;
pub mod orders;
pub mod query;
pub mod reply;
pub mod request_ids;
pub mod state;
pub mod templates;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every documented route; literal paths come before parameterised ones.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(agreements::list_agreement_metadata)
        .service(customers::create_customer)
        .service(customers::list_customers)
        .service(customers::relationship_request)
        .service(agreements::confirm_customer_acceptance)
        .service(agreements::list_customer_agreements)
        .service(agreements::direct_signed_status)
        .service(customers::get_customer)
        .service(customers::remove_relationship)
        .service(orders::place_order)
        .service(compliance::agreement_status)
        .service(templates::get_template_document)
        .service(documents::view_document)
        .service(documents::download_document)
        .service(jwks::development_jwks)
        .service(admin_center::invitation_page)
        .service(admin_center::invitation_post)
        .service(admin_center::agreement_page)
        .service(admin_center::agreement_post);
}
