//! Idempotent execution of POST and PATCH (contract §6), HTTP side: the request fingerprint, the answer as
//! stored and replayed, and the wait for a twin; the transaction itself is `service::idempotency::attempt`.

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
use crate::service::idempotency::{self, Attempt, Key, StoredAnswer};
use crate::service::DbConnection;
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

impl StoredAnswer for Result<ApiReply, ApiError> {
    fn status(&self) -> u16 {
        match self {
            Ok(reply) => reply.status.as_u16(),
            Err(error) => error.status().as_u16(),
        }
    }

    fn body_text(&self) -> String {
        match self {
            Ok(reply) => reply.body.clone(),
            Err(error) => error.body().to_string(),
        }
    }

    fn is_refusal(&self) -> bool {
        self.is_err()
    }

    fn replayed(status: u16, body: String) -> Self {
        Ok(ApiReply {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            body,
            replayed: true,
        })
    }

    fn failed(error: ServiceError) -> Self {
        Err(ApiError::from(error))
    }
}

/// Runs `work` at most once per (partner, `MS-RequestId`), in one blocking hand-off and one transaction
/// ([`idempotency::attempt`]); a twin with the same id is waited for. Without a client `MS-RequestId`, `work`
/// simply runs.
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
                Ok(idempotency::run_unkeyed(conn, now, work))
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
                Ok(idempotency::attempt(conn, &attempt_key, now, pending))
            })
            .await?;
        work = unused;
        match attempt? {
            Attempt::Answered(answer) => return answer,
            Attempt::Conflict => return Err(ServiceError::IdempotencyConflict(key.request_id).into()),
            Attempt::InFlight if started.elapsed() < WAIT_LIMIT => tokio::time::sleep(POLL).await,
            Attempt::InFlight => return Err(ServiceError::IdempotencyConflict(key.request_id).into()),
        }
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
