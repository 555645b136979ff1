//! Claim checks of contract §3.1 steps 4 to 8 and the caller identity they yield (contract §3.3).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::AuthFailure;
use crate::domain::ids::{Guid, TenantId};
use crate::domain::roles::RoleSet;

/// Who is calling, from a validated token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Partner tenant (`tid`).
    pub tenant: TenantId,
    /// Signed-in partner user (`oid`), for App+User tokens.
    pub user_id: Option<String>,
    /// App-only token.
    pub app_only: bool,
    /// Roles from the `roles` claim.
    pub roles: RoleSet,
    /// The mirror instants (Unix seconds, leeway included) between which the token is valid.
    pub window: TokenWindow,
}

/// When a token may be used, leeway included, in Unix seconds of the partner's mirror clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenWindow {
    /// `nbf` minus the leeway, when the token has `nbf`.
    pub not_before: Option<i64>,
    /// `exp` plus the leeway.
    pub not_after: i64,
}

impl TokenWindow {
    /// Checks a mirror instant against the window.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), AuthFailure> {
        let now = now.timestamp();
        if now > self.not_after {
            return Err(AuthFailure::Expired);
        }
        if self.not_before.is_some_and(|nbf| now < nbf) {
            return Err(AuthFailure::NotYetValid);
        }
        Ok(())
    }
}

/// What the claim checks compare against.
#[derive(Debug, Clone)]
pub struct ClaimRules {
    /// Accepted audiences.
    pub audiences: Vec<String>,
    /// Accepted issuers (`{tid}` replaced); empty means no check.
    pub issuers: Vec<String>,
    /// MFA required for App+User tokens.
    pub require_mfa: bool,
    /// Leeway for `exp` and `nbf`, seconds.
    pub leeway_seconds: i64,
}

/// The `tid` claim when it is a string (used to pick the partner clock before the checks).
pub fn tenant_hint(claims: &Map<String, Value>) -> Option<Guid> {
    claims.get("tid").and_then(Value::as_str).and_then(Guid::parse)
}

/// Runs steps 4 to 8 in order at the partner's mirror `now`.
pub fn check(claims: &Map<String, Value>, rules: &ClaimRules, now: DateTime<Utc>) -> Result<Identity, AuthFailure> {
    let exp = claims.get("exp").and_then(number).ok_or(AuthFailure::Expired)?;
    let not_before = match claims.get("nbf") {
        Some(nbf) => Some(
            number(nbf)
                .ok_or(AuthFailure::NotYetValid)?
                .saturating_sub(rules.leeway_seconds),
        ),
        None => None,
    };
    let window = TokenWindow {
        not_before,
        not_after: exp.saturating_add(rules.leeway_seconds),
    };
    window.check(now)?;
    let tid_text = claims.get("tid").and_then(Value::as_str);
    if !rules.issuers.is_empty() {
        let iss = claims
            .get("iss")
            .and_then(Value::as_str)
            .ok_or(AuthFailure::BadIssuer)?;
        let accepted = rules
            .issuers
            .iter()
            .any(|issuer| issuer.replace("{tid}", tid_text.unwrap_or("{tid}")) == iss);
        if !accepted {
            return Err(AuthFailure::BadIssuer);
        }
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => rules.audiences.contains(aud),
        Some(Value::Array(auds)) => auds
            .iter()
            .filter_map(Value::as_str)
            .any(|aud| rules.audiences.iter().any(|a| a == aud)),
        _ => false,
    };
    if !audience_ok {
        return Err(AuthFailure::BadAudience);
    }
    let tenant = tid_text.and_then(Guid::parse).ok_or(AuthFailure::MissingClaim)?;
    let app_only = is_app_only(claims);
    let user_id = if app_only {
        None
    } else {
        let oid = claims
            .get("oid")
            .and_then(Value::as_str)
            .and_then(Guid::parse)
            .ok_or(AuthFailure::MissingClaim)?;
        Some(oid.into_string())
    };
    if !app_only && rules.require_mfa && !has_mfa(claims) {
        return Err(AuthFailure::MfaRequired);
    }
    Ok(Identity {
        tenant,
        user_id,
        app_only,
        roles: roles(claims),
        window,
    })
}

fn number(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| value.as_f64().map(|f| f as i64))
}

/// `idtyp: app` makes a token app-only; otherwise a non-empty `scp` makes it App+User.
pub fn is_app_only(claims: &Map<String, Value>) -> bool {
    let idtyp_app = claims
        .get("idtyp")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("app"));
    let has_scope = claims
        .get("scp")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.trim().is_empty());
    idtyp_app || !has_scope
}

fn has_mfa(claims: &Map<String, Value>) -> bool {
    claims.get("amr").and_then(Value::as_array).is_some_and(|amr| {
        amr.iter()
            .filter_map(Value::as_str)
            .any(|m| m.to_ascii_lowercase().ends_with("mfa"))
    })
}

fn roles(claims: &Map<String, Value>) -> RoleSet {
    match claims.get("roles") {
        Some(Value::String(one)) => RoleSet::from_names([one.as_str()]),
        Some(Value::Array(many)) => RoleSet::from_names(many.iter().filter_map(Value::as_str)),
        _ => RoleSet::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules() -> ClaimRules {
        ClaimRules {
            audiences: vec!["https://api.partnercenter.microsoft.com".into()],
            issuers: vec![],
            require_mfa: true,
            leeway_seconds: 300,
        }
    }

    fn base(now: i64) -> Map<String, Value> {
        json!({
            "tid": "3B33E682-00C3-41EE-9DD2-A548ADF56438", "oid": "4581f65e-bfe3-52bc-a8b6-cf6c44bd0b3c",
            "scp": "user_impersonation", "amr": ["pwd", "mfa"], "roles": "AdminAgents",
            "aud": ["other", "https://api.partnercenter.microsoft.com"], "exp": now + 60
        })
        .as_object()
        .cloned()
        .unwrap()
    }

    #[test]
    fn a_good_app_user_token_yields_its_identity() {
        let now = Utc::now();
        let id = check(&base(now.timestamp()), &rules(), now).unwrap();
        assert_eq!(id.tenant.as_str(), "3b33e682-00c3-41ee-9dd2-a548adf56438");
        assert!(!id.app_only && id.roles.admin_agents);
    }

    #[test]
    fn checks_run_in_order_with_leeway() {
        let now = Utc::now();
        let mut claims = base(now.timestamp());
        claims.insert("exp".into(), json!(now.timestamp() - 299));
        assert!(check(&claims, &rules(), now).is_ok());
        claims.insert("exp".into(), json!(now.timestamp() - 301));
        claims.remove("tid");
        assert_eq!(check(&claims, &rules(), now), Err(AuthFailure::Expired));
    }

    #[test]
    fn mfa_is_an_element_ending_in_mfa() {
        let now = Utc::now();
        let mut claims = base(now.timestamp());
        claims.insert("amr".into(), json!(["pwd", "ngcMFA"]));
        assert!(check(&claims, &rules(), now).is_ok());
        claims.insert("amr".into(), json!(["pwd"]));
        assert_eq!(check(&claims, &rules(), now), Err(AuthFailure::MfaRequired));
        claims.insert("idtyp".into(), json!("App"));
        assert!(check(&claims, &rules(), now).unwrap().app_only);
    }

    #[test]
    fn issuer_template_uses_the_token_tenant() {
        let now = Utc::now();
        let mut r = rules();
        r.issuers = vec!["https://sts.windows.net/{tid}/".into()];
        let mut claims = base(now.timestamp());
        claims.insert(
            "iss".into(),
            json!("https://sts.windows.net/3B33E682-00C3-41EE-9DD2-A548ADF56438/"),
        );
        assert!(check(&claims, &r, now).is_ok());
        claims.insert("iss".into(), json!("https://sts.windows.net/other/"));
        assert_eq!(check(&claims, &r, now), Err(AuthFailure::BadIssuer));
    }
}
