//! Form tokens of the simulated admin-center pages (control-plane spec §10.1): `<base64url payload>.<base64url
//! HMAC-SHA256>` over the persisted link key with the prefix `form:`, so link and form tokens are not
//! interchangeable. Expiry runs on real time; single use is enforced by the database.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::{clock, signed_token, ServiceError};
use crate::db::{self, DbConnection};

/// Default lifetime of a form token (control-plane spec §2).
pub const DEFAULT_LIFETIME_SECONDS: u64 = 1800;

/// Domain separation between form tokens and document links signed with the same key.
const PREFIX: &[u8] = b"form:";

/// The forms a token can be issued for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormName {
    /// The sign-in form of the agreement page.
    Agreement,
    /// The "Existing customer" form of the invitation page.
    InvitationExisting,
    /// The "New customer tenant" form of the invitation page.
    InvitationNew,
}

impl FormName {
    /// The name carried in the payload.
    pub fn as_str(self) -> &'static str {
        match self {
            FormName::Agreement => "agreement",
            FormName::InvitationExisting => "invitation-existing",
            FormName::InvitationNew => "invitation-new",
        }
    }
}

/// Why a form token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FormTokenRefusal {
    /// No token in the form.
    #[error("the form token is missing")]
    Missing,
    /// Not a token of this mirror, or altered.
    #[error("the form token is altered or not issued by this mirror")]
    Altered,
    /// Issued for another form or another partner.
    #[error("the form token belongs to another form or partner")]
    WrongForm,
    /// The lifetime has passed.
    #[error("the form token expired")]
    Expired,
    /// The token was submitted before.
    #[error("the form token was used before")]
    Used,
}

/// The signed content of a form token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormGrant {
    /// Form name.
    #[serde(rename = "f")]
    pub form: String,
    /// Inviting partner of the invitation page, `null` on the agreement page.
    #[serde(rename = "p")]
    pub partner_id: Option<String>,
    /// 128-bit random nonce, base64url.
    #[serde(rename = "n")]
    pub nonce: String,
    /// Expiry in real time, seconds since the epoch.
    #[serde(rename = "exp")]
    pub expires_at: i64,
}

/// Issues and checks form tokens.
#[derive(Clone)]
pub struct FormTokens {
    key: Vec<u8>,
    lifetime_seconds: i64,
}

impl std::fmt::Debug for FormTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormTokens")
            .field("lifetime_seconds", &self.lifetime_seconds)
            .finish_non_exhaustive()
    }
}

impl FormTokens {
    /// Tokens signed with the persisted link key, valid for `lifetime_seconds` of real time.
    pub fn new(key: Vec<u8>, lifetime_seconds: u64) -> FormTokens {
        FormTokens {
            key,
            lifetime_seconds: i64::try_from(lifetime_seconds).unwrap_or(i64::MAX / 2),
        }
    }

    /// A fresh token for `form` (and the inviting partner), expiring after the lifetime from `real_now`.
    pub fn issue(&self, form: FormName, partner_id: Option<&str>, real_now: DateTime<Utc>) -> String {
        let nonce: [u8; 16] = rand::thread_rng().gen();
        let grant = FormGrant {
            form: form.as_str().to_owned(),
            partner_id: partner_id.map(str::to_owned),
            nonce: URL_SAFE_NO_PAD.encode(nonce),
            expires_at: real_now
                .checked_add_signed(Duration::seconds(self.lifetime_seconds))
                .unwrap_or(DateTime::<Utc>::MAX_UTC)
                .timestamp(),
        };
        signed_token::seal(&self.key, PREFIX, &grant)
    }

    /// The grant of a token that is unaltered, for this form and partner, and not expired at `real_now`.
    /// Single use is checked separately, in the database ([`consume`]).
    pub fn open(
        &self,
        token: Option<&str>,
        form: FormName,
        partner_id: Option<&str>,
        real_now: DateTime<Utc>,
    ) -> Result<FormGrant, FormTokenRefusal> {
        let token = token.filter(|t| !t.is_empty()).ok_or(FormTokenRefusal::Missing)?;
        let grant: FormGrant = signed_token::unseal(&self.key, PREFIX, token).ok_or(FormTokenRefusal::Altered)?;
        let same_partner = match (grant.partner_id.as_deref(), partner_id) {
            (None, None) => true,
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        };
        if grant.form != form.as_str() || !same_partner {
            return Err(FormTokenRefusal::WrongForm);
        }
        if real_now.timestamp() >= grant.expires_at {
            return Err(FormTokenRefusal::Expired);
        }
        Ok(grant)
    }
}

/// Marks the grant's nonce as used; false when it was used before. Expired nonces are purged on the way.
pub fn consume(conn: &mut DbConnection, grant: &FormGrant, real_now: DateTime<Utc>) -> Result<bool, ServiceError> {
    let expires_at = DateTime::<Utc>::from_timestamp(grant.expires_at, 0).unwrap_or(DateTime::<Utc>::MAX_UTC);
    db::form_nonces::purge_expired(conn, clock::to_row_time(real_now))?;
    Ok(db::form_nonces::insert(
        conn,
        &grant.nonce,
        clock::to_row_time(expires_at),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> FormTokens {
        FormTokens::new(vec![7; 32], 1800)
    }

    #[test]
    fn an_issued_token_opens_for_its_form_and_partner_until_it_expires() {
        let now = Utc::now();
        let token = tokens().issue(FormName::InvitationNew, Some("p-1"), now);
        let grant = tokens()
            .open(Some(&token), FormName::InvitationNew, Some("P-1"), now)
            .unwrap();
        assert_eq!(grant.form, "invitation-new");
        assert_eq!(URL_SAFE_NO_PAD.decode(&grant.nonce).unwrap().len(), 16);
        assert_eq!(grant.expires_at, now.timestamp() + 1800);
        assert!(tokens()
            .open(
                Some(&token),
                FormName::InvitationNew,
                Some("p-1"),
                now + Duration::seconds(1799)
            )
            .is_ok());
        assert_eq!(
            tokens().open(
                Some(&token),
                FormName::InvitationNew,
                Some("p-1"),
                now + Duration::seconds(1800)
            ),
            Err(FormTokenRefusal::Expired)
        );
    }

    #[test]
    fn a_token_of_another_form_or_partner_is_refused() {
        let now = Utc::now();
        let token = tokens().issue(FormName::InvitationExisting, Some("p-1"), now);
        assert_eq!(
            tokens().open(Some(&token), FormName::InvitationNew, Some("p-1"), now),
            Err(FormTokenRefusal::WrongForm)
        );
        assert_eq!(
            tokens().open(Some(&token), FormName::InvitationExisting, Some("p-2"), now),
            Err(FormTokenRefusal::WrongForm)
        );
        assert_eq!(
            tokens().open(Some(&token), FormName::Agreement, None, now),
            Err(FormTokenRefusal::WrongForm)
        );
    }

    #[test]
    fn an_altered_foreign_or_missing_token_is_refused() {
        let now = Utc::now();
        let token = tokens().issue(FormName::Agreement, None, now);
        let mut altered = token.clone();
        altered.insert(2, 'x');
        assert_eq!(
            tokens().open(Some(&altered), FormName::Agreement, None, now),
            Err(FormTokenRefusal::Altered)
        );
        assert_eq!(
            FormTokens::new(vec![8; 32], 1800).open(Some(&token), FormName::Agreement, None, now),
            Err(FormTokenRefusal::Altered)
        );
        assert_eq!(
            tokens().open(None, FormName::Agreement, None, now),
            Err(FormTokenRefusal::Missing)
        );
        assert_eq!(
            tokens().open(Some(""), FormName::Agreement, None, now),
            Err(FormTokenRefusal::Missing)
        );
    }

    #[test]
    fn a_payload_signed_without_the_form_prefix_is_refused() {
        let now = Utc::now();
        let key = vec![7; 32];
        let genuine = FormTokens::new(key.clone(), 1800).issue(FormName::Agreement, None, now);
        let (payload, _) = genuine.split_once('.').unwrap();
        use hmac::{Hmac, Mac};
        let mut unprefixed = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&key).unwrap();
        unprefixed.update(payload.as_bytes());
        let forged = format!(
            "{payload}.{}",
            URL_SAFE_NO_PAD.encode(unprefixed.finalize().into_bytes())
        );
        assert_eq!(
            FormTokens::new(key, 1800).open(Some(&forged), FormName::Agreement, None, now),
            Err(FormTokenRefusal::Altered)
        );
    }
}
