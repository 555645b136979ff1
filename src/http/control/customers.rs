//! Customers as the control plane sees them (control-plane spec §9): internal view, list, scenario flag,
//! direct acceptance and relationships.

use actix_web::{get, post, put, web, HttpRequest};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::admin::Admin;
use super::body::{self, field_error};
use super::partners::tenant_path;
use crate::domain::customer::Relationship;
use crate::domain::datetime;
use crate::domain::ids::{CustomerId, Guid};
use crate::http::agreements::AgreementDto;
use crate::http::error::ApiError;
use crate::http::json_body;
use crate::http::query::QueryParams;
use crate::http::reply::ApiReply;
use crate::http::state::AppState;
use crate::service::customer_admin::{self, CustomerRecord, CustomerSummary};
use crate::service::{clock, partners};

/// An attestation in the internal view: the /v1 item plus `recordedAt`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordedAttestationDto {
    /// The attestation as /v1 shows it.
    #[serde(flatten)]
    pub agreement: AgreementDto,
    /// When the mirror recorded it.
    pub recorded_at: String,
}

/// One partner's side of a customer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartnerLinkDto {
    /// Partner tenant id.
    pub partner_tenant_id: String,
    /// `reseller` or `none`.
    pub relationship_to_partner: &'static str,
    /// Since when.
    pub since: String,
    /// Whether (g) would accept an order from this partner.
    pub purchase_gate_open: bool,
    /// Orders as answered by (g).
    pub orders: Vec<Value>,
    /// Attestations, newest recorded first.
    pub attestations: Vec<RecordedAttestationDto>,
}

/// Direct acceptance.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AcceptanceDto {
    /// When the customer accepted.
    pub accepted_at: String,
}

/// Everything the mirror knows about a customer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRecordDto {
    /// Customer tenant id.
    pub id: String,
    /// Domain.
    pub domain: String,
    /// Company name.
    pub company_name: String,
    /// Commerce id.
    pub commerce_id: String,
    /// Creation time.
    pub created_at: String,
    /// The partner that created the customer.
    pub owner_partner_tenant_id: Option<String>,
    /// Admin sign-in name.
    pub admin_sign_in_name: String,
    /// Scenario flag.
    pub has_legacy_purchases: bool,
    /// Direct acceptance or null.
    pub direct_acceptance: Option<AcceptanceDto>,
    /// Partners that know the customer.
    pub partners: Vec<PartnerLinkDto>,
}

impl From<CustomerRecord> for CustomerRecordDto {
    fn from(r: CustomerRecord) -> Self {
        CustomerRecordDto {
            id: r.id,
            domain: r.domain,
            company_name: r.company_name,
            commerce_id: r.commerce_id,
            created_at: datetime::format_utc(&r.created_at),
            owner_partner_tenant_id: r.owner_partner_tenant_id,
            admin_sign_in_name: r.admin_sign_in_name,
            has_legacy_purchases: r.has_legacy_purchases,
            direct_acceptance: r.direct_acceptance.map(|at| AcceptanceDto {
                accepted_at: datetime::format_utc(&at),
            }),
            partners: r
                .partners
                .into_iter()
                .map(|p| PartnerLinkDto {
                    partner_tenant_id: p.partner_tenant_id,
                    relationship_to_partner: p.relationship.as_str(),
                    since: datetime::format_utc(&p.since),
                    purchase_gate_open: p.purchase_gate_open,
                    orders: p
                        .orders
                        .into_iter()
                        .map(|o| {
                            serde_json::json!({
                                "id": o.id, "referenceCustomerId": o.reference_customer_id, "billingCycle": o.billing_cycle,
                                "lineItems": serde_json::from_str::<Value>(&o.line_items).unwrap_or(Value::Null),
                                "creationDate": datetime::format_utc(&clock::from_row_time(o.creation_date)),
                                "status": o.status, "attributes": { "objectType": "Order" }
                            })
                        })
                        .collect(),
                    attestations: p
                        .attestations
                        .into_iter()
                        .map(|a| RecordedAttestationDto {
                            recorded_at: datetime::format_utc(&a.recorded_at),
                            agreement: AgreementDto::from(a),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// A line of the customer list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerSummaryDto {
    /// Customer tenant id.
    pub id: String,
    /// Domain.
    pub domain: String,
    /// Company name.
    pub company_name: String,
    /// Owner.
    pub owner_partner_tenant_id: Option<String>,
    /// Scenario flag.
    pub has_legacy_purchases: bool,
    /// Direct acceptance recorded.
    pub is_signed: bool,
}

impl From<CustomerSummary> for CustomerSummaryDto {
    fn from(s: CustomerSummary) -> Self {
        CustomerSummaryDto {
            id: s.id,
            domain: s.domain,
            company_name: s.company_name,
            owner_partner_tenant_id: s.owner_partner_tenant_id,
            has_legacy_purchases: s.has_legacy_purchases,
            is_signed: s.is_signed,
        }
    }
}

/// The customer list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerSummaryList {
    /// Number of items.
    pub total_count: usize,
    /// Customers ordered by creation.
    pub items: Vec<CustomerSummaryDto>,
}

fn customer_path(raw: &str) -> Result<CustomerId, ApiError> {
    Guid::parse(raw).ok_or_else(|| {
        field_error(
            990110,
            "customerTenantId",
            "invalidFormat",
            "customerTenantId must be a GUID",
        )
    })
}

/// GET /_mirror/customers
#[utoipa::path(
    tag = "mirror",
    params(("partnerTenantId" = Option<String>, Query, description = "Only customers this partner knows")),
    responses((status = 200, description = "Customers ordered by creation", body = CustomerSummaryList)),
    security(("mirrorAdminToken" = []))
)]
#[get("/_mirror/customers")]
pub async fn list_customers(_admin: Admin, req: HttpRequest, state: web::Data<AppState>) -> Result<ApiReply, ApiError> {
    let query = QueryParams::parse(req.query_string());
    let partner = match query.get("partnerTenantId") {
        Some(raw) => Some(Guid::parse(raw).ok_or_else(|| {
            field_error(
                990110,
                "partnerTenantId",
                "invalidFormat",
                "partnerTenantId must be a GUID",
            )
        })?),
        None => None,
    };
    let items: Vec<CustomerSummaryDto> = state
        .store
        .run(move |conn| customer_admin::list(conn, partner.as_ref()))
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    ApiReply::ok(&CustomerSummaryList {
        total_count: items.len(),
        items,
    })
}

/// GET /_mirror/customers/{customerTenantId}
#[utoipa::path(
    tag = "mirror",
    params(("customerTenantId" = String, Path, description = "Customer tenant id")),
    responses(
        (status = 200, description = "The internal view", body = CustomerRecordDto),
        (status = 404, description = "Unknown customer (990131)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[get("/_mirror/customers/{customerTenantId}")]
pub async fn get_customer(
    _admin: Admin,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let customer = customer_path(&path)?;
    let record = state
        .store
        .run(move |conn| customer_admin::record(conn, &customer))
        .await?;
    ApiReply::ok(&CustomerRecordDto::from(record))
}

/// Body of the scenario flag.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScenarioRequest {
    /// The customer bought through a partner relationship before and must have a partner attest.
    pub has_legacy_purchases: bool,
}

/// PUT /_mirror/customers/{customerTenantId}/scenario
#[utoipa::path(
    tag = "mirror",
    params(("customerTenantId" = String, Path, description = "Customer tenant id")),
    request_body = ScenarioRequest,
    responses(
        (status = 200, description = "The internal view", body = CustomerRecordDto),
        (status = 400, description = "Invalid request (990110)", body = crate::http::openapi::Fault),
        (status = 404, description = "Unknown customer (990131)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[put("/_mirror/customers/{customerTenantId}/scenario")]
pub async fn put_scenario(
    _admin: Admin,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let customer = customer_path(&path)?;
    let raw = json_body::read(payload).await;
    let request: ScenarioRequest = body::parse(&req, &raw, 990110)?;
    let record = state
        .store
        .run(move |conn| customer_admin::set_scenario(conn, &customer, request.has_legacy_purchases))
        .await?;
    ApiReply::ok(&CustomerRecordDto::from(record))
}

/// Body of a direct acceptance.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DirectAcceptanceRequest {
    /// When the customer accepted; default the global mirror now.
    pub accepted_at: Option<String>,
}

/// Answer of a direct acceptance.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DirectAcceptanceDto {
    /// Customer tenant id.
    pub customer_tenant_id: String,
    /// Always true.
    pub is_signed: bool,
    /// When the customer accepted.
    pub accepted_at: String,
    /// True when an earlier acceptance was kept.
    pub already_accepted: bool,
}

/// POST /_mirror/customers/{customerTenantId}/direct-acceptance
#[utoipa::path(
    tag = "mirror",
    params(("customerTenantId" = String, Path, description = "Customer tenant id")),
    request_body = DirectAcceptanceRequest,
    responses(
        (status = 200, description = "Direct acceptance recorded (or already recorded)", body = DirectAcceptanceDto),
        (status = 400, description = "Invalid request or future date (990110)", body = crate::http::openapi::Fault),
        (status = 404, description = "Unknown customer (990131)", body = crate::http::openapi::Fault),
        (status = 409, description = "Legacy purchases: the partner must attest (990132)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[post("/_mirror/customers/{customerTenantId}/direct-acceptance")]
pub async fn accept_directly(
    _admin: Admin,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let customer = customer_path(&path)?;
    let raw = json_body::read(payload).await;
    let request: DirectAcceptanceRequest = body::parse(&req, &raw, 990110)?;
    let accepted_at = match request.accepted_at.as_deref() {
        Some(text) => Some(datetime::parse(text).ok().flatten().ok_or_else(|| {
            field_error(
                990110,
                "acceptedAt",
                "invalidFormat",
                "acceptedAt must be an ISO 8601 date-time",
            )
        })?),
        None => None,
    };
    let id = customer.to_string();
    let outcome = state
        .store
        .run(move |conn| {
            let now = partners::now_for(conn, None)?;
            customer_admin::accept_directly(conn, &customer, accepted_at, now)
        })
        .await
        .map_err(|e| match ApiError::from(e) {
            ApiError::Fault {
                code: 800002,
                data,
                description,
                ..
            } => ApiError::mirror_with_data(actix_web::http::StatusCode::BAD_REQUEST, 990110, description, data),
            other => other,
        })?;
    ApiReply::ok(&DirectAcceptanceDto {
        customer_tenant_id: id,
        is_signed: true,
        accepted_at: datetime::format_utc(&outcome.accepted_at),
        already_accepted: outcome.already_accepted,
    })
}

/// Body of a relationship change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RelationshipRequest {
    /// `reseller` or `none` (any case).
    pub relationship_to_partner: String,
}

/// PUT /_mirror/customers/{customerTenantId}/relationships/{partnerTenantId}
#[utoipa::path(
    tag = "mirror",
    params(
        ("customerTenantId" = String, Path, description = "Customer tenant id"),
        ("partnerTenantId" = String, Path, description = "Partner tenant id"),
    ),
    request_body = RelationshipRequest,
    responses(
        (status = 200, description = "The internal view", body = CustomerRecordDto),
        (status = 400, description = "Invalid request (990110)", body = crate::http::openapi::Fault),
        (status = 404, description = "Unknown customer (990131) or partner (990130)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[put("/_mirror/customers/{customerTenantId}/relationships/{partnerTenantId}")]
pub async fn put_relationship(
    _admin: Admin,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let (customer, partner) = path.into_inner();
    let customer = customer_path(&customer)?;
    let partner = tenant_path(&partner)?;
    let raw = json_body::read(payload).await;
    let request: RelationshipRequest = body::parse(&req, &raw, 990110)?;
    let relationship = Relationship::parse(&request.relationship_to_partner).ok_or_else(|| {
        field_error(
            990110,
            "relationshipToPartner",
            "unsupportedValue",
            "relationshipToPartner must be reseller or none",
        )
    })?;
    let record = state
        .store
        .run(move |conn| customer_admin::set_relationship(conn, &customer, &partner, relationship))
        .await?;
    ApiReply::ok(&CustomerRecordDto::from(record))
}
