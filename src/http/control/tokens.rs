//! `POST /_mirror/tokens`: test tokens signed with the development key (control-plane spec §7).

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::admin::Admin;
use super::body::{self, field_error};
use crate::auth::mint::{self, TokenSpec};
use crate::domain::ids::Guid;
use crate::http::error::ApiError;
use crate::http::json_body::{self, RawBody};
use crate::http::reply::ApiReply;
use crate::http::state::AppState;

/// What to mint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MintTokenRequest {
    /// Partner tenant id (GUID): `tid` and the `{tid}` of `iss`.
    pub tenant_id: String,
    /// Partner user (`oid`); default UUIDv5 of `urn:partner-center-mirror:user:<tenantId>`.
    pub user_id: Option<String>,
    /// Roles, copied as sent; default `["AdminAgents"]`.
    pub roles: Option<Vec<String>>,
    /// App-only token.
    pub app_only: Option<bool>,
    /// `amr` holds `mfa` (default true).
    pub mfa: Option<bool>,
    /// Lifetime, 1 to 86400 seconds (default 3600).
    pub ttl_seconds: Option<i64>,
    /// Audience; default the first accepted audience.
    pub audience: Option<String>,
    /// Claims merged last; a null value removes a claim.
    pub extra_claims: Option<Map<String, Value>>,
}

/// A minted token.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MintedToken {
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// The JWT.
    pub access_token: String,
    /// Lifetime in seconds.
    pub expires_in: i64,
}

/// POST /_mirror/tokens
#[utoipa::path(
    tag = "mirror",
    request_body = MintTokenRequest,
    responses(
        (status = 200, description = "A token accepted by every /v1 check", body = MintedToken),
        (status = 400, description = "Invalid request (990110)", body = crate::http::openapi::Fault),
        (status = 401, description = "Admin token missing or wrong (990100, 990101)", body = crate::http::openapi::Fault),
        (status = 409, description = "The development key is disabled (990160)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[post("/_mirror/tokens")]
pub async fn mint_token(
    _admin: Admin,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let raw: RawBody = json_body::read(payload).await;
    let request: MintTokenRequest = body::parse(&req, &raw, 990110)?;
    let tenant = Guid::parse(&request.tenant_id)
        .ok_or_else(|| field_error(990110, "tenantId", "invalidFormat", "tenantId must be a GUID"))?;
    let user_id = match &request.user_id {
        Some(raw) => Some(
            Guid::parse(raw)
                .ok_or_else(|| field_error(990110, "userId", "invalidFormat", "userId must be a GUID"))?
                .into_string(),
        ),
        None => None,
    };
    let ttl_seconds = request.ttl_seconds.unwrap_or(3600);
    if !(1..=86_400).contains(&ttl_seconds) {
        return Err(field_error(
            990110,
            "ttlSeconds",
            "outOfRange",
            "ttlSeconds must be between 1 and 86400",
        ));
    }
    let slot = state.dev_key.clone().ok_or_else(|| {
        ApiError::mirror(
            StatusCode::CONFLICT,
            990160,
            "The development key is disabled; tokens cannot be minted.",
        )
    })?;
    let spec = TokenSpec {
        tenant_id: tenant.to_string(),
        user_id,
        roles: request.roles.unwrap_or_else(|| vec!["AdminAgents".to_owned()]),
        app_only: request.app_only.unwrap_or(false),
        mfa: request.mfa.unwrap_or(true),
        ttl_seconds,
        audience: request.audience.unwrap_or_else(|| state.default_audience.clone()),
    };
    let key = slot
        .get()
        .await
        .map_err(|e| ApiError::from(crate::service::ServiceError::Internal(e)).from_mirror())?;
    let tid = tenant.to_string();
    let now = state.store.now_for(Some(tid)).await?;
    let mut claims = mint::claims(&spec, now);
    if let (Some(map), Some(extra)) = (claims.as_object_mut(), request.extra_claims) {
        for (name, value) in extra {
            if value.is_null() {
                map.remove(&name);
            } else {
                map.insert(name, value);
            }
        }
    }
    let access_token = key
        .sign(&claims)
        .map_err(|e| ApiError::from(crate::service::ServiceError::Internal(e.to_string())).from_mirror())?;
    ApiReply::ok(&MintedToken {
        token_type: "Bearer",
        access_token,
        expires_in: ttl_seconds,
    })
}
