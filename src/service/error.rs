//! The service floor's error vocabulary: what went wrong in domain terms, mapped to HTTP in exactly one place above.

use crate::db;
use crate::domain::FieldErrors;

/// A refusal or failure of a service operation.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The customer id in the path is not a GUID.
    #[error("the customer id is not a GUID")]
    InvalidCustomerId,
    /// The customer does not exist or belongs to another partner.
    #[error("no customer with this id exists for the calling partner")]
    CustomerNotFound,
    /// The partner's relationship to the customer was removed.
    #[error("the relationship with this customer was removed")]
    RelationshipRemoved,
    /// Invalid input, every field error at once.
    #[error("invalid input: {}", .0.description())]
    Validation(FieldErrors),
    /// The duplicate rule of contract §4.2 rule 2.
    #[error("a partner confirmed agreement already exists for the customer")]
    DuplicateAttestation,
    /// An unknown partner tenant while automatic registration is off.
    #[error("the partner tenant is not registered")]
    PartnerNotRegistered,
    /// A document link that is altered or expired.
    #[error("the document link is invalid or expired")]
    InvalidDocumentLink,
    /// `MS-RequestId` reused for a different request.
    #[error("MS-RequestId {0} was already used for a different request")]
    IdempotencyConflict(String),
    /// The partner placed no order with this id for the customer.
    #[error("no order with id {0} exists for this customer")]
    OrderNotFound(String),
    /// Cancelling an order outside an integration sandbox.
    #[error("orders can be cancelled only in an integration sandbox")]
    CancelOutsideSandbox,
    /// Deleting a customer outside an integration sandbox.
    #[error("customers can be deleted only in an integration sandbox")]
    NotASandbox,
    /// Purchase without a Customer Agreement attestation or direct acceptance.
    #[error("the customer has not accepted the Microsoft Customer Agreement")]
    PurchaseBlocked,
    /// No customer with this id exists in the mirror.
    #[error("the customer {0} does not exist")]
    UnknownCustomer(String),
    /// The customer has legacy purchases and cannot accept the Customer Agreement itself.
    #[error("the customer {0} must have its partner confirm the acceptance")]
    LegacyPurchases(String),
    /// No partner is registered with this tenant id.
    #[error("the partner tenant {0} is not registered")]
    UnknownPartner(String),
    /// The MPN id belongs to another partner.
    #[error("MPN id {0} is already used by partner {1}")]
    MpnIdInUse(String, String),
    /// A clock change would move a clock backwards.
    #[error("the clock would move backwards")]
    ClockBackwards,
    /// No fault rule has this id.
    #[error("no fault with id {0}")]
    UnknownFault(String),
    /// A fault rule with this id exists already.
    #[error("the fault id {0} is already in use")]
    FaultIdInUse(String),
    /// An invalid control-plane request (990110), every field error at once.
    #[error("invalid control request: {}", .0.description())]
    InvalidControlRequest(FieldErrors),
    /// A fixture or snapshot with errors, every one of them (control-plane spec §6.4).
    #[error("{0}")]
    InvalidFixture(super::fixtures::FixtureErrors),
    /// The caller's token is no longer (or not yet) valid on a partner clock changed mid-request.
    #[error("the token was refused: {0}")]
    TokenRefused(crate::auth::failure::AuthFailure),
    /// An indirect reseller called an operation refused to resellers (found when its type changed mid-request).
    #[error("indirect resellers may not use this operation")]
    ResellerRefused,
    /// A fault rule of the control plane answered for the request.
    #[error("fault {} answered", .0.fault_id)]
    FaultFired(Box<super::faults::Firing>),
    /// The database cannot be reached.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The database stayed locked by other writers for longer than the statement timeout; retrying may succeed.
    #[error("the database is busy: {0}")]
    Busy(String),
    /// Anything unexpected; the text is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<db::QueryError> for ServiceError {
    fn from(error: db::QueryError) -> Self {
        if db::is_connection_error(&error) {
            ServiceError::Unavailable(error.to_string())
        } else if db::is_busy_error(&error) {
            ServiceError::Busy(error.to_string())
        } else {
            ServiceError::Internal(error.to_string())
        }
    }
}

impl From<FieldErrors> for ServiceError {
    fn from(errors: FieldErrors) -> Self {
        ServiceError::Validation(errors)
    }
}
