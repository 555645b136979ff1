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

use actix_web::dev::HttpServiceFactory;
use utoipa_actix_web::OpenApiFactory;

/// Where routes are registered: the documenting app, which also collects the OpenAPI paths, or a worker's
/// plain app, which does not (the document is built once per process, not once per worker).
pub trait RouteSink {
    /// Registers one handler.
    fn add<F: HttpServiceFactory + OpenApiFactory + 'static>(&mut self, factory: F) -> &mut Self;
}

impl RouteSink for actix_web::web::ServiceConfig {
    fn add<F: HttpServiceFactory + OpenApiFactory + 'static>(&mut self, factory: F) -> &mut Self {
        self.service(factory)
    }
}

impl RouteSink for utoipa_actix_web::service_config::ServiceConfig<'_> {
    fn add<F: HttpServiceFactory + OpenApiFactory + 'static>(&mut self, factory: F) -> &mut Self {
        self.service(factory)
    }
}

/// Registers every documented route; literal paths come before parameterised ones.
pub fn routes<S: RouteSink>(cfg: &mut S) {
    cfg.add(agreements::list_agreement_metadata)
        .add(customers::create_customer)
        .add(customers::list_customers)
        .add(customers::relationship_request)
        .add(agreements::confirm_customer_acceptance)
        .add(agreements::list_customer_agreements)
        .add(agreements::direct_signed_status)
        .add(customers::get_customer)
        .add(customers::remove_relationship)
        .add(customers::delete_customer)
        .add(orders::place_order)
        .add(orders::list_orders)
        .add(orders::get_order)
        .add(orders::update_order)
        .add(compliance::agreement_status)
        .add(templates::get_template_document)
        .add(documents::view_document)
        .add(documents::download_document)
        .add(jwks::development_jwks)
        .add(admin_center::invitation_page)
        .add(admin_center::invitation_post)
        .add(admin_center::agreement_page)
        .add(admin_center::agreement_post);
}
