//! The notification outbox as read through the control plane (control-plane spec §11): status computed on the
//! partner's clock when no SMTP server is configured.

use chrono::{DateTime, Utc};

use super::{clock, ServiceError};
use crate::db::{self, models::NotificationRow, DbConnection};

/// Delivery status of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Not yet due.
    Scheduled,
    /// Due, not yet accepted by the SMTP server.
    Pending,
    /// Delivered.
    Delivered,
}

impl DeliveryStatus {
    /// Wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Scheduled => "scheduled",
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        match s {
            "scheduled" => Some(DeliveryStatus::Scheduled),
            "pending" => Some(DeliveryStatus::Pending),
            "delivered" => Some(DeliveryStatus::Delivered),
            _ => None,
        }
    }
}

/// A message with its status.
#[derive(Debug, Clone)]
pub struct Notification {
    /// The stored message.
    pub row: NotificationRow,
    /// Status at the partner's now.
    pub status: DeliveryStatus,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// Filters of the outbox listing (AND).
#[derive(Debug, Clone, Default)]
pub struct OutboxFilter {
    /// Partner tenant id.
    pub partner_tenant_id: Option<String>,
    /// Customer tenant id.
    pub customer_tenant_id: Option<String>,
    /// Recipient, case-insensitive.
    pub to: Option<String>,
    /// Status.
    pub status: Option<DeliveryStatus>,
}

/// The messages matching `filter`, oldest first, with their status on each partner's clock.
pub fn list(conn: &mut DbConnection, filter: &OutboxFilter) -> Result<Vec<Notification>, ServiceError> {
    let clocks = clock::state(conn)?;
    Ok(db::notifications::all(conn)?
        .into_iter()
        .filter(|n| {
            filter
                .partner_tenant_id
                .as_deref()
                .is_none_or(|p| p == n.partner_tenant_id)
        })
        .filter(|n| {
            filter
                .customer_tenant_id
                .as_deref()
                .is_none_or(|c| c == n.customer_tenant_id)
        })
        .filter(|n| {
            filter
                .to
                .as_deref()
                .is_none_or(|t| t.eq_ignore_ascii_case(&n.recipient))
        })
        .map(|row| {
            let now = clocks.partner_now(&row.partner_tenant_id);
            let due = clock::from_row_time(row.due_at);
            let (status, delivered_at) = match row.delivered_at {
                Some(at) => (DeliveryStatus::Delivered, Some(clock::from_row_time(at))),
                None if now >= due => (DeliveryStatus::Delivered, Some(due)),
                None => (DeliveryStatus::Scheduled, None),
            };
            Notification {
                row,
                status,
                delivered_at,
            }
        })
        .filter(|n| filter.status.is_none_or(|s| s == n.status))
        .collect())
}

/// Removes every message, or one partner's.
pub fn clear(conn: &mut DbConnection, partner: Option<&str>) -> Result<usize, ServiceError> {
    Ok(db::notifications::delete(conn, partner)?)
}
