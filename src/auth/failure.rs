//! Why a token was refused (contract §3.1).

/// A refused token, one variant per reason of contract §3.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthFailure {
    /// No `Authorization: Bearer` header.
    #[error("the Authorization header with a bearer token is missing")]
    Missing,
    /// Not a compact JWS with HS256 or RS256.
    #[error("the bearer token is malformed or uses an algorithm other than HS256 or RS256")]
    Malformed,
    /// The signature does not verify.
    #[error("the token signature does not verify")]
    BadSignature,
    /// No key is known for the token.
    #[error("no signing key is known for this token")]
    UnknownKey,
    /// `exp` passed (or missing).
    #[error("the token has expired")]
    Expired,
    /// `nbf` not reached.
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `iss` not accepted.
    #[error("the token issuer is not accepted")]
    BadIssuer,
    /// `aud` not accepted.
    #[error("the token audience is not accepted")]
    BadAudience,
    /// `tid` (or `oid` of an App+User token) missing or not a GUID.
    #[error("the token lacks a required claim (tid, or oid for App+User tokens)")]
    MissingClaim,
    /// App+User token without MFA evidence.
    #[error("multi-factor authentication is required")]
    MfaRequired,
}

impl AuthFailure {
    /// The `reason` of the 800001 `data` item; `None` for the failures with their own code.
    pub fn reason(self) -> Option<&'static str> {
        match self {
            AuthFailure::Missing => Some("missing"),
            AuthFailure::Malformed => Some("malformed"),
            AuthFailure::BadSignature => Some("badSignature"),
            AuthFailure::UnknownKey => Some("unknownKey"),
            AuthFailure::Expired => Some("expired"),
            AuthFailure::NotYetValid => Some("notYetValid"),
            AuthFailure::BadIssuer => Some("badIssuer"),
            AuthFailure::MissingClaim => Some("missingClaim"),
            AuthFailure::BadAudience | AuthFailure::MfaRequired => None,
        }
    }
}
