//! State that survives a stop and restart on the same data directory: customers, agreement history, the development key, the link-signing key and the instance id (done criterion 5).

use crate::helpers::{
    assert_www_authenticate, attest, attestation_body, create_customer, history, mint_dev_token, new_partner,
    published_jwks, spawn_app, Partner,
};

#[tokio::test]
async fn customers_and_agreement_history_survive_a_restart() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    attest(&app, &partner.token, &customer, &attestation_body())
        .await
        .assert_status(201);
    let before = app.get(&format!("/v1/customers/{customer}"), &partner.token).await;
    before.assert_status(200);
    let history_before = history(&app, &partner.token, &customer).await;
    assert_eq!(history_before.len(), 1);

    let app = app.restart().await;
    let after = app.get(&format!("/v1/customers/{customer}"), &partner.token).await;
    after.assert_status(200);
    assert_eq!(after.body, before.body);
    assert_eq!(history(&app, &partner.token, &customer).await, history_before);
    // The duplicate rule still sees the stored record.
    let again = attest(&app, &partner.token, &customer, &attestation_body()).await;
    crate::helpers::assert_duplicate_refused(&again);
}

#[tokio::test]
async fn a_development_key_token_minted_before_a_restart_is_accepted_after_it() {
    let app = spawn_app().await;
    let kid_before = published_jwks(&app).await.body["keys"][0]["kid"].clone();
    let token = mint_dev_token(app.data_dir.path(), &new_partner(), &[]).await;
    app.get("/v1/agreements", &token).await.assert_status(200);

    let app = app.restart().await;
    assert_eq!(published_jwks(&app).await.body["keys"][0]["kid"], kid_before);
    app.get("/v1/agreements", &token).await.assert_status(200);
}

#[tokio::test]
async fn a_document_link_obtained_before_a_restart_still_downloads_after_it() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let reply = app
        .get(
            "/v1/agreementtemplates/117a77b0-9360-443b-8795-c6dedc750cf9/document?country=DE&language=de-DE",
            &partner.token,
        )
        .await;
    reply.assert_status(200);
    let link = reply.body["downloadUri"].as_str().expect("a link").to_owned();
    // The restarted server listens on a new port; the link's path is what carries the signature.
    let path = link[link.find("/_mirror/").expect("a mirror path")..].to_owned();

    let app = app.restart().await;
    let file = app.get_anonymous(&path).await;
    file.assert_status(200);
    assert_eq!(
        file.header("content-disposition"),
        "attachment; filename=\"MicrosoftCustomerAgreement_DE_de-DE.docx\""
    );
    assert!(file.bytes.starts_with(b"PK"));
}

#[tokio::test]
async fn the_www_authenticate_instance_id_survives_a_restart() {
    let app = spawn_app().await;
    let before = assert_www_authenticate(&app.get_anonymous("/v1/agreements").await);
    let app = app.restart().await;
    let after = assert_www_authenticate(&app.get_anonymous("/v1/agreements").await);
    assert_eq!(before, after);
}
