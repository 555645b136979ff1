//! Idempotent execution of POST and PATCH (contract §6): claim the `MS-RequestId`, run the operation and store its
//! answer in one transaction; replay a stored answer, refuse a reused id with 409 990001, and keep nothing of an
//! answer of 500 or more.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::caller::Caller;
use super::error::ApiError;
use super::json_body::RawBody;
use super::reply::ApiReply;
use super::request_ids::RequestIds;
use super::state::AppState;
use crate::db::{self, DbConnection};
use crate::service::idempotency::{self, Claim};
use crate::service::ServiceError;

/// How long a request waits for a twin with the same id before giving up.
const WAIT_LIMIT: Duration = Duration::from_secs(60);
/// Poll interval while waiting.
const POLL: Duration = Duration::from_millis(20);

/// The request fingerprint: method, lowercased path, query, and the body (JSON compared structurally).
pub fn fingerprint(req: &HttpRequest, body: &RawBody) -> String {
    let canonical_body = match serde_json::from_slice::<Value>(&body.bytes) {
        Ok(value) if !body.too_large => canonical_json(&value),
        _ => format!("raw:{}:{}", body.too_large, hex(&Sha256::digest(&body.bytes))),
    };
    let text = format!(
        "{}\n{}\n{}\n{}",
        req.method(),
        req.path().to_lowercase(),
        req.query_string(),
        canonical_body
    );
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// JSON with object members sorted by name at every level.
fn canonical_json(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut members: Vec<_> = map.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{}:{}", Value::String((*k).clone()), canonical_json(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(canonical_json).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

/// Why the one transaction of an idempotent request was rolled back.
enum Abort {
    /// The operation answered 5xx: nothing of it, not even the claim, is kept, so a retry runs again.
    Answer(ApiError),
    /// The database failed.
    Database(ServiceError),
}

impl From<crate::db::QueryError> for Abort {
    fn from(error: crate::db::QueryError) -> Self {
        Abort::Database(error.into())
    }
}

impl From<ServiceError> for Abort {
    fn from(error: ServiceError) -> Self {
        Abort::Database(error)
    }
}

/// What one attempt found.
enum Attempt {
    /// The answer to send (fresh or replayed).
    Answered(Result<ApiReply, ApiError>),
    /// A twin with the same id holds the claim: ask again shortly.
    InFlight,
}

/// Runs `work` at most once per (partner, `MS-RequestId`), in one blocking hand-off and one transaction: the claim
/// of the id, the operation's writes (including its outbox messages) and the stored answer commit together, or
/// (for an answer of 500 or more) not at all. Without a client `MS-RequestId`, `work` simply runs.
pub async fn run_once<W>(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    body: &RawBody,
    work: W,
) -> Result<ApiReply, ApiError>
where
    W: FnOnce(&mut DbConnection, DateTime<Utc>) -> Result<ApiReply, ApiError> + Send + 'static,
{
    let ids = req.extensions().get::<RequestIds>().cloned();
    let Some(ids) = ids.filter(|ids| ids.request_id_from_client) else {
        return state
            .store
            .run_for(&caller.admission, move |conn, now| {
                let answer = work(conn, now);
                if answer.as_ref().is_err_and(|e| e.status().is_server_error()) {
                    db::mark_connection_suspect();
                }
                Ok(answer)
            })
            .await?;
    };
    let key = Key {
        partner: caller.tenant.to_string(),
        request_id: ids.request_id.clone(),
        fingerprint: fingerprint(req, body),
    };
    let started = std::time::Instant::now();
    let mut work = Some(work);
    loop {
        let pending = work.take();
        let attempt_key = key.clone();
        let (attempt, unused) = state
            .store
            .run_for(&caller.admission, move |conn, now| {
                Ok(attempt(conn, &attempt_key, now, pending))
            })
            .await?;
        work = unused;
        match attempt? {
            Attempt::Answered(answer) => return answer,
            Attempt::InFlight if started.elapsed() < WAIT_LIMIT => tokio::time::sleep(POLL).await,
            Attempt::InFlight => return Err(ServiceError::IdempotencyConflict(key.request_id).into()),
        }
    }
}

/// The idempotency key of a request.
#[derive(Clone)]
struct Key {
    partner: String,
    request_id: String,
    fingerprint: String,
}

/// One attempt in one transaction; gives the work back when it did not run.
#[allow(clippy::type_complexity)]
fn attempt<W>(
    conn: &mut DbConnection,
    key: &Key,
    now: DateTime<Utc>,
    work: Option<W>,
) -> (Result<Attempt, ApiError>, Option<W>)
where
    W: FnOnce(&mut DbConnection, DateTime<Utc>) -> Result<ApiReply, ApiError>,
{
    let mut work = work;
    let outcome = db::transaction(conn, |conn| -> Result<Attempt, Abort> {
        let ticket = match idempotency::claim(conn, &key.partner, &key.request_id, &key.fingerprint, now)? {
            Claim::Owned(ticket) => ticket,
            Claim::Replay { status, body } => {
                return Ok(Attempt::Answered(Ok(ApiReply {
                    status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                    body,
                    replayed: true,
                })))
            }
            Claim::Conflict => {
                return Ok(Attempt::Answered(Err(ServiceError::IdempotencyConflict(
                    key.request_id.clone(),
                )
                .into())))
            }
            Claim::InFlight => return Ok(Attempt::InFlight),
        };
        let Some(work) = work.take() else {
            return Err(Abort::Database(ServiceError::Internal(
                "idempotent work already used".into(),
            )));
        };
        // The operation in a savepoint: a refusal rolls back its own writes and keeps the claim for the answer.
        let answer = match db::transaction(conn, |conn| work(conn, now).map_err(Refusal::Answer)) {
            Ok(reply) => Ok(reply),
            Err(Refusal::Answer(error)) => Err(error),
            Err(Refusal::Database(error)) => Err(ApiError::from(ServiceError::from(error))),
        };
        let (status, text) = match &answer {
            Ok(reply) => (reply.status, reply.body.clone()),
            Err(error) => (error.status(), error.body().to_string()),
        };
        if status.is_server_error() {
            return Err(Abort::Answer(answer.err().unwrap_or_else(|| {
                ApiError::from(ServiceError::Internal("a 5xx reply without an error".into()))
            })));
        }
        idempotency::complete(conn, &ticket, status.as_u16(), &text, now)?;
        Ok(Attempt::Answered(answer))
    });
    let result = match outcome {
        Ok(attempt) => Ok(attempt),
        Err(Abort::Answer(error)) => {
            db::mark_connection_suspect();
            Ok(Attempt::Answered(Err(error)))
        }
        Err(Abort::Database(error)) => {
            db::mark_connection_suspect();
            Err(ApiError::from(error))
        }
    };
    (result, work)
}

/// Why the operation's savepoint was rolled back.
enum Refusal {
    /// The operation answered an error.
    Answer(ApiError),
    /// The savepoint itself failed.
    Database(crate::db::QueryError),
}

impl From<crate::db::QueryError> for Refusal {
    fn from(error: crate::db::QueryError) -> Self {
        Refusal::Database(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_does_not_change_the_canonical_form_but_spelling_does() {
        assert_eq!(
            canonical_json(&json!({"a": 1, "b": [ {"d": 2, "c": 3} ]})),
            canonical_json(&json!({"b": [ {"c": 3, "d": 2} ], "a": 1}))
        );
        assert_ne!(canonical_json(&json!({"A": 1})), canonical_json(&json!({"a": 1})));
    }
}
