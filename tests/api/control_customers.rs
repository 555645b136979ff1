//! Tests of the control plane's customer side (control-plane spec §9, §11): internal view, scenario flag, direct
//! acceptance, relationships set without the admin-center pages, and the notification outbox.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

async fn control(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Reply {
    let builder = app.request(method, path, None);
    let builder = match body {
        Some(body) => builder.json(&body),
        None => builder,
    };
    send(builder).await
}

async fn accept_directly(app: &TestApp, customer: &str, body: Value) -> Reply {
    control(
        app,
        Method::POST,
        &format!("/_mirror/customers/{customer}/direct-acceptance"),
        Some(body),
    )
    .await
}

async fn direct_status(app: &TestApp, token: &str, customer: &str) -> Reply {
    app.get(
        &format!("/v1/customers/{customer}/directSignedMicrosoftCustomerAgreementStatus"),
        token,
    )
    .await
}

fn order(customer: &str) -> Value {
    json!({ "lineItems": [ { "lineItemNumber": 0, "offerId": "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", "quantity": 1 } ], "referenceCustomerId": customer })
}

#[tokio::test]
async fn direct_acceptance_flips_is_signed_opens_the_gate_and_writes_no_notification_or_history() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    assert_eq!(
        direct_status(&app, &partner.token, &customer).await.body,
        json!({"isSigned": false})
    );
    let reply = accept_directly(&app, &customer, json!({"acceptedAt": "2026-01-15T09:30:00Z"})).await;
    reply.assert_status(200);
    assert_eq!(
        reply.body,
        json!({"customerTenantId": customer, "isSigned": true, "acceptedAt": "2026-01-15T09:30:00Z", "alreadyAccepted": false})
    );
    assert_eq!(
        direct_status(&app, &partner.token, &customer).await.body,
        json!({"isSigned": true})
    );
    app.post_json(
        &format!("/v1/customers/{customer}/orders"),
        &partner.token,
        &order(&customer),
    )
    .await
    .assert_status(201);
    let items = assert_collection(
        &app.get(
            &format!("/v1/customers/{customer}/agreements?agreementType=*"),
            &partner.token,
        )
        .await,
        &format!("/customers/{customer}/agreements?agreementType=*"),
    );
    assert!(items.is_empty(), "a direct acceptance is not listed in the history");
    let outbox = control(
        &app,
        Method::GET,
        &format!("/_mirror/notifications?customerTenantId={customer}"),
        None,
    )
    .await;
    assert_eq!(outbox.body["totalCount"], json!(0));
    let again = accept_directly(&app, &customer, json!({"acceptedAt": "2026-02-01T00:00:00Z"})).await;
    assert_eq!(again.body["acceptedAt"], json!("2026-01-15T09:30:00Z"));
    assert_eq!(again.body["alreadyAccepted"], json!(true));
}

#[tokio::test]
async fn direct_acceptance_is_refused_for_legacy_purchases_unknown_customers_and_future_dates() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let future = accept_directly(&app, &customer, json!({"acceptedAt": "2999-01-01T00:00:00Z"})).await;
    assert_fault_from(&future, 400, 990110, "PartnerCenterMirror");
    assert_eq!(future.body["data"][0]["reason"], json!("futureDate"));
    let scenario = control(
        &app,
        Method::PUT,
        &format!("/_mirror/customers/{customer}/scenario"),
        Some(json!({"hasLegacyPurchases": true})),
    )
    .await;
    scenario.assert_status(200);
    assert_eq!(scenario.body["hasLegacyPurchases"], json!(true));
    let refused = accept_directly(&app, &customer, json!({})).await;
    assert_fault_from(&refused, 409, 990132, "PartnerCenterMirror");
    assert_eq!(
        refused.body["description"],
        json!("Please reach out to your Partner to confirm your acceptance of the Microsoft Customer Agreement.")
    );
    assert_eq!(
        refused.body["data"],
        json!([{"reason": "hasLegacyPurchases", "customerTenantId": customer}])
    );
    assert_eq!(
        direct_status(&app, &partner.token, &customer).await.body,
        json!({"isSigned": false})
    );
    assert_fault_from(
        &accept_directly(&app, &new_guid(), json!({})).await,
        404,
        990131,
        "PartnerCenterMirror",
    );
    let unknown_member = accept_directly(&app, &customer, json!({"acceptedOn": "2026-01-01T00:00:00Z"})).await;
    assert_fault_from(&unknown_member, 400, 990110, "PartnerCenterMirror");
    assert_eq!(unknown_member.body["data"][0]["reason"], json!("unknownField"));
}

#[tokio::test]
async fn the_internal_view_shows_every_partner_with_attestations_orders_and_the_gate() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    attest(&app, &partner.token, &customer, &attestation_body())
        .await
        .assert_status(201);
    app.post_json(
        &format!("/v1/customers/{customer}/orders"),
        &partner.token,
        &order(&customer),
    )
    .await
    .assert_status(201);
    let view = control(&app, Method::GET, &format!("/_mirror/customers/{customer}"), None).await;
    view.assert_status(200);
    assert_eq!(view.body["id"], json!(customer));
    assert_eq!(view.body["ownerPartnerTenantId"], json!(partner.tenant));
    assert!(view.body["adminSignInName"].as_str().unwrap().starts_with("admin@c"));
    assert_eq!(view.body["directAcceptance"], Value::Null);
    let link = &view.body["partners"][0];
    assert_eq!(link["partnerTenantId"], json!(partner.tenant));
    assert_eq!(link["relationshipToPartner"], json!("reseller"));
    assert_eq!(link["purchaseGateOpen"], json!(true));
    assert_eq!(link["orders"].as_array().unwrap().len(), 1);
    assert_eq!(link["attestations"][0]["type"], json!("MicrosoftCustomerAgreement"));
    assert!(link["attestations"][0]["recordedAt"].is_string());
    let list = control(
        &app,
        Method::GET,
        &format!("/_mirror/customers?partnerTenantId={}", partner.tenant),
        None,
    )
    .await;
    assert_eq!(list.body["totalCount"], json!(1));
    assert_eq!(list.body["items"][0]["isSigned"], json!(false));
    assert_fault_from(
        &control(&app, Method::GET, &format!("/_mirror/customers/{}", new_guid()), None).await,
        404,
        990131,
        "PartnerCenterMirror",
    );
}

#[tokio::test]
async fn a_relationship_restored_through_the_control_plane_reopens_the_operations_with_history_kept() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    attest(&app, &partner.token, &customer, &attestation_body())
        .await
        .assert_status(201);
    send(
        app.request(
            Method::PATCH,
            &format!("/v1/customers/{customer}"),
            Some(&partner.token),
        )
        .json(&json!({"relationshipToPartner": "none"})),
    )
    .await
    .assert_status(200);
    assert_plain_fault(&direct_status(&app, &partner.token, &customer).await, 403, 20002);
    let path = format!("/_mirror/customers/{customer}/relationships/{}", partner.tenant);
    let restored = control(
        &app,
        Method::PUT,
        &path,
        Some(json!({"relationshipToPartner": "Reseller"})),
    )
    .await;
    restored.assert_status(200);
    assert_eq!(restored.body["partners"][0]["relationshipToPartner"], json!("reseller"));
    direct_status(&app, &partner.token, &customer).await.assert_status(200);
    assert_eq!(
        history(&app, &partner.token, &customer).await.len(),
        1,
        "history is kept"
    );
    assert_fault_from(
        &control(
            &app,
            Method::PUT,
            &format!("/_mirror/customers/{customer}/relationships/{}", new_guid()),
            Some(json!({"relationshipToPartner": "reseller"})),
        )
        .await,
        404,
        990130,
        "PartnerCenterMirror",
    );
    assert_fault_from(
        &control(
            &app,
            Method::PUT,
            &path,
            Some(json!({"relationshipToPartner": "owner"})),
        )
        .await,
        400,
        990110,
        "PartnerCenterMirror",
    );
}

#[tokio::test]
async fn a_second_partner_gains_a_customer_through_the_control_plane_and_its_own_gate() {
    let app = spawn_app().await;
    let first = Partner::fresh();
    let customer = create_customer(&app, &first.token).await;
    attest(&app, &first.token, &customer, &attestation_body())
        .await
        .assert_status(201);
    let second = Partner::fresh();
    control(
        &app,
        Method::PUT,
        &format!("/_mirror/partners/{}", second.tenant),
        Some(json!({})),
    )
    .await
    .assert_status(201);
    let path = format!("/_mirror/customers/{customer}/relationships/{}", second.tenant);
    control(
        &app,
        Method::PUT,
        &path,
        Some(json!({"relationshipToPartner": "reseller"})),
    )
    .await
    .assert_status(200);
    let refused = app
        .post_json(
            &format!("/v1/customers/{customer}/orders"),
            &second.token,
            &order(&customer),
        )
        .await;
    assert_plain_fault(&refused, 403, 13605);
    attest(&app, &second.token, &customer, &attestation_body())
        .await
        .assert_status(201);
    app.post_json(
        &format!("/v1/customers/{customer}/orders"),
        &second.token,
        &order(&customer),
    )
    .await
    .assert_status(201);
}

#[tokio::test]
async fn an_attestation_notification_reads_scheduled_until_the_partner_clock_reaches_its_due_time() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    attest(&app, &partner.token, &customer, &attestation_body())
        .await
        .assert_status(201);
    let outbox = control(
        &app,
        Method::GET,
        &format!("/_mirror/notifications?customerTenantId={customer}"),
        None,
    )
    .await;
    outbox.assert_status(200);
    assert_eq!(outbox.body["totalCount"], json!(1));
    let item = &outbox.body["items"][0];
    assert_eq!(item["kind"], json!("AgreementAttestationNotification"));
    assert_eq!(item["to"], json!("someone@example.com"));
    assert_eq!(item["toName"], json!("Tania Carr"));
    assert_eq!(item["partnerTenantId"], json!(partner.tenant));
    assert_eq!(item["agreementType"], json!("MicrosoftCustomerAgreement"));
    assert_eq!(item["status"], json!("scheduled"));
    assert_eq!(item["deliveredAt"], Value::Null);
    let created = chrono::DateTime::parse_from_rfc3339(item["createdAt"].as_str().unwrap()).unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(item["dueAt"].as_str().unwrap()).unwrap();
    assert_eq!((due - created).num_seconds(), 1800);

    control(
        &app,
        Method::POST,
        &format!("/_mirror/partners/{}/clock", partner.tenant),
        Some(json!({"advanceSeconds": 1800})),
    )
    .await
    .assert_status(200);
    let delivered = control(
        &app,
        Method::GET,
        &format!("/_mirror/notifications?customerTenantId={customer}&status=delivered"),
        None,
    )
    .await;
    assert_eq!(delivered.body["totalCount"], json!(1));
    assert_eq!(delivered.body["items"][0]["deliveredAt"], item["dueAt"]);
    let scheduled = control(
        &app,
        Method::GET,
        &format!(
            "/_mirror/notifications?status=scheduled&partnerTenantId={}",
            partner.tenant
        ),
        None,
    )
    .await;
    assert_eq!(scheduled.body["totalCount"], json!(0));
    let by_address = control(&app, Method::GET, "/_mirror/notifications?to=SOMEONE@example.com", None).await;
    assert!(by_address.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["customerTenantId"] == json!(customer)));
    assert_fault_from(
        &control(&app, Method::GET, "/_mirror/notifications?status=sent", None).await,
        400,
        990110,
        "PartnerCenterMirror",
    );
    let removed = control(
        &app,
        Method::DELETE,
        &format!("/_mirror/notifications?partnerTenantId={}", partner.tenant),
        None,
    )
    .await;
    assert_eq!(removed.body, json!({"removed": 1}));
}
