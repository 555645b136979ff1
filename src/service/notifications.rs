//! The notification outbox as read through the control plane (control-plane spec §11): status computed on the
//! partner's clock when no SMTP server is configured, stored by the dispatcher when one is (§11.2).

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

/// How the outbox reaches its recipients (control-plane spec §11.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutboxMode {
    /// No SMTP server: nothing leaves the mirror; a message counts as delivered once the partner's now reaches
    /// `dueAt`.
    #[default]
    Computed,
    /// An SMTP server is configured: a due message is pending until the server accepts it.
    Smtp,
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

/// The status of a stored message at its partner's `now`.
pub fn status_of(
    row: &NotificationRow,
    now: DateTime<Utc>,
    mode: OutboxMode,
) -> (DeliveryStatus, Option<DateTime<Utc>>) {
    let due = clock::from_row_time(row.due_at);
    match (row.delivered_at, mode) {
        (Some(at), _) => (DeliveryStatus::Delivered, Some(clock::from_row_time(at))),
        (None, _) if now < due => (DeliveryStatus::Scheduled, None),
        (None, OutboxMode::Computed) => (DeliveryStatus::Delivered, Some(due)),
        (None, OutboxMode::Smtp) => (DeliveryStatus::Pending, None),
    }
}

/// The messages matching `filter`, oldest first, with their status on each partner's clock.
pub fn list(
    conn: &mut DbConnection,
    filter: &OutboxFilter,
    mode: OutboxMode,
) -> Result<Vec<Notification>, ServiceError> {
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
            let (status, delivered_at) = status_of(&row, clocks.partner_now(&row.partner_tenant_id), mode);
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

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn row(due: DateTime<Utc>, delivered: Option<DateTime<Utc>>) -> NotificationRow {
        NotificationRow {
            id: "0d6c5f0e-5a52-4c57-9a3c-0b1e7b6c0e51".into(),
            kind: "AgreementAttestationNotification".into(),
            recipient: "someone@example.com".into(),
            recipient_name: "Tania Carr".into(),
            partner_tenant_id: "3b33e682-00c3-41ee-9dd2-a548adf56438".into(),
            customer_tenant_id: "14876998-c0dc-46e6-9d0c-65a57a6c32ec".into(),
            template_id: "117a77b0-9360-443b-8795-c6dedc750cf9".into(),
            agreement_type: "MicrosoftCustomerAgreement".into(),
            subject: "Subject".into(),
            created_at: clock::to_row_time(due - Duration::minutes(30)),
            due_at: clock::to_row_time(due),
            delivered_at: delivered.map(clock::to_row_time),
            attempts: 0,
            last_error: None,
            lease_until: None,
        }
    }

    #[test]
    fn without_smtp_a_due_message_counts_as_delivered_at_its_due_time() {
        let due = Utc::now();
        let item = row(due, None);
        assert_eq!(
            status_of(&item, due - Duration::seconds(1), OutboxMode::Computed),
            (DeliveryStatus::Scheduled, None)
        );
        assert_eq!(
            status_of(&item, due + Duration::hours(1), OutboxMode::Computed),
            (DeliveryStatus::Delivered, Some(clock::from_row_time(item.due_at)))
        );
    }

    #[test]
    fn with_smtp_a_due_message_is_pending_until_the_server_accepted_it() {
        let due = Utc::now();
        let item = row(due, None);
        assert_eq!(
            status_of(&item, due - Duration::seconds(1), OutboxMode::Smtp),
            (DeliveryStatus::Scheduled, None)
        );
        assert_eq!(status_of(&item, due, OutboxMode::Smtp), (DeliveryStatus::Pending, None));
        let sent = row(due, Some(due + Duration::minutes(5)));
        assert_eq!(
            status_of(&sent, due + Duration::days(1), OutboxMode::Smtp),
            (
                DeliveryStatus::Delivered,
                Some(clock::from_row_time(sent.delivered_at.unwrap()))
            )
        );
    }
}
