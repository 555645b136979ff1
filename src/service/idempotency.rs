//! Idempotency of POST and PATCH (contract §6): one record per partner tenant and `MS-RequestId`, enforced by the
//! database. [`attempt`] claims the id, runs the operation and stores its answer in one transaction; an answer of
//! 500 or more keeps nothing, not even the claim, so a retry runs again.

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

/// An answer of an idempotent operation, as it is stored and replayed (the HTTP layer implements it).
pub trait StoredAnswer: Sized {
    /// The HTTP status.
    fn status(&self) -> u16;
    /// The body as stored for replays.
    fn body_text(&self) -> String;
    /// True for a refusal: the operation's own writes are rolled back and the claim keeps the answer.
    fn is_refusal(&self) -> bool;
    /// A stored answer, replayed.
    fn replayed(status: u16, body: String) -> Self;
    /// The answer to a failure of the mirror itself.
    fn failed(error: ServiceError) -> Self;
}

/// The idempotency key of a request.
#[derive(Debug, Clone)]
pub struct Key {
    /// Partner tenant.
    pub partner: String,
    /// The client's `MS-RequestId`.
    pub request_id: String,
    /// Fingerprint of the request (method, path, query, body).
    pub fingerprint: String,
}

/// What one attempt found.
pub enum Attempt<A> {
    /// The answer to send, fresh or replayed.
    Answered(A),
    /// The id was used for a different request.
    Conflict,
    /// A twin with the same id holds the claim: ask again shortly.
    InFlight,
}

/// Why the one transaction of an attempt was rolled back.
enum Abort<A> {
    /// The operation answered 500 or more.
    Answer(A),
    /// The database failed.
    Failed(ServiceError),
}

impl<A> From<db::QueryError> for Abort<A> {
    fn from(error: db::QueryError) -> Self {
        Abort::Failed(error.into())
    }
}

impl<A> From<ServiceError> for Abort<A> {
    fn from(error: ServiceError) -> Self {
        Abort::Failed(error)
    }
}

/// Why the operation's savepoint was rolled back.
enum Refusal<A> {
    /// The operation refused the request.
    Answer(A),
    /// The savepoint itself failed.
    Failed(db::QueryError),
}

impl<A> From<db::QueryError> for Refusal<A> {
    fn from(error: db::QueryError) -> Self {
        Refusal::Failed(error)
    }
}

/// One attempt in one transaction: the claim of `key`, the operation in a savepoint (with its outbox messages) and
/// the stored answer commit together. Gives the work back when it did not run (replay, conflict, twin in flight).
#[allow(clippy::type_complexity)]
pub fn attempt<A, W>(
    conn: &mut DbConnection,
    key: &Key,
    now: DateTime<Utc>,
    work: Option<W>,
) -> (Result<Attempt<A>, ServiceError>, Option<W>)
where
    A: StoredAnswer,
    W: FnOnce(&mut DbConnection, DateTime<Utc>) -> A,
{
    let mut work = work;
    let outcome = db::transaction(conn, |conn| -> Result<Attempt<A>, Abort<A>> {
        let ticket = match claim(conn, &key.partner, &key.request_id, &key.fingerprint, now)? {
            Claim::Owned(ticket) => ticket,
            Claim::Replay { status, body } => return Ok(Attempt::Answered(A::replayed(status, body))),
            Claim::Conflict => return Ok(Attempt::Conflict),
            Claim::InFlight => return Ok(Attempt::InFlight),
        };
        let Some(work) = work.take() else {
            return Err(Abort::Failed(ServiceError::Internal(
                "idempotent work already used".into(),
            )));
        };
        let answer = match db::transaction(conn, |conn| {
            let answer = work(conn, now);
            if answer.is_refusal() {
                Err(Refusal::Answer(answer))
            } else {
                Ok(answer)
            }
        }) {
            Ok(answer) | Err(Refusal::Answer(answer)) => answer,
            Err(Refusal::Failed(error)) => A::failed(error.into()),
        };
        let status = answer.status();
        if status >= 500 {
            return Err(Abort::Answer(answer));
        }
        complete(conn, &ticket, status, &answer.body_text(), now)?;
        Ok(Attempt::Answered(answer))
    });
    let result = match outcome {
        Ok(attempt) => Ok(attempt),
        Err(Abort::Answer(answer)) => {
            db::mark_connection_suspect();
            Ok(Attempt::Answered(answer))
        }
        Err(Abort::Failed(error)) => {
            db::mark_connection_suspect();
            Err(error)
        }
    };
    (result, work)
}

/// Runs an operation whose request carries no usable `MS-RequestId`: nothing is claimed or stored.
pub fn run_unkeyed<A: StoredAnswer>(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    work: impl FnOnce(&mut DbConnection, DateTime<Utc>) -> A,
) -> A {
    let answer = work(conn, now);
    if answer.status() >= 500 {
        db::mark_connection_suspect();
    }
    answer
}
