//! Partner registrations (control-plane spec §8): `PUT`/`GET /_mirror/partners/{tenantId}`, `GET /_mirror/partners`.

use actix_web::http::StatusCode;
use actix_web::{get, put, web, HttpRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::admin::Admin;
use super::body::{self, field_error};
use crate::domain::ids::Guid;
use crate::domain::partner::PartnerType;
use crate::http::error::ApiError;
use crate::http::json_body;
use crate::http::reply::ApiReply;
use crate::http::state::AppState;
use crate::service::registry::{self, PartnerSettings, Registration};
use crate::service::ServiceError;

/// Seconds with up to three decimals from milliseconds, as a JSON number.
pub fn seconds(ms: i64) -> serde_json::Number {
    if ms % 1000 == 0 {
        serde_json::Number::from(ms / 1000)
    } else {
        serde_json::Number::from_f64(ms as f64 / 1000.0).unwrap_or_else(|| serde_json::Number::from(ms / 1000))
    }
}

/// Body of `PUT /_mirror/partners/{tenantId}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PartnerRequest {
    /// `directBill` (default), `indirectProvider` or `indirectReseller`.
    pub partner_type: Option<String>,
    /// MPN id: 1 to 12 digits, unique.
    pub mpn_id: Option<String>,
    /// Microsoft Partner Agreement signed (default true).
    pub mpa_signed: Option<bool>,
    /// An integration sandbox, whose customers can be deleted with `DELETE /v1/customers/{id}` (default false).
    pub integration_sandbox: Option<bool>,
}

/// A registration.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartnerDto {
    /// Partner tenant id.
    pub tenant_id: String,
    /// Partner type.
    pub partner_type: &'static str,
    /// MPN id or null.
    pub mpn_id: Option<String>,
    /// MPA signed.
    pub mpa_signed: bool,
    /// An integration sandbox: its customers can be deleted.
    pub integration_sandbox: bool,
    /// Registered on first sight by a /v1 call.
    pub auto_registered: bool,
    /// Customers the partner knows.
    pub customer_count: i64,
    /// The partner's own clock offset in seconds.
    #[schema(value_type = f64)]
    pub clock_offset_seconds: serde_json::Number,
    /// The partner's mirror now.
    pub now: String,
}

impl From<Registration> for PartnerDto {
    fn from(r: Registration) -> Self {
        PartnerDto {
            tenant_id: r.tenant_id,
            partner_type: r.partner_type.as_str(),
            mpn_id: r.mpn_id,
            mpa_signed: r.mpa_signed,
            integration_sandbox: r.integration_sandbox,
            auto_registered: r.auto_registered,
            customer_count: r.customer_count,
            clock_offset_seconds: seconds(r.clock_offset_ms),
            now: crate::domain::datetime::format_utc(&r.now),
        }
    }
}

/// The `{"totalCount", "items"}` envelope of control-plane collections.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartnerList {
    /// Number of items.
    pub total_count: usize,
    /// Registrations ordered by tenant id.
    pub items: Vec<PartnerDto>,
}

/// A path tenant id, or 400 990110.
pub fn tenant_path(raw: &str) -> Result<Guid, ApiError> {
    Guid::parse(raw).ok_or_else(|| field_error(990110, "tenantId", "invalidFormat", "tenantId must be a GUID"))
}

/// Validates the body of a registration.
pub fn partner_settings(request: PartnerRequest) -> Result<PartnerSettings, ApiError> {
    let partner_type = match request.partner_type.as_deref() {
        None => PartnerType::DirectBill,
        Some(raw) => PartnerType::parse(raw).ok_or_else(|| {
            field_error(
                990110,
                "partnerType",
                "unsupportedValue",
                "partnerType must be directBill, indirectProvider or indirectReseller",
            )
        })?,
    };
    if let Some(mpn) = &request.mpn_id {
        if mpn.is_empty() || mpn.len() > 12 || !mpn.bytes().all(|b| b.is_ascii_digit()) {
            return Err(field_error(
                990110,
                "mpnId",
                "invalidFormat",
                "mpnId must be 1 to 12 digits",
            ));
        }
    }
    Ok(PartnerSettings {
        partner_type,
        mpn_id: request.mpn_id,
        mpa_signed: request.mpa_signed.unwrap_or(true),
        integration_sandbox: request.integration_sandbox.unwrap_or(false),
    })
}

/// PUT /_mirror/partners/{tenantId}
#[utoipa::path(
    tag = "mirror",
    params(("tenantId" = String, Path, description = "Partner tenant id")),
    request_body = PartnerRequest,
    responses(
        (status = 201, description = "Registered", body = PartnerDto),
        (status = 200, description = "Registration replaced", body = PartnerDto),
        (status = 400, description = "Invalid request (990110)", body = crate::http::openapi::Fault),
        (status = 401, description = "Admin token missing or wrong", body = crate::http::openapi::Fault),
        (status = 409, description = "MPN id used by another partner (990133)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[put("/_mirror/partners/{tenantId}")]
pub async fn put_partner(
    _admin: Admin,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let tenant = tenant_path(&path)?;
    let raw = json_body::read(payload).await;
    let settings = partner_settings(body::parse(&req, &raw, 990110)?)?;
    let (registration, created) = state
        .store
        .change_control(move |conn| registry::put(conn, &tenant, settings))
        .await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    ApiReply::json(status, &PartnerDto::from(registration))
}

/// GET /_mirror/partners/{tenantId}
#[utoipa::path(
    tag = "mirror",
    params(("tenantId" = String, Path, description = "Partner tenant id")),
    responses(
        (status = 200, description = "The registration", body = PartnerDto),
        (status = 404, description = "Unknown partner (990130)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[get("/_mirror/partners/{tenantId}")]
pub async fn get_partner(
    _admin: Admin,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let tenant = tenant_path(&path)?;
    let found = state
        .store
        .run(move |conn| registry::get(conn, &tenant)?.ok_or(ServiceError::UnknownPartner(tenant.to_string())))
        .await?;
    ApiReply::ok(&PartnerDto::from(found))
}

/// GET /_mirror/partners
#[utoipa::path(
    tag = "mirror",
    responses((status = 200, description = "All registrations, ordered by tenant id", body = PartnerList)),
    security(("mirrorAdminToken" = []))
)]
#[get("/_mirror/partners")]
pub async fn list_partners(_admin: Admin, state: web::Data<AppState>) -> Result<ApiReply, ApiError> {
    let items: Vec<PartnerDto> = state
        .store
        .run(registry::list)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    ApiReply::ok(&PartnerList {
        total_count: items.len(),
        items,
    })
}
