//! The request journal (control-plane spec §12): a bounded in-memory ring per instance, filled by a middleware
//! that records every request except polling noise, with secrets redacted and bodies cut to 4 KiB.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Instant;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{web, Error, HttpMessage};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::caller::{AuthenticatedTenant, FaultMark, RequestMirrorNow};
use super::normalize::ReceivedPath;
use super::reply::REPLAYED_HEADER;
use super::request_ids::RequestIds;
use super::state::AppState;
use crate::domain::datetime;
use crate::domain::ids::Guid;

/// Stored length of a body, in bytes of UTF-8.
pub const BODY_CUT: usize = 4096;
/// Longest request body buffered (the largest accepted body, 16 MiB, plus one byte); the rest streams through.
const REQUEST_BUFFER_LIMIT: usize = 16 * 1024 * 1024 + 1;
/// Responses of a known size up to this are buffered and recorded before they are sent.
const RESPONSE_BUFFER_LIMIT: u64 = 1024 * 1024;
/// Raw text kept for redaction before the cut.
const REDACTION_WINDOW: usize = 64 * 1024;
/// Replacement of secrets.
const REDACTED: &str = "[redacted]";

/// One recorded request.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// Sequence number of this instance, from 1 after each start or clear.
    pub id: u64,
    /// The instance that served the request.
    pub instance_id: String,
    /// Real arrival time.
    pub time: String,
    /// The partner's mirror now used for the request, when one was used.
    pub mirror_now: Option<String>,
    /// HTTP method.
    pub method: String,
    /// Path and query as routed.
    pub path_and_query: String,
    /// Status answered.
    pub status: u16,
    /// Time to answer in milliseconds.
    pub duration_ms: u64,
    /// `tid` of a validated token, or the tenant a control request names.
    pub partner_tenant_id: Option<String>,
    /// Effective `MS-RequestId`.
    pub request_id: Option<String>,
    /// Effective `MS-CorrelationId`.
    pub correlation_id: Option<String>,
    /// Idempotent replay.
    pub replayed: bool,
    /// Fault rule that answered or delayed the request.
    pub fault_id: Option<String>,
    /// Request headers without `Authorization` and `Cookie`.
    #[schema(value_type = Object)]
    pub request_headers: Map<String, Value>,
    /// Request body (redacted, cut to 4 KiB), `<binary N bytes>`, or null when empty.
    pub request_body: Option<String>,
    /// The request body was cut.
    pub request_body_truncated: bool,
    /// Response body (redacted, cut to 4 KiB), `<binary N bytes>`, or null when empty.
    pub response_body: Option<String>,
    /// The response body was cut.
    pub response_body_truncated: bool,
}

/// Criteria of a journal query; every given one must hold.
#[derive(Debug, Clone, Default)]
pub struct JournalFilter {
    /// Exact `MS-CorrelationId`.
    pub correlation_id: Option<String>,
    /// Exact `MS-RequestId`.
    pub request_id: Option<String>,
    /// Partner tenant, any case.
    pub partner_tenant_id: Option<String>,
}

impl JournalFilter {
    fn admits(&self, entry: &JournalEntry) -> bool {
        let same = |wanted: &Option<String>, actual: &Option<String>| {
            wanted.as_ref().is_none_or(|w| actual.as_ref() == Some(w))
        };
        same(&self.correlation_id, &entry.correlation_id)
            && same(&self.request_id, &entry.request_id)
            && self.partner_tenant_id.as_ref().is_none_or(|w| {
                entry
                    .partner_tenant_id
                    .as_ref()
                    .is_some_and(|p| p.eq_ignore_ascii_case(w))
            })
    }
}

#[derive(Debug, Default)]
struct Ring {
    entries: VecDeque<JournalEntry>,
    next_id: u64,
    dropped: u64,
}

/// The journal of one instance.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    ring: Mutex<Ring>,
}

impl Journal {
    /// A journal keeping at most `capacity` entries; 0 turns it off.
    pub fn new(capacity: usize) -> Journal {
        Journal {
            capacity,
            ring: Mutex::new(Ring {
                next_id: 1,
                ..Ring::default()
            }),
        }
    }

    /// The bound.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// False when the capacity is 0.
    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    fn ring(&self) -> MutexGuard<'_, Ring> {
        // A panic while holding the lock cannot leave the ring inconsistent; keep serving.
        self.ring.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Appends an entry, giving it the next id and pushing out the oldest when full.
    pub fn push(&self, mut entry: JournalEntry) {
        if !self.enabled() {
            return;
        }
        let mut ring = self.ring();
        entry.id = ring.next_id;
        ring.next_id += 1;
        while ring.entries.len() >= self.capacity {
            ring.entries.pop_front();
            ring.dropped += 1;
        }
        ring.entries.push_back(entry);
    }

    /// Matching entries, newest first, at most `limit`; and the `dropped` counter.
    pub fn query(&self, filter: &JournalFilter, limit: usize) -> (Vec<JournalEntry>, u64) {
        let ring = self.ring();
        let items = ring
            .entries
            .iter()
            .rev()
            .filter(|e| filter.admits(e))
            .take(limit)
            .cloned()
            .collect();
        (items, ring.dropped)
    }

    /// Empties the journal; ids start at 1 again and `dropped` at 0. Returns the number of entries removed.
    pub fn clear(&self) -> usize {
        let mut ring = self.ring();
        let removed = ring.entries.len();
        *ring = Ring {
            next_id: 1,
            ..Ring::default()
        };
        removed
    }

    /// Removes one partner's entries; returns how many.
    pub fn remove_partner(&self, tenant: &str) -> usize {
        let mut ring = self.ring();
        let before = ring.entries.len();
        ring.entries.retain(|e| {
            !e.partner_tenant_id
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(tenant))
        });
        before - ring.entries.len()
    }
}

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

/// A body as captured: a prefix of it, its full length when known, and whether the prefix is all of it.
#[derive(Debug, Clone, Default)]
struct Captured {
    bytes: Bytes,
    total: usize,
    complete: bool,
}

/// A stored body text and its truncation flag.
fn render_body(captured: &Captured, content_type: Option<&str>) -> (Option<String>, bool) {
    if captured.total == 0 && captured.complete {
        return (None, false);
    }
    let media = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    let textual = media.as_deref().is_none_or(|m| {
        m.starts_with("text/")
            || m == "application/json"
            || m.ends_with("+json")
            || m == "application/xml"
            || m.ends_with("+xml")
            || m == "application/x-www-form-urlencoded"
            || m == "application/javascript"
            || m == "application/problem+json"
    });
    let text = match std::str::from_utf8(&captured.bytes) {
        Ok(text) => Some(text),
        // A cut in the middle of a character is not binary.
        Err(e) if e.error_len().is_none() && !captured.complete => {
            std::str::from_utf8(&captured.bytes[..e.valid_up_to()]).ok()
        }
        Err(_) => None,
    };
    let Some(text) = text.filter(|_| textual) else {
        return (Some(format!("<binary {} bytes>", captured.total)), false);
    };
    let redacted = if media.as_deref() == Some("application/x-www-form-urlencoded") && captured.complete {
        redact_form(text)
    } else if media.as_deref() == Some("text/html") {
        redact_html_password(cut(text, REDACTION_WINDOW))
    } else {
        redact_json_text(cut(text, REDACTION_WINDOW))
    };
    let shown = cut(&redacted, BODY_CUT);
    let truncated = shown.len() < redacted.len() || !captured.complete || captured.total > captured.bytes.len();
    (Some(shown.to_owned()), truncated)
}

/// Replaces the content of the admin-center page's generated password (`<dd id="admin-password">`).
fn redact_html_password(text: &str) -> String {
    const OPEN: &str = "id=\"admin-password\">";
    match text.find(OPEN) {
        Some(start) => {
            let value_start = start + OPEN.len();
            let value_end = text[value_start..].find('<').map_or(text.len(), |i| value_start + i);
            format!("{}{REDACTED}{}", &text[..value_start], &text[value_end..])
        }
        None => text.to_owned(),
    }
}

/// The longest prefix of at most `limit` bytes ending at a character boundary.
fn cut(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn is_secret_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("password") || name.eq_ignore_ascii_case("accessToken")
}

/// Replaces the `password` fields of a form body.
fn redact_form(text: &str) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(text.as_bytes()) {
        if name.eq_ignore_ascii_case("password") {
            out.append_pair(&name, REDACTED);
        } else {
            out.append_pair(&name, &value);
        }
    }
    out.finish()
}

/// End of the JSON string starting at `start` (a `"`): the index after its closing quote, or the text's end.
fn string_end(bytes: &[u8], start: usize) -> (usize, bool) {
    let mut j = start + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'"' => return (j + 1, true),
            _ => j += 1,
        }
    }
    (bytes.len(), false)
}

/// Replaces the values of members named `password` or `accessToken` (any case) in JSON text, which may be cut
/// short; the formatting of everything else is kept.
fn redact_json_text(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let (end, closed) = string_end(bytes, i);
        let name = if closed { &text[i + 1..end - 1] } else { "" };
        i = end;
        if !is_secret_name(name) {
            continue;
        }
        let mut k = i;
        while k < bytes.len() && bytes[k].is_ascii_whitespace() {
            k += 1;
        }
        if bytes.get(k) != Some(&b':') {
            continue;
        }
        k += 1;
        while k < bytes.len() && bytes[k].is_ascii_whitespace() {
            k += 1;
        }
        let value_end = match bytes.get(k) {
            Some(b'"') => string_end(bytes, k).0,
            Some(b'{' | b'[') | None => continue,
            Some(_) => {
                let mut v = k;
                while v < bytes.len() && !matches!(bytes[v], b',' | b'}' | b']') && !bytes[v].is_ascii_whitespace() {
                    v += 1;
                }
                v
            }
        };
        out.push_str(&text[copied..k]);
        out.push('"');
        out.push_str(REDACTED);
        out.push('"');
        copied = value_end;
        i = value_end;
    }
    out.push_str(&text[copied.min(text.len())..]);
    out
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn recorded_headers(headers: &HeaderMap) -> Map<String, Value> {
    let mut names: Vec<&header::HeaderName> = headers.keys().collect();
    names.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    names.dedup();
    names
        .into_iter()
        .filter(|n| **n != header::AUTHORIZATION && **n != header::COOKIE)
        .map(|name| {
            let values: Vec<String> = headers
                .get_all(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            (name.as_str().to_owned(), Value::String(values.join(", ")))
        })
        .collect()
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
    let captured = Captured {
        total: if complete {
            bytes.len()
        } else {
            declared.unwrap_or(bytes.len()).max(bytes.len())
        },
        bytes: bytes.clone(),
        complete,
    };
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
    entry: JournalEntry,
    started: Instant,
    response_content_type: Option<String>,
}

impl Pending {
    fn finish(mut self, captured: &Captured) {
        let (body, truncated) = render_body(captured, self.response_content_type.as_deref());
        self.entry.response_body = body;
        self.entry.response_body_truncated = truncated;
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
            pending.finish(&Captured {
                bytes: kept,
                total: self.total,
                complete,
            });
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
    let state = req
        .app_data::<web::Data<AppState>>()
        .map(|s| (s.journal.clone(), s.instance_id.clone()));
    let Some((journal, instance_id)) = state.filter(|(j, _)| j.enabled() && is_recorded(req.path())) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let started = Instant::now();
    let arrived = Utc::now();
    let method = req.method().to_string();
    let as_received = req.extensions().get::<ReceivedPath>().map(|p| p.0.clone());
    let path_and_query = as_received.unwrap_or_else(|| {
        req.uri()
            .path_and_query()
            .map(|pq| pq.as_str().to_owned())
            .unwrap_or_else(|| req.path().to_owned())
    });
    let request_headers = recorded_headers(req.headers());
    let request_content_type = header_text(req.headers(), header::CONTENT_TYPE);
    let captured = capture_request(&mut req).await;
    let named_tenant = if req.path().starts_with("/_mirror/") {
        control_tenant(req.path(), req.query_string(), &captured)
    } else {
        None
    };
    let (request_body, request_body_truncated) = render_body(&captured, request_content_type.as_deref());

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
            extensions.get::<RequestMirrorNow>().map(|n| datetime::format_utc(&n.0)),
        )
    };
    let entry = JournalEntry {
        id: 0,
        instance_id,
        time: datetime::format_utc(&millis(arrived)),
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
        request_body,
        request_body_truncated,
        response_body: None,
        response_body_truncated: false,
    };
    let pending = Pending {
        journal,
        entry,
        started,
        response_content_type: header_text(response.headers(), header::CONTENT_TYPE),
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
        pending.finish(&Captured {
            total: bytes.len(),
            bytes: bytes.clone(),
            complete: true,
        });
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

    fn entry(tenant: Option<&str>) -> JournalEntry {
        JournalEntry {
            id: 0,
            instance_id: "i".into(),
            time: "t".into(),
            mirror_now: None,
            method: "GET".into(),
            path_and_query: "/v1/agreements".into(),
            status: 200,
            duration_ms: 0,
            partner_tenant_id: tenant.map(str::to_owned),
            request_id: None,
            correlation_id: None,
            replayed: false,
            fault_id: None,
            request_headers: Map::new(),
            request_body: None,
            request_body_truncated: false,
            response_body: None,
            response_body_truncated: false,
        }
    }

    #[test]
    fn the_ring_keeps_its_bound_and_counts_what_it_pushed_out() {
        let journal = Journal::new(3);
        for _ in 0..10 {
            journal.push(entry(None));
        }
        let (items, dropped) = journal.query(&JournalFilter::default(), 100);
        assert_eq!(items.iter().map(|e| e.id).collect::<Vec<_>>(), [10, 9, 8]);
        assert_eq!(dropped, 7);
        assert_eq!(journal.clear(), 3);
        journal.push(entry(None));
        let (items, dropped) = journal.query(&JournalFilter::default(), 100);
        assert_eq!((items.len(), items[0].id, dropped), (1, 1, 0));
    }

    #[test]
    fn json_secrets_are_redacted_even_in_cut_text() {
        assert_eq!(
            redact_json_text(r#"{"user":"a","Password" : "s3cr\"et","n":1}"#),
            r#"{"user":"a","Password" : "[redacted]","n":1}"#
        );
        assert_eq!(
            redact_json_text(r#"{"accessToken":"eyJ"#),
            r#"{"accessToken":"[redacted]""#
        );
        assert_eq!(redact_json_text(r#"{"password":123}"#), r#"{"password":"[redacted]"}"#);
        assert_eq!(redact_json_text(r#"["password","x"]"#), r#"["password","x"]"#);
        assert_eq!(redact_json_text("{\"é\":\"ü\"}"), "{\"é\":\"ü\"}");
    }

    #[test]
    fn generated_passwords_on_admin_center_pages_are_redacted() {
        assert_eq!(
            redact_html_password(
                r#"<dd id="admin-sign-in-name">admin@x.y</dd><dd id="admin-password">Ab3dEf7hJk2m</dd>"#
            ),
            r#"<dd id="admin-sign-in-name">admin@x.y</dd><dd id="admin-password">[redacted]</dd>"#
        );
        assert_eq!(redact_html_password("<p>nothing</p>"), "<p>nothing</p>");
    }

    #[test]
    fn form_passwords_are_redacted() {
        assert_eq!(redact_form("user=a&password=hunter2"), "user=a&password=%5Bredacted%5D");
    }

    #[test]
    fn bodies_are_cut_at_a_character_boundary() {
        let text = "é".repeat(3000);
        let (body, truncated) = render_body(
            &Captured {
                total: text.len(),
                bytes: Bytes::from(text.clone()),
                complete: true,
            },
            Some("text/plain"),
        );
        let body = body.unwrap();
        assert!(truncated);
        assert_eq!(body.len(), 4096);
        assert!(text.starts_with(&body));
        let (binary, _) = render_body(
            &Captured {
                total: 3,
                bytes: Bytes::from_static(&[0xff, 0xfe, 0x00]),
                complete: true,
            },
            None,
        );
        assert_eq!(binary.as_deref(), Some("<binary 3 bytes>"));
    }

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
