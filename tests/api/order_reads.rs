//! Orders after the purchase gate: `GET /v1/customers/{id}/orders`, `GET …/orders/{order-id}` and the sandbox's
//! cancellation `PATCH …/orders/{order-id}`, with the visibility and role rules of placing an order (contract §4.7).

use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_center::control;
use crate::helpers::*;

fn order_body(offer: &str, quantity: i64) -> Value {
    json!({ "billingCycle": "monthly",
            "lineItems": [ { "lineItemNumber": 0, "offerId": offer, "quantity": quantity, "friendlyName": "Seats" } ] })
}

/// A customer of `partner` whose purchase gate is open.
async fn open_customer(app: &TestApp, partner: &Partner) -> String {
    let customer = create_customer(app, &partner.token).await;
    attest(app, &partner.token, &customer, &attestation_body())
        .await
        .assert_status(201);
    customer
}

async fn place(app: &TestApp, token: &str, customer: &str, body: &Value) -> Value {
    let reply = app
        .post_json(&format!("/v1/customers/{customer}/orders"), token, body)
        .await;
    reply.assert_status(201);
    reply.body
}

#[tokio::test]
async fn the_orders_of_a_customer_are_listed_oldest_first_as_they_were_answered() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = open_customer(&app, &partner).await;
    let first = place(&app, &partner.token, &customer, &order_body("OFFER-A", 1)).await;
    let second = place(&app, &partner.token, &customer, &order_body("OFFER-B", 7)).await;
    let other = open_customer(&app, &partner).await;
    place(&app, &partner.token, &other, &order_body("OFFER-C", 2)).await;

    let reply = app
        .get(&format!("/v1/customers/{customer}/orders"), &partner.token)
        .await;
    let items = assert_collection(&reply, &format!("/customers/{customer}/orders"));
    assert_eq!(items, [first, second]);

    let sdk_query = app
        .get(
            &format!("/v1/customers/{customer}/orders?include_price=false"),
            &partner.token,
        )
        .await;
    assert_eq!(sdk_query.body["items"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_customer_without_orders_has_an_empty_collection() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let reply = app
        .get(&format!("/v1/customers/{customer}/orders"), &partner.token)
        .await;
    assert!(assert_collection(&reply, &format!("/customers/{customer}/orders")).is_empty());
}

#[tokio::test]
async fn an_order_is_read_by_the_id_and_self_link_it_was_answered_with() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = open_customer(&app, &partner).await;
    let placed = place(&app, &partner.token, &customer, &order_body("OFFER-A", 3)).await;
    let id = placed["id"].as_str().expect("an order id");
    let by_id = app
        .get(&format!("/v1/customers/{customer}/orders/{id}"), &partner.token)
        .await;
    by_id.assert_status(200);
    assert_eq!(by_id.body, placed);
    let link = placed["links"]["self"]["uri"].as_str().expect("links.self.uri");
    let by_link = app.get(&format!("/v1/{link}"), &partner.token).await;
    assert_eq!(by_link.body, placed, "an SDK joins /v1/ and the link");
}

#[tokio::test]
async fn an_unknown_order_is_404_20000_and_another_customers_order_too() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = open_customer(&app, &partner).await;
    let other = open_customer(&app, &partner).await;
    let placed = place(&app, &partner.token, &other, &order_body("OFFER-A", 1)).await;
    let id = placed["id"].as_str().expect("an order id");
    for path in [
        format!("/v1/customers/{customer}/orders/{id}"),
        format!("/v1/customers/{customer}/orders/NoSuchOrder0000000000000000000000"),
        format!("/v1/customers/{other}/orders/{}", id.to_ascii_lowercase()),
    ] {
        let reply = app.get(&path, &partner.token).await;
        assert_plain_fault(&reply, 404, 20000);
        assert!(reply.body["description"]
            .as_str()
            .is_some_and(|d| d.contains("Order Id not found")));
    }
}

#[tokio::test]
async fn orders_of_unknown_foreign_or_removed_customers_follow_the_rules_of_placing_one() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = open_customer(&app, &partner).await;
    let placed = place(&app, &partner.token, &customer, &order_body("OFFER-A", 1)).await;
    let id = placed["id"].as_str().expect("an order id");
    let stranger = Partner::fresh();
    for path in [
        format!("/v1/customers/{customer}/orders"),
        format!("/v1/customers/{customer}/orders/{id}"),
    ] {
        assert_plain_fault(&app.get(&path, &stranger.token).await, 404, 60003);
    }
    assert_plain_fault(
        &app.get(&format!("/v1/customers/{}/orders", new_guid()), &partner.token)
            .await,
        404,
        60003,
    );
    assert_plain_fault(
        &app.get("/v1/customers/not-a-guid/orders", &partner.token).await,
        400,
        900118,
    );
    let removal = json!({"relationshipToPartner": "none", "attributes": {"objectType": "Customer"}});
    send(
        app.request(
            reqwest::Method::PATCH,
            &format!("/v1/customers/{customer}"),
            Some(&partner.token),
        )
        .json(&removal),
    )
    .await
    .assert_status(200);
    for path in [
        format!("/v1/customers/{customer}/orders"),
        format!("/v1/customers/{customer}/orders/{id}"),
    ] {
        assert_plain_fault(&app.get(&path, &partner.token).await, 403, 20002);
    }
}

#[tokio::test]
async fn order_reads_take_app_only_tokens_and_refuse_helpdesk_agents() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = open_customer(&app, &partner).await;
    let placed = place(&app, &partner.token, &customer, &order_body("OFFER-A", 1)).await;
    let id = placed["id"].as_str().expect("an order id");
    let app_only = partner.token_builder().app_only().sign();
    let sales = partner.token_builder().roles(&["SalesAgents"]).sign();
    let helpdesk = partner.token_builder().roles(&["HelpdeskAgents"]).sign();
    for path in [
        format!("/v1/customers/{customer}/orders"),
        format!("/v1/customers/{customer}/orders/{id}"),
    ] {
        app.get(&path, &app_only).await.assert_status(200);
        app.get(&path, &sales).await.assert_status(200);
        assert_plain_fault(&app.get(&path, &helpdesk).await, 403, 900150);
        assert_unauthorized(&app.get_anonymous(&path).await, 800001);
    }
}

async fn patch_order(app: &TestApp, token: &str, customer: &str, order: &str, body: &Value) -> Reply {
    send(
        app.request(
            Method::PATCH,
            &format!("/v1/customers/{customer}/orders/{order}"),
            Some(token),
        )
        .json(body),
    )
    .await
}

async fn register(app: &TestApp, partner: &Partner, sandbox: bool) {
    let reply = control(
        app,
        Method::PUT,
        &format!("/_mirror/partners/{}", partner.tenant),
        Some(json!({ "integrationSandbox": sandbox })),
    )
    .await;
    assert!(matches!(reply.status, 200 | 201), "registered: {}", reply.text());
}

#[tokio::test]
async fn a_sandbox_partner_cancels_an_order_and_reads_it_back_cancelled() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    register(&app, &partner, true).await;
    let customer = open_customer(&app, &partner).await;
    let placed = place(&app, &partner.token, &customer, &order_body("OFFER-A", 1)).await;
    let id = placed["id"].as_str().expect("an order id");
    let cancel = json!({"status": "Cancelled", "attributes": {"objectType": "Order"}});
    let reply = patch_order(&app, &partner.token, &customer, id, &cancel).await;
    reply.assert_status(200);
    let mut expected = placed.clone();
    expected["status"] = json!("cancelled");
    assert_eq!(reply.body, expected);
    let read = app
        .get(&format!("/v1/customers/{customer}/orders/{id}"), &partner.token)
        .await;
    assert_eq!(read.body, expected);
    let again = patch_order(&app, &partner.token, &customer, id, &cancel).await;
    assert_eq!(again.body, expected, "cancelling twice changes nothing");
    let other = patch_order(&app, &partner.token, &customer, id, &json!({"status": "completed"})).await;
    assert_fault(&other, 400, 800002);
    assert_plain_fault(
        &patch_order(&app, &partner.token, &customer, "NoSuchOrder", &cancel).await,
        404,
        20000,
    );
}

#[tokio::test]
async fn cancelling_outside_a_sandbox_is_refused_with_403_800019_and_the_order_stays() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = open_customer(&app, &partner).await;
    let placed = place(&app, &partner.token, &customer, &order_body("OFFER-A", 1)).await;
    let id = placed["id"].as_str().expect("an order id");
    let reply = patch_order(&app, &partner.token, &customer, id, &json!({"status": "cancelled"})).await;
    assert_plain_fault(&reply, 403, 800019);
    let read = app
        .get(&format!("/v1/customers/{customer}/orders/{id}"), &partner.token)
        .await;
    assert_eq!(read.body["status"], json!("pending"));
}

#[tokio::test]
async fn order_text_fields_refuse_control_characters_and_overlong_values_before_storing() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = open_customer(&app, &partner).await;
    let path = format!("/v1/customers/{customer}/orders");
    let long = "x".repeat(100_000);
    let cases = [
        (
            json!({"billingCycle": "mon\u{0}thly", "lineItems": [{"lineItemNumber": 0, "offerId": "O", "quantity": 1}]}),
            "billingCycle",
            "invalidFormat",
        ),
        (
            json!({"billingCycle": long, "lineItems": [{"lineItemNumber": 0, "offerId": "O", "quantity": 1}]}),
            "billingCycle",
            "tooLong",
        ),
        (
            json!({"lineItems": [{"lineItemNumber": 0, "offerId": long, "quantity": 1}]}),
            "lineItems[0].offerId",
            "tooLong",
        ),
        (
            json!({"lineItems": [{"lineItemNumber": 0, "offerId": "O\u{1b}", "quantity": 1}]}),
            "lineItems[0].offerId",
            "invalidFormat",
        ),
        (
            json!({"lineItems": [{"lineItemNumber": 0, "offerId": "O", "quantity": 1, "friendlyName": "a\u{0}"}]}),
            "lineItems[0].friendlyName",
            "invalidFormat",
        ),
    ];
    for (body, field, reason) in cases {
        let reply = app.post_json(&path, &partner.token, &body).await;
        assert_field_error(&reply, field, reason);
    }
    let listed = app.get(&path, &partner.token).await;
    assert_eq!(listed.body["totalCount"], json!(0), "nothing stored");
    for id in ["%00", "a%00b", &"z".repeat(300)] {
        let reply = app.get(&format!("{path}/{id}"), &partner.token).await;
        assert_plain_fault(&reply, 404, 20000);
    }
}
