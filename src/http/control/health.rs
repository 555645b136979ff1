//! Liveness and readiness (control-plane spec §4).

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{get, web};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::http::error::ApiError;
use crate::http::reply::ApiReply;
use crate::http::state::AppState;

/// Liveness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: &'static str,
    /// Crate version.
    pub version: &'static str,
}

/// Readiness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready`.
    pub status: &'static str,
    /// `sqlite` or `postgresql`.
    pub database: &'static str,
    /// `applied`.
    pub migrations: &'static str,
}

/// GET /_mirror/health
#[utoipa::path(tag = "mirror", responses((status = 200, description = "The process serves HTTP", body = Health)))]
#[get("/_mirror/health")]
pub async fn health() -> Result<ApiReply, ApiError> {
    ApiReply::ok(&Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// GET /_mirror/ready
#[utoipa::path(
    tag = "mirror",
    responses(
        (status = 200, description = "Database reachable and migrated", body = Readiness),
        (status = 503, description = "Not ready (990170)", body = crate::http::openapi::Fault),
    )
)]
#[get("/_mirror/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<ApiReply, ApiError> {
    let not_ready = |data| {
        ApiError::mirror_with_data(
            StatusCode::SERVICE_UNAVAILABLE,
            990170,
            "The mirror is not ready.",
            data,
        )
    };
    match tokio::time::timeout(Duration::from_secs(1), state.store.pending_migrations()).await {
        Ok(Ok(0)) => ApiReply::ok(&Readiness {
            status: "ready",
            database: state.store.backend().name(),
            migrations: "applied",
        }),
        Ok(Ok(pending)) => Err(not_ready(vec![
            json!({ "reason": "migrationsPending", "pending": pending }),
        ])),
        Ok(Err(_)) | Err(_) => Err(not_ready(vec![json!({ "reason": "databaseUnreachable" })])),
    }
}
