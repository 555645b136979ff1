//! RS256 keys from configured JWKS URLs: fetched with reqwest (5 s timeout), cached for an hour, refetched for
//! an unknown `kid` at most once a minute per URL.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::DecodingKey;
use tokio::sync::Mutex;

/// How long fetched keys are trusted.
const CACHE_TTL: Duration = Duration::from_secs(3600);
/// Minimum time between two fetches of one URL triggered by unknown key ids.
const REFETCH_INTERVAL: Duration = Duration::from_secs(60);

#[derive(Default)]
struct UrlKeys {
    keys: Vec<(Option<String>, DecodingKey)>,
    fetched_at: Option<Instant>,
    attempted_at: Option<Instant>,
}

/// The cache of all configured JWKS URLs.
#[derive(Clone)]
pub struct RemoteKeys {
    urls: Vec<String>,
    client: Arc<OnceLock<reqwest::Client>>,
    state: Arc<HashMap<String, Mutex<UrlKeys>>>,
}

impl RemoteKeys {
    /// A cache over `urls`; nothing is fetched until a token needs it.
    pub fn new(urls: Vec<String>) -> RemoteKeys {
        let state = urls
            .iter()
            .map(|u| (u.clone(), Mutex::new(UrlKeys::default())))
            .collect();
        RemoteKeys {
            urls,
            client: Arc::new(OnceLock::new()),
            state: Arc::new(state),
        }
    }

    /// Keys matching `kid` (every RSA key when the token has none), fetching when the cache is stale or lacks the kid.
    pub async fn keys_for(&self, kid: Option<&str>) -> Vec<DecodingKey> {
        let mut found = Vec::new();
        for url in &self.urls {
            let Some(slot) = self.state.get(url) else { continue };
            let mut entry = slot.lock().await;
            let stale = entry.fetched_at.is_none_or(|t| t.elapsed() >= CACHE_TTL);
            let missing = kid.is_some_and(|k| !entry.keys.iter().any(|(id, _)| id.as_deref() == Some(k)));
            let may_refetch = entry.attempted_at.is_none_or(|t| t.elapsed() >= REFETCH_INTERVAL);
            if (stale || missing) && (may_refetch || entry.fetched_at.is_none() && entry.attempted_at.is_none()) {
                entry.attempted_at = Some(Instant::now());
                match self.fetch(url).await {
                    Ok(keys) => {
                        entry.keys = keys;
                        entry.fetched_at = Some(Instant::now());
                    }
                    Err(error) => tracing::warn!(%url, %error, "fetching JWKS failed"),
                }
            }
            found.extend(
                entry
                    .keys
                    .iter()
                    .filter(|(id, _)| kid.is_none() || id.as_deref() == kid)
                    .map(|(_, key)| key.clone()),
            );
        }
        found
    }

    async fn fetch(&self, url: &str) -> Result<Vec<(Option<String>, DecodingKey)>, String> {
        // Built on first use: loading the system certificates costs start-up time no instance without a JWKS URL needs.
        let client = self.client.get_or_init(|| {
            reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default()
        });
        let response = client.get(url).send().await.map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()));
        }
        let set: JwkSet = response.json().await.map_err(|e| e.to_string())?;
        Ok(set
            .keys
            .iter()
            .filter(|jwk| matches!(jwk.algorithm, jsonwebtoken::jwk::AlgorithmParameters::RSA(_)))
            .filter_map(|jwk| {
                DecodingKey::from_jwk(jwk)
                    .ok()
                    .map(|key| (jwk.common.key_id.clone(), key))
            })
            .collect())
    }
}
