//! `GET /_mirror/jwks.json`: the public development key (contract §3.2).

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};

use super::error::ApiError;
use super::state::AppState;

/// GET /_mirror/jwks.json
#[utoipa::path(
    tag = "mirror",
    responses(
        (status = 200, description = "JWKS with the development key", content_type = "application/json"),
        (status = 404, description = "The development key is disabled (1000)", body = super::openapi::Fault),
    )
)]
#[get("/_mirror/jwks.json")]
pub async fn development_jwks(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let slot = state
        .dev_key
        .as_ref()
        .ok_or_else(|| ApiError::not_found().from_mirror())?;
    let key = slot
        .get()
        .await
        .map_err(|e| ApiError::from(crate::service::ServiceError::Internal(e)))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "max-age=300"))
        .body(key.jwks().to_string()))
}
