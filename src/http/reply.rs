//! A successful (or replayed) JSON answer: status and serialized body, so that idempotency can store and replay it.

use actix_web::body::BoxBody;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse, Responder};
use serde::Serialize;

use super::error::ApiError;

/// Header marking an idempotent replay.
pub const REPLAYED_HEADER: &str = "MS-Replayed";

/// A JSON answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiReply {
    /// HTTP status.
    pub status: StatusCode,
    /// Serialized JSON body.
    pub body: String,
    /// True for an idempotent replay.
    pub replayed: bool,
}

impl ApiReply {
    /// Serializes `value` with `status`.
    pub fn json(status: StatusCode, value: &impl Serialize) -> Result<ApiReply, ApiError> {
        let body = serde_json::to_string(value).map_err(|e| {
            ApiError::from(crate::service::ServiceError::Internal(format!(
                "serialization failed: {e}"
            )))
        })?;
        Ok(ApiReply {
            status,
            body,
            replayed: false,
        })
    }

    /// 200 with `value`.
    pub fn ok(value: &impl Serialize) -> Result<ApiReply, ApiError> {
        ApiReply::json(StatusCode::OK, value)
    }

    /// 204 without a body (only the sandbox customer deletion, contract §2.5).
    pub fn no_content() -> ApiReply {
        ApiReply {
            status: StatusCode::NO_CONTENT,
            body: String::new(),
            replayed: false,
        }
    }

    /// 201 with `value`.
    pub fn created(value: &impl Serialize) -> Result<ApiReply, ApiError> {
        ApiReply::json(StatusCode::CREATED, value)
    }
}

impl Responder for ApiReply {
    type Body = BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status);
        if self.status == StatusCode::NO_CONTENT {
            return builder.finish();
        }
        builder.insert_header((header::CONTENT_TYPE, "application/json; charset=utf-8"));
        if self.replayed {
            builder.insert_header((REPLAYED_HEADER, "true"));
        }
        builder.body(self.body)
    }
}
