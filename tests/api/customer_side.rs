//! Tests of the relationship request (f4), relationship removal (f5), the purchase gate (g), the MPA status (h)
//! and the indirect-reseller column of the role matrix (contract §3.4, §4.6–§4.8).

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

fn order_body(customer: &str) -> Value {
    json!({ "referenceCustomerId": customer, "billingCycle": "monthly",
            "lineItems": [ { "lineItemNumber": 0, "offerId": "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", "quantity": 1, "friendlyName": "Seats" } ] })
}

async fn place_order(app: &TestApp, token: &str, customer: &str, body: &Value) -> Reply {
    app.post_json(&format!("/v1/customers/{customer}/orders"), token, body)
        .await
}

async fn patch_customer(app: &TestApp, token: &str, customer: &str, body: &Value) -> Reply {
    send(
        app.request(Method::PATCH, &format!("/v1/customers/{customer}"), Some(token))
            .json(body),
    )
    .await
}

async fn register_partner(app: &TestApp, tenant: &str, body: Value) {
    let reply = send(
        app.request(Method::PUT, &format!("/_mirror/partners/{tenant}"), None)
            .json(&body),
    )
    .await;
    assert!(
        reply.status == 201 || reply.status == 200,
        "partner registration: {}",
        reply.text()
    );
}

#[tokio::test]
async fn relationship_request_returns_the_invitation_url_of_the_calling_partner() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let reply = app.get("/v1/customers/relationshiprequests", &partner.token).await;
    reply.assert_status(200);
    assert_eq!(
        reply.body,
        json!({
            "url": format!("http://localhost:{}/_mirror/admin-center/partner-invitation?invType=ResellerRelationship&partnerId={}&msppId=0&DAP=false", app.port, partner.tenant),
            "attributes": { "objectType": "RelationshipRequest" }
        })
    );
}

#[tokio::test]
async fn relationship_request_copies_the_optional_parameters_into_the_url() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let reseller = new_guid();
    let reply = app
        .get(
            &format!(
                "/v1/customers/relationshiprequests?indirectResellerId={reseller}&dualRoleIndirectRelationship=true"
            ),
            &partner.token,
        )
        .await;
    reply.assert_status(200);
    let url = reply.body["url"].as_str().expect("a url");
    assert!(
        url.ends_with(&format!(
            "&DAP=false&indirectResellerId={reseller}&dualRoleIndirectRelationship=true"
        )),
        "{url}"
    );
}

#[tokio::test]
async fn relationship_request_refuses_app_only_tokens_and_helpdesk_agents() {
    let app = spawn_app().await;
    let tenant = new_partner();
    let app_only = TokenBuilder::app_user(&tenant).app_only().sign();
    assert_plain_fault(
        &app.get("/v1/customers/relationshiprequests", &app_only).await,
        403,
        900329,
    );
    let helpdesk = TokenBuilder::app_user(&tenant).roles(&["HelpdeskAgents"]).sign();
    assert_plain_fault(
        &app.get("/v1/customers/relationshiprequests", &helpdesk).await,
        403,
        900150,
    );
}

#[tokio::test]
async fn removing_the_relationship_answers_the_full_customer_with_none() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let reply = patch_customer(
        &app,
        &partner.token,
        &customer,
        &json!({"relationshipToPartner": "None", "attributes": {"objectType": "Customer"}}),
    )
    .await;
    reply.assert_status(200);
    assert_eq!(reply.body["id"], json!(customer));
    assert_eq!(reply.body["relationshipToPartner"], json!("none"));
    assert_eq!(
        reply.body["billingProfile"]["attributes"]["objectType"],
        json!("CustomerBillingProfile")
    );
    assert!(reply.body.get("userCredentials").is_none());
    let again = patch_customer(
        &app,
        &partner.token,
        &customer,
        &json!({"relationshipToPartner": "none"}),
    )
    .await;
    again.assert_status(200);
    assert_eq!(again.body["relationshipToPartner"], json!("none"));
}

#[tokio::test]
async fn a_removed_relationship_closes_every_customer_scoped_operation_but_keeps_history() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    attest(&app, &partner.token, &customer, &attestation_body())
        .await
        .assert_status(201);
    patch_customer(
        &app,
        &partner.token,
        &customer,
        &json!({"relationshipToPartner": "none"}),
    )
    .await
    .assert_status(200);

    assert_plain_fault(
        &attest(&app, &partner.token, &customer, &attestation_body()).await,
        403,
        20002,
    );
    assert_plain_fault(
        &app.get(
            &format!("/v1/customers/{customer}/agreements?agreementType=*"),
            &partner.token,
        )
        .await,
        403,
        20002,
    );
    assert_plain_fault(
        &app.get(
            &format!("/v1/customers/{customer}/directSignedMicrosoftCustomerAgreementStatus"),
            &partner.token,
        )
        .await,
        403,
        20002,
    );
    assert_plain_fault(
        &place_order(&app, &partner.token, &customer, &order_body(&customer)).await,
        403,
        20002,
    );

    let listed = assert_collection(&app.get("/v1/customers", &partner.token).await, "/customers");
    assert!(
        listed.iter().all(|c| c["id"] != json!(customer)),
        "the customer is left out of the list"
    );
    let single = app.get(&format!("/v1/customers/{customer}"), &partner.token).await;
    single.assert_status(200);
    assert_eq!(single.body["relationshipToPartner"], json!("none"));
}

#[tokio::test]
async fn removing_the_relationship_validates_the_body_after_visibility() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    assert_single_field_error(
        &patch_customer(&app, &partner.token, &customer, &json!({})).await,
        "relationshipToPartner",
        "required",
    );
    assert_single_field_error(
        &patch_customer(
            &app,
            &partner.token,
            &customer,
            &json!({"relationshipToPartner": "reseller"}),
        )
        .await,
        "relationshipToPartner",
        "unsupportedValue",
    );
    assert_plain_fault(
        &patch_customer(&app, &partner.token, &new_guid(), &json!({})).await,
        404,
        60003,
    );
    assert_plain_fault(
        &patch_customer(
            &app,
            &partner.token,
            "not-a-guid",
            &json!({"relationshipToPartner": "none"}),
        )
        .await,
        400,
        900118,
    );
    let other = Partner::fresh();
    assert_plain_fault(
        &patch_customer(&app, &other.token, &customer, &json!({"relationshipToPartner": "none"})).await,
        404,
        60003,
    );
    let app_only = TokenBuilder::app_user(&partner.tenant).app_only().sign();
    assert_plain_fault(
        &patch_customer(&app, &app_only, &customer, &json!({"relationshipToPartner": "none"})).await,
        403,
        900329,
    );
    let unchanged = app.get(&format!("/v1/customers/{customer}"), &partner.token).await;
    assert_eq!(unchanged.body["relationshipToPartner"], json!("reseller"));
}

#[tokio::test]
async fn an_order_is_refused_until_the_customer_agreement_is_confirmed() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let refused = place_order(&app, &partner.token, &customer, &order_body(&customer)).await;
    assert_plain_fault(&refused, 403, 13605);
    attest(&app, &partner.token, &customer, &attestation_body())
        .await
        .assert_status(201);
    let reply = place_order(&app, &partner.token, &customer, &order_body(&customer)).await;
    reply.assert_status(201);
    let id = reply.body["id"].as_str().expect("an id");
    assert_eq!(id.len(), 32);
    assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(reply.body["referenceCustomerId"], json!(customer));
    assert_eq!(reply.body["billingCycle"], json!("monthly"));
    assert_eq!(reply.body["status"], json!("pending"));
    assert_eq!(reply.body["attributes"], json!({"objectType": "Order"}));
    assert_eq!(
        reply.body["lineItems"],
        json!([{ "lineItemNumber": 0, "offerId": "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", "friendlyName": "Seats", "quantity": 1 }])
    );
    assert_eq!(
        reply.body["links"],
        json!({"self": {"uri": format!("/customers/{customer}/orders/{id}"), "method": "GET", "headers": []}})
    );
}

#[tokio::test]
async fn a_refused_order_is_replayed_for_its_request_id_and_a_new_id_succeeds() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let path = format!("/v1/customers/{customer}/orders");
    let first = app
        .post_json_with_id(&path, &partner.token, &order_body(&customer), "order-1")
        .await;
    assert_plain_fault(&first, 403, 13605);
    attest(&app, &partner.token, &customer, &attestation_body())
        .await
        .assert_status(201);
    let replay = app
        .post_json_with_id(&path, &partner.token, &order_body(&customer), "order-1")
        .await;
    assert_plain_fault(&replay, 403, 13605);
    assert_eq!(replay.header("ms-replayed"), "true");
    app.post_json_with_id(&path, &partner.token, &order_body(&customer), "order-2")
        .await
        .assert_status(201);
}

#[tokio::test]
async fn an_app_only_token_may_order_once_the_gate_is_open() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    attest(&app, &partner.token, &customer, &attestation_body())
        .await
        .assert_status(201);
    let app_only = TokenBuilder::app_user(&partner.tenant).app_only().sign();
    place_order(&app, &app_only, &customer, &order_body(&customer))
        .await
        .assert_status(201);
}

#[tokio::test]
async fn order_bodies_are_validated_with_paths() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    attest(&app, &partner.token, &customer, &attestation_body())
        .await
        .assert_status(201);
    assert_single_field_error(
        &place_order(&app, &partner.token, &customer, &json!({})).await,
        "lineItems",
        "required",
    );
    assert_single_field_error(
        &place_order(&app, &partner.token, &customer, &json!({"lineItems": []})).await,
        "lineItems",
        "outOfRange",
    );
    let many: Vec<Value> = (0..51)
        .map(|i| json!({"lineItemNumber": i, "offerId": "x", "quantity": 1}))
        .collect();
    assert_single_field_error(
        &place_order(&app, &partner.token, &customer, &json!({"lineItems": many})).await,
        "lineItems",
        "outOfRange",
    );
    let bad = json!({"lineItems": [{"lineItemNumber": -1, "offerId": "", "quantity": 0}]});
    let reply = place_order(&app, &partner.token, &customer, &bad).await;
    assert_field_error(&reply, "lineItems[0].lineItemNumber", "outOfRange");
    assert_field_error(&reply, "lineItems[0].offerId", "required");
    assert_field_error(&reply, "lineItems[0].quantity", "outOfRange");
    let typed = json!({"lineItems": [{"lineItemNumber": "0", "offerId": 5, "quantity": 1.5}]});
    let reply = place_order(&app, &partner.token, &customer, &typed).await;
    assert_field_error(&reply, "lineItems[0].lineItemNumber", "invalidType");
    assert_field_error(&reply, "lineItems[0].offerId", "invalidType");
    assert_field_error(&reply, "lineItems[0].quantity", "invalidType");
    let foreign = with(&order_body(&customer), "/referenceCustomerId", json!(new_guid()));
    assert_single_field_error(
        &place_order(&app, &partner.token, &customer, &foreign).await,
        "referenceCustomerId",
        "unsupportedValue",
    );
    let upper = with(
        &order_body(&customer),
        "/referenceCustomerId",
        json!(customer.to_uppercase()),
    );
    place_order(&app, &partner.token, &customer, &upper)
        .await
        .assert_status(201);
}

#[tokio::test]
async fn order_for_unknown_or_foreign_customers_is_not_found() {
    let app = spawn_app().await;
    let owner = Partner::fresh();
    let customer = create_customer(&app, &owner.token).await;
    let other = Partner::fresh();
    assert_plain_fault(
        &place_order(&app, &other.token, &customer, &order_body(&customer)).await,
        404,
        60003,
    );
    assert_plain_fault(
        &place_order(&app, &owner.token, "nope", &order_body(&customer)).await,
        400,
        900118,
    );
    let helpdesk = owner.token_builder().roles(&["HelpdeskAgents"]).sign();
    assert_plain_fault(
        &place_order(&app, &helpdesk, &customer, &order_body(&customer)).await,
        403,
        900150,
    );
}

#[tokio::test]
async fn indirect_resellers_are_refused_where_the_contract_says_and_allowed_elsewhere() {
    let app = spawn_app().await;
    let reseller = Partner::fresh();
    register_partner(
        &app,
        &reseller.tenant,
        json!({"partnerType": "indirectReseller", "mpnId": "4899999", "mpaSigned": false}),
    )
    .await;
    let own_customer = create_customer(&app, &reseller.token).await;
    assert_plain_fault(
        &attest(&app, &reseller.token, &own_customer, &attestation_body()).await,
        403,
        2032,
    );
    assert_plain_fault(
        &app.get(&format!("/v1/customers/{own_customer}/agreements"), &reseller.token)
            .await,
        403,
        2032,
    );
    assert_plain_fault(
        &app.get(
            &format!("/v1/customers/{own_customer}/directSignedMicrosoftCustomerAgreementStatus"),
            &reseller.token,
        )
        .await,
        403,
        2032,
    );
    assert_plain_fault(
        &place_order(&app, &reseller.token, &own_customer, &order_body(&own_customer)).await,
        403,
        2032,
    );
    assert_plain_fault(
        &app.get(&format!("/v1/customers/{own_customer}/orders"), &reseller.token)
            .await,
        403,
        2032,
    );
    app.get("/v1/agreements", &reseller.token).await.assert_status(200);
    app.get(
        &format!("/v1/agreementtemplates/{CUSTOMER_AGREEMENT_TEMPLATE}/document"),
        &reseller.token,
    )
    .await
    .assert_status(200);
    app.get("/v1/customers", &reseller.token).await.assert_status(200);
    app.get(&format!("/v1/customers/{own_customer}"), &reseller.token)
        .await
        .assert_status(200);
    app.get("/v1/customers/relationshiprequests", &reseller.token)
        .await
        .assert_status(200);
    app.get("/v1/compliance/csp/agreementstatus?mpnId=1", &reseller.token)
        .await
        .assert_status(400);
}

async fn mpa(app: &TestApp, token: &str, query: &str) -> Reply {
    app.get(&format!("/v1/compliance/csp/agreementstatus{query}"), token)
        .await
}

#[tokio::test]
async fn mpa_status_input_errors_carry_their_documented_codes_and_sources() {
    let app = spawn_app().await;
    let caller = Partner::fresh();
    assert_fault_from(&mpa(&app, &caller.token, "").await, 400, 2001, "ComplianceController");
    assert_fault_from(
        &mpa(&app, &caller.token, &format!("?mpnId=1&tenantId={}", new_guid())).await,
        400,
        2000,
        "ComplianceController",
    );
    let not_guid = mpa(&app, &caller.token, "?tenantId=abc").await;
    assert_fault_from(&not_guid, 400, 2000, "PartnerApiServiceControllers");
    assert_eq!(not_guid.body["description"], json!("Tenant Id must be a GUID."));
    assert_fault_from(
        &mpa(&app, &caller.token, "?mpnId=12ab").await,
        400,
        2000,
        "PartnerApiServiceControllers",
    );
    assert_plain_fault(
        &mpa(&app, &caller.token, &format!("?tenantId={}", new_guid())).await,
        400,
        2205,
    );
    assert_plain_fault(&mpa(&app, &caller.token, "?mpnId=999999999").await, 400, 2200);
}

#[tokio::test]
async fn mpa_status_looks_up_registered_partners_in_the_documented_order() {
    let app = spawn_app().await;
    let caller = Partner::fresh();
    let direct = new_partner();
    register_partner(&app, &direct, json!({"partnerType": "directBill", "mpnId": "4812345"})).await;
    let unsigned = new_partner();
    register_partner(
        &app,
        &unsigned,
        json!({"partnerType": "indirectReseller", "mpnId": "4899999", "mpaSigned": false}),
    )
    .await;
    let signed = new_partner();
    register_partner(
        &app,
        &signed,
        json!({"partnerType": "indirectReseller", "mpnId": "4800001"}),
    )
    .await;

    assert_plain_fault(&mpa(&app, &caller.token, "?mpnId=4812345").await, 400, 2204);
    assert_plain_fault(&mpa(&app, &caller.token, "?mpnId=4899999").await, 400, 2203);
    assert_plain_fault(
        &mpa(&app, &caller.token, &format!("?tenantId={unsigned}")).await,
        400,
        2206,
    );
    let ok = mpa(&app, &caller.token, "?MPNID=4800001").await;
    ok.assert_status(200);
    assert_eq!(ok.body, json!({"isAgreementSigned": true}));
    let by_tenant = mpa(&app, &caller.token, &format!("?tenantId={}", signed.to_uppercase())).await;
    assert_eq!(by_tenant.body, json!({"isAgreementSigned": true}));
    let app_only = caller.token_builder().app_only().sign();
    mpa(&app, &app_only, &format!("?tenantId={direct}"))
        .await
        .assert_status(200);
    assert_plain_fault(
        &app.get("/v1/compliance/other/agreementstatus?mpnId=1", &caller.token)
            .await,
        404,
        1000,
    );
    app.get("/v1/Compliance/CSP/AgreementStatus?mpnId=4800001", &caller.token)
        .await
        .assert_status(200);
}
