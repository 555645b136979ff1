//! Idempotency of POST and PATCH (contract §6): one record per partner tenant and `MS-RequestId`, enforced by the database.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use super::{clock, ServiceError};
use crate::db::{self, models::IdempotencyRow, DbConnection};

/// How long a stored response is replayed, on the partner's clock.
pub const RETENTION_HOURS: i64 = 24;
/// An in-flight claim older than this (real time) is taken to be abandoned by a crashed request.
pub const ABANDONED_AFTER_SECONDS: i64 = 120;

/// The outcome of asking for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is ours: execute, then [`complete`] or [`release`].
    Owned(ClaimTicket),
    /// A response was stored for the same request: replay it.
    Replay {
        /// Stored HTTP status.
        status: u16,
        /// Stored JSON body.
        body: String,
    },
    /// Another request with this key is still running: wait and ask again.
    InFlight,
    /// The key was used for a different request.
    Conflict,
}

/// Proof of ownership of a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimTicket {
    partner: String,
    request_id: String,
    claimed_at: NaiveDateTime,
}

/// Claims `(partner, request_id)` for a request with `fingerprint`, honouring retention on the partner clock `now`.
pub fn claim(
    conn: &mut DbConnection,
    partner: &str,
    request_id: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<Claim, ServiceError> {
    let claimed_at = clock::to_row_time(Utc::now());
    let row = IdempotencyRow {
        partner_tenant_id: partner.to_owned(),
        request_id: request_id.to_owned(),
        fingerprint: fingerprint.to_owned(),
        status: None,
        response_body: None,
        claimed_at,
        stored_at: None,
    };
    let ticket = ClaimTicket {
        partner: partner.to_owned(),
        request_id: request_id.to_owned(),
        claimed_at,
    };
    db::transaction(conn, |conn| {
        if db::idempotency::try_claim(conn, &row)? {
            return Ok(Claim::Owned(ticket.clone()));
        }
        let Some(existing) = db::idempotency::find(conn, partner, request_id)? else {
            // Released between our insert attempt and this read: the caller asks again.
            return Ok(Claim::InFlight);
        };
        let expired = existing
            .stored_at
            .is_some_and(|stored| clock::from_row_time(stored) + Duration::hours(RETENTION_HOURS) <= now);
        let abandoned = existing.status.is_none()
            && clock::from_row_time(existing.claimed_at) + Duration::seconds(ABANDONED_AFTER_SECONDS) <= Utc::now();
        if expired || abandoned {
            db::idempotency::release(conn, partner, request_id, existing.claimed_at)?;
            db::idempotency::try_claim(conn, &row)?;
            return Ok(Claim::Owned(ticket.clone()));
        }
        if existing.fingerprint != fingerprint {
            return Ok(Claim::Conflict);
        }
        match (existing.status, existing.response_body) {
            (Some(status), Some(body)) => Ok(Claim::Replay {
                status: u16::try_from(status).unwrap_or(500),
                body,
            }),
            _ => Ok(Claim::InFlight),
        }
    })
}

/// Stores the response of an owned key (statuses below 500 only; see [`release`] for the others).
pub fn complete(
    conn: &mut DbConnection,
    ticket: &ClaimTicket,
    status: u16,
    body: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    db::idempotency::complete(
        conn,
        &ticket.partner,
        &ticket.request_id,
        ticket.claimed_at,
        i32::from(status),
        body,
        clock::to_row_time(now),
    )?;
    Ok(())
}

/// Frees an owned key without storing anything, so a retry runs again.
pub fn release(conn: &mut DbConnection, ticket: &ClaimTicket) -> Result<(), ServiceError> {
    db::idempotency::release(conn, &ticket.partner, &ticket.request_id, ticket.claimed_at)?;
    Ok(())
}
