//! Customer operations (f1)–(f5) and the sandbox deletion: create, list with continuation tokens and search, get,
//! relationship request, relationship removal, delete (contract §4.6).

use actix_web::{delete, get, patch, post, web, HttpRequest};
use serde::Serialize;
use utoipa::ToSchema;

use super::agreements::customer_id;
use super::caller::{AnyMode, AppUser, Authorized};
use super::collection::{Attributes, Collection, Link, LinkHeader};
use super::error::ApiError;
use super::idempotent::run_once;
use super::json_body::{self, Obj, RawBody};
use super::query::QueryParams;
use super::reply::ApiReply;
use super::state::AppState;
use crate::domain::contact;
use crate::domain::customer::{self as rules, Address, BillingProfile, NewCustomer};
use crate::domain::customer_filter::CustomerFilter;
use crate::domain::{FieldError, FieldErrors, Reason};
use crate::service::customers::{self, CreatedCustomer, Customer, CustomerPage, PageRequest, PageStart};

/// Largest page size of the customer list.
const MAX_PAGE_SIZE: i64 = 500;

/// Company profile of a customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompanyProfileDto {
    /// Customer tenant id.
    pub tenant_id: String,
    /// Domain.
    pub domain: String,
    /// Company name.
    pub company_name: String,
    /// `{"objectType":"CustomerCompanyProfile"}`.
    pub attributes: Attributes,
}

/// Billing address.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressDto {
    /// Country (two letters).
    pub country: String,
    /// City.
    pub city: String,
    /// State or region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// First address line.
    pub address_line1: String,
    /// Second address line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    /// Postal code.
    pub postal_code: String,
    /// Contact first name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Contact last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Contact phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

/// Billing profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BillingProfileDto {
    /// Billing profile id.
    pub id: String,
    /// Billing e-mail.
    pub email: String,
    /// Culture (`en-US`).
    pub culture: String,
    /// Language (`en`).
    pub language: String,
    /// Company name.
    pub company_name: String,
    /// Default address.
    pub default_address: AddressDto,
    /// `etag` and `objectType` `CustomerBillingProfile`.
    pub attributes: Attributes,
}

/// Admin credentials of a new customer, shown only in the create response.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserCredentialsDto {
    /// Admin user name (signs in as `admin@<domain>`).
    pub user_name: String,
    /// Generated password.
    pub password: String,
}

/// A customer (contract §4.6).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerDto {
    /// Customer tenant id.
    pub id: String,
    /// Commerce id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commerce_id: Option<String>,
    /// Company profile.
    pub company_profile: CompanyProfileDto,
    /// Billing profile (not in list items).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_profile: Option<BillingProfileDto>,
    /// `reseller` or `none`.
    pub relationship_to_partner: String,
    /// Admin credentials (create response only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_credentials: Option<UserCredentialsDto>,
    /// `{"objectType":"Customer"}`.
    pub attributes: Attributes,
}

impl CustomerDto {
    fn summary(c: &Customer) -> CustomerDto {
        CustomerDto {
            id: c.id.clone(),
            commerce_id: None,
            company_profile: CompanyProfileDto {
                tenant_id: c.id.clone(),
                domain: c.domain.clone(),
                company_name: c.company_name.clone(),
                attributes: Attributes::of("CustomerCompanyProfile"),
            },
            billing_profile: None,
            relationship_to_partner: c.relationship.as_str().to_owned(),
            user_credentials: None,
            attributes: Attributes::of("Customer"),
        }
    }

    fn full(c: &Customer) -> CustomerDto {
        let a: &Address = &c.billing.default_address;
        CustomerDto {
            commerce_id: Some(c.commerce_id.clone()),
            billing_profile: Some(BillingProfileDto {
                id: c.billing_profile_id.clone(),
                email: c.billing.email.clone(),
                culture: c.billing.culture.clone(),
                language: c.billing.language.clone(),
                company_name: c.billing.company_name.clone(),
                default_address: AddressDto {
                    country: a.country.clone(),
                    city: a.city.clone(),
                    state: a.state.clone(),
                    address_line1: a.address_line1.clone(),
                    address_line2: a.address_line2.clone(),
                    postal_code: a.postal_code.clone(),
                    first_name: a.first_name.clone(),
                    last_name: a.last_name.clone(),
                    phone_number: a.phone_number.clone(),
                },
                attributes: Attributes {
                    object_type: "CustomerBillingProfile",
                    etag: Some(c.billing_etag.clone()),
                },
            }),
            ..CustomerDto::summary(c)
        }
    }
}

impl From<CreatedCustomer> for CustomerDto {
    fn from(created: CreatedCustomer) -> Self {
        CustomerDto {
            user_credentials: Some(UserCredentialsDto {
                user_name: created.user_name.clone(),
                password: created.password.clone(),
            }),
            ..CustomerDto::full(&created.customer)
        }
    }
}

/// Body of a create-customer request (any member-name casing is accepted).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateCustomerRequest {
    /// `{"domain": "contoso.example.com"}`.
    pub company_profile: serde_json::Value,
    /// `{email, culture, language, companyName, defaultAddress: {country, city, addressLine1, postalCode, …}}`.
    pub billing_profile: serde_json::Value,
}

/// POST /v1/customers
#[utoipa::path(
    tag = "customers",
    request_body = CreateCustomerRequest,
    responses(
        (status = 201, description = "Customer created, with one-time admin credentials", body = CustomerDto),
        (status = 400, description = "Invalid input (800002)", body = super::openapi::Fault),
        (status = 401, description = "Token missing or invalid", body = super::openapi::Fault),
        (status = 403, description = "Missing role (900150)", body = super::openapi::Fault),
        (status = 409, description = "MS-RequestId reused for a different request (990001)", body = super::openapi::Fault),
    ),
    security(("bearer" = []))
)]
#[post("/v1/customers")]
pub async fn create_customer(
    auth: Authorized<AnyMode>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let caller = auth.caller;
    let body = json_body::read(payload).await;
    let input = parse_new_customer(&req, &body).map_err(|e| ApiError::invalid(&e));
    let tenant = caller.tenant.clone();
    run_once(&req, &state, &caller, &body, move |conn, now| {
        let created = customers::create(conn, &tenant, input?, now)?;
        ApiReply::created(&CustomerDto::from(created))
    })
    .await
}

fn required_text(
    obj: Obj<'_>,
    name: &str,
    errors: &mut FieldErrors,
    parse: impl FnOnce(&str, &str) -> Result<String, FieldError>,
) -> Option<String> {
    let value = errors.keep(obj.required_string(name))?;
    errors.keep(parse(&obj.path_of(name), value))
}

fn optional_text(obj: Obj<'_>, name: &str, errors: &mut FieldErrors) -> Option<Option<String>> {
    match errors.keep(obj.string(name))? {
        Some(value) if !value.is_empty() => errors.keep(rules::parse_text(&obj.path_of(name), value, 256)).map(Some),
        _ => Some(None),
    }
}

fn parse_new_customer(req: &HttpRequest, body: &RawBody) -> Result<NewCustomer, FieldErrors> {
    let value = json_body::parse(req, body)?;
    let root = Obj::root(&value);
    let mut errors = FieldErrors::new();
    let domain = errors
        .keep(root.required_object("companyProfile", "companyProfile"))
        .and_then(|profile| required_text(profile, "domain", &mut errors, rules::parse_domain));
    let billing = errors
        .keep(root.required_object("billingProfile", "billingProfile"))
        .and_then(|billing| parse_billing(billing, &mut errors));
    errors.into_result(|| {
        Some(NewCustomer {
            domain: domain?,
            billing: billing?,
        })
    })
}

fn parse_billing(billing: Obj<'_>, errors: &mut FieldErrors) -> Option<BillingProfile> {
    let email = required_text(billing, "email", errors, contact::parse_email);
    let culture = required_text(billing, "culture", errors, rules::parse_culture);
    let language = required_text(billing, "language", errors, rules::parse_language);
    let company_name = required_text(billing, "companyName", errors, |f, v| rules::parse_text(f, v, 256));
    let address = errors
        .keep(billing.required_object("defaultAddress", "billingProfile.defaultAddress"))
        .and_then(|address| parse_address(address, errors));
    Some(BillingProfile {
        email: email?,
        culture: culture?,
        language: language?,
        company_name: company_name?,
        default_address: address?,
    })
}

fn parse_address(a: Obj<'_>, errors: &mut FieldErrors) -> Option<Address> {
    let text = |f: &str, v: &str| rules::parse_text(f, v, 256);
    let country = required_text(a, "country", errors, rules::parse_country);
    let city = required_text(a, "city", errors, text);
    let address_line1 = required_text(a, "addressLine1", errors, text);
    let postal_code = required_text(a, "postalCode", errors, text);
    let state = optional_text(a, "state", errors);
    let address_line2 = optional_text(a, "addressLine2", errors);
    let first_name = optional_text(a, "firstName", errors);
    let last_name = optional_text(a, "lastName", errors);
    let phone_number = optional_text(a, "phoneNumber", errors);
    Some(Address {
        country: country?,
        city: city?,
        state: state?,
        address_line1: address_line1?,
        address_line2: address_line2?,
        postal_code: postal_code?,
        first_name: first_name?,
        last_name: last_name?,
        phone_number: phone_number?,
    })
}

/// GET /v1/customers
#[utoipa::path(
    tag = "customers",
    params(
        ("size" = Option<i64>, Query, description = "Page size: default 100 (also for `0`), at most 500. A continued list keeps the size of its first page unless `size` is given again."),
        ("filter" = Option<String>, Query, description = "URL-encoded JSON search, e.g. `{\"Field\":\"Domain\",\"Value\":\"contoso\",\"Operator\":\"starts_with\"}`: Field `CompanyName` or `Domain`, Operator `starts_with` (or `StartsWith`), member names in any case; a case-insensitive prefix match. A continued list keeps the filter of its first page."),
        ("seekOperation" = Option<String>, Query, description = "`Next` with an MS-ContinuationToken header"),
        ("MS-ContinuationToken" = Option<String>, Header, description = "Token from links.next.headers"),
    ),
    responses(
        (status = 200, description = "Customers with a reseller relationship, oldest first. Link URIs are relative to `/v1`: request `/v1` + `links.next.uri` with the headers of `links.next.headers`.", body = Collection<CustomerDto>),
        (status = 400, description = "Invalid paging or filter input (800002)", body = super::openapi::Fault),
        (status = 401, description = "Token missing or invalid", body = super::openapi::Fault),
        (status = 403, description = "Missing role (900150)", body = super::openapi::Fault),
    ),
    security(("bearer" = []))
)]
#[get("/v1/customers")]
pub async fn list_customers(
    auth: Authorized<AnyMode>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let caller = auth.caller;
    let query = QueryParams::parse(req.query_string());
    let request = parse_paging(&req, &query).map_err(|e| ApiError::invalid(&e))?;
    let tenant = caller.tenant.clone();
    let page: CustomerPage = state
        .store
        .run_for(&caller.admission, move |conn, now| {
            customers::list(conn, &tenant, request, now)
        })
        .await?;
    let next = page.continuation.map(|token| Link {
        uri: format!("/customers?size={}&seekOperation=Next", page.size),
        method: "GET",
        headers: vec![LinkHeader {
            key: "MS-ContinuationToken".into(),
            value: token,
        }],
    });
    let items: Vec<CustomerDto> = page.items.iter().map(CustomerDto::summary).collect();
    let self_uri = super::collection::with_query("/customers".into(), req.query_string());
    ApiReply::ok(&Collection::new(items, self_uri, next))
}

fn parse_paging(req: &HttpRequest, query: &QueryParams) -> Result<PageRequest, FieldErrors> {
    let mut errors = FieldErrors::new();
    let size = match query.get("size") {
        None => None,
        Some(raw) => match raw.parse::<i64>() {
            Ok(0) => None,
            Ok(n) if n >= 1 => Some(n.min(MAX_PAGE_SIZE)),
            _ => {
                errors.push(FieldError::new(
                    "size",
                    Reason::OutOfRange,
                    "size must be an integer of at least 0 (0 means the default of 100)",
                ));
                None
            }
        },
    };
    let filter = query
        .get("filter")
        .and_then(|raw| errors.keep(CustomerFilter::parse(raw)));
    let seek_next = match query.get("seekOperation") {
        None => false,
        Some(op) if op.eq_ignore_ascii_case("next") => true,
        Some(_) => {
            errors.push(FieldError::new(
                "seekOperation",
                Reason::UnsupportedValue,
                "seekOperation supports only Next",
            ));
            false
        }
    };
    let token = req
        .headers()
        .get("ms-continuationtoken")
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .filter(|t| !t.trim().is_empty());
    if seek_next && token.is_none() {
        errors.push(FieldError::required("MS-ContinuationToken"));
    }
    let start = token.map_or(PageStart::First, PageStart::Continue);
    errors.into_result(|| Some(PageRequest { start, size, filter }))
}

/// GET /v1/customers/{customer_tenant_id}
#[utoipa::path(
    tag = "customers",
    params(("customer_tenant_id" = String, Path, description = "Customer tenant id (GUID)")),
    responses(
        (status = 200, description = "The customer", body = CustomerDto),
        (status = 400, description = "Customer id not a GUID (900118)", body = super::openapi::Fault),
        (status = 401, description = "Token missing or invalid", body = super::openapi::Fault),
        (status = 403, description = "Missing role (900150)", body = super::openapi::Fault),
        (status = 404, description = "Customer unknown (60003)", body = super::openapi::Fault),
    ),
    security(("bearer" = []))
)]
#[get("/v1/customers/{customer_tenant_id}")]
pub async fn get_customer(
    auth: Authorized<AnyMode>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let caller = auth.caller;
    let customer = customer_id(&path)?;
    let tenant = caller.tenant.clone();
    let found = state
        .store
        .read_for(&caller.admission, move |conn, _| {
            customers::get(conn, &tenant, &customer)
        })
        .await?;
    ApiReply::ok(&CustomerDto::full(&found))
}

/// The invitation link of (f4).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RelationshipRequestDto {
    /// URL of the (simulated) admin-center invitation page to send to the customer.
    pub url: String,
    /// `{"objectType":"RelationshipRequest"}`.
    pub attributes: Attributes,
}

/// GET /v1/customers/relationshiprequests
#[utoipa::path(
    tag = "customers",
    params(
        ("indirectResellerId" = Option<String>, Query, description = "Copied into the invitation URL"),
        ("indirectCloudSolutionProviderId" = Option<String>, Query, description = "Copied into the invitation URL"),
        ("dualRoleIndirectRelationship" = Option<String>, Query, description = "Copied into the invitation URL"),
    ),
    responses(
        (status = 200, description = "The invitation URL", body = RelationshipRequestDto),
        (status = 401, description = "Token missing or invalid", body = super::openapi::Fault),
        (status = 403, description = "App-only token (900329) or missing role (900150)", body = super::openapi::Fault),
    ),
    security(("bearer" = []))
)]
#[get("/v1/customers/relationshiprequests")]
pub async fn relationship_request(
    auth: Authorized<AppUser>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let caller = auth.caller;
    let query = QueryParams::parse(req.query_string());
    let mut url = form_urlencoded::Serializer::new(String::new());
    url.append_pair("invType", "ResellerRelationship")
        .append_pair("partnerId", caller.tenant.as_str())
        .append_pair("msppId", "0")
        .append_pair("DAP", "false");
    for name in [
        "indirectResellerId",
        "indirectCloudSolutionProviderId",
        "dualRoleIndirectRelationship",
    ] {
        if let Some(value) = query.get(name) {
            url.append_pair(name, value);
        }
    }
    ApiReply::ok(&RelationshipRequestDto {
        url: format!(
            "{}/_mirror/admin-center/partner-invitation?{}",
            state.public_base_url,
            url.finish()
        ),
        attributes: Attributes::of("RelationshipRequest"),
    })
}

/// Body of (f5): only removal is supported.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateRelationshipRequest {
    /// Must be `none` (any case).
    #[schema(example = "none")]
    pub relationship_to_partner: String,
}

/// PATCH /v1/customers/{customer_tenant_id}
#[utoipa::path(
    tag = "customers",
    params(("customer_tenant_id" = String, Path, description = "Customer tenant id (GUID)")),
    request_body = UpdateRelationshipRequest,
    responses(
        (status = 200, description = "Relationship removed; the full customer", body = CustomerDto),
        (status = 400, description = "Invalid body (800002) or customer id not a GUID (900118)", body = super::openapi::Fault),
        (status = 401, description = "Token missing or invalid", body = super::openapi::Fault),
        (status = 403, description = "App-only token (900329) or missing role (900150)", body = super::openapi::Fault),
        (status = 404, description = "Customer unknown (60003)", body = super::openapi::Fault),
        (status = 409, description = "MS-RequestId reused for a different request (990001)", body = super::openapi::Fault),
    ),
    security(("bearer" = []))
)]
#[patch("/v1/customers/{customer_tenant_id}")]
pub async fn remove_relationship(
    auth: Authorized<AppUser>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let caller = auth.caller;
    let body = json_body::read(payload).await;
    let customer = customer_id(&path);
    let input = parse_removal(&req, &body);
    let tenant = caller.tenant.clone();
    run_once(&req, &state, &caller, &body, move |conn, _| {
        let updated = customers::remove_relationship(conn, &tenant, &customer?, input)?;
        ApiReply::ok(&CustomerDto::full(&updated))
    })
    .await
}

fn parse_removal(req: &HttpRequest, body: &RawBody) -> Result<(), FieldErrors> {
    let value = json_body::parse(req, body)?;
    let root = Obj::root(&value);
    let raw = root.required_string("relationshipToPartner")?;
    match rules::Relationship::parse(raw) {
        Some(rules::Relationship::None) => Ok(()),
        _ => Err(FieldError::new(
            "relationshipToPartner",
            Reason::UnsupportedValue,
            "relationshipToPartner must be none: only removing the relationship is supported",
        )
        .into()),
    }
}

/// DELETE /v1/customers/{customer_tenant_id}
#[utoipa::path(
    tag = "customers",
    description = "Deletes a customer from an integration sandbox partner (a partner registered with `integrationSandbox: true` through `PUT /_mirror/partners/{tenantId}`). The partner's relationship, its agreement records and its orders for the customer are removed; the customer tenant itself goes once no other partner knows it. The customer leaves every list of the partner at once. Any other partner is refused with 400 900127.",
    params(("customer_tenant_id" = String, Path, description = "Customer tenant id (GUID)")),
    responses(
        (status = 204, description = "Deleted; no body"),
        (status = 400, description = "Not an integration sandbox partner (900127) or customer id not a GUID (900118)", body = super::openapi::Fault),
        (status = 401, description = "Token missing or invalid", body = super::openapi::Fault),
        (status = 403, description = "Missing role (900150)", body = super::openapi::Fault),
        (status = 404, description = "Customer unknown or already deleted (60003)", body = super::openapi::Fault),
    ),
    security(("bearer" = []))
)]
#[delete("/v1/customers/{customer_tenant_id}")]
pub async fn delete_customer(
    auth: Authorized<AnyMode>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let caller = auth.caller;
    let customer = customer_id(&path)?;
    let tenant = caller.tenant.clone();
    state
        .store
        .run_for(&caller.admission, move |conn, _| {
            customers::delete(conn, &tenant, &customer)
        })
        .await?;
    Ok(ApiReply::no_content())
}
