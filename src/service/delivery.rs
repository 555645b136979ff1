//! The rules of SMTP delivery of the outbox (control-plane spec §11.3): which messages are due on their partner's
//! clock, the database lease that keeps two instances from sending one message at once, and what an accepted or
//! a failed attempt records (never give up, back off up to 300 units).

use chrono::{DateTime, Duration, Utc};

use super::{clock, ServiceError};
use crate::db::{self, DbConnection};

/// How long a claim keeps other dispatchers off a message, in real seconds.
pub const LEASE_SECONDS: i64 = 60;

/// Longest wait between two attempts, in backoff units (seconds by default).
pub const MAX_BACKOFF_UNITS: i64 = 300;

/// A message to send, with what its text names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Message id (also the `Message-ID` local part).
    pub id: String,
    /// Recipient address.
    pub to: String,
    /// Recipient display name.
    pub to_name: String,
    /// Subject as stored.
    pub subject: String,
    /// Partner tenant id.
    pub partner_tenant_id: String,
    /// Customer tenant id.
    pub customer_tenant_id: String,
    /// Agreement type.
    pub agreement_type: String,
    /// Template id.
    pub template_id: String,
    /// Failed attempts so far.
    pub attempts: i32,
}

/// One look at the outbox: what can be sent now, and when (real time) something next becomes sendable.
#[derive(Debug, Clone, Default)]
pub struct Round {
    /// Due, undelivered, not leased: earliest due first.
    pub due: Vec<Outgoing>,
    /// The earliest real instant at which a message not in `due` becomes due or its lease or retry wait ends.
    pub next_at: Option<DateTime<Utc>>,
}

/// The messages whose `dueAt` ≤ their partner's now and that nobody holds, at the real instant `real_now`.
pub fn due(conn: &mut DbConnection) -> Result<Round, ServiceError> {
    let clocks = clock::state(conn)?;
    let real_now = clocks.real_now;
    let mut round = Round::default();
    for row in db::notifications::undelivered(conn)? {
        // The partner's clock runs at real speed, shifted by its offset: its now reaches dueAt at this real instant.
        let offset = clocks.partner_now(&row.partner_tenant_id) - real_now;
        let due_real = clock::from_row_time(row.due_at) - offset;
        let free_real = row.lease_until.map(clock::from_row_time);
        let ready_at = free_real.map_or(due_real, |free| free.max(due_real));
        if ready_at <= real_now {
            round.due.push(Outgoing {
                id: row.id,
                to: row.recipient,
                to_name: row.recipient_name,
                subject: row.subject,
                partner_tenant_id: row.partner_tenant_id,
                customer_tenant_id: row.customer_tenant_id,
                agreement_type: row.agreement_type,
                template_id: row.template_id,
                attempts: row.attempts,
            });
        } else {
            round.next_at = Some(round.next_at.map_or(ready_at, |next| next.min(ready_at)));
        }
    }
    Ok(round)
}

/// Claims a message for [`LEASE_SECONDS`] of real time; false when it is delivered, gone, or held by someone else.
pub fn claim(conn: &mut DbConnection, id: &str) -> Result<bool, ServiceError> {
    let now = Utc::now();
    Ok(db::notifications::claim(
        conn,
        id,
        clock::to_row_time(now),
        clock::to_row_time(now + Duration::seconds(LEASE_SECONDS)),
    )?)
}

/// Records that the server accepted the message: `deliveredAt` is its partner's now, stored for good.
pub fn mark_delivered(conn: &mut DbConnection, item: &Outgoing) -> Result<DateTime<Utc>, ServiceError> {
    let at = clock::to_row_time(clock::now_for(conn, Some(&item.partner_tenant_id))?);
    db::notifications::mark_delivered(conn, &item.id, at)?;
    Ok(clock::from_row_time(at))
}

/// Records a failed attempt: one more attempt, the error, and the next try after
/// min(2^attempts, [`MAX_BACKOFF_UNITS`]) units of `unit_ms` real milliseconds. Returns that wait.
pub fn mark_failed(
    conn: &mut DbConnection,
    item: &Outgoing,
    error: &str,
    unit_ms: u64,
) -> Result<Duration, ServiceError> {
    let wait = backoff(item.attempts.saturating_add(1), unit_ms);
    let retry_at = clock::to_row_time(Utc::now() + wait);
    db::notifications::mark_failed(conn, &item.id, error, retry_at)?;
    Ok(wait)
}

/// The wait after the `attempts`-th failure: min(2^attempts, 300) units of `unit_ms` milliseconds.
pub fn backoff(attempts: i32, unit_ms: u64) -> Duration {
    let units = if attempts >= 9 {
        MAX_BACKOFF_UNITS
    } else {
        (1_i64 << attempts.max(0)).min(MAX_BACKOFF_UNITS)
    };
    Duration::milliseconds(units.saturating_mul(i64::try_from(unit_ms).unwrap_or(i64::MAX / MAX_BACKOFF_UNITS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_per_attempt_and_stops_at_five_minutes() {
        let seconds: Vec<i64> = (1..=10).map(|n| backoff(n, 1000).num_seconds()).collect();
        assert_eq!(seconds, vec![2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(backoff(i32::MAX, 1000).num_seconds(), 300);
        assert_eq!(backoff(3, 10).num_milliseconds(), 80);
    }
}
