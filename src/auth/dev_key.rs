//! The mirror's own RS256 development key: generated once, persisted in the data directory, published as a JWKS.

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::secrets::{self, SecretError, DEV_KEY_FILE};

/// The development signing key with its public parts.
#[derive(Clone)]
pub struct DevKey {
    /// RFC 7638 thumbprint, used as `kid`.
    pub kid: String,
    /// Base64url modulus.
    pub n: String,
    /// Base64url exponent.
    pub e: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for DevKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevKey").field("kid", &self.kid).finish()
    }
}

/// A development key that could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum DevKeyError {
    /// The file could not be read or written.
    #[error(transparent)]
    File(#[from] SecretError),
    /// The file does not hold a usable RSA key.
    #[error("the development key in {0} is not a usable RSA private key: {1}")]
    Invalid(String, String),
}

impl DevKey {
    /// Loads the key of `data_dir`, generating and persisting an RSA 2048 key on first use.
    pub fn load_or_create(data_dir: &Path) -> Result<DevKey, DevKeyError> {
        DevKey::from_pem(&DevKey::load_or_create_pem(data_dir)?)
    }

    /// The PEM text of the data directory's key, generated on first use (exclusive file creation).
    pub fn load_or_create_pem(data_dir: &Path) -> Result<String, DevKeyError> {
        Ok(secrets::load_or_create(data_dir, DEV_KEY_FILE, || {
            let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).map_err(|e| e.to_string())?;
            key.to_pkcs1_pem(LineEnding::LF)
                .map(|pem| pem.to_string())
                .map_err(|e| e.to_string())
        })?)
    }

    /// A key from its PKCS#1 PEM text.
    pub fn from_pem(pem: &str) -> Result<DevKey, DevKeyError> {
        let invalid = |e: String| DevKeyError::Invalid(DEV_KEY_FILE.to_owned(), e);
        let key = RsaPrivateKey::from_pkcs1_pem(pem).map_err(|e| invalid(e.to_string()))?;
        let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| invalid(e.to_string()))?;
        let decoding = DecodingKey::from_rsa_components(&n, &e).map_err(|e| invalid(e.to_string()))?;
        Ok(DevKey {
            kid: thumbprint(&n, &e),
            n,
            e,
            encoding,
            decoding,
        })
    }

    /// The key for signature checks.
    pub fn decoding_key(&self) -> &DecodingKey {
        &self.decoding
    }

    /// Signs claims as an RS256 JWT with this key's `kid`.
    pub fn sign(&self, claims: &Value) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding)
    }

    /// The JWKS document published at `/_mirror/jwks.json`.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [ { "kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid, "n": self.n, "e": self.e } ] })
    }
}

/// RFC 7638 thumbprint of an RSA public key.
pub fn thumbprint(n: &str, e: &str) -> String {
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprint_matches_the_rfc_7638_example() {
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(thumbprint(n, "AQAB"), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    }
}
