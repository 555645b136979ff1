//! Token validation in the order of contract §3.1, the key sources of §3.2, the claims of §3.3 and partner registration of §3.5.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{
    assert_plain_fault, assert_token_refused, assert_unauthorized, assert_www_authenticate, base64url, mint_dev_token,
    new_guid, new_partner, now, send, spawn_app, spawn_app_with, Reply, TestApp, TokenBuilder,
};

/// The probe for App+User tokens: operation (a).
async fn metadata_with(app: &TestApp, token: &str) -> Reply {
    app.get("/v1/agreements", token).await
}

/// Calls (a) with a token shaped by `token` on a default server.
async fn probe(token: impl FnOnce(TokenBuilder) -> TokenBuilder) -> Reply {
    let app = spawn_app().await;
    let token = token(TokenBuilder::app_user(&new_partner())).sign();
    metadata_with(&app, &token).await
}

/// Calls (a) with a raw Authorization header value.
async fn probe_with_header(value: &str) -> Reply {
    let app = spawn_app().await;
    send(
        app.request(Method::GET, "/v1/agreements", None)
            .header("Authorization", value),
    )
    .await
}

/// An unsigned compact JWS with the given header.
fn unsigned_token(header: serde_json::Value) -> String {
    let claims = TokenBuilder::app_user(&new_partner()).claims();
    format!(
        "{}.{}.",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes())
    )
}

// ------------------------------------------------------------ step 1

#[tokio::test]
async fn a_request_without_an_authorization_header_is_refused_as_missing() {
    let app = spawn_app().await;
    let reply = app.get_anonymous("/v1/agreements").await;
    assert_token_refused(&reply, "missing");
}

#[tokio::test]
async fn an_authorization_header_with_another_scheme_is_refused_as_missing() {
    let token = TokenBuilder::app_user(&new_partner()).sign();
    assert_token_refused(&probe_with_header(&format!("Basic {token}")).await, "missing");
    assert_token_refused(&probe_with_header("Bearer").await, "missing");
}

#[tokio::test]
async fn the_bearer_scheme_is_matched_case_insensitively() {
    let token = TokenBuilder::app_user(&new_partner()).sign();
    probe_with_header(&format!("bearer {token}")).await.assert_status(200);
    probe_with_header(&format!("BEARER {token}")).await.assert_status(200);
}

// ------------------------------------------------------------ step 2

#[tokio::test]
async fn a_token_with_alg_none_is_refused_as_malformed() {
    let token = unsigned_token(json!({ "alg": "none", "typ": "JWT" }));
    assert_token_refused(&probe_with_header(&format!("Bearer {token}")).await, "malformed");
}

#[tokio::test]
async fn a_token_with_an_unsupported_alg_is_refused_as_malformed() {
    let token = unsigned_token(json!({ "alg": "HS512", "typ": "JWT" }));
    assert_token_refused(&probe_with_header(&format!("Bearer {token}")).await, "malformed");
}

#[tokio::test]
async fn a_token_that_is_not_a_compact_jws_is_refused_as_malformed() {
    assert_token_refused(&probe_with_header("Bearer not-a-token").await, "malformed");
    assert_token_refused(&probe_with_header("Bearer a.b.c").await, "malformed");
}

// ------------------------------------------------------------ step 3

#[tokio::test]
async fn a_token_signed_with_another_secret_is_refused_as_bad_signature() {
    let reply = probe(|t| t.secret("another-secret-that-is-long-enough-for-hs256")).await;
    assert_token_refused(&reply, "badSignature");
}

#[tokio::test]
async fn a_token_whose_payload_was_altered_is_refused_as_bad_signature() {
    let app = spawn_app().await;
    let token = TokenBuilder::app_user(&new_partner()).sign();
    let parts: Vec<&str> = token.split('.').collect();
    let forged = TokenBuilder::app_user(&new_partner()).claims();
    let forged = format!("{}.{}.{}", parts[0], base64url(forged.to_string().as_bytes()), parts[2]);
    assert_token_refused(&metadata_with(&app, &forged).await, "badSignature");
}

#[tokio::test]
async fn hs256_tokens_are_refused_when_no_secret_is_configured() {
    let app = spawn_app_with(|s| s.jwt_hs256_secret = None).await;
    let reply = metadata_with(&app, &TokenBuilder::app_user(&new_partner()).sign()).await;
    assert_unauthorized(&reply, 800001);
    let reason = reply.body["data"][0]["reason"].as_str().unwrap_or("");
    assert!(
        reason == "unknownKey" || reason == "badSignature",
        "reason must be unknownKey or badSignature (§3.1 step 3), got {}",
        reply.text()
    );
    assert_eq!(reply.body["data"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn an_rs256_token_whose_key_is_unknown_and_cannot_be_fetched_is_refused_as_unknown_key() {
    let issuer = spawn_app().await;
    let token = mint_dev_token(issuer.data_dir.path(), &new_partner(), &[]).await;
    let app = spawn_app_with(|s| {
        s.dev_key_enabled = false;
        s.jwks_urls = vec!["http://127.0.0.1:9/jwks.json".to_owned()];
    })
    .await;
    assert_token_refused(&metadata_with(&app, &token).await, "unknownKey");
}

#[tokio::test]
async fn an_rs256_token_is_accepted_through_a_configured_jwks_url() {
    let issuer = spawn_app().await;
    let jwks_url = issuer.url("/_mirror/jwks.json");
    let app = spawn_app_with(move |s| {
        s.dev_key_enabled = false;
        s.jwks_urls = vec![jwks_url];
    })
    .await;
    let partner = new_partner();
    let token = mint_dev_token(issuer.data_dir.path(), &partner, &[]).await;
    metadata_with(&app, &token).await.assert_status(200);
    let customer = app
        .post_json("/v1/customers", &token, &crate::helpers::customer_body())
        .await;
    customer.assert_status(201);
}

#[tokio::test]
async fn a_development_key_token_is_refused_when_the_development_key_is_disabled() {
    let issuer = spawn_app().await;
    let token = mint_dev_token(issuer.data_dir.path(), &new_partner(), &[]).await;
    let app = spawn_app_with(|s| s.dev_key_enabled = false).await;
    assert_token_refused(&metadata_with(&app, &token).await, "unknownKey");
}

// ------------------------------------------------------------ step 4

#[tokio::test]
async fn a_token_expired_beyond_the_leeway_is_refused_as_expired() {
    let reply = probe(|t| t.claim("iat", json!(now() - 7200)).expires_in(-301 - 60)).await;
    assert_token_refused(&reply, "expired");
}

#[tokio::test]
async fn a_token_expired_within_the_leeway_is_accepted() {
    let reply = probe(|t| t.claim("iat", json!(now() - 7200)).expires_in(-200)).await;
    reply.assert_status(200);
}

#[tokio::test]
async fn a_configured_leeway_replaces_the_default() {
    let app = spawn_app_with(|s| s.clock_leeway_seconds = 0).await;
    let token = TokenBuilder::app_user(&new_partner()).expires_in(-60).sign();
    assert_token_refused(&metadata_with(&app, &token).await, "expired");
}

#[tokio::test]
async fn a_token_without_exp_is_refused_as_expired() {
    assert_token_refused(&probe(|t| t.without("exp")).await, "expired");
}

#[tokio::test]
async fn a_token_without_nbf_and_iat_is_accepted() {
    probe(|t| t.without("nbf").without("iat")).await.assert_status(200);
}

#[tokio::test]
async fn a_token_used_before_its_not_before_time_is_refused_as_not_yet_valid() {
    let reply = probe(|t| t.claim("nbf", json!(now() + 900))).await;
    assert_token_refused(&reply, "notYetValid");
}

#[tokio::test]
async fn a_not_before_time_within_the_leeway_is_accepted() {
    let reply = probe(|t| t.claim("nbf", json!(now() + 120))).await;
    reply.assert_status(200);
}

// ------------------------------------------------------------ step 5

const ISSUER_TEMPLATE: &str = "https://sts.windows.net/{tid}/";

async fn issuer_checking_app() -> TestApp {
    spawn_app_with(|s| {
        s.issuers = vec![
            ISSUER_TEMPLATE.to_owned(),
            "https://login.example.test/fixed".to_owned(),
        ]
    })
    .await
}

#[tokio::test]
async fn an_issuer_matching_a_configured_issuer_with_the_tenant_substituted_is_accepted() {
    let app = issuer_checking_app().await;
    let tid = new_partner();
    let token = TokenBuilder::app_user(&tid)
        .claim("iss", json!(ISSUER_TEMPLATE.replace("{tid}", &tid)))
        .sign();
    metadata_with(&app, &token).await.assert_status(200);
    let fixed = TokenBuilder::app_user(&tid)
        .claim("iss", json!("https://login.example.test/fixed"))
        .sign();
    metadata_with(&app, &fixed).await.assert_status(200);
}

#[tokio::test]
async fn an_issuer_for_another_tenant_is_refused_as_bad_issuer() {
    let app = issuer_checking_app().await;
    let token = TokenBuilder::app_user(&new_partner())
        .claim("iss", json!(ISSUER_TEMPLATE.replace("{tid}", &new_guid())))
        .sign();
    assert_token_refused(&metadata_with(&app, &token).await, "badIssuer");
}

#[tokio::test]
async fn a_token_without_an_issuer_is_refused_as_bad_issuer_when_issuers_are_configured() {
    let app = issuer_checking_app().await;
    let token = TokenBuilder::app_user(&new_partner()).without("iss").sign();
    assert_token_refused(&metadata_with(&app, &token).await, "badIssuer");
}

#[tokio::test]
async fn any_issuer_is_accepted_when_no_issuer_is_configured() {
    let reply = probe(|t| t.claim("iss", json!("https://issuer.example.test/anything"))).await;
    reply.assert_status(200);
}

// ------------------------------------------------------------ step 6

#[tokio::test]
async fn a_token_for_another_audience_is_refused_with_900420() {
    let reply = probe(|t| t.claim("aud", json!("https://graph.microsoft.com"))).await;
    assert_unauthorized(&reply, 900420);
}

#[tokio::test]
async fn an_audience_array_without_an_accepted_audience_is_refused_with_900420() {
    let reply = probe(|t| t.claim("aud", json!(["api://one", "api://two"]))).await;
    assert_unauthorized(&reply, 900420);
}

#[tokio::test]
async fn a_token_without_an_audience_is_refused_with_900420() {
    assert_unauthorized(&probe(|t| t.without("aud")).await, 900420);
}

#[tokio::test]
async fn an_audience_array_containing_an_accepted_audience_is_accepted() {
    let reply = probe(|t| t.claim("aud", json!(["api://other", "https://api.partnercenter.microsoft.com"]))).await;
    reply.assert_status(200);
}

#[tokio::test]
async fn configured_audiences_replace_the_default_audience() {
    let app = spawn_app_with(|s| s.audiences = vec!["api://mirror-tests".to_owned()]).await;
    let tid = new_partner();
    let default = TokenBuilder::app_user(&tid).sign();
    assert_unauthorized(&metadata_with(&app, &default).await, 900420);
    let custom = TokenBuilder::app_user(&tid)
        .claim("aud", json!("api://mirror-tests"))
        .sign();
    metadata_with(&app, &custom).await.assert_status(200);
}

// ------------------------------------------------------------ step 7

#[tokio::test]
async fn a_token_without_tid_is_refused_as_missing_claim() {
    assert_token_refused(&probe(|t| t.without("tid")).await, "missingClaim");
}

#[tokio::test]
async fn a_token_whose_tid_is_not_a_guid_is_refused_as_missing_claim() {
    let reply = probe(|t| t.claim("tid", json!("contoso.onmicrosoft.com"))).await;
    assert_token_refused(&reply, "missingClaim");
}

#[tokio::test]
async fn an_app_user_token_without_oid_is_refused_as_missing_claim() {
    assert_token_refused(&probe(|t| t.without("oid")).await, "missingClaim");
}

#[tokio::test]
async fn an_app_user_token_whose_oid_is_not_a_guid_is_refused_as_missing_claim() {
    let reply = probe(|t| t.claim("oid", json!("someone"))).await;
    assert_token_refused(&reply, "missingClaim");
}

#[tokio::test]
async fn an_app_only_token_needs_no_oid() {
    let app = spawn_app().await;
    let token = TokenBuilder::app_user(&new_partner()).app_only().without("oid").sign();
    app.get("/v1/customers", &token).await.assert_status(200);
}

// ------------------------------------------------------------ step 8

#[tokio::test]
async fn an_app_user_token_without_mfa_in_amr_is_refused_with_900421() {
    assert_unauthorized(&probe(|t| t.claim("amr", json!(["pwd"]))).await, 900421);
}

#[tokio::test]
async fn an_app_user_token_without_amr_is_refused_with_900421() {
    assert_unauthorized(&probe(|t| t.without("amr")).await, 900421);
}

#[tokio::test]
async fn an_amr_element_ending_in_mfa_in_any_case_counts_as_mfa() {
    probe(|t| t.claim("amr", json!(["pwd", "NGCMFA"])))
        .await
        .assert_status(200);
    probe(|t| t.claim("amr", json!(["MFA"]))).await.assert_status(200);
}

#[tokio::test]
async fn an_app_user_token_without_mfa_is_accepted_when_mfa_is_not_required() {
    let app = spawn_app_with(|s| s.require_mfa = false).await;
    let token = TokenBuilder::app_user(&new_partner()).without("amr").sign();
    metadata_with(&app, &token).await.assert_status(200);
}

#[tokio::test]
async fn an_app_only_token_needs_no_mfa() {
    let app = spawn_app().await;
    let token = TokenBuilder::app_user(&new_partner()).app_only().sign();
    app.get("/v1/customers", &token).await.assert_status(200);
}

// ------------------------------------------------------------ the order of the steps

#[tokio::test]
async fn a_bad_signature_is_reported_before_expiry() {
    let reply = probe(|t| {
        t.expires_in(-3600)
            .secret("another-secret-that-is-long-enough-for-hs256")
    })
    .await;
    assert_token_refused(&reply, "badSignature");
}

#[tokio::test]
async fn expiry_is_reported_before_a_wrong_audience() {
    let reply = probe(|t| t.expires_in(-3600).claim("aud", json!("api://other"))).await;
    assert_token_refused(&reply, "expired");
}

#[tokio::test]
async fn a_bad_issuer_is_reported_before_a_wrong_audience() {
    let app = issuer_checking_app().await;
    let token = TokenBuilder::app_user(&new_partner())
        .claim("iss", json!("https://elsewhere.example.test/"))
        .claim("aud", json!("api://other"))
        .sign();
    assert_token_refused(&metadata_with(&app, &token).await, "badIssuer");
}

#[tokio::test]
async fn a_wrong_audience_is_reported_before_a_missing_tid() {
    let reply = probe(|t| t.claim("aud", json!("api://other")).without("tid")).await;
    assert_unauthorized(&reply, 900420);
}

#[tokio::test]
async fn a_missing_claim_is_reported_before_missing_mfa() {
    let reply = probe(|t| t.without("oid").without("amr")).await;
    assert_token_refused(&reply, "missingClaim");
}

#[tokio::test]
async fn missing_mfa_is_reported_before_the_auth_mode_and_role_checks() {
    let reply = probe(|t| t.without("amr").roles(&["HelpdeskAgents"])).await;
    assert_unauthorized(&reply, 900421);
}

// ------------------------------------------------------------ WWW-Authenticate

#[tokio::test]
async fn every_401_names_the_same_instance_in_www_authenticate() {
    let app = spawn_app().await;
    let missing = app.get_anonymous("/v1/agreements").await;
    let audience = TokenBuilder::app_user(&new_partner())
        .claim("aud", json!("api://other"))
        .sign();
    let audience = metadata_with(&app, &audience).await;
    let mfa = TokenBuilder::app_user(&new_partner()).without("amr").sign();
    let mfa = metadata_with(&app, &mfa).await;
    let ids: Vec<String> = [&missing, &audience, &mfa]
        .iter()
        .map(|reply| {
            reply.assert_status(401);
            assert_www_authenticate(reply)
        })
        .collect();
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[0], ids[2]);
}

#[tokio::test]
async fn two_instances_name_different_instance_ids() {
    let first = spawn_app().await;
    let second = spawn_app().await;
    let first = assert_www_authenticate(&first.get_anonymous("/v1/agreements").await);
    let second = assert_www_authenticate(&second.get_anonymous("/v1/agreements").await);
    assert_ne!(first, second);
}

// ------------------------------------------------------------ claims (§3.3)

#[tokio::test]
async fn roles_are_matched_case_insensitively() {
    let reply = probe(|t| t.roles(&["adminagents"])).await;
    reply.assert_status(200);
}

#[tokio::test]
async fn a_single_role_string_counts_as_a_one_element_array() {
    let reply = probe(|t| t.claim("roles", json!("SalesAgents"))).await;
    reply.assert_status(200);
}

#[tokio::test]
async fn unknown_role_values_are_ignored() {
    let reply = probe(|t| t.roles(&["GlobalAdmin", "Reader"])).await;
    assert_plain_fault(&reply, 403, 900150);
}

#[tokio::test]
async fn idtyp_app_makes_a_token_app_only_even_with_scp() {
    let reply = probe(|t| t.claim("idtyp", json!("APP"))).await;
    assert_plain_fault(&reply, 403, 900329);
}

#[tokio::test]
async fn an_empty_scp_makes_a_token_app_only() {
    let reply = probe(|t| t.claim("scp", json!(""))).await;
    assert_plain_fault(&reply, 403, 900329);
}

// ------------------------------------------------------------ partner registration (§3.5)

#[tokio::test]
async fn an_unknown_partner_is_refused_with_2032_when_automatic_registration_is_off() {
    let app = spawn_app_with(|s| s.auto_register_partners = false).await;
    let token = TokenBuilder::app_user(&new_partner()).sign();
    assert_plain_fault(&metadata_with(&app, &token).await, 403, 2032);
    let app_only = TokenBuilder::app_user(&new_partner()).app_only().sign();
    assert_plain_fault(&app.get("/v1/customers", &app_only).await, 403, 2032);
}

#[tokio::test]
async fn partner_registration_is_checked_before_the_auth_mode() {
    let app = spawn_app_with(|s| s.auto_register_partners = false).await;
    let token = TokenBuilder::app_user(&new_partner()).app_only().sign();
    assert_plain_fault(&metadata_with(&app, &token).await, 403, 2032);
}
