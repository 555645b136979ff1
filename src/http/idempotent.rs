//! Idempotent execution of POST and PATCH (contract §6): claim the `MS-RequestId` in the database, replay a stored
//! answer, refuse a reused id with 409 990001, wait for a running twin, and store every answer below 500.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::caller::Caller;
use super::error::ApiError;
use super::json_body::RawBody;
use super::reply::ApiReply;
use super::request_ids::RequestIds;
use super::state::AppState;
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

/// Runs `operation` at most once per (partner, `MS-RequestId`).
pub async fn run_once<F, Fut>(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    body: &RawBody,
    operation: F,
) -> Result<ApiReply, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<ApiReply, ApiError>>,
{
    let ids = req.extensions().get::<RequestIds>().cloned();
    let Some(ids) = ids.filter(|ids| ids.request_id_from_client) else {
        return operation().await;
    };
    let print = fingerprint(req, body);
    let started = std::time::Instant::now();
    let ticket = loop {
        let (partner, request_id, print, now) = (
            caller.tenant.to_string(),
            ids.request_id.clone(),
            print.clone(),
            caller.now,
        );
        let claim = state
            .store
            .run(move |conn| idempotency::claim(conn, &partner, &request_id, &print, now))
            .await?;
        match claim {
            Claim::Owned(ticket) => break ticket,
            Claim::Replay { status, body } => {
                return Ok(ApiReply {
                    status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                    body,
                    replayed: true,
                })
            }
            Claim::Conflict => return Err(ServiceError::IdempotencyConflict(ids.request_id.clone()).into()),
            Claim::InFlight if started.elapsed() < WAIT_LIMIT => tokio::time::sleep(POLL).await,
            Claim::InFlight => return Err(ServiceError::IdempotencyConflict(ids.request_id.clone()).into()),
        }
    };
    let result = operation().await;
    let (status, text) = match &result {
        Ok(reply) => (reply.status, reply.body.clone()),
        Err(error) => (error.status(), error.body().to_string()),
    };
    let now = caller.now;
    let outcome = if status.as_u16() < 500 {
        state
            .store
            .run(move |conn| idempotency::complete(conn, &ticket, status.as_u16(), &text, now))
            .await
    } else {
        state.store.run(move |conn| idempotency::release(conn, &ticket)).await
    };
    if let Err(error) = outcome {
        tracing::error!(%error, "storing the idempotent answer failed");
    }
    result
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
