//! Agreement operations (a)–(d): metadata, confirming customer acceptance, the confirmation history, direct-sign status.

use actix_web::{get, post, web, HttpRequest};
use serde::Serialize;
use utoipa::ToSchema;

use super::caller::{AppUser, AppUserNoResellers, Authorized, Caller};
use super::collection::{with_query, Collection};
use super::error::ApiError;
use super::idempotent::run_once;
use super::json_body::{self, Obj, RawBody};
use super::query::QueryParams;
use super::reply::ApiReply;
use super::state::AppState;
use crate::domain::contact::{self, Contact};
use crate::domain::ids::{CustomerId, Guid};
use crate::domain::templates::{self, TypeFilter, LEGACY_TEMPLATE_ID};
use crate::domain::{datetime, FieldError, FieldErrors, Reason};
use crate::service::agreements::{self as rules, AgreementMetadata, Attestation, NewAttestation};

/// How far in the future `dateAgreed` may lie (UTC+14 is the time zone furthest ahead).
const FUTURE_LIMIT_HOURS: i64 = 14;

/// Agreement metadata of a template (contract §4.1).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgreementMetaDataDto {
    /// Template id to use when confirming acceptance.
    #[schema(example = "117a77b0-9360-443b-8795-c6dedc750cf9")]
    pub template_id: String,
    /// `MicrosoftCustomerAgreement` or the legacy `MicrosoftCloudAgreement`.
    #[schema(example = "MicrosoftCustomerAgreement")]
    pub agreement_type: String,
    /// Public link to the agreement text.
    pub agreement_link: String,
    /// Version rank.
    pub version_rank: i32,
}

impl From<AgreementMetadata> for AgreementMetaDataDto {
    fn from(m: AgreementMetadata) -> Self {
        AgreementMetaDataDto {
            template_id: m.template_id,
            agreement_type: m.agreement_type,
            agreement_link: m.agreement_link,
            version_rank: m.version_rank,
        }
    }
}

/// The customer-side person who accepted.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactDto {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
    /// Phone number; `null` when not given.
    pub phone_number: Option<String>,
}

impl From<Contact> for ContactDto {
    fn from(c: Contact) -> Self {
        ContactDto {
            first_name: c.first_name,
            last_name: c.last_name,
            email: c.email,
            phone_number: c.phone_number,
        }
    }
}

/// A confirmation of customer acceptance (contract §4.2, §4.3).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgreementDto {
    /// Partner user who confirmed (from the token's `oid`); `null` when unknown.
    pub user_id: Option<String>,
    /// The customer's primary contact.
    pub primary_contact: ContactDto,
    /// Template id.
    pub template_id: String,
    /// When the customer agreed (UTC).
    pub date_agreed: String,
    /// Agreement type, from the template.
    #[serde(rename = "type")]
    pub agreement_type: String,
    /// Link to the agreement, from the template.
    pub agreement_link: String,
}

impl From<Attestation> for AgreementDto {
    fn from(a: Attestation) -> Self {
        AgreementDto {
            user_id: a.user_id,
            primary_contact: a.contact.into(),
            template_id: a.template_id,
            date_agreed: datetime::format_utc(&a.date_agreed),
            agreement_type: a.agreement_type,
            agreement_link: a.agreement_link,
        }
    }
}

/// Body of a confirmation (any member-name casing is accepted; `type`, `userId`, `agreementLink`, `attributes` are ignored).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmAcceptanceRequest {
    /// The customer-side person who accepted.
    pub primary_contact: ContactDto,
    /// Template id of the Customer Agreement.
    #[schema(example = "117a77b0-9360-443b-8795-c6dedc750cf9")]
    pub template_id: String,
    /// When the customer agreed; not later than now + 14 h.
    #[schema(example = "2018-06-14T00:00:00.000Z")]
    pub date_agreed: String,
    /// Ignored: the type comes from the template.
    #[serde(rename = "type")]
    pub agreement_type: Option<String>,
}

/// Direct-sign status (contract §4.4).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DirectSignStatusDto {
    /// True once the customer accepted the Customer Agreement directly.
    pub is_signed: bool,
}

/// Parses a customer id path segment (contract §3.6).
pub fn customer_id(raw: &str) -> Result<CustomerId, ApiError> {
    Guid::parse(raw).ok_or_else(ApiError::invalid_customer_id)
}

/// GET /v1/agreements
#[utoipa::path(
    tag = "agreements",
    params(("agreementType" = Option<String>, Query, description = "Omitted: MicrosoftCloudAgreement; `*`: all types")),
    responses(
        (status = 200, description = "Agreement metadata", body = Collection<AgreementMetaDataDto>),
        (status = 401, description = "Token missing or invalid (800001, 900420, 900421)", body = super::openapi::Fault),
        (status = 403, description = "App-only token (900329) or missing role (900150)", body = super::openapi::Fault),
    ),
    security(("bearer" = []))
)]
#[get("/v1/agreements")]
pub async fn list_agreement_metadata(
    auth: Authorized<AppUser>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    // Static data: no database work beyond confirming the admission where another instance may change it.
    state.store.confirm(&auth.caller.admission).await?;
    let query = QueryParams::parse(req.query_string());
    let filter = TypeFilter::from_query(query.get("agreementType"));
    let items = rules::metadata(&filter);
    let items: Vec<AgreementMetaDataDto> = items.into_iter().map(Into::into).collect();
    ApiReply::ok(&Collection::new(
        items,
        with_query("/agreements".into(), req.query_string()),
        None,
    ))
}

/// POST /v1/customers/{customer_tenant_id}/agreements
#[utoipa::path(
    tag = "agreements",
    params(("customer_tenant_id" = String, Path, description = "Customer tenant id (GUID)")),
    request_body = ConfirmAcceptanceRequest,
    responses(
        (status = 201, description = "Acceptance confirmed", body = AgreementDto),
        (status = 400, description = "Invalid input (800002), customer id not a GUID (900118), or duplicate confirmation (600061, business-error shape)", body = super::openapi::Fault),
        (status = 401, description = "Token missing or invalid", body = super::openapi::Fault),
        (status = 403, description = "App-only token (900329), missing role (900150), indirect reseller (2032), relationship removed (20002)", body = super::openapi::Fault),
        (status = 404, description = "Customer unknown (60003)", body = super::openapi::Fault),
        (status = 409, description = "MS-RequestId reused for a different request (990001)", body = super::openapi::Fault),
    ),
    security(("bearer" = []))
)]
#[post("/v1/customers/{customer_tenant_id}/agreements")]
pub async fn confirm_customer_acceptance(
    auth: Authorized<AppUserNoResellers>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let caller = auth.caller;
    let body = json_body::read(payload).await;
    let customer = customer_id(&path);
    let input = parse_attestation(&req, &body, &caller);
    let (tenant, user) = (caller.tenant.clone(), caller.user_id.clone());
    let reply = run_once(&req, &state, &caller, &body, move |conn, now| {
        let attestation = rules::attest(conn, &tenant, user.as_deref(), &customer?, input, now)?;
        ApiReply::created(&AgreementDto::from(attestation))
    })
    .await?;
    if !reply.replayed {
        // A new outbox message: the SMTP dispatcher, when there is one, looks at once.
        state.outbox_wake.notify_one();
    }
    Ok(reply)
}

fn parse_attestation(req: &HttpRequest, body: &RawBody, caller: &Caller) -> Result<NewAttestation, FieldErrors> {
    let value = json_body::parse(req, body)?;
    let root = Obj::root(&value);
    let mut errors = FieldErrors::new();
    let contact = match errors.keep(root.required_object("primaryContact", "primaryContact")) {
        Some(obj) => parse_contact(obj, &mut errors),
        None => None,
    };
    let template = match errors.keep(root.required_string("templateId")) {
        Some(raw) => errors.keep(parse_template(raw)),
        None => None,
    };
    let date_agreed = match errors.keep(root.string("dateAgreed")) {
        Some(Some(raw)) if !raw.trim().is_empty() => errors.keep(parse_date_agreed(raw, caller)),
        Some(_) => {
            errors.push(FieldError::required("dateAgreed"));
            None
        }
        None => None,
    };
    let _ignored_type = errors.keep(root.string("type"));
    errors.into_result(|| {
        Some(NewAttestation {
            contact: contact?,
            template: template?,
            date_agreed: date_agreed?,
        })
    })
}

fn parse_contact(obj: Obj<'_>, errors: &mut FieldErrors) -> Option<Contact> {
    let mut text = |name: &str, parse: fn(&str, &str) -> Result<String, FieldError>| {
        let path = obj.path_of(name);
        match errors.keep(obj.string(name)) {
            Some(Some(value)) => errors.keep(parse(&path, value)),
            Some(None) => {
                errors.push(FieldError::required(&path));
                None
            }
            None => None,
        }
    };
    let first_name = text("firstName", contact::parse_name);
    let last_name = text("lastName", contact::parse_name);
    let email = text("email", contact::parse_email);
    let phone_path = obj.path_of("phoneNumber");
    let phone = match errors.keep(obj.string("phoneNumber")) {
        Some(Some(value)) => errors.keep(contact::parse_phone(&phone_path, value)),
        Some(None) => Some(None),
        None => None,
    };
    Some(Contact {
        first_name: first_name?,
        last_name: last_name?,
        email: email?,
        phone_number: phone?,
    })
}

fn parse_template(raw: &str) -> Result<&'static templates::Template, FieldError> {
    let id = Guid::parse(raw)
        .ok_or_else(|| FieldError::new("templateId", Reason::InvalidFormat, "templateId must be a GUID"))?;
    if id.as_str() == LEGACY_TEMPLATE_ID {
        return Err(FieldError::new(
            "templateId",
            Reason::TemplateNotSupported,
            format!("Microsoft Cloud Agreement Template ID '{LEGACY_TEMPLATE_ID}' is no longer supported."),
        ));
    }
    templates::by_id(id.as_str()).ok_or_else(|| {
        FieldError::new(
            "templateId",
            Reason::UnknownTemplate,
            format!("templateId {id} is not a known agreement template"),
        )
    })
}

fn parse_date_agreed(raw: &str, caller: &Caller) -> Result<chrono::DateTime<chrono::Utc>, FieldError> {
    let parsed = datetime::parse(raw).map_err(|_| {
        FieldError::new(
            "dateAgreed",
            Reason::InvalidFormat,
            "dateAgreed must be an ISO 8601 date-time such as 2018-06-14T00:00:00Z",
        )
    })?;
    let value = parsed.ok_or_else(|| FieldError::required("dateAgreed"))?;
    if value > caller.now + chrono::Duration::hours(FUTURE_LIMIT_HOURS) {
        return Err(FieldError::new(
            "dateAgreed",
            Reason::FutureDate,
            "dateAgreed must not be in the future",
        ));
    }
    Ok(value)
}

/// GET /v1/customers/{customer_tenant_id}/agreements
#[utoipa::path(
    tag = "agreements",
    params(
        ("customer_tenant_id" = String, Path, description = "Customer tenant id (GUID)"),
        ("agreementType" = Option<String>, Query, description = "Omitted: MicrosoftCloudAgreement; `*`: all types"),
    ),
    responses(
        (status = 200, description = "Confirmations, newest recorded first", body = Collection<AgreementDto>),
        (status = 400, description = "Customer id not a GUID (900118)", body = super::openapi::Fault),
        (status = 401, description = "Token missing or invalid", body = super::openapi::Fault),
        (status = 403, description = "App-only token (900329), missing role (900150), indirect reseller (2032), relationship removed (20002)", body = super::openapi::Fault),
        (status = 404, description = "Customer unknown (60003)", body = super::openapi::Fault),
    ),
    security(("bearer" = []))
)]
#[get("/v1/customers/{customer_tenant_id}/agreements")]
pub async fn list_customer_agreements(
    auth: Authorized<AppUserNoResellers>,
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let caller = auth.caller;
    let customer = customer_id(&path)?;
    let query = QueryParams::parse(req.query_string());
    let filter = TypeFilter::from_query(query.get("agreementType"));
    let self_uri = with_query(format!("/customers/{customer}/agreements"), req.query_string());
    let tenant = caller.tenant.clone();
    let items = state
        .store
        .read_for(&caller.admission, move |conn, _| {
            rules::history(conn, &tenant, &customer, &filter)
        })
        .await?;
    let items: Vec<AgreementDto> = items.into_iter().map(Into::into).collect();
    ApiReply::ok(&Collection::new(items, self_uri, None))
}

/// GET /v1/customers/{customer_tenant_id}/directSignedMicrosoftCustomerAgreementStatus
#[utoipa::path(
    tag = "agreements",
    params(("customer_tenant_id" = String, Path, description = "Customer tenant id (GUID)")),
    responses(
        (status = 200, description = "Whether the customer accepted directly", body = DirectSignStatusDto),
        (status = 400, description = "Customer id not a GUID (900118)", body = super::openapi::Fault),
        (status = 401, description = "Token missing or invalid", body = super::openapi::Fault),
        (status = 403, description = "App-only token (900329), missing role (900150), indirect reseller (2032), relationship removed (20002)", body = super::openapi::Fault),
        (status = 404, description = "Customer unknown (60003)", body = super::openapi::Fault),
    ),
    security(("bearer" = []))
)]
#[get("/v1/customers/{customer_tenant_id}/directSignedMicrosoftCustomerAgreementStatus")]
pub async fn direct_signed_status(
    auth: Authorized<AppUserNoResellers>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let caller = auth.caller;
    let customer = customer_id(&path)?;
    let tenant = caller.tenant.clone();
    let is_signed = state
        .store
        .read_for(&caller.admission, move |conn, _| {
            rules::direct_signed(conn, &tenant, &customer)
        })
        .await?;
    ApiReply::ok(&DirectSignStatusDto { is_signed })
}
