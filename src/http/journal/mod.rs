//! The request journal (control-plane spec §12): a bounded in-memory ring per instance, filled by a middleware
//! that records every request except polling noise. The request path only keeps raw parts (shared body
//! buffers, the header map); redaction and the cut to 4 KiB happen when the journal is read.

mod render;
mod ring;

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{web, Error, HttpMessage};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde_json::Value;

pub use render::{JournalEntry, BODY_CUT};
pub use ring::{Journal, JournalFilter, JournalPage, Recorded};

use super::caller::{AuthenticatedTenant, FaultMark, RequestMirrorNow};
use super::normalize::{ReceivedHead, ReceivedPath};
use super::reply::REPLAYED_HEADER;
use super::request_ids::RequestIds;
use super::state::AppState;
use crate::domain::ids::Guid;
use render::{Captured, REDACTION_WINDOW};

/// Longest request body buffered (the largest accepted body, 16 MiB, plus one byte); the rest streams through.
const REQUEST_BUFFER_LIMIT: usize = 16 * 1024 * 1024 + 1;
/// Responses of a known size up to this are buffered and recorded before they are sent.
const RESPONSE_BUFFER_LIMIT: u64 = 1024 * 1024;

/// True for paths the journal records (control-plane spec §12: not the polling endpoints, not the docs).
pub fn is_recorded(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let trimmed = lower.strip_suffix('/').filter(|p| !p.is_empty()).unwrap_or(&lower);
    !matches!(
        trimmed,
        "/_mirror/health" | "/_mirror/ready" | "/_mirror/jwks.json" | "/_mirror/requests" | "/openapi.json"
    ) && trimmed != "/swagger-ui"
        && !lower.starts_with("/swagger-ui/")
}

/// Reads the request body (up to the buffer limit) and puts it back for the handler.
async fn capture_request(req: &mut ServiceRequest) -> Captured {
    let mut payload = req.take_payload();
    let mut buffer = BytesMut::new();
    let mut failure = None;
    let mut complete = true;
    while let Some(chunk) = payload.next().await {
        match chunk {
            Ok(chunk) => {
                buffer.extend_from_slice(&chunk);
                if buffer.len() >= REQUEST_BUFFER_LIMIT {
                    complete = false;
                    break;
                }
            }
            Err(e) => {
                failure = Some(e);
                complete = false;
                break;
            }
        }
    }
    let bytes = buffer.freeze();
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let total = if complete {
        bytes.len()
    } else {
        declared.unwrap_or(bytes.len()).max(bytes.len())
    };
    let captured = Captured::kept(bytes.clone(), total, complete);
    if complete {
        req.set_payload(Payload::from(bytes));
    } else {
        let head = futures_util::stream::once(std::future::ready(Ok(bytes)));
        let rest: Pin<Box<dyn futures_util::Stream<Item = Result<Bytes, actix_web::error::PayloadError>>>> =
            match failure {
                Some(e) => Box::pin(head.chain(futures_util::stream::once(std::future::ready(Err(e))))),
                None => Box::pin(head.chain(payload)),
            };
        req.set_payload(Payload::from(rest));
    }
    captured
}

/// The partner tenant a control request names: `partnerTenantId` in the query, the `{tenantId}` after
/// `partners`, the `{partnerTenantId}` after `relationships`, or `tenantId` / `partnerTenantId` in the body.
fn control_tenant(path: &str, query: &str, body: &Captured) -> Option<String> {
    let from_query = form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name.eq_ignore_ascii_case("partnerTenantId"))
        .map(|(_, value)| value.into_owned());
    let segments: Vec<&str> = path.split('/').collect();
    let from_path = segments
        .windows(2)
        .find(|w| w[0].eq_ignore_ascii_case("partners") || w[0].eq_ignore_ascii_case("relationships"))
        .map(|w| w[1].to_owned());
    let from_body = || {
        if !body.complete || body.total > 1024 * 1024 {
            return None;
        }
        let value: Value = serde_json::from_slice(&body.bytes).ok()?;
        let object = value.as_object()?;
        ["tenantId", "partnerTenantId"]
            .iter()
            .find_map(|name| object.get(*name).and_then(Value::as_str).map(str::to_owned))
    };
    from_query
        .or(from_path)
        .or_else(from_body)
        .and_then(|raw| Guid::parse(&raw))
        .map(Guid::into_string)
}

/// Everything of an entry but the response body, waiting for the response to end.
struct Pending {
    journal: std::sync::Arc<Journal>,
    entry: Recorded,
    started: Instant,
}

impl Pending {
    fn finish(mut self, captured: Captured) {
        self.entry.response_body = captured;
        self.entry.duration_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.journal.push(self.entry);
    }
}

/// A streamed response body that keeps its first bytes and records the entry when it ends or is dropped.
struct RecordingBody {
    inner: BoxBody,
    kept: BytesMut,
    total: usize,
    pending: Option<Pending>,
}

impl RecordingBody {
    fn finish(&mut self, complete: bool) {
        if let Some(pending) = self.pending.take() {
            let kept = std::mem::take(&mut self.kept).freeze();
            pending.finish(Captured::kept(kept, self.total, complete));
        }
    }
}

impl MessageBody for RecordingBody {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.inner.size()
    }

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_next(cx);
        match &polled {
            Poll::Ready(Some(Ok(chunk))) => {
                this.total += chunk.len();
                let room = REDACTION_WINDOW.saturating_sub(this.kept.len());
                this.kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Poll::Ready(None) => {
                let complete = this.total <= this.kept.len();
                this.finish(complete);
            }
            _ => {}
        }
        polled
    }
}

impl Drop for RecordingBody {
    fn drop(&mut self) {
        self.finish(false);
    }
}

/// Middleware: records every request of [`is_recorded`] paths in the instance's journal.
pub async fn record_requests(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    crate::memory::note_request();
    let journal = req.app_data::<web::Data<AppState>>().map(|s| s.journal.clone());
    let Some(journal) = journal.filter(|j| j.enabled() && is_recorded(req.path())) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let started = Instant::now();
    let arrived = Utc::now();
    let method = if req.extensions().contains::<ReceivedHead>() {
        actix_web::http::Method::HEAD
    } else {
        req.method().clone()
    };
    let as_received = req.extensions().get::<ReceivedPath>().map(|p| p.0.clone());
    let path_and_query = as_received.unwrap_or_else(|| {
        req.uri()
            .path_and_query()
            .map(|pq| pq.as_str().to_owned())
            .unwrap_or_else(|| req.path().to_owned())
    });
    let mut request_headers = req.headers().clone();
    request_headers.remove(header::AUTHORIZATION);
    request_headers.remove(header::COOKIE);
    let captured = capture_request(&mut req).await;
    let named_tenant = if req.path().starts_with("/_mirror/") {
        control_tenant(req.path(), req.query_string(), &captured)
    } else {
        None
    };

    let response = next.call(req).await?;

    let (ids, partner_tenant_id, fault_id, mirror_now) = {
        let extensions = response.request().extensions();
        (
            extensions.get::<RequestIds>().cloned(),
            extensions
                .get::<AuthenticatedTenant>()
                .map(|t| t.0.clone())
                .or(named_tenant),
            extensions.get::<FaultMark>().map(|f| f.0.clone()),
            extensions.get::<RequestMirrorNow>().map(|n| n.0),
        )
    };
    let entry = Recorded {
        arrived: millis(arrived),
        mirror_now,
        method,
        path_and_query,
        status: response.status().as_u16(),
        duration_ms: 0,
        partner_tenant_id,
        request_id: ids.as_ref().map(|i| i.request_id.clone()),
        correlation_id: ids.as_ref().map(|i| i.correlation_id.clone()),
        replayed: response.headers().contains_key(REPLAYED_HEADER),
        fault_id,
        request_headers,
        request_body: captured,
        response_body: Captured::default(),
        response_content_type: response.headers().get(header::CONTENT_TYPE).cloned(),
    };
    let pending = Pending {
        journal,
        entry,
        started,
    };
    let small = matches!(response.response().body().size(), BodySize::None)
        || matches!(response.response().body().size(), BodySize::Sized(n) if n <= RESPONSE_BUFFER_LIMIT);
    if small {
        // Recorded before the answer leaves, so a client that reads the journal next always finds it.
        let (request, response) = response.into_parts();
        let (head, body) = response.into_parts();
        let bytes = actix_web::body::to_bytes(body)
            .await
            .map_err(|e| actix_web::error::ErrorInternalServerError(e.into().to_string()))?;
        pending.finish(Captured::kept(bytes.clone(), bytes.len(), true));
        return Ok(ServiceResponse::new(request, head.set_body(BoxBody::new(bytes))));
    }
    Ok(response.map_body(|_, body| {
        BoxBody::new(RecordingBody {
            inner: body.boxed(),
            kept: BytesMut::new(),
            total: 0,
            pending: Some(pending),
        })
    }))
}

fn millis(instant: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(instant.timestamp_millis()).unwrap_or(instant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_and_documentation_paths_are_not_recorded() {
        for path in [
            "/_mirror/health",
            "/_mirror/requests",
            "/swagger-ui/index.html",
            "/openapi.json",
        ] {
            assert!(!is_recorded(path), "{path}");
        }
        assert!(is_recorded("/v1/agreements"));
        assert!(is_recorded("/_mirror/faults"));
    }
}
