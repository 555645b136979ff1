//! Steps 1 to 3 of contract §3.1 (header, algorithm, signature against every configured key source), then the claim checks.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use super::claims::{self, ClaimRules};
use super::dev_key_slot::DevKeySlot;
use super::jwks::RemoteKeys;
use super::verified_tokens::{VerifiedClaims, VerifiedTokens};
use super::{AuthFailure, Identity};

/// Key sources and rules of token validation.
#[derive(Debug, Clone)]
pub struct VerifierSettings {
    /// HS256 secret, if any.
    pub hs256_secret: Option<String>,
    /// JWKS URLs.
    pub jwks_urls: Vec<String>,
    /// Claim rules.
    pub rules: ClaimRules,
}

/// Validates bearer tokens.
#[derive(Clone)]
pub struct Verifier {
    hs256: Option<DecodingKey>,
    dev_key: Option<DevKeySlot>,
    remote: RemoteKeys,
    rules: ClaimRules,
    verified: Arc<VerifiedTokens>,
}

impl Verifier {
    /// A verifier over the configured sources; `dev_key` is `None` when the development key is disabled.
    pub fn new(settings: VerifierSettings, dev_key: Option<DevKeySlot>) -> Verifier {
        Verifier {
            hs256: settings
                .hs256_secret
                .as_deref()
                .map(|s| DecodingKey::from_secret(s.as_bytes())),
            dev_key,
            remote: RemoteKeys::new(settings.jwks_urls),
            rules: settings.rules,
            verified: Arc::default(),
        }
    }

    /// Steps 1 to 3: the bearer token's claims once its signature verifies.
    pub async fn verified_claims(&self, authorization: Option<&str>) -> Result<VerifiedClaims, AuthFailure> {
        let token = bearer_token(authorization)?;
        if let Some(claims) = self.verified.get(token) {
            return Ok(claims);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthFailure::Malformed)?;
        let rsa;
        // Keys before `lasting` stay the same while the process runs; a token they verify is remembered.
        let (candidates, lasting): (&[DecodingKey], usize) = match header.alg {
            Algorithm::HS256 => (self.hs256.as_slice(), self.hs256.iter().len()),
            Algorithm::RS256 => {
                let lasting;
                (rsa, lasting) = self.rsa_keys(header.kid.as_deref()).await;
                (&rsa, lasting)
            }
            _ => return Err(AuthFailure::Malformed),
        };
        if candidates.is_empty() {
            return Err(AuthFailure::UnknownKey);
        }
        // Signature only: the claims are checked afterwards at the partner's mirror now (steps 4 to 8).
        static SIGNATURE_ONLY: OnceLock<[Validation; 2]> = OnceLock::new();
        let [hs256, rs256] = SIGNATURE_ONLY.get_or_init(|| {
            [Algorithm::HS256, Algorithm::RS256].map(|alg| {
                let mut validation = Validation::new(alg);
                validation.validate_exp = false;
                validation.validate_nbf = false;
                validation.validate_aud = false;
                validation.required_spec_claims.clear();
                validation
            })
        });
        let validation = if header.alg == Algorithm::HS256 { hs256 } else { rs256 };
        let mut failure = AuthFailure::BadSignature;
        for (index, key) in candidates.iter().enumerate() {
            match jsonwebtoken::decode::<Map<String, Value>>(token, key, validation) {
                Ok(data) => {
                    let claims = Arc::new(data.claims);
                    if index < lasting {
                        self.verified.remember(token, claims.clone());
                    }
                    return Ok(claims);
                }
                Err(e) if matches!(e.kind(), ErrorKind::InvalidSignature) => {}
                Err(e) if matches!(e.kind(), ErrorKind::InvalidRsaKey(_) | ErrorKind::InvalidKeyFormat) => {}
                Err(_) => failure = AuthFailure::Malformed,
            }
        }
        Err(failure)
    }

    async fn dev_key_ready(&self) -> Option<Result<Arc<super::dev_key::DevKey>, String>> {
        match &self.dev_key {
            Some(slot) => Some(slot.get().await),
            None => None,
        }
    }

    /// The RS256 keys that may verify a token with this `kid`, and how many of them (first) are the
    /// development key, which stays the same while the process runs.
    async fn rsa_keys(&self, kid: Option<&str>) -> (Vec<DecodingKey>, usize) {
        let mut keys = Vec::new();
        if let Some(Ok(dev)) = self.dev_key_ready().await {
            if kid.is_none() || kid == Some(dev.kid.as_str()) {
                keys.push(dev.decoding_key().clone());
            }
        }
        let lasting = keys.len();
        if kid.is_none() || keys.is_empty() {
            keys.extend(self.remote.keys_for(kid).await);
        }
        (keys, lasting)
    }

    /// Steps 4 to 8 at the partner's mirror `now`.
    pub fn check_claims(&self, claims: &Map<String, Value>, now: DateTime<Utc>) -> Result<Identity, AuthFailure> {
        claims::check(claims, &self.rules, now)
    }
}

fn bearer_token(authorization: Option<&str>) -> Result<&str, AuthFailure> {
    let value = authorization.ok_or(AuthFailure::Missing)?.trim();
    let (scheme, token) = value.split_once(' ').ok_or(AuthFailure::Missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthFailure::Missing);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(AuthFailure::Missing);
    }
    Ok(token)
}
