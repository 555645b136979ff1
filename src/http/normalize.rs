//! Path normalisation before routing (contract §2.1): literal segments of `/v1` and `/_mirror` paths match
//! case-insensitively, a run of slashes counts as one (SDKs join `/v1/` and link URIs that start with `/`), and
//! a trailing slash is ignored. Parameter values are left as sent. `HEAD` is served by the `GET` route; the HTTP
//! layer leaves the body out.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::uri::{PathAndQuery, Uri};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};

/// Literal segments of the served paths in their routed spelling.
const LITERALS: &[&str] = &[
    "v1",
    "_mirror",
    "agreements",
    "customers",
    "directSignedMicrosoftCustomerAgreementStatus",
    "agreementtemplates",
    "document",
    "relationshiprequests",
    "orders",
    "compliance",
    "csp",
    "agreementstatus",
    "jwks.json",
    "agreement-documents",
    "view",
    "download",
    "health",
    "ready",
    "reset",
    "fixtures",
    "snapshot",
    "tokens",
    "partners",
    "clock",
    "scenario",
    "direct-acceptance",
    "relationships",
    "admin-center",
    "partner-invitation",
    "agreement",
    "notifications",
    "requests",
    "faults",
];

/// The routed form of a path, or `None` when it needs no change.
pub fn normalized_path(path: &str) -> Option<String> {
    let mut segments = path.split('/').filter(|segment| !segment.is_empty()).peekable();
    let first = segments.peek().copied().unwrap_or_default();
    if !(first.eq_ignore_ascii_case("v1") || first.eq_ignore_ascii_case("_mirror")) {
        return None;
    }
    let misspelt = |segment: &str| {
        LITERALS
            .iter()
            .any(|l| *l != segment && l.eq_ignore_ascii_case(segment))
    };
    if !path.ends_with('/') && !path.contains("//") && !path.split('/').any(misspelt) {
        return None;
    }
    let mut joined = String::with_capacity(path.len());
    for segment in segments {
        joined.push('/');
        joined.push_str(
            LITERALS
                .iter()
                .find(|literal| literal.eq_ignore_ascii_case(segment))
                .copied()
                .unwrap_or(segment),
        );
    }
    (joined != path).then_some(joined)
}

/// The path and query exactly as the client sent them, kept when the path is rewritten (for the journal).
#[derive(Debug, Clone)]
pub struct ReceivedPath(pub String);

/// Marks a `HEAD` request that is routed as `GET` (for the journal).
#[derive(Debug, Clone, Copy)]
pub struct ReceivedHead;

/// Middleware: rewrites the request path to its routed form, and `HEAD` to `GET`.
pub async fn normalize_path(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if req.method() == Method::HEAD {
        // The response encoder knows the request was HEAD and sends the headers only.
        req.extensions_mut().insert(ReceivedHead);
        req.head_mut().method = Method::GET;
    }
    if let Some(path) = normalized_path(req.path()) {
        let received = req
            .uri()
            .path_and_query()
            .map_or_else(|| req.path().to_owned(), |pq| pq.as_str().to_owned());
        req.extensions_mut().insert(ReceivedPath(received));
        let head = req.head_mut();
        let path_and_query = match head.uri.query() {
            Some(query) => format!("{path}?{query}"),
            None => path,
        };
        let mut parts = head.uri.clone().into_parts();
        if let Ok(pq) = PathAndQuery::try_from(path_and_query) {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = Uri::from_parts(parts) {
                req.match_info_mut().get_mut().update(&uri);
                req.head_mut().uri = uri;
            }
        }
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_segments_are_case_insensitive_and_one_trailing_slash_is_ignored() {
        assert_eq!(
            normalized_path("/V1/Customers/ABC/Agreements/").as_deref(),
            Some("/v1/customers/ABC/agreements")
        );
        assert_eq!(
            normalized_path("/v1/customers/x/directsignedmicrosoftcustomeragreementstatus").as_deref(),
            Some("/v1/customers/x/directSignedMicrosoftCustomerAgreementStatus")
        );
        assert_eq!(normalized_path("/v1/agreements"), None);
        assert_eq!(normalized_path("/v1//customers").as_deref(), Some("/v1/customers"));
        assert_eq!(normalized_path("//v1///Customers//").as_deref(), Some("/v1/customers"));
        assert_eq!(normalized_path("/swagger-ui/"), None);
    }
}
