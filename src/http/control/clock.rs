//! Clocks (control-plane spec §14): the global clock and each partner's own, forward only.

use actix_web::{get, post, web, HttpRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::admin::Admin;
use super::body::{self, field_error};
use super::partners::{seconds, tenant_path};
use crate::domain::datetime;
use crate::http::error::ApiError;
use crate::http::json_body;
use crate::http::reply::ApiReply;
use crate::http::state::AppState;
use crate::service::clock::{self, ClockChange, ClockState};
use crate::service::ServiceError;

/// Largest single advance, in seconds (ten years).
const MAX_ADVANCE_SECONDS: u64 = 315_360_000;

/// A clock change: exactly one member.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClockChangeRequest {
    /// Move forward by this many whole seconds.
    #[schema(value_type = Option<u64>)]
    pub advance_seconds: Option<serde_json::Number>,
    /// Jump to this instant (not earlier than the clock's now).
    pub set: Option<String>,
    /// `true`: remove the offset.
    pub reset: Option<bool>,
}

/// A partner's clock in the global view.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartnerClockItem {
    /// Partner tenant id.
    pub partner_tenant_id: String,
    /// Its own offset in seconds.
    #[schema(value_type = f64)]
    pub offset_seconds: serde_json::Number,
    /// Its now.
    pub now: String,
}

/// The global clock.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GlobalClockDto {
    /// Real time.
    pub real_now: String,
    /// Global offset in seconds.
    #[schema(value_type = f64)]
    pub offset_seconds: serde_json::Number,
    /// Global now.
    pub now: String,
    /// Partners with an own offset.
    pub partners: Vec<PartnerClockItem>,
}

/// One partner's clock.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartnerClockDto {
    /// Partner tenant id.
    pub partner_tenant_id: String,
    /// Real time.
    pub real_now: String,
    /// Global offset in seconds.
    #[schema(value_type = f64)]
    pub global_offset_seconds: serde_json::Number,
    /// The partner's own offset in seconds.
    #[schema(value_type = f64)]
    pub offset_seconds: serde_json::Number,
    /// The partner's now.
    pub now: String,
}

fn global_view(state: &ClockState) -> GlobalClockDto {
    GlobalClockDto {
        real_now: datetime::format_utc(&state.real_now),
        offset_seconds: seconds(state.global_offset_ms),
        now: datetime::format_utc(&state.global_now()),
        partners: state
            .partner_offsets_ms
            .iter()
            .map(|(tenant, ms)| PartnerClockItem {
                partner_tenant_id: tenant.clone(),
                offset_seconds: seconds(*ms),
                now: datetime::format_utc(&state.partner_now(tenant)),
            })
            .collect(),
    }
}

fn partner_view(state: &ClockState, tenant: &str) -> PartnerClockDto {
    PartnerClockDto {
        partner_tenant_id: tenant.to_owned(),
        real_now: datetime::format_utc(&state.real_now),
        global_offset_seconds: seconds(state.global_offset_ms),
        offset_seconds: seconds(state.partner_offset_ms(tenant)),
        now: datetime::format_utc(&state.partner_now(tenant)),
    }
}

fn parse_change(request: ClockChangeRequest) -> Result<ClockChange, ApiError> {
    let given = [
        request.advance_seconds.is_some(),
        request.set.is_some(),
        request.reset.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(field_error(
            990110,
            "body",
            "conflictingFields",
            "give exactly one of advanceSeconds, set or reset",
        ));
    }
    if let Some(n) = request.advance_seconds {
        let seconds = n.as_u64().filter(|s| *s <= MAX_ADVANCE_SECONDS).ok_or_else(|| {
            field_error(
                990110,
                "advanceSeconds",
                "outOfRange",
                "advanceSeconds must be a whole number from 0 to 315360000",
            )
        })?;
        return Ok(ClockChange::Advance(i64::try_from(seconds * 1000).unwrap_or(i64::MAX)));
    }
    if let Some(text) = request.set {
        let instant = datetime::parse(&text)
            .ok()
            .flatten()
            .ok_or_else(|| field_error(990110, "set", "invalidFormat", "set must be an ISO 8601 date-time"))?;
        return Ok(ClockChange::Set(instant));
    }
    match request.reset {
        Some(true) => Ok(ClockChange::Reset),
        _ => Err(field_error(990110, "reset", "unsupportedValue", "reset must be true")),
    }
}

/// GET /_mirror/clock
#[utoipa::path(tag = "mirror", responses((status = 200, description = "The global clock", body = GlobalClockDto)), security(("mirrorAdminToken" = [])))]
#[get("/_mirror/clock")]
pub async fn get_global_clock(_admin: Admin, state: web::Data<AppState>) -> Result<ApiReply, ApiError> {
    let clocks = state.store.run(clock::state).await?;
    ApiReply::ok(&global_view(&clocks))
}

/// POST /_mirror/clock
#[utoipa::path(
    tag = "mirror",
    request_body = ClockChangeRequest,
    responses(
        (status = 200, description = "The global clock after the change", body = GlobalClockDto),
        (status = 400, description = "Invalid change (990110)", body = crate::http::openapi::Fault),
        (status = 409, description = "The clock would move backwards (990150)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[post("/_mirror/clock")]
pub async fn change_global_clock(
    _admin: Admin,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let raw = json_body::read(payload).await;
    let change = parse_change(body::parse(&req, &raw, 990110)?)?;
    let clocks = state
        .store
        .change_control(move |conn| clock::change(conn, None, change))
        .await?;
    state.outbox_wake.notify_one();
    ApiReply::ok(&global_view(&clocks))
}

/// GET /_mirror/partners/{tenantId}/clock
#[utoipa::path(
    tag = "mirror",
    params(("tenantId" = String, Path, description = "Partner tenant id")),
    responses(
        (status = 200, description = "The partner's clock", body = PartnerClockDto),
        (status = 404, description = "Unknown partner (990130)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[get("/_mirror/partners/{tenantId}/clock")]
pub async fn get_partner_clock(
    _admin: Admin,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let tenant = tenant_path(&path)?;
    let tid = tenant.to_string();
    let clocks = state
        .store
        .run(move |conn| {
            if crate::service::registry::get(conn, &tenant)?.is_none() {
                return Err(ServiceError::UnknownPartner(tenant.to_string()));
            }
            clock::state(conn)
        })
        .await?;
    ApiReply::ok(&partner_view(&clocks, &tid))
}

/// POST /_mirror/partners/{tenantId}/clock
#[utoipa::path(
    tag = "mirror",
    params(("tenantId" = String, Path, description = "Partner tenant id")),
    request_body = ClockChangeRequest,
    responses(
        (status = 200, description = "The partner's clock after the change", body = PartnerClockDto),
        (status = 400, description = "Invalid change (990110)", body = crate::http::openapi::Fault),
        (status = 404, description = "Unknown partner (990130)", body = crate::http::openapi::Fault),
        (status = 409, description = "The clock would move backwards (990150)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[post("/_mirror/partners/{tenantId}/clock")]
pub async fn change_partner_clock(
    _admin: Admin,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let tenant = tenant_path(&path)?;
    let raw = json_body::read(payload).await;
    let change = parse_change(body::parse(&req, &raw, 990110)?)?;
    let tid = tenant.to_string();
    let scope = tid.clone();
    let clocks = state
        .store
        .change_control(move |conn| clock::change(conn, Some(&scope), change))
        .await?;
    // A clock change can make messages due: wake the SMTP dispatcher (control-plane spec §14).
    state.outbox_wake.notify_one();
    ApiReply::ok(&partner_view(&clocks, &tid))
}
