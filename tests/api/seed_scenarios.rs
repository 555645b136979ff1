//! The seed scenarios of control-plane spec §18, one test per row, driven only through `/v1`, `/_mirror` and
//! the admin-center forms, with tokens minted by `POST /_mirror/tokens`.

use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_center::*;
use crate::helpers::*;

/// A token of the development key for a partner (`POST /_mirror/tokens`).
async fn mint(app: &TestApp, tenant: &str) -> String {
    let reply = control(app, Method::POST, "/_mirror/tokens", Some(json!({"tenantId": tenant}))).await;
    reply.assert_status(200);
    reply.body["accessToken"].as_str().expect("an access token").to_owned()
}

/// A registered partner with a minted token.
async fn registered(app: &TestApp, partner_type: &str) -> (String, String) {
    let tenant = new_partner();
    register_partner(app, &tenant, partner_type).await;
    let token = mint(app, &tenant).await;
    (tenant, token)
}

/// A fixture customer owned by `owner`, with admin `admin` and the given password and extra members.
async fn fixture_customer(app: &TestApp, owner: &str, password: &str, extra: Value) -> (String, String) {
    let id = new_guid();
    let domain = new_domain();
    let mut customer = json!({
        "id": id, "ownerPartnerTenantId": owner, "domain": domain, "companyName": "Fabrikam",
        "admin": { "userName": "admin", "password": password }
    });
    let members = customer.as_object_mut().expect("an object");
    for (name, value) in extra.as_object().expect("an object") {
        members.insert(name.clone(), value.clone());
    }
    let reply = control(
        app,
        Method::POST,
        "/_mirror/fixtures",
        Some(json!({ "formatVersion": 1, "customers": [customer] })),
    )
    .await;
    reply.assert_status(200);
    (id, format!("admin@{domain}"))
}

fn order(customer: &str) -> Value {
    json!({ "lineItems": [ { "lineItemNumber": 0, "offerId": "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", "quantity": 1 } ],
            "referenceCustomerId": customer })
}

/// (g) with a fresh `MS-RequestId`.
async fn place_order(app: &TestApp, token: &str, customer: &str) -> Reply {
    place_order_with_id(app, token, customer, &new_guid()).await
}

async fn place_order_with_id(app: &TestApp, token: &str, customer: &str, request_id: &str) -> Reply {
    app.post_json_with_id(
        &format!("/v1/customers/{customer}/orders"),
        token,
        &order(customer),
        request_id,
    )
    .await
}

/// The outbox items of a customer (optionally of one status).
async fn outbox(app: &TestApp, customer: &str, status: Option<&str>) -> Vec<Value> {
    let path = match status {
        Some(status) => format!("/_mirror/notifications?customerTenantId={customer}&status={status}"),
        None => format!("/_mirror/notifications?customerTenantId={customer}"),
    };
    let reply = control(app, Method::GET, &path, None).await;
    reply.assert_status(200);
    reply.body["items"].as_array().expect("items").clone()
}

async fn advance_partner_clock(app: &TestApp, partner: &str, seconds: i64) {
    control(
        app,
        Method::POST,
        &format!("/_mirror/partners/{partner}/clock"),
        Some(json!({"advanceSeconds": seconds})),
    )
    .await
    .assert_status(200);
}

fn parse_time(value: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(value.as_str().expect("a date-time")).expect("an RFC 3339 date-time")
}

#[tokio::test]
async fn a_partner_attests_for_a_new_customer() {
    for partner_type in ["directBill", "indirectProvider"] {
        let app = spawn_app().await;
        let (_, token) = registered(&app, partner_type).await;
        let customer = create_customer(&app, &token).await;
        let metadata = app
            .get("/v1/agreements?agreementType=MicrosoftCustomerAgreement", &token)
            .await;
        metadata.assert_status(200);
        let template = metadata.body["items"][0]["templateId"]
            .as_str()
            .expect("a template id")
            .to_owned();
        assert_eq!(template, CUSTOMER_AGREEMENT_TEMPLATE);
        let confirmed = attest(
            &app,
            &token,
            &customer,
            &with(&attestation_body(), "/templateId", json!(template)),
        )
        .await;
        confirmed.assert_status(201);
        let listed = history(&app, &token, &customer).await;
        assert_eq!(listed.len(), 1, "{partner_type}");
        assert_eq!(listed[0]["templateId"], json!(CUSTOMER_AGREEMENT_TEMPLATE));
        let items = outbox(&app, &customer, None).await;
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["status"], json!("scheduled"));
        place_order(&app, &token, &customer).await.assert_status(201);
    }
}

#[tokio::test]
async fn a_partner_attests_for_an_existing_customer_with_legacy_history() {
    let app = spawn_app().await;
    let (partner, token) = registered(&app, "directBill").await;
    let (customer, _) = fixture_customer(
        &app,
        &partner,
        "Fabrikam-Passw0rd",
        json!({ "agreements": [ { "templateId": LEGACY_TEMPLATE, "dateAgreed": "2018-07-28T00:00:00Z", "userId": null,
            "primaryContact": { "firstName": "Tania", "lastName": "Carr", "email": "SomeEmail@example.com", "phoneNumber": "1234567890" } } ] }),
    )
    .await;
    attest(&app, &token, &customer, &attestation_body())
        .await
        .assert_status(201);
    assert_duplicate_refused(&attest(&app, &token, &customer, &attestation_body()).await);
    let changed_phone = with(&attestation_body(), "/primaryContact/phoneNumber", json!("5550100"));
    attest(&app, &token, &customer, &changed_phone).await.assert_status(201);
    let types: Vec<Value> = history(&app, &token, &customer)
        .await
        .iter()
        .map(|item| item["type"].clone())
        .collect();
    assert_eq!(
        types,
        vec![
            json!("MicrosoftCustomerAgreement"),
            json!("MicrosoftCustomerAgreement"),
            json!("MicrosoftCloudAgreement")
        ]
    );
}

#[tokio::test]
async fn a_partner_verifies_acceptance_and_is_signed_turns_true_only_after_direct_acceptance() {
    let app = spawn_app().await;
    let (partner, token) = registered(&app, "directBill").await;
    let (customer, _) = fixture_customer(&app, &partner, "Fabrikam-Passw0rd", json!({})).await;
    attest(
        &app,
        &token,
        &customer,
        &attestation("Ada", "Lovelace", "ada@example.com", None),
    )
    .await
    .assert_status(201);
    attest(&app, &token, &customer, &attestation_body())
        .await
        .assert_status(201);
    let path = format!("/customers/{customer}/agreements?agreementType=MicrosoftCustomerAgreement");
    let items = assert_collection(&app.get(&format!("/v1{path}"), &token).await, &path);
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["primaryContact"]["firstName"], json!("Tania"), "newest first");
    assert_eq!(items[1]["primaryContact"]["firstName"], json!("Ada"));
    assert_eq!(is_signed(&app, &token, &customer).await, json!(false));
    control(
        &app,
        Method::POST,
        &format!("/_mirror/customers/{customer}/direct-acceptance"),
        Some(json!({})),
    )
    .await
    .assert_status(200);
    assert_eq!(is_signed(&app, &token, &customer).await, json!(true));
}

#[tokio::test]
async fn a_created_customer_accepts_on_the_agreement_page_and_unlocks_orders_without_outbox_or_history() {
    let app = spawn_app().await;
    let (_, token) = registered(&app, "directBill").await;
    let (customer, user, password) = create_customer_with_credentials(&app, &token).await;
    let page = agreement_sign_in(&app, &user, &password, true).await;
    assert_outcome(&page, 200, "done");
    assert_eq!(hook(&page.text(), "data-mca"), "accepted");
    assert_eq!(hook(&page.text(), "data-customer-tenant-id"), customer);
    assert_eq!(is_signed(&app, &token, &customer).await, json!(true));
    place_order(&app, &token, &customer).await.assert_status(201);
    assert!(outbox(&app, &customer, None).await.is_empty(), "no outbox item");
    assert!(history(&app, &token, &customer).await.is_empty(), "no (c) item");
}

#[tokio::test]
async fn a_new_customer_accepts_the_relationship_and_the_mca_through_the_invitation() {
    let app = spawn_app().await;
    let (partner, token) = registered(&app, "directBill").await;
    let path = invitation_path(&app, &token).await;
    let domain = new_domain();
    let page = invitation_new_tenant(&app, &path, &domain, "Tailspin", &["acceptRelationship", "acceptMca"]).await;
    assert_outcome(&page, 200, "done");
    let html = page.text();
    assert_eq!(hook(&html, "data-relationship"), "accepted");
    assert_eq!(hook(&html, "data-mca"), "accepted");
    assert_eq!(dd(&html, "admin-sign-in-name"), format!("admin@{domain}"));
    assert_eq!(dd(&html, "admin-password").len(), 12);
    let customer = hook(&html, "data-customer-tenant-id");
    let listed = app.get("/v1/customers", &token).await;
    listed.assert_status(200);
    let item = listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|item| item["id"] == json!(customer))
        .cloned()
        .expect("the new customer is listed");
    assert_eq!(item["relationshipToPartner"], json!("reseller"));
    assert_eq!(is_signed(&app, &token, &customer).await, json!(true));
    assert_eq!(
        relationships(&app, &customer).await,
        vec![(partner, "reseller".to_owned())]
    );
    assert!(outbox(&app, &customer, None).await.is_empty());
}

#[tokio::test]
async fn an_existing_customer_accepts_the_mca_through_the_invitation() {
    let app = spawn_app().await;
    let (partner, token) = registered(&app, "directBill").await;
    let (customer, user) = fixture_customer(&app, &partner, "Fabrikam-Passw0rd", json!({})).await;
    place_order(&app, &token, &customer).await.assert_status(403);
    let path = invitation_path(&app, &token).await;
    let page = invitation_sign_in(&app, &path, &user, "Fabrikam-Passw0rd", &["acceptMca"]).await;
    assert_outcome(&page, 200, "done");
    assert_eq!(hook(&page.text(), "data-mca"), "accepted");
    assert_eq!(hook(&page.text(), "data-relationship"), "");
    assert_eq!(is_signed(&app, &token, &customer).await, json!(true));
    place_order(&app, &token, &customer).await.assert_status(201);
    assert!(history(&app, &token, &customer).await.is_empty());
}

#[tokio::test]
async fn scenario_1_legacy_purchases_with_the_same_partner_need_the_partner_attestation() {
    let app = spawn_app().await;
    let (_, token) = registered(&app, "directBill").await;
    let (customer, user, password) = create_customer_with_credentials(&app, &token).await;
    control(
        &app,
        Method::PUT,
        &format!("/_mirror/customers/{customer}/scenario"),
        Some(json!({"hasLegacyPurchases": true})),
    )
    .await
    .assert_status(200);
    let page = agreement_sign_in(&app, &user, &password, true).await;
    assert_outcome(&page, 409, "mcaRefused");
    assert_eq!(hook(&page.text(), "data-mca"), "refused");
    assert!(page
        .text()
        .contains("Please reach out to your Partner to confirm your acceptance of the Microsoft Customer Agreement."));
    let direct = control(
        &app,
        Method::POST,
        &format!("/_mirror/customers/{customer}/direct-acceptance"),
        Some(json!({})),
    )
    .await;
    assert_fault_from(&direct, 409, 990132, "PartnerCenterMirror");
    assert_plain_fault(&place_order(&app, &token, &customer).await, 403, 13605);
    attest(&app, &token, &customer, &attestation_body())
        .await
        .assert_status(201);
    place_order(&app, &token, &customer).await.assert_status(201);
    assert_eq!(is_signed(&app, &token, &customer).await, json!(false));
}

#[tokio::test]
async fn scenario_2_legacy_purchases_with_a_new_partner_need_that_partners_own_attestation() {
    let app = spawn_app().await;
    let (owner, owner_token) = registered(&app, "directBill").await;
    let (customer, user) =
        fixture_customer(&app, &owner, "Contoso-Passw0rd", json!({"hasLegacyPurchases": true})).await;
    attest(&app, &owner_token, &customer, &attestation_body())
        .await
        .assert_status(201);
    let (newcomer, token) = registered(&app, "directBill").await;
    let path = invitation_path(&app, &token).await;
    let page = invitation_sign_in(
        &app,
        &path,
        &user,
        "Contoso-Passw0rd",
        &["acceptRelationship", "acceptMca"],
    )
    .await;
    assert_outcome(&page, 200, "mcaRefused");
    assert_eq!(hook(&page.text(), "data-relationship"), "accepted");
    assert_eq!(hook(&page.text(), "data-mca"), "refused");
    assert!(relationships(&app, &customer)
        .await
        .contains(&(newcomer.clone(), "reseller".to_owned())));
    assert_plain_fault(&place_order(&app, &token, &customer).await, 403, 13605);
    attest(&app, &token, &customer, &attestation_body())
        .await
        .assert_status(201);
    place_order(&app, &token, &customer).await.assert_status(201);
}

#[tokio::test]
async fn an_order_for_an_unconfirmed_customer_is_refused_until_confirmation_and_a_new_request_id() {
    let app = spawn_app().await;
    let (_, token) = registered(&app, "directBill").await;
    let by_attestation = create_customer(&app, &token).await;
    let (by_page, user, password) = create_customer_with_credentials(&app, &token).await;
    for customer in [&by_attestation, &by_page] {
        let request_id = new_guid();
        assert_plain_fault(
            &place_order_with_id(&app, &token, customer, &request_id).await,
            403,
            13605,
        );
        if customer == &by_attestation {
            attest(&app, &token, customer, &attestation_body())
                .await
                .assert_status(201);
        } else {
            assert_outcome(&agreement_sign_in(&app, &user, &password, true).await, 200, "done");
        }
        let replayed = place_order_with_id(&app, &token, customer, &request_id).await;
        assert_plain_fault(&replayed, 403, 13605);
        assert_eq!(replayed.header("ms-replayed"), "true");
        place_order(&app, &token, customer).await.assert_status(201);
    }
}

#[tokio::test]
async fn a_notification_is_scheduled_for_30_minutes_then_delivered_and_direct_acceptance_writes_none() {
    let app = spawn_app().await;
    let (partner, token) = registered(&app, "directBill").await;
    let customer = create_customer(&app, &token).await;
    let (accepting, user, password) = create_customer_with_credentials(&app, &token).await;
    attest(&app, &token, &customer, &attestation_body())
        .await
        .assert_status(201);
    assert_outcome(&agreement_sign_in(&app, &user, &password, true).await, 200, "done");

    let items = outbox(&app, &customer, None).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["status"], json!("scheduled"));
    assert_eq!(
        (parse_time(&items[0]["dueAt"]) - parse_time(&items[0]["createdAt"])).num_seconds(),
        1800
    );
    advance_partner_clock(&app, &partner, 1700).await;
    assert_eq!(outbox(&app, &customer, Some("scheduled")).await.len(), 1, "not yet due");
    assert!(outbox(&app, &customer, Some("delivered")).await.is_empty());
    advance_partner_clock(&app, &partner, 100).await;
    let delivered = outbox(&app, &customer, Some("delivered")).await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0]["deliveredAt"], items[0]["dueAt"]);
    assert!(outbox(&app, &customer, Some("scheduled")).await.is_empty());
    assert!(
        outbox(&app, &accepting, None).await.is_empty(),
        "direct acceptance writes no outbox item"
    );
}

#[tokio::test]
async fn a_removed_relationship_refuses_the_operations_until_the_invitation_restores_it() {
    let app = spawn_app().await;
    let (partner, token) = registered(&app, "directBill").await;
    let (customer, user, password) = create_customer_with_credentials(&app, &token).await;
    attest(&app, &token, &customer, &attestation_body())
        .await
        .assert_status(201);
    let removed = send(
        app.request(Method::PATCH, &format!("/v1/customers/{customer}"), Some(&token))
            .json(&json!({"relationshipToPartner": "none", "attributes": {"objectType": "Customer"}})),
    )
    .await;
    removed.assert_status(200);
    assert_eq!(removed.body["relationshipToPartner"], json!("none"));
    let changed_contact = attestation("Ada", "Lovelace", "ada@example.com", None);
    assert_plain_fault(&attest(&app, &token, &customer, &changed_contact).await, 403, 20002);
    assert_plain_fault(
        &app.get(&format!("/v1/customers/{customer}/agreements"), &token).await,
        403,
        20002,
    );
    assert_plain_fault(
        &app.get(
            &format!("/v1/customers/{customer}/directSignedMicrosoftCustomerAgreementStatus"),
            &token,
        )
        .await,
        403,
        20002,
    );
    assert_plain_fault(&place_order(&app, &token, &customer).await, 403, 20002);
    let listed = app.get("/v1/customers", &token).await;
    assert!(!listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|item| item["id"] == json!(customer)));
    let got = app.get(&format!("/v1/customers/{customer}"), &token).await;
    assert_eq!(got.body["relationshipToPartner"], json!("none"));

    let path = invitation_path(&app, &token).await;
    let restored = invitation_sign_in(&app, &path, &user, &password, &["acceptRelationship"]).await;
    assert_outcome(&restored, 200, "done");
    assert_eq!(hook(&restored.text(), "data-relationship"), "restored");
    assert!(partner_row(&restored.text(), &partner).is_some());
    let again = invitation_sign_in(&app, &path, &user, &password, &["acceptRelationship"]).await;
    assert_eq!(hook(&again.text(), "data-relationship"), "unchanged");

    assert_eq!(history(&app, &token, &customer).await.len(), 1, "history kept");
    attest(&app, &token, &customer, &changed_contact)
        .await
        .assert_status(201);
    assert_eq!(is_signed(&app, &token, &customer).await, json!(false));
    place_order(&app, &token, &customer).await.assert_status(201);
    let got = app.get(&format!("/v1/customers/{customer}"), &token).await;
    assert_eq!(got.body["relationshipToPartner"], json!("reseller"));
}
