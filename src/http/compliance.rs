//! Operation (h): MPA status of a partner, `GET /v1/compliance/csp/agreementstatus` (contract §4.8).

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest};
use serde::Serialize;
use utoipa::ToSchema;

use super::caller::{AnyMode, Authorized};
use super::error::{ApiError, SOURCE_PARTNER_FD};
use super::query::QueryParams;
use super::reply::ApiReply;
use super::state::AppState;
use crate::domain::ids::Guid;
use crate::service::compliance::{self, MpaRefusal};

const CONTROLLERS: &str = "PartnerApiServiceControllers";
const COMPLIANCE: &str = "ComplianceController";

/// MPA status.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgreementStatusDto {
    /// Always true: unsigned partners are refused with 2203/2206.
    pub is_agreement_signed: bool,
}

fn refused(code: i64, description: &str, source: &'static str) -> ApiError {
    ApiError::fault_from(StatusCode::BAD_REQUEST, code, description, source)
}

impl From<MpaRefusal> for ApiError {
    fn from(refusal: MpaRefusal) -> Self {
        let (code, description) = match refusal {
            MpaRefusal::UnknownMpnId => (2200, "MPN id unknown to Partner Center."),
            MpaRefusal::NotIndirectReseller => (2204, "MPN id is not an indirect reseller account."),
            MpaRefusal::MpnNotSigned | MpaRefusal::TenantNotSigned => (
                if refusal == MpaRefusal::MpnNotSigned {
                    2203
                } else {
                    2206
                },
                "The partner has not signed the Microsoft Partner Agreement.",
            ),
            MpaRefusal::UnknownTenant => (2205, "No Partner Center account exists for this tenant id."),
        };
        refused(code, description, SOURCE_PARTNER_FD)
    }
}

/// GET /v1/compliance/csp/agreementstatus
#[utoipa::path(
    tag = "customers",
    params(
        ("mpnId" = Option<String>, Query, description = "MPN id of the partner to check"),
        ("tenantId" = Option<String>, Query, description = "Tenant id of the partner to check"),
    ),
    responses(
        (status = 200, description = "The partner signed the Microsoft Partner Agreement", body = AgreementStatusDto),
        (status = 400, description = "Input or lookup failure (2000, 2001, 2200, 2203, 2204, 2205, 2206)", body = super::openapi::Fault),
        (status = 401, description = "Token missing or invalid", body = super::openapi::Fault),
        (status = 403, description = "Missing role (900150)", body = super::openapi::Fault),
    ),
    security(("bearer" = []))
)]
#[get("/v1/compliance/csp/agreementstatus")]
pub async fn agreement_status(
    auth: Authorized<AnyMode>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let query = QueryParams::parse(req.query_string());
    let outcome = match (query.get("mpnId"), query.get("tenantId")) {
        (None, None) => return Err(refused(2001, "One of mpnId or tenantId is required.", COMPLIANCE)),
        (Some(_), Some(_)) => return Err(refused(2000, "Give only one of mpnId or tenantId.", COMPLIANCE)),
        (Some(mpn), None) => {
            if mpn.is_empty() || !mpn.bytes().all(|b| b.is_ascii_digit()) {
                return Err(refused(2000, "MPN id must be a number.", CONTROLLERS));
            }
            let mpn = mpn.to_owned();
            state
                .store
                .read_for(&auth.caller.admission, move |conn, _| compliance::by_mpn_id(conn, &mpn))
                .await?
        }
        (None, Some(tenant)) => {
            let tenant = Guid::parse(tenant).ok_or_else(|| refused(2000, "Tenant Id must be a GUID.", CONTROLLERS))?;
            state
                .store
                .read_for(&auth.caller.admission, move |conn, _| {
                    compliance::by_tenant_id(conn, tenant.as_str())
                })
                .await?
        }
    };
    outcome.map_err(ApiError::from)?;
    ApiReply::ok(&AgreementStatusDto {
        is_agreement_signed: true,
    })
}
