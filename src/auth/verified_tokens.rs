//! Tokens whose signature already verified against a key that stays the same while the process runs (the HS256
//! secret, the development key), so a client that sends one token many times pays for its signature once.
//!
//! Only the signature step is remembered: the claims are checked again on every request, at the partner's
//! mirror clock. Tokens verified by a JWKS key are never remembered, because that key may be withdrawn.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

/// Claims of one verified token, shared by every request that presents it.
pub type VerifiedClaims = Arc<Map<String, Value>>;

/// How many distinct tokens are remembered; when full, the memory starts over.
const CAPACITY: usize = 512;

/// Verified tokens by their full text.
#[derive(Debug, Default)]
pub struct VerifiedTokens {
    entries: Mutex<HashMap<Box<str>, VerifiedClaims>>,
}

impl VerifiedTokens {
    /// The claims of `token` if its signature verified before.
    pub fn get(&self, token: &str) -> Option<VerifiedClaims> {
        self.entries.lock().ok()?.get(token).cloned()
    }

    /// Remembers that `token` verified with these claims.
    pub fn remember(&self, token: &str, claims: VerifiedClaims) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(token.into(), claims);
        }
    }

    /// How many tokens are remembered (tests).
    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(tid: &str) -> VerifiedClaims {
        let mut map = Map::new();
        map.insert("tid".into(), Value::String(tid.into()));
        Arc::new(map)
    }

    #[test]
    fn a_remembered_token_is_found_by_its_full_text_only() {
        let tokens = VerifiedTokens::default();
        tokens.remember("a.b.c", claims("one"));
        assert_eq!(tokens.get("a.b.c").unwrap()["tid"], "one");
        assert!(tokens.get("a.b.d").is_none());
        assert!(tokens.get("a.b").is_none());
    }

    #[test]
    fn memory_is_bounded() {
        let tokens = VerifiedTokens::default();
        for n in 0..(CAPACITY * 2 + 3) {
            tokens.remember(&format!("token-{n}"), claims("t"));
            assert!(tokens.remembered() <= CAPACITY);
        }
        assert!(tokens.get(&format!("token-{}", CAPACITY * 2 + 2)).is_some());
    }
}
