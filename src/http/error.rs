//! The single mapping from failures to the wire: shape A faults, shape B business errors (contract §5).

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{json, Value};

use crate::auth::AuthFailure;
use crate::domain::FieldErrors;
use crate::service::faults::{Respond, Shape};
use crate::service::ServiceError;

/// `source` of `/v1` faults.
pub const SOURCE_PARTNER_FD: &str = "PartnerFD";
/// `source` of every error on a `/_mirror` URL.
pub const SOURCE_MIRROR: &str = "PartnerCenterMirror";
/// Wire text of 900150.
pub const ROLE_REFUSED: &str = "The supplied role does not have the rights to perform the requested operation.";
/// What the admin center tells a customer with legacy purchases (control-plane spec §9.2).
pub const LEGACY_PURCHASES_TEXT: &str =
    "Please reach out to your Partner to confirm your acceptance of the Microsoft Customer Agreement.";
/// Wire text of 600061.
pub const DUPLICATE_TEXT: &str = "A partner confirmed agreement already exists for the customer.";

/// An error answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// Shape A: `{code, description, data, source}`.
    Fault {
        /// HTTP status.
        status: StatusCode,
        /// Partner Center error code.
        code: i64,
        /// Description (at most 1024 characters).
        description: String,
        /// `data` items.
        data: Vec<Value>,
        /// `source`.
        source: &'static str,
    },
    /// Shape B 600061.
    DuplicateAttestation,
    /// An answer injected by a fault rule (control-plane spec §13), in shape A, B or C.
    Injected {
        /// HTTP status.
        status: StatusCode,
        /// The rendered body.
        body: Value,
        /// `Retry-After` in seconds.
        retry_after: Option<u64>,
        /// Sent as `MS-Mirror-Fault`.
        fault_id: String,
    },
    /// 503 800003 with `Retry-After`: the database is unreachable or stayed locked; the same request may succeed
    /// when retried.
    Unavailable {
        /// Description.
        description: &'static str,
        /// `Retry-After` in seconds.
        retry_after: u64,
    },
}

/// Header naming the fault rule that answered.
pub const FAULT_HEADER: &str = "MS-Mirror-Fault";

impl ApiError {
    /// A shape A fault with empty `data` and source `PartnerFD`.
    pub fn fault(status: StatusCode, code: i64, description: impl Into<String>) -> ApiError {
        ApiError::Fault {
            status,
            code,
            description: description.into(),
            data: Vec::new(),
            source: SOURCE_PARTNER_FD,
        }
    }

    /// A shape A fault with its own `source`.
    pub fn fault_from(status: StatusCode, code: i64, description: impl Into<String>, source: &'static str) -> ApiError {
        ApiError::Fault {
            status,
            code,
            description: description.into(),
            data: Vec::new(),
            source,
        }
    }

    /// A shape A fault of the mirror (source `PartnerCenterMirror`).
    pub fn mirror(status: StatusCode, code: i64, description: impl Into<String>) -> ApiError {
        ApiError::fault(status, code, description).from_mirror()
    }

    /// A mirror fault with `data` items.
    pub fn mirror_with_data(
        status: StatusCode,
        code: i64,
        description: impl Into<String>,
        data: Vec<Value>,
    ) -> ApiError {
        ApiError::Fault {
            status,
            code,
            description: description.into(),
            data,
            source: SOURCE_MIRROR,
        }
    }

    /// The same error with source `PartnerCenterMirror`.
    pub fn from_mirror(self) -> ApiError {
        match self {
            ApiError::Fault {
                status,
                code,
                description,
                data,
                ..
            } => ApiError::Fault {
                status,
                code,
                description,
                data,
                source: SOURCE_MIRROR,
            },
            other => other,
        }
    }

    /// 400 800002 with field errors.
    pub fn invalid(errors: &FieldErrors) -> ApiError {
        ApiError::Fault {
            status: StatusCode::BAD_REQUEST,
            code: 800002,
            description: errors.description(),
            data: errors
                .0
                .iter()
                .map(|e| json!({ "field": e.field, "reason": e.reason.as_str(), "message": e.message }))
                .collect(),
            source: SOURCE_PARTNER_FD,
        }
    }

    /// 404 1000.
    pub fn not_found() -> ApiError {
        ApiError::fault(StatusCode::NOT_FOUND, 1000, "The requested resource was not found.")
    }

    /// 403 900329.
    pub fn app_only_refused() -> ApiError {
        ApiError::fault(
            StatusCode::FORBIDDEN,
            900329,
            "This operation needs an App+User token; app-only tokens are not accepted.",
        )
    }

    /// 403 900150.
    pub fn role_refused() -> ApiError {
        ApiError::fault(StatusCode::FORBIDDEN, 900150, ROLE_REFUSED)
    }

    /// 403 2032 for indirect resellers.
    pub fn reseller_refused() -> ApiError {
        ApiError::fault(
            StatusCode::FORBIDDEN,
            2032,
            "Indirect resellers cannot perform this operation; it is performed by the indirect provider.",
        )
    }

    /// 400 900118.
    pub fn invalid_customer_id() -> ApiError {
        ApiError::fault(
            StatusCode::BAD_REQUEST,
            900118,
            "The customer tenant id must be a GUID.",
        )
    }

    /// The answer of a firing fault rule, rendered in its shape (control-plane spec §13.1).
    pub fn injected(fault_id: &str, respond: &Respond) -> ApiError {
        let status = StatusCode::from_u16(respond.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let description = respond
            .description
            .clone()
            .unwrap_or_else(|| injected_description(respond.status).to_owned());
        let code = respond.code.unwrap_or(0);
        let retry_after = respond.retry_after_seconds.and_then(|s| u64::try_from(s).ok());
        let body = match respond.shape {
            Shape::A => json!({ "code": code, "description": description, "data": [], "source": SOURCE_PARTNER_FD }),
            Shape::B => json!({
                "code": code,
                "message": description,
                "description": description,
                "errorName": respond.error_name.clone().unwrap_or_default(),
                "isRetryable": respond.status == 429 || respond.status >= 500,
                "parameters": {},
                "errorMessageExtended": format!("InternalErrorCode={code}")
            }),
            Shape::C => json!({
                "statusCode": respond.status,
                "message": format!("Rate limit is exceeded. Try again in {} seconds.", retry_after.unwrap_or(1)),
            }),
        };
        ApiError::Injected {
            status,
            body,
            retry_after,
            fault_id: fault_id.to_owned(),
        }
    }

    /// HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Fault { status, .. } => *status,
            ApiError::Injected { status, .. } => *status,
            ApiError::DuplicateAttestation => StatusCode::BAD_REQUEST,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        match self {
            ApiError::Fault {
                code,
                description,
                data,
                source,
                ..
            } => json!({ "code": code, "description": description, "data": data, "source": source }),
            ApiError::DuplicateAttestation => json!({
                "code": 600061,
                "message": DUPLICATE_TEXT,
                "description": DUPLICATE_TEXT,
                "errorName": "PartnerConfirmedAgreementAlreadyExists",
                "isRetryable": false,
                "parameters": {},
                "errorMessageExtended": "InternalErrorCode=600061"
            }),
            ApiError::Injected { body, .. } => body.clone(),
            ApiError::Unavailable { description, .. } => {
                json!({ "code": 800003, "description": description, "data": [], "source": SOURCE_PARTNER_FD })
            }
        }
    }
}

/// The generic description of an injected answer without one (mirror choice).
fn injected_description(status: u16) -> &'static str {
    match status {
        400 => "The request is invalid.",
        401 => "The request is not authorized.",
        403 => "The operation is not allowed.",
        404 => "The requested resource was not found.",
        409 => "The request conflicts with the current state.",
        429 => "Rate limit is exceeded.",
        500 => "An unexpected error occurred.",
        502 => "The service received an invalid answer from an upstream service.",
        503 => "The service is temporarily unavailable; try again later.",
        504 => "The service did not answer in time.",
        other if other < 500 => "The request failed.",
        _ => "The service failed to process the request.",
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status().as_u16(), self.body())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status());
        builder.insert_header((header::CONTENT_TYPE, "application/json; charset=utf-8"));
        if let ApiError::Injected {
            retry_after, fault_id, ..
        } = self
        {
            if let Some(seconds) = retry_after {
                builder.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
            builder.insert_header((FAULT_HEADER, fault_id.as_str()));
        }
        if let ApiError::Unavailable { retry_after, .. } = self {
            builder.insert_header((header::RETRY_AFTER, retry_after.to_string()));
        }
        builder.body(self.body().to_string())
    }
}

impl From<AuthFailure> for ApiError {
    fn from(failure: AuthFailure) -> Self {
        match failure {
            AuthFailure::BadAudience => ApiError::fault(StatusCode::UNAUTHORIZED, 900420, failure.to_string()),
            AuthFailure::MfaRequired => ApiError::fault(StatusCode::UNAUTHORIZED, 900421, failure.to_string()),
            other => ApiError::Fault {
                status: StatusCode::UNAUTHORIZED,
                code: 800001,
                description: other.to_string(),
                data: vec![json!({ "reason": other.reason().unwrap_or("invalid") })],
                source: SOURCE_PARTNER_FD,
            },
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::InvalidCustomerId => ApiError::invalid_customer_id(),
            ServiceError::CustomerNotFound => ApiError::fault(
                StatusCode::NOT_FOUND,
                60003,
                "No customer with this id exists for the calling partner.",
            ),
            ServiceError::RelationshipRemoved => ApiError::fault(
                StatusCode::FORBIDDEN,
                20002,
                "The reseller relationship with this customer was removed.",
            ),
            ServiceError::Validation(errors) => ApiError::invalid(&errors),
            ServiceError::DuplicateAttestation => ApiError::DuplicateAttestation,
            ServiceError::PartnerNotRegistered => ApiError::fault(
                StatusCode::FORBIDDEN,
                2032,
                "The partner tenant is not registered with this mirror.",
            ),
            ServiceError::InvalidDocumentLink => ApiError::fault(
                StatusCode::FORBIDDEN,
                990003,
                "The document link has expired or was altered; request a new one.",
            )
            .from_mirror(),
            ServiceError::IdempotencyConflict(request_id) => ApiError::fault(
                StatusCode::CONFLICT,
                990001,
                format!("MS-RequestId {request_id} was already used for a different request."),
            ),
            ServiceError::OrderNotFound(order) => ApiError::fault(
                StatusCode::NOT_FOUND,
                20000,
                format!("Order Id not found: no order {order} exists for this customer."),
            ),
            ServiceError::CancelOutsideSandbox => ApiError::fault(
                StatusCode::FORBIDDEN,
                800019,
                "Non-Sandbox tenants are not allowed to cancel purchases: orders can be cancelled only by an integration sandbox partner.",
            ),
            ServiceError::NotASandbox => ApiError::fault(
                StatusCode::BAD_REQUEST,
                900127,
                "This operation is not supported in this environment: customers can be deleted only by an integration sandbox partner.",
            ),
            ServiceError::PurchaseBlocked => ApiError::fault(
                StatusCode::FORBIDDEN,
                13605,
                "The customer has not accepted the Microsoft Customer Agreement; confirm its acceptance before purchasing.",
            ),
            ServiceError::UnknownCustomer(customer) => ApiError::mirror(
                StatusCode::NOT_FOUND,
                990131,
                format!("No customer with id {customer} exists in the mirror."),
            ),
            ServiceError::LegacyPurchases(customer) => ApiError::mirror_with_data(
                StatusCode::CONFLICT,
                990132,
                LEGACY_PURCHASES_TEXT,
                vec![json!({ "reason": "hasLegacyPurchases", "customerTenantId": customer })],
            ),
            ServiceError::UnknownPartner(tenant) => ApiError::mirror(
                StatusCode::NOT_FOUND,
                990130,
                format!("No partner with tenant id {tenant} is registered."),
            ),
            ServiceError::MpnIdInUse(mpn, owner) => ApiError::mirror(
                StatusCode::CONFLICT,
                990133,
                format!("MPN id {mpn} is already used by partner {owner}."),
            ),
            ServiceError::ClockBackwards => ApiError::mirror(
                StatusCode::CONFLICT,
                990150,
                "A clock never moves backwards; use {\"reset\": true} to rewind it.",
            ),
            ServiceError::UnknownFault(id) => ApiError::mirror(
                StatusCode::NOT_FOUND,
                990140,
                format!("No fault with id {id} exists."),
            ),
            ServiceError::FaultIdInUse(id) => {
                let message = format!("The fault id {id} is already in use.");
                ApiError::mirror_with_data(
                    StatusCode::BAD_REQUEST,
                    990110,
                    message.clone(),
                    vec![json!({ "field": "id", "reason": "alreadyInUse", "message": message })],
                )
            }
            ServiceError::InvalidControlRequest(errors) => ApiError::Fault {
                status: StatusCode::BAD_REQUEST,
                code: 990110,
                description: errors.description(),
                data: errors
                    .0
                    .iter()
                    .map(|e| json!({ "field": e.field, "reason": e.reason.as_str(), "message": e.message }))
                    .collect(),
                source: SOURCE_MIRROR,
            },
            ServiceError::InvalidFixture(errors) => ApiError::mirror_with_data(
                StatusCode::BAD_REQUEST,
                990120,
                errors.description(),
                errors
                    .0
                    .iter()
                    .map(|e| json!({ "field": e.field, "reason": e.reason.as_str(), "message": e.message }))
                    .collect(),
            ),
            ServiceError::Unavailable(detail) => {
                tracing::error!(%detail, "database unavailable");
                ApiError::Unavailable {
                    description: "The mirror's database is unavailable; try again later.",
                    retry_after: 1,
                }
            }
            ServiceError::ResellerRefused => ApiError::reseller_refused(),
            ServiceError::TokenRefused(failure) => ApiError::from(failure),
            ServiceError::FaultFired(firing) => match &firing.respond {
                Some(respond) => ApiError::injected(&firing.fault_id, respond),
                None => ApiError::from(ServiceError::Internal("a fault without an answer answered".into())),
            },
            ServiceError::Busy(detail) => {
                tracing::warn!(%detail, "database busy");
                ApiError::Unavailable {
                    description: "The mirror's database is busy with other writers; retry the request.",
                    retry_after: 1,
                }
            }
            ServiceError::Internal(detail) => {
                tracing::error!(%detail, "unexpected failure");
                ApiError::fault(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    800003,
                    "An unexpected error occurred in the mirror.",
                )
            }
        }
    }
}
