//! Signed tokens shared by document links and admin-center forms: `<base64url JSON payload>.<base64url HMAC-SHA256>`,
//! with a per-use prefix mixed into the MAC so that tokens of one kind never verify as another.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::Sha256;

fn mac(key: &[u8], prefix: &[u8], payload: &str) -> Option<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).ok()?;
    mac.update(prefix);
    mac.update(payload.as_bytes());
    Some(mac)
}

/// Serializes `grant` and signs it with `key` under `prefix`.
pub fn seal(key: &[u8], prefix: &[u8], grant: &impl Serialize) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(grant).unwrap_or_default());
    // HMAC takes keys of any length; without a MAC the token simply never verifies.
    let signature = mac(key, prefix, &payload)
        .map(|m| URL_SAFE_NO_PAD.encode(m.finalize().into_bytes()))
        .unwrap_or_default();
    format!("{payload}.{signature}")
}

/// The grant of an unaltered token signed with `key` under `prefix`; `None` for anything else.
pub fn unseal<T: DeserializeOwned>(key: &[u8], prefix: &[u8], token: &str) -> Option<T> {
    let (payload, signature) = token.split_once('.')?;
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    mac(key, prefix, payload)?.verify_slice(&signature).ok()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_grant_opens_only_with_its_key_and_prefix() {
        let token = seal(b"key", b"a:", &vec![1, 2, 3]);
        assert_eq!(unseal::<Vec<i32>>(b"key", b"a:", &token), Some(vec![1, 2, 3]));
        assert_eq!(unseal::<Vec<i32>>(b"key", b"b:", &token), None);
        assert_eq!(unseal::<Vec<i32>>(b"other", b"a:", &token), None);
        let mut altered = token.clone();
        altered.insert(1, 'x');
        assert_eq!(unseal::<Vec<i32>>(b"key", b"a:", &altered), None);
    }
}
