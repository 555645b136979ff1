//! Fault rules (control-plane spec §13): `POST`, `GET`, `DELETE /_mirror/faults` and `GET`, `DELETE
//! /_mirror/faults/{id}`. The rules fire from the `/v1` auth extractor (`http::caller`).

use actix_web::{delete, get, post, web, HttpRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::admin::Admin;
use super::body;
use crate::domain::datetime;
use crate::http::error::ApiError;
use crate::http::json_body;
use crate::http::reply::ApiReply;
use crate::http::state::AppState;
use crate::service::faults::{self, Fault, FaultDraft, RespondDraft};
use crate::service::ServiceError;

/// Which requests a rule applies to; every given member must match.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultMatchRequest {
    /// HTTP method, any case.
    pub method: Option<String>,
    /// Glob over the `/v1` path: `*` within a segment, `**` across segments, `?` one character.
    pub path: Option<String>,
    /// The validated token's `tid`.
    pub partner_tenant_id: Option<String>,
    /// The `{customer-tenant-id}` path segment.
    pub customer_tenant_id: Option<String>,
}

/// The injected answer.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRespondRequest {
    /// 400 to 599.
    pub status: Option<i64>,
    /// `A`, `B` or `C` (default `C` for 429, `B` with `errorName`, else `A`).
    pub shape: Option<String>,
    /// Error code, required for shapes A and B.
    pub code: Option<i64>,
    /// `errorName` of shape B.
    pub error_name: Option<String>,
    /// Description (default: a generic text per status).
    pub description: Option<String>,
    /// Sends `Retry-After` (default 1 for 429).
    pub retry_after_seconds: Option<i64>,
}

/// Body of `POST /_mirror/faults`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRequest {
    /// 1 to 64 characters `[A-Za-z0-9._-]`; default `fault-<n>`.
    pub id: Option<String>,
    /// `throttled`, `duplicateAttestation`, `serviceUnavailable`, `gatewayTimeout` or `tenantNotFound`.
    pub preset: Option<String>,
    /// Criteria.
    #[serde(rename = "match")]
    pub criteria: Option<FaultMatchRequest>,
    /// Answer; absent for a latency-only fault.
    pub respond: Option<FaultRespondRequest>,
    /// 0 to 60000.
    pub latency_ms: Option<i64>,
    /// Firings before the rule expires (default unlimited).
    pub times: Option<i64>,
    /// 0 to 1 (default 1).
    pub probability: Option<f64>,
    /// Seed of the reproducible draw (default 0).
    pub seed: Option<i64>,
}

impl From<FaultRequest> for FaultDraft {
    fn from(request: FaultRequest) -> Self {
        let criteria = request.criteria.unwrap_or_default();
        FaultDraft {
            id: request.id,
            preset: request.preset,
            method: criteria.method,
            path: criteria.path,
            partner_tenant_id: criteria.partner_tenant_id,
            customer_tenant_id: criteria.customer_tenant_id,
            respond: request.respond.map(|r| RespondDraft {
                status: r.status,
                shape: r.shape,
                code: r.code,
                error_name: r.error_name,
                description: r.description,
                retry_after_seconds: r.retry_after_seconds,
            }),
            latency_ms: request.latency_ms,
            times: request.times,
            probability: request.probability,
            seed: request.seed,
        }
    }
}

/// Stored criteria.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FaultMatchDto {
    /// Method in uppercase, or null for any.
    pub method: Option<String>,
    /// Path glob, or null for any `/v1` path.
    pub path: Option<String>,
    /// Partner tenant, or null for any.
    pub partner_tenant_id: Option<String>,
    /// Customer tenant, or null for any.
    pub customer_tenant_id: Option<String>,
}

/// Stored answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FaultRespondDto {
    /// HTTP status.
    pub status: u16,
    /// `A`, `B` or `C`.
    pub shape: &'static str,
    /// Error code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    /// `errorName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_name: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Retry-After` seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<i64>,
}

/// A stored fault rule with its counters.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FaultDto {
    /// Id.
    pub id: String,
    /// Preset the rule started from.
    pub preset: Option<&'static str>,
    /// Criteria.
    #[serde(rename = "match")]
    pub criteria: FaultMatchDto,
    /// Answer, or null for a latency-only rule.
    pub respond: Option<FaultRespondDto>,
    /// Delay in milliseconds.
    pub latency_ms: i64,
    /// Firings before the rule expires, or null.
    pub times: Option<i64>,
    /// `times − fired`, or null.
    pub remaining: Option<i64>,
    /// Probability of firing per match.
    #[schema(value_type = f64)]
    pub probability: serde_json::Number,
    /// Seed of the draw.
    pub seed: i64,
    /// Criteria matches.
    pub matched: i64,
    /// Injections.
    pub fired: i64,
    /// False once `times` firings happened.
    pub active: bool,
    /// Creation instant.
    pub created_at: String,
}

/// A whole number prints without a fraction (`1`, not `1.0`).
fn number(value: f64) -> serde_json::Number {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        serde_json::Number::from(value as i64)
    } else {
        serde_json::Number::from_f64(value).unwrap_or_else(|| serde_json::Number::from(0))
    }
}

impl From<Fault> for FaultDto {
    fn from(fault: Fault) -> Self {
        let spec = fault.spec;
        FaultDto {
            id: fault.id,
            preset: spec.preset.map(|p| p.as_str()),
            criteria: FaultMatchDto {
                method: spec.method,
                path: spec.path,
                partner_tenant_id: spec.partner_tenant_id,
                customer_tenant_id: spec.customer_tenant_id,
            },
            respond: spec.respond.map(|r| FaultRespondDto {
                status: r.status,
                shape: r.shape.as_str(),
                code: r.code,
                error_name: r.error_name,
                description: r.description,
                retry_after_seconds: r.retry_after_seconds,
            }),
            latency_ms: spec.latency_ms,
            times: spec.times,
            remaining: fault.remaining,
            probability: number(spec.probability),
            seed: spec.seed,
            matched: fault.matched,
            fired: fault.fired,
            active: fault.active,
            created_at: datetime::format_utc(&fault.created_at),
        }
    }
}

/// Every fault rule, in creation order.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FaultList {
    /// Number of items.
    pub total_count: usize,
    /// The rules.
    pub items: Vec<FaultDto>,
}

/// `{"removed": n}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Removed {
    /// Number of items removed.
    pub removed: usize,
}

/// POST /_mirror/faults
#[utoipa::path(
    tag = "mirror",
    request_body = FaultRequest,
    responses(
        (status = 201, description = "The stored fault rule", body = FaultDto),
        (status = 400, description = "Invalid rule, or the id is taken (990110)", body = crate::http::openapi::Fault),
        (status = 401, description = "Admin token missing or wrong (990100, 990101)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[post("/_mirror/faults")]
pub async fn create_fault(
    _admin: Admin,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let raw = json_body::read(payload).await;
    let request: FaultRequest = body::parse(&req, &raw, 990110)?;
    let spec = faults::validate(request.into()).map_err(ServiceError::InvalidControlRequest)?;
    let fault = state
        .store
        .change_control(move |conn| faults::create(conn, spec))
        .await?;
    ApiReply::created(&FaultDto::from(fault))
}

/// GET /_mirror/faults
#[utoipa::path(
    tag = "mirror",
    responses(
        (status = 200, description = "Every fault rule, in creation order", body = FaultList),
        (status = 401, description = "Admin token missing or wrong (990100, 990101)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[get("/_mirror/faults")]
pub async fn list_faults(_admin: Admin, state: web::Data<AppState>) -> Result<ApiReply, ApiError> {
    let items: Vec<FaultDto> = state
        .store
        .run(faults::list)
        .await?
        .into_iter()
        .map(FaultDto::from)
        .collect();
    ApiReply::ok(&FaultList {
        total_count: items.len(),
        items,
    })
}

/// DELETE /_mirror/faults
#[utoipa::path(
    tag = "mirror",
    responses(
        (status = 200, description = "Every fault rule removed", body = Removed),
        (status = 401, description = "Admin token missing or wrong (990100, 990101)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[delete("/_mirror/faults")]
pub async fn delete_faults(_admin: Admin, state: web::Data<AppState>) -> Result<ApiReply, ApiError> {
    let removed = state.store.change_control(faults::delete_all).await?;
    ApiReply::ok(&Removed { removed })
}

/// GET /_mirror/faults/{id}
#[utoipa::path(
    tag = "mirror",
    params(("id" = String, Path, description = "Fault id")),
    responses(
        (status = 200, description = "The fault rule with its counters", body = FaultDto),
        (status = 401, description = "Admin token missing or wrong (990100, 990101)", body = crate::http::openapi::Fault),
        (status = 404, description = "Unknown fault (990140)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[get("/_mirror/faults/{id}")]
pub async fn get_fault(
    _admin: Admin,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let id = path.into_inner();
    let fault = state.store.run(move |conn| faults::get(conn, &id)).await?;
    ApiReply::ok(&FaultDto::from(fault))
}

/// DELETE /_mirror/faults/{id}
#[utoipa::path(
    tag = "mirror",
    params(("id" = String, Path, description = "Fault id")),
    responses(
        (status = 200, description = "The removed fault rule, as it was", body = FaultDto),
        (status = 401, description = "Admin token missing or wrong (990100, 990101)", body = crate::http::openapi::Fault),
        (status = 404, description = "Unknown fault (990140)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[delete("/_mirror/faults/{id}")]
pub async fn delete_fault(
    _admin: Admin,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let id = path.into_inner();
    let fault = state
        .store
        .change_control(move |conn| faults::delete(conn, &id))
        .await?;
    ApiReply::ok(&FaultDto::from(fault))
}
