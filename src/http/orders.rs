//! Operation (g): the purchase gate `POST /v1/customers/{id}/orders` (contract §4.7), and reading orders back:
//! the orders of a customer and one order by id.

use actix_web::{get, patch, post, web, HttpRequest};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::agreements::customer_id;
use super::caller::{AnyModeNoResellers, Authorized};
use super::collection::{Attributes, Collection, Link};
use super::error::ApiError;
use super::idempotent::run_once;
use super::json_body::{self, Obj, RawBody};
use super::reply::ApiReply;
use super::state::AppState;
use crate::domain::customer as rules;
use crate::domain::ids::CustomerId;
use crate::domain::{datetime, FieldError, FieldErrors, Reason};
use crate::service::orders::{self, LineItem, NewOrder, Order};

/// Most lines in one order.
const MAX_LINE_ITEMS: usize = 50;
/// Longest billing cycle (`monthly`, `annual`, `one_time`, … are far shorter).
const MAX_BILLING_CYCLE_CHARS: usize = 64;
/// Longest offer id or friendly name.
const MAX_TEXT_CHARS: usize = 256;

/// One order line.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LineItemDto {
    /// Line number.
    pub line_item_number: i64,
    /// Offer id.
    pub offer_id: String,
    /// Friendly name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// Quantity.
    pub quantity: i64,
}

/// `links` of an order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderLinks {
    /// The order itself, relative to `/v1`.
    #[serde(rename = "self")]
    pub self_link: Link,
}

/// An order (minimal: lines, billing cycle, status).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderDto {
    /// 32 letters and digits.
    pub id: String,
    /// The customer.
    pub reference_customer_id: String,
    /// Billing cycle.
    pub billing_cycle: String,
    /// Lines.
    pub line_items: Vec<LineItemDto>,
    /// When it was placed.
    pub creation_date: String,
    /// `pending`, or `cancelled` once cancelled in an integration sandbox.
    pub status: String,
    /// `self`: where to read the order.
    pub links: OrderLinks,
    /// `{"objectType":"Order"}`.
    pub attributes: Attributes,
}

impl From<Order> for OrderDto {
    fn from(o: Order) -> Self {
        OrderDto {
            links: OrderLinks {
                self_link: Link::get(format!("/customers/{}/orders/{}", o.reference_customer_id, o.id)),
            },
            id: o.id,
            reference_customer_id: o.reference_customer_id,
            billing_cycle: o.billing_cycle,
            line_items: o
                .line_items
                .into_iter()
                .map(|l| LineItemDto {
                    line_item_number: l.line_item_number,
                    offer_id: l.offer_id,
                    friendly_name: l.friendly_name,
                    quantity: l.quantity,
                })
                .collect(),
            creation_date: datetime::format_utc(&o.creation_date),
            status: o.status,
            attributes: Attributes::of("Order"),
        }
    }
}

/// Body of an order.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlaceOrderRequest {
    /// Optional; must equal the path's customer id.
    pub reference_customer_id: Option<String>,
    /// Optional; default `monthly`.
    pub billing_cycle: Option<String>,
    /// 1 to 50 lines, each with `lineItemNumber` (≥ 0), `offerId` and `quantity` (≥ 1).
    pub line_items: Vec<serde_json::Value>,
}

/// POST /v1/customers/{customer_tenant_id}/orders
#[utoipa::path(
    tag = "customers",
    params(("customer_tenant_id" = String, Path, description = "Customer tenant id (GUID)")),
    request_body = PlaceOrderRequest,
    responses(
        (status = 201, description = "Order accepted", body = OrderDto),
        (status = 400, description = "Invalid body (800002) or customer id not a GUID (900118)", body = super::openapi::Fault),
        (status = 401, description = "Token missing or invalid", body = super::openapi::Fault),
        (status = 403, description = "Missing role (900150), indirect reseller (2032), relationship removed (20002), no Customer Agreement acceptance (13605)", body = super::openapi::Fault),
        (status = 404, description = "Customer unknown (60003)", body = super::openapi::Fault),
        (status = 409, description = "MS-RequestId reused for a different request (990001)", body = super::openapi::Fault),
    ),
    security(("bearer" = []))
)]
#[post("/v1/customers/{customer_tenant_id}/orders")]
pub async fn place_order(
    auth: Authorized<AnyModeNoResellers>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let caller = auth.caller;
    let body = json_body::read(payload).await;
    let parsed = customer_id(&path).map(|customer| {
        let input = parse_order(&req, &body, &customer);
        (customer, input)
    });
    let tenant = caller.tenant.clone();
    run_once(&req, &state, &caller, &body, move |conn, now| {
        let (customer, input) = parsed?;
        let order = orders::place(conn, &tenant, &customer, input, now)?;
        ApiReply::created(&OrderDto::from(order))
    })
    .await
}

/// GET /v1/customers/{customer_tenant_id}/orders
#[utoipa::path(
    tag = "customers",
    description = "The orders this partner placed for the customer, oldest first. Visibility and roles as for placing an order. `billingType` and `include_price`, which SDKs send, are accepted and do not change the answer.",
    params(
        ("customer_tenant_id" = String, Path, description = "Customer tenant id (GUID)"),
        ("billingType" = Option<String>, Query, description = "Accepted and ignored"),
        ("include_price" = Option<bool>, Query, description = "Accepted and ignored"),
    ),
    responses(
        (status = 200, description = "The customer's orders", body = Collection<OrderDto>),
        (status = 400, description = "Customer id not a GUID (900118)", body = super::openapi::Fault),
        (status = 401, description = "Token missing or invalid", body = super::openapi::Fault),
        (status = 403, description = "Missing role (900150), indirect reseller (2032), relationship removed (20002)", body = super::openapi::Fault),
        (status = 404, description = "Customer unknown (60003)", body = super::openapi::Fault),
    ),
    security(("bearer" = []))
)]
#[get("/v1/customers/{customer_tenant_id}/orders")]
pub async fn list_orders(
    auth: Authorized<AnyModeNoResellers>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let caller = auth.caller;
    let customer = customer_id(&path)?;
    let tenant = caller.tenant.clone();
    let self_uri = format!("/customers/{customer}/orders");
    let found = state
        .store
        .read_for(&caller.admission, move |conn, _| orders::list(conn, &tenant, &customer))
        .await?;
    let items: Vec<OrderDto> = found.into_iter().map(OrderDto::from).collect();
    ApiReply::ok(&Collection::new(items, self_uri, None))
}

/// GET /v1/customers/{customer_tenant_id}/orders/{order_id}
#[utoipa::path(
    tag = "customers",
    description = "One order this partner placed for the customer. Visibility and roles as for placing an order.",
    params(
        ("customer_tenant_id" = String, Path, description = "Customer tenant id (GUID)"),
        ("order_id" = String, Path, description = "Order id, as answered when the order was placed"),
        ("include_price" = Option<bool>, Query, description = "Accepted and ignored"),
    ),
    responses(
        (status = 200, description = "The order", body = OrderDto),
        (status = 400, description = "Customer id not a GUID (900118)", body = super::openapi::Fault),
        (status = 401, description = "Token missing or invalid", body = super::openapi::Fault),
        (status = 403, description = "Missing role (900150), indirect reseller (2032), relationship removed (20002)", body = super::openapi::Fault),
        (status = 404, description = "Customer unknown (60003) or order unknown (20000)", body = super::openapi::Fault),
    ),
    security(("bearer" = []))
)]
#[get("/v1/customers/{customer_tenant_id}/orders/{order_id}")]
pub async fn get_order(
    auth: Authorized<AnyModeNoResellers>,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let caller = auth.caller;
    let (customer, order_id) = path.into_inner();
    let customer = customer_id(&customer)?;
    let tenant = caller.tenant.clone();
    let order = state
        .store
        .read_for(&caller.admission, move |conn, _| {
            orders::get(conn, &tenant, &customer, &order_id)
        })
        .await?;
    ApiReply::ok(&OrderDto::from(order))
}

/// Body of an order update: only cancelling is supported.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UpdateOrderRequest {
    /// Must be `cancelled` (any case).
    #[schema(example = "cancelled")]
    pub status: String,
}

/// PATCH /v1/customers/{customer_tenant_id}/orders/{order_id}
#[utoipa::path(
    tag = "customers",
    description = "Cancels an order, as the integration sandbox allows before a customer is deleted. Only `{\"status\": \"cancelled\"}` is supported; other members are ignored. Partners that are not an integration sandbox are refused with 403 800019. Visibility and roles as for placing an order.",
    params(
        ("customer_tenant_id" = String, Path, description = "Customer tenant id (GUID)"),
        ("order_id" = String, Path, description = "Order id"),
    ),
    request_body = UpdateOrderRequest,
    responses(
        (status = 200, description = "The cancelled order", body = OrderDto),
        (status = 400, description = "Invalid body (800002) or customer id not a GUID (900118)", body = super::openapi::Fault),
        (status = 401, description = "Token missing or invalid", body = super::openapi::Fault),
        (status = 403, description = "Missing role (900150), indirect reseller (2032), relationship removed (20002), not an integration sandbox (800019)", body = super::openapi::Fault),
        (status = 404, description = "Customer unknown (60003) or order unknown (20000)", body = super::openapi::Fault),
        (status = 409, description = "MS-RequestId reused for a different request (990001)", body = super::openapi::Fault),
    ),
    security(("bearer" = []))
)]
#[patch("/v1/customers/{customer_tenant_id}/orders/{order_id}")]
pub async fn update_order(
    auth: Authorized<AnyModeNoResellers>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let caller = auth.caller;
    let body = json_body::read(payload).await;
    let (customer, order_id) = path.into_inner();
    let customer = customer_id(&customer);
    let input = parse_cancellation(&req, &body);
    let tenant = caller.tenant.clone();
    run_once(&req, &state, &caller, &body, move |conn, _| {
        let order = orders::cancel(conn, &tenant, &customer?, &order_id, input)?;
        ApiReply::ok(&OrderDto::from(order))
    })
    .await
}

fn parse_cancellation(req: &HttpRequest, body: &RawBody) -> Result<(), FieldErrors> {
    let value = json_body::parse(req, body)?;
    let root = Obj::root(&value);
    let status = root.required_string("status")?;
    if status.eq_ignore_ascii_case(orders::CANCELLED) {
        Ok(())
    } else {
        Err(FieldError::new(
            "status",
            Reason::UnsupportedValue,
            "status must be cancelled: only cancelling an order is supported",
        )
        .into())
    }
}

fn parse_order(req: &HttpRequest, body: &RawBody, customer: &CustomerId) -> Result<NewOrder, FieldErrors> {
    let value = json_body::parse(req, body)?;
    let root = Obj::root(&value);
    let mut errors = FieldErrors::new();
    if let Some(Some(reference)) = errors.keep(root.string("referenceCustomerId")) {
        if !reference.eq_ignore_ascii_case(customer.as_str()) {
            errors.push(FieldError::new(
                "referenceCustomerId",
                Reason::UnsupportedValue,
                "referenceCustomerId must equal the customer id of the path",
            ));
        }
    }
    let billing_cycle = errors
        .keep(root.string("billingCycle"))
        .map(|c| c.filter(|c| !c.trim().is_empty()).unwrap_or("monthly"))
        .and_then(|c| errors.keep(rules::parse_text("billingCycle", c, MAX_BILLING_CYCLE_CHARS)));
    let lines = match value.get("lineitems") {
        None => {
            errors.push(FieldError::required("lineItems"));
            None
        }
        Some(Value::Array(items)) if items.is_empty() || items.len() > MAX_LINE_ITEMS => {
            errors.push(FieldError::new(
                "lineItems",
                Reason::OutOfRange,
                "lineItems must hold 1 to 50 items",
            ));
            None
        }
        Some(Value::Array(items)) => {
            let parsed: Vec<Option<LineItem>> = items
                .iter()
                .enumerate()
                .map(|(i, item)| parse_line(i, item, &mut errors))
                .collect();
            parsed.into_iter().collect::<Option<Vec<_>>>()
        }
        Some(_) => {
            errors.push(FieldError::new(
                "lineItems",
                Reason::InvalidType,
                "lineItems must be an array",
            ));
            None
        }
    };
    errors.into_result(|| {
        Some(NewOrder {
            billing_cycle: billing_cycle?,
            line_items: lines?,
        })
    })
}

fn parse_line(index: usize, item: &Value, errors: &mut FieldErrors) -> Option<LineItem> {
    let path = |name: &str| format!("lineItems[{index}].{name}");
    let Some(map) = item.as_object() else {
        errors.push(FieldError::new(
            format!("lineItems[{index}]"),
            Reason::InvalidType,
            "each line item must be an object",
        ));
        return None;
    };
    let mut integer = |name: &str, min: i64| match map.get(&name.to_lowercase()) {
        None => {
            errors.push(FieldError::required(&path(name)));
            None
        }
        Some(v) => match v.as_i64() {
            Some(n) if n >= min => Some(n),
            Some(_) => {
                errors.push(FieldError::new(
                    path(name),
                    Reason::OutOfRange,
                    format!("{} must be at least {min}", path(name)),
                ));
                None
            }
            None => {
                errors.push(FieldError::new(
                    path(name),
                    Reason::InvalidType,
                    format!("{} must be an integer", path(name)),
                ));
                None
            }
        },
    };
    let line_item_number = integer("lineItemNumber", 0);
    let quantity = integer("quantity", 1);
    let offer_id = match map.get("offerid") {
        Some(Value::String(s)) if !s.trim().is_empty() => {
            errors.keep(rules::parse_text(&path("offerId"), s, MAX_TEXT_CHARS))
        }
        Some(Value::String(_)) | None => {
            errors.push(FieldError::required(&path("offerId")));
            None
        }
        Some(_) => {
            errors.push(FieldError::new(
                path("offerId"),
                Reason::InvalidType,
                format!("{} must be a string", path("offerId")),
            ));
            None
        }
    };
    let friendly_name = match map.get("friendlyname") {
        None => Some(None),
        Some(Value::String(s)) => errors
            .keep(rules::parse_text(&path("friendlyName"), s, MAX_TEXT_CHARS))
            .map(Some),
        Some(_) => {
            errors.push(FieldError::new(
                path("friendlyName"),
                Reason::InvalidType,
                format!("{} must be a string", path("friendlyName")),
            ));
            None
        }
    };
    Some(LineItem {
        line_item_number: line_item_number?,
        offer_id: offer_id?,
        quantity: quantity?,
        friendly_name: friendly_name?,
    })
}
