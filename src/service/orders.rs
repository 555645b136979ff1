//! The purchase gate (contract §4.7): an order is accepted only after a Customer Agreement attestation by this
//! partner or the customer's direct acceptance. Placed orders can be read back, with the same visibility.

use chrono::{DateTime, Utc};
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde_json::{json, Value};

use super::agreements::ensure_known_customer;
use super::{clock, ServiceError};
use crate::db::{self, orders::OrderRow, DbConnection};
use crate::domain::ids::{CustomerId, TenantId};
use crate::domain::templates::MCA_TYPE;
use crate::domain::FieldErrors;

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineItem {
    /// Line number (≥ 0).
    pub line_item_number: i64,
    /// Offer id, not checked against any catalogue.
    pub offer_id: String,
    /// Quantity (≥ 1).
    pub quantity: i64,
    /// Friendly name.
    pub friendly_name: Option<String>,
}

/// A validated order request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    /// Billing cycle, echoed.
    pub billing_cycle: String,
    /// Lines (1 to 50).
    pub line_items: Vec<LineItem>,
}

/// A placed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// 32 random letters and digits.
    pub id: String,
    /// The customer.
    pub reference_customer_id: String,
    /// Billing cycle.
    pub billing_cycle: String,
    /// Lines.
    pub line_items: Vec<LineItem>,
    /// When it was placed.
    pub creation_date: DateTime<Utc>,
    /// `pending`, or `cancelled` once cancelled in an integration sandbox.
    pub status: String,
}

/// True when the partner may sell to the customer: an MCA attestation by this partner or a direct acceptance.
pub fn gate_open(conn: &mut DbConnection, partner: &str, customer: &str) -> Result<bool, ServiceError> {
    if db::agreements::exists_of_type(conn, partner, customer, MCA_TYPE)? {
        return Ok(true);
    }
    Ok(db::customers::find(conn, customer)?.is_some_and(|c| c.direct_acceptance_at.is_some()))
}

/// Places an order: visibility, then validation, then the gate (contract §4.7).
pub fn place(
    conn: &mut DbConnection,
    partner: &TenantId,
    customer: &CustomerId,
    input: Result<NewOrder, FieldErrors>,
    now: DateTime<Utc>,
) -> Result<Order, ServiceError> {
    ensure_known_customer(conn, partner, customer)?;
    let input = input?;
    if !gate_open(conn, partner.as_str(), customer.as_str())? {
        return Err(ServiceError::PurchaseBlocked);
    }
    let id: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect();
    let creation_date = clock::to_row_time(now);
    db::orders::insert(
        conn,
        &OrderRow {
            id: id.clone(),
            partner_tenant_id: partner.to_string(),
            customer_id: customer.to_string(),
            reference_customer_id: customer.to_string(),
            billing_cycle: input.billing_cycle.clone(),
            line_items: stored_lines(&input.line_items).to_string(),
            creation_date,
            status: "pending".to_owned(),
        },
    )?;
    Ok(Order {
        id,
        reference_customer_id: customer.to_string(),
        billing_cycle: input.billing_cycle,
        line_items: input.line_items,
        creation_date: clock::from_row_time(creation_date),
        status: "pending".to_owned(),
    })
}

/// The orders this partner placed for a customer, oldest first; visibility as for placing one.
pub fn list(conn: &mut DbConnection, partner: &TenantId, customer: &CustomerId) -> Result<Vec<Order>, ServiceError> {
    ensure_known_customer(conn, partner, customer)?;
    db::orders::for_customer(conn, partner.as_str(), customer.as_str())?
        .into_iter()
        .map(order_of)
        .collect()
}

/// One order this partner placed for a customer; visibility as for placing one.
pub fn get(
    conn: &mut DbConnection,
    partner: &TenantId,
    customer: &CustomerId,
    order_id: &str,
) -> Result<Order, ServiceError> {
    ensure_known_customer(conn, partner, customer)?;
    order_of(find_order(conn, partner, customer, order_id)?)
}

/// Status of a cancelled order.
pub const CANCELLED: &str = "cancelled";

/// Cancels an order in an integration sandbox: visibility as for placing one, then the input, then the sandbox
/// rule. Cancelling a cancelled order changes nothing.
pub fn cancel(
    conn: &mut DbConnection,
    partner: &TenantId,
    customer: &CustomerId,
    order_id: &str,
    input: Result<(), FieldErrors>,
) -> Result<Order, ServiceError> {
    db::transaction(conn, |conn| {
        ensure_known_customer(conn, partner, customer)?;
        let row = find_order(conn, partner, customer, order_id)?;
        input?;
        if !db::partners::find(conn, partner.as_str())?.is_some_and(|p| p.integration_sandbox) {
            return Err(ServiceError::CancelOutsideSandbox);
        }
        db::orders::set_status(conn, partner.as_str(), customer.as_str(), order_id, CANCELLED)?;
        Ok(Order {
            status: CANCELLED.to_owned(),
            ..order_of(row)?
        })
    })
}

/// Longest order id looked up; ids the mirror gives are 32 characters.
const MAX_ORDER_ID_CHARS: usize = 128;

/// The stored order, or `OrderNotFound`; an id no order can have (too long, control characters) is not looked up.
fn find_order(
    conn: &mut DbConnection,
    partner: &TenantId,
    customer: &CustomerId,
    order_id: &str,
) -> Result<OrderRow, ServiceError> {
    let not_found = || {
        ServiceError::OrderNotFound(
            order_id
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_ORDER_ID_CHARS)
                .collect(),
        )
    };
    if order_id.chars().count() > MAX_ORDER_ID_CHARS || order_id.chars().any(char::is_control) {
        return Err(not_found());
    }
    db::orders::find(conn, partner.as_str(), customer.as_str(), order_id)?.ok_or_else(not_found)
}

/// An order from its stored row.
fn order_of(row: OrderRow) -> Result<Order, ServiceError> {
    Ok(Order {
        line_items: stored_lines_of(&row)?,
        id: row.id,
        reference_customer_id: row.reference_customer_id,
        billing_cycle: row.billing_cycle,
        creation_date: clock::from_row_time(row.creation_date),
        status: row.status,
    })
}

/// The lines of a stored order.
pub fn stored_lines_of(row: &OrderRow) -> Result<Vec<LineItem>, ServiceError> {
    let corrupt = || ServiceError::Internal(format!("order {} has unreadable stored lines", row.id));
    let lines: Vec<Value> = serde_json::from_str(&row.line_items).map_err(|_| corrupt())?;
    lines
        .iter()
        .map(|line| {
            Some(LineItem {
                line_item_number: line.get("lineItemNumber")?.as_i64()?,
                offer_id: line.get("offerId")?.as_str()?.to_owned(),
                quantity: line.get("quantity")?.as_i64()?,
                friendly_name: match line.get("friendlyName") {
                    None | Some(Value::Null) => None,
                    Some(name) => Some(name.as_str()?.to_owned()),
                },
            })
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(corrupt)
}

/// The stored form of order lines.
pub fn stored_lines(lines: &[LineItem]) -> Value {
    Value::Array(
        lines
            .iter()
            .map(|l| {
                json!({ "lineItemNumber": l.line_item_number, "offerId": l.offer_id,
                        "quantity": l.quantity, "friendlyName": l.friendly_name })
            })
            .collect(),
    )
}
