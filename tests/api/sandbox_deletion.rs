//! `DELETE /v1/customers/{id}`: the integration sandbox's customer deletion, and its refusal for every other
//! partner (contract §2.5; the sandbox flag is a partner setting of `PUT /_mirror/partners/{tenantId}`).

use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_center::control;
use crate::helpers::*;

/// Registers the partner with `integrationSandbox` set as given.
async fn register(app: &TestApp, partner: &Partner, sandbox: bool) -> Value {
    let reply = control(
        app,
        Method::PUT,
        &format!("/_mirror/partners/{}", partner.tenant),
        Some(json!({ "integrationSandbox": sandbox })),
    )
    .await;
    assert!(matches!(reply.status, 200 | 201), "registered: {}", reply.text());
    reply.body
}

async fn delete(app: &TestApp, token: &str, customer: &str) -> Reply {
    send(app.request(Method::DELETE, &format!("/v1/customers/{customer}"), Some(token))).await
}

#[tokio::test]
async fn a_sandbox_partner_deletes_a_customer_with_204_and_it_is_gone_everywhere() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    assert_eq!(register(&app, &partner, true).await["integrationSandbox"], json!(true));
    let kept = create_customer(&app, &partner.token).await;
    let customer = create_customer(&app, &partner.token).await;
    attest(&app, &partner.token, &customer, &attestation_body())
        .await
        .assert_status(201);
    app.post_json(
        &format!("/v1/customers/{customer}/orders"),
        &partner.token,
        &json!({"lineItems": [{"lineItemNumber": 0, "offerId": "OFFER", "quantity": 1}]}),
    )
    .await
    .assert_status(201);

    let reply = delete(&app, &partner.token, &customer).await;
    reply.assert_status(204);
    assert!(reply.text().is_empty(), "no body: {}", reply.text());

    assert_plain_fault(
        &app.get(&format!("/v1/customers/{customer}"), &partner.token).await,
        404,
        60003,
    );
    for path in [
        format!("/v1/customers/{customer}/agreements?agreementType=*"),
        format!("/v1/customers/{customer}/orders"),
    ] {
        assert_plain_fault(&app.get(&path, &partner.token).await, 404, 60003);
    }
    let list = app.get("/v1/customers", &partner.token).await;
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|item| item["id"].as_str())
        .collect();
    assert_eq!(ids, [kept.as_str()]);
    let view = control(&app, Method::GET, &format!("/_mirror/customers/{customer}"), None).await;
    assert_eq!(view.status, 404, "the customer tenant is purged: {}", view.text());
    assert_plain_fault(&delete(&app, &partner.token, &customer).await, 404, 60003);
}

#[tokio::test]
async fn deleting_frees_the_domain_for_a_new_customer() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    register(&app, &partner, true).await;
    let body = customer_body();
    let created = app.post_json("/v1/customers", &partner.token, &body).await;
    created.assert_status(201);
    let customer = created.body["id"].as_str().expect("an id").to_owned();
    delete(&app, &partner.token, &customer).await.assert_status(204);
    app.post_json("/v1/customers", &partner.token, &body)
        .await
        .assert_status(201);
}

#[tokio::test]
async fn a_partner_that_is_not_a_sandbox_is_refused_with_400_900127_and_nothing_changes() {
    let app = spawn_app().await;
    let registered = Partner::fresh();
    assert_eq!(
        register(&app, &registered, false).await["integrationSandbox"],
        json!(false)
    );
    let by_default = Partner::fresh();
    for partner in [&registered, &by_default] {
        let customer = create_customer(&app, &partner.token).await;
        let reply = delete(&app, &partner.token, &customer).await;
        assert_plain_fault(&reply, 400, 900127);
        assert!(reply.body["description"]
            .as_str()
            .is_some_and(|d| d.contains("integration sandbox")));
        app.get(&format!("/v1/customers/{customer}"), &partner.token)
            .await
            .assert_status(200);
    }
    let shown = control(
        &app,
        Method::GET,
        &format!("/_mirror/partners/{}", by_default.tenant),
        None,
    )
    .await;
    assert_eq!(
        shown.body["integrationSandbox"],
        json!(false),
        "auto-registered partners are no sandbox"
    );
}

#[tokio::test]
async fn a_deletion_leaves_the_customer_to_another_partner_that_knows_it() {
    let app = spawn_app().await;
    let owner = Partner::fresh();
    register(&app, &owner, true).await;
    let customer = create_customer(&app, &owner.token).await;
    let other = Partner::fresh();
    register(&app, &other, false).await;
    let path = format!("/_mirror/customers/{customer}/relationships/{}", other.tenant);
    control(
        &app,
        Method::PUT,
        &path,
        Some(json!({"relationshipToPartner": "reseller"})),
    )
    .await
    .assert_status(200);
    attest(&app, &other.token, &customer, &attestation_body())
        .await
        .assert_status(201);

    delete(&app, &owner.token, &customer).await.assert_status(204);
    assert_plain_fault(
        &app.get(&format!("/v1/customers/{customer}"), &owner.token).await,
        404,
        60003,
    );
    app.get(&format!("/v1/customers/{customer}"), &other.token)
        .await
        .assert_status(200);
    let history = app
        .get(
            &format!("/v1/customers/{customer}/agreements?agreementType=*"),
            &other.token,
        )
        .await;
    assert_eq!(history.body["totalCount"], json!(1), "the other partner's records stay");
}

#[tokio::test]
async fn deletion_checks_tokens_roles_and_the_customer_id() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    register(&app, &partner, true).await;
    let customer = create_customer(&app, &partner.token).await;
    let helpdesk = partner.token_builder().roles(&["HelpdeskAgents"]).sign();
    assert_plain_fault(&delete(&app, &helpdesk, &customer).await, 403, 900150);
    assert_unauthorized(
        &send(app.request(Method::DELETE, &format!("/v1/customers/{customer}"), None)).await,
        800001,
    );
    assert_plain_fault(&delete(&app, &partner.token, "not-a-guid").await, 400, 900118);
    assert_plain_fault(&delete(&app, &partner.token, &new_guid()).await, 404, 60003);
    let stranger = Partner::fresh();
    register(&app, &stranger, true).await;
    assert_plain_fault(&delete(&app, &stranger.token, &customer).await, 404, 60003);
    let app_only = partner.token_builder().app_only().sign();
    delete(&app, &app_only, &customer).await.assert_status(204);
}
