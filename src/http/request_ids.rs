//! Request ids (contract §2.2–2.3): read or generate `MS-RequestId`, `MS-CorrelationId`, `MS-CV`, echo them on every
//! response, and add `WWW-Authenticate` to every 401.

use crate::domain::ids::Guid;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage};
use base64::Engine;
use rand::Rng;

use super::state::AppState;

/// The ids of one request, as answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestIds {
    /// Effective `MS-RequestId`.
    pub request_id: String,
    /// True when the client sent a usable `MS-RequestId` (only those are idempotency keys).
    pub request_id_from_client: bool,
    /// Effective `MS-CorrelationId`.
    pub correlation_id: String,
    /// Effective `MS-CV`.
    pub cv: String,
}

/// A header value usable as an id: printable ASCII, 1 to 128 characters.
fn usable_id(value: Option<&HeaderValue>) -> Option<String> {
    let text = value?.to_str().ok()?;
    let ok = !text.is_empty() && text.len() <= 128 && text.bytes().all(|b| (0x20..0x7f).contains(&b));
    ok.then(|| text.to_owned())
}

fn generated_cv() -> String {
    let bytes: [u8; 12] = rand::thread_rng().gen();
    format!("{}.0", base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Middleware: ids in, ids out.
pub async fn request_ids(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let headers = req.headers();
    let client_request_id = usable_id(headers.get("ms-requestid"));
    let ids = RequestIds {
        request_id_from_client: client_request_id.is_some(),
        request_id: client_request_id.unwrap_or_else(|| Guid::new_random().into_string()),
        correlation_id: usable_id(headers.get("ms-correlationid")).unwrap_or_else(|| Guid::new_random().into_string()),
        cv: headers
            .get("ms-cv")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(generated_cv),
    };
    let realm = if req.path().starts_with("/_mirror/") {
        Some(crate::http::control::admin::ADMIN_REALM.to_owned())
    } else {
        req.app_data::<web::Data<AppState>>()
            .map(|state| format!("OAuth realm=urn:cpsvc:cpid:{}", state.instance_id))
    };
    let mirror_json = req.path().starts_with("/_mirror/") && req.path() != "/_mirror/jwks.json";
    req.extensions_mut().insert(ids.clone());
    let mut response = next.call(req).await?;
    let out = response.headers_mut();
    for (name, value) in [
        ("ms-requestid", &ids.request_id),
        ("ms-correlationid", &ids.correlation_id),
        ("ms-cv", &ids.cv),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            out.insert(HeaderName::from_static(name), value);
        }
    }
    if mirror_json && !response.headers().contains_key(actix_web::http::header::CACHE_CONTROL) {
        response.headers_mut().insert(
            actix_web::http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        );
    }
    if response.status() == StatusCode::UNAUTHORIZED {
        if let Some(Ok(value)) = realm.map(|r| HeaderValue::from_str(&r)) {
            response
                .headers_mut()
                .insert(actix_web::http::header::WWW_AUTHENTICATE, value);
        }
    }
    Ok(response)
}
