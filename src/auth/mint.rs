//! Test tokens signed with the development key: the claims of control-plane spec §7, shared by the `token` command.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// UUIDv5 namespace of URLs (RFC 4122).
const URL_NAMESPACE: uuid::Uuid = uuid::Uuid::NAMESPACE_URL;

/// What to put in a minted token.
#[derive(Debug, Clone)]
pub struct TokenSpec {
    /// Partner tenant id (lowercase GUID).
    pub tenant_id: String,
    /// Partner user; default derived from the tenant id.
    pub user_id: Option<String>,
    /// Role names, copied as given.
    pub roles: Vec<String>,
    /// App-only token.
    pub app_only: bool,
    /// `mfa` in `amr`.
    pub mfa: bool,
    /// Lifetime in seconds.
    pub ttl_seconds: i64,
    /// Audience.
    pub audience: String,
}

/// The default partner user of a tenant: UUIDv5 of `urn:partner-center-mirror:user:<tenant>`.
pub fn default_user_id(tenant_id: &str) -> String {
    let name = format!("urn:partner-center-mirror:user:{}", tenant_id.to_ascii_lowercase());
    uuid::Uuid::new_v5(&URL_NAMESPACE, name.as_bytes()).to_string()
}

/// The claims of a minted token issued at `now`.
pub fn claims(spec: &TokenSpec, now: DateTime<Utc>) -> Value {
    let tid = spec.tenant_id.to_ascii_lowercase();
    let iat = now.timestamp();
    let mut claims = json!({
        "aud": spec.audience,
        "iss": format!("https://sts.windows.net/{tid}/"),
        "iat": iat,
        "nbf": iat,
        "exp": iat + spec.ttl_seconds,
        "tid": tid,
        "oid": spec.user_id.clone().unwrap_or_else(|| default_user_id(&tid)),
        "roles": spec.roles,
    });
    if let Some(map) = claims.as_object_mut() {
        if spec.app_only {
            map.insert("idtyp".into(), json!("app"));
        } else {
            map.insert("scp".into(), json!("user_impersonation"));
            let amr = if spec.mfa {
                json!(["pwd", "mfa"])
            } else {
                json!(["pwd"])
            };
            map.insert("amr".into(), amr);
        }
    }
    claims
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_user_is_the_documented_uuid() {
        assert_eq!(
            default_user_id("3b33e682-00c3-41ee-9dd2-a548adf56438"),
            "4581f65e-bfe3-52bc-a8b6-cf6c44bd0b3c"
        );
    }
}
