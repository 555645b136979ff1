//! The `token` subcommand and the published development key at `/_mirror/jwks.json` (contract §3.2).

use serde_json::json;

use crate::helpers::{
    assert_plain_fault, assert_unauthorized, attest, attestation_body, create_customer, decode_jws_part,
    mint_dev_token, new_guid, new_partner, published_jwks, spawn_app, AUDIENCE,
};

#[tokio::test]
async fn the_development_key_is_published_without_authorization() {
    let app = spawn_app().await;
    let reply = published_jwks(&app).await;
    assert!(reply.header("cache-control").contains("max-age=300"));
    let keys = reply.body["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    let mut members: Vec<&str> = key.as_object().expect("a key").keys().map(String::as_str).collect();
    members.sort_unstable();
    assert_eq!(members, ["alg", "e", "kid", "kty", "n", "use"]);
    assert_eq!(key["kty"], json!("RSA"));
    assert_eq!(key["use"], json!("sig"));
    assert_eq!(key["alg"], json!("RS256"));
    assert_eq!(key["e"], json!("AQAB"));
    // A 2048-bit modulus is 256 bytes: 342 base64url characters.
    assert_eq!(key["n"].as_str().map(str::len), Some(342));
    assert!(key["kid"].as_str().is_some_and(|kid| !kid.is_empty()));
}

#[tokio::test]
async fn a_token_printed_by_the_token_command_is_accepted_and_names_the_published_kid() {
    let app = spawn_app().await;
    let partner = new_partner();
    let token = mint_dev_token(app.data_dir.path(), &partner, &[]).await;
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header = decode_jws_part(parts[0]);
    assert_eq!(header["alg"], json!("RS256"));
    let jwks = published_jwks(&app).await;
    assert_eq!(header["kid"], jwks.body["keys"][0]["kid"]);

    let customer = create_customer(&app, &token).await;
    let reply = attest(&app, &token, &customer, &attestation_body()).await;
    reply.assert_status(201);
    let claims = decode_jws_part(parts[1]);
    assert_eq!(reply.body["userId"], claims["oid"]);
}

#[tokio::test]
async fn the_token_command_writes_the_documented_claims() {
    let app = spawn_app().await;
    let partner = new_partner();
    let user = new_guid();
    let token = mint_dev_token(
        app.data_dir.path(),
        &partner,
        &["--user-id", &user, "--ttl-seconds", "600"],
    )
    .await;
    let claims = decode_jws_part(token.split('.').nth(1).expect("a payload"));
    assert_eq!(claims["tid"], json!(partner));
    assert_eq!(claims["oid"], json!(user));
    assert_eq!(claims["aud"], json!(AUDIENCE));
    assert_eq!(claims["roles"], json!(["AdminAgents"]));
    assert!(claims["scp"].as_str().is_some_and(|s| !s.is_empty()));
    let amr = claims["amr"].as_array().expect("amr");
    assert!(amr.contains(&json!("mfa")));
    let exp = claims["exp"].as_i64().expect("exp");
    let now = crate::helpers::now();
    assert!((now + 590..=now + 610).contains(&exp), "exp is now + 600");
}

#[tokio::test]
async fn an_app_only_token_from_the_token_command_is_app_only() {
    let app = spawn_app().await;
    let token = mint_dev_token(app.data_dir.path(), &new_partner(), &["--app-only"]).await;
    assert_plain_fault(&app.get("/v1/agreements", &token).await, 403, 900329);
    app.get("/v1/customers", &token).await.assert_status(200);
}

#[tokio::test]
async fn a_no_mfa_token_from_the_token_command_is_refused_with_900421() {
    let app = spawn_app().await;
    let token = mint_dev_token(app.data_dir.path(), &new_partner(), &["--no-mfa"]).await;
    assert_unauthorized(&app.get("/v1/agreements", &token).await, 900421);
}

#[tokio::test]
async fn the_roles_of_the_token_command_replace_the_default_role() {
    let app = spawn_app().await;
    let helpdesk = mint_dev_token(app.data_dir.path(), &new_partner(), &["--role", "HelpdeskAgents"]).await;
    assert_plain_fault(&app.get("/v1/agreements", &helpdesk).await, 403, 900150);
    let both = mint_dev_token(
        app.data_dir.path(),
        &new_partner(),
        &["--role", "HelpdeskAgents", "--role", "SalesAgents"],
    )
    .await;
    app.get("/v1/agreements", &both).await.assert_status(200);
}
