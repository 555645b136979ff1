//! Signed, expiring agreement-document links (contract §4.5): `<base64url payload>.<base64url HMAC-SHA256>`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::{signed_token, ServiceError};

/// How long a document link stays valid.
pub const LINK_LIFETIME_SECONDS: i64 = 300;

/// What a document link grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentGrant {
    /// Template id.
    #[serde(rename = "tpl")]
    pub template_id: String,
    /// Country code.
    #[serde(rename = "c")]
    pub country: String,
    /// Language, in its listed spelling.
    #[serde(rename = "l")]
    pub language: String,
    /// Partner tenant that asked for the link (its clock decides expiry).
    #[serde(rename = "p")]
    pub partner_tenant_id: String,
    /// Random nonce: every link differs.
    #[serde(rename = "n")]
    pub nonce: String,
    /// Expiry, seconds since the epoch.
    #[serde(rename = "exp")]
    pub expires_at: i64,
}

/// Signs and checks document links with the persisted link key.
#[derive(Clone)]
pub struct LinkSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for LinkSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkSigner(..)")
    }
}

impl LinkSigner {
    /// A signer over `key` (32 random bytes persisted with the development key).
    pub fn new(key: Vec<u8>) -> LinkSigner {
        LinkSigner { key }
    }

    /// A fresh token for the document, expiring `LINK_LIFETIME_SECONDS` after `now`.
    pub fn issue(
        &self,
        template_id: &str,
        country: &str,
        language: &str,
        partner_tenant_id: &str,
        now: DateTime<Utc>,
    ) -> String {
        let nonce: [u8; 16] = rand::thread_rng().gen();
        let grant = DocumentGrant {
            template_id: template_id.to_owned(),
            country: country.to_owned(),
            language: language.to_owned(),
            partner_tenant_id: partner_tenant_id.to_owned(),
            nonce: URL_SAFE_NO_PAD.encode(nonce),
            expires_at: (now + Duration::seconds(LINK_LIFETIME_SECONDS)).timestamp(),
        };
        signed_token::seal(&self.key, b"", &grant)
    }

    /// The grant of an unaltered token; expiry is checked separately with the partner's clock.
    pub fn open(&self, token: &str) -> Result<DocumentGrant, ServiceError> {
        signed_token::unseal(&self.key, b"", token).ok_or(ServiceError::InvalidDocumentLink)
    }
}

impl DocumentGrant {
    /// Refuses a grant whose expiry has passed at `now`.
    pub fn check_fresh(&self, now: DateTime<Utc>) -> Result<(), ServiceError> {
        if now.timestamp() >= self.expires_at {
            Err(ServiceError::InvalidDocumentLink)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_link_opens_and_expires_after_five_minutes() {
        let signer = LinkSigner::new(vec![7; 32]);
        let now = Utc::now();
        let token = signer.issue("t", "FR", "fr-FR", "p", now);
        let grant = signer.open(&token).unwrap();
        assert_eq!(grant.country, "FR");
        assert!(grant.check_fresh(now + Duration::seconds(299)).is_ok());
        assert!(grant.check_fresh(now + Duration::seconds(300)).is_err());
        assert_ne!(token, signer.issue("t", "FR", "fr-FR", "p", now));
    }

    #[test]
    fn an_altered_or_foreign_link_is_refused() {
        let signer = LinkSigner::new(vec![7; 32]);
        let token = signer.issue("t", "FR", "fr-FR", "p", Utc::now());
        let mut altered = token.clone();
        altered.insert(3, 'x');
        assert!(signer.open(&altered).is_err());
        assert!(LinkSigner::new(vec![8; 32]).open(&token).is_err());
        assert!(signer.open("no-dot").is_err());
    }
}
