//! Floor 3, authentication: token validation in the order of contract §3.1, the key sources, and the caller identity.

pub mod claims;
pub mod dev_key;
pub mod dev_key_slot;
pub mod failure;
pub mod jwks;
pub mod mint;
pub mod verified_tokens;
pub mod verifier;

pub use claims::Identity;
pub use failure::AuthFailure;
pub use verifier::{Verifier, VerifierSettings};
