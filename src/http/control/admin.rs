//! The admin-token extractor of the control plane (control-plane spec §2): constant-time comparison, 990100/990101.

use std::future::{ready, Ready};

use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest};

use crate::http::error::ApiError;
use crate::http::state::AppState;

/// `WWW-Authenticate` of admin-token failures.
pub const ADMIN_REALM: &str = "Bearer realm=\"partner-center-mirror-control\"";

/// Proof that the request may use the admin endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Admin;

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Ready<Result<Admin, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut actix_web::dev::Payload) -> Self::Future {
        ready(check(req))
    }
}

fn check(req: &HttpRequest) -> Result<Admin, ApiError> {
    let expected = req
        .app_data::<web::Data<AppState>>()
        .and_then(|state| state.admin_token.clone());
    let Some(expected) = expected else {
        return Ok(Admin);
    };
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    let Some(presented) = presented else {
        return Err(ApiError::mirror(
            StatusCode::UNAUTHORIZED,
            990100,
            "The control plane needs Authorization: Bearer <admin token>.",
        ));
    };
    if !constant_time_eq(presented.as_bytes(), expected.as_bytes()) {
        return Err(ApiError::mirror(
            StatusCode::UNAUTHORIZED,
            990101,
            "The admin token is wrong.",
        ));
    }
    Ok(Admin)
}

/// Compares without revealing where the first difference is.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i % b.len().max(1)).copied().unwrap_or(0));
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_needs_equal_length_and_bytes() {
        assert!(constant_time_eq(b"0123456789abcdef", b"0123456789abcdef"));
        assert!(!constant_time_eq(b"0123456789abcdeg", b"0123456789abcdef"));
        assert!(!constant_time_eq(b"0123456789abcdef0", b"0123456789abcdef"));
        assert!(!constant_time_eq(b"", b"0123456789abcdef"));
    }
}
