//! The common conventions of contract §2: routing, query parameters, request and response headers, JSON bodies and the collection envelope.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{
    assert_collection, assert_field_error, assert_json_content_type, assert_plain_fault, attest, attestation_body,
    create_customer, customer_body, history, is_guid, new_guid, send, spawn_app, Partner, Reply, TestApp,
    CUSTOMER_AGREEMENT_TEMPLATE,
};

/// Item count of `GET /v1/agreements{query}`, checked as a collection with the query as received.
async fn metadata_count(app: &TestApp, partner: &Partner, query: &str) -> usize {
    let reply = app.get(&format!("/v1/agreements{query}"), &partner.token).await;
    assert_collection(&reply, &format!("/agreements{query}")).len()
}

// ------------------------------------------------------------ routing (§2.1)

#[tokio::test]
async fn literal_path_segments_match_case_insensitively() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    attest(&app, &partner.token, &customer, &attestation_body())
        .await
        .assert_status(201);
    let reply = app
        .get(
            &format!("/V1/Customers/{customer}/Agreements?agreementType=*"),
            &partner.token,
        )
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body["totalCount"], json!(1));
    assert_eq!(reply.body["items"][0]["templateId"], json!(CUSTOMER_AGREEMENT_TEMPLATE));
    let reply = app.get("/V1/AGREEMENTS?agreementType=*", &partner.token).await;
    reply.assert_status(200);
    assert_eq!(reply.body["totalCount"], json!(2));
}

#[tokio::test]
async fn one_trailing_slash_is_ignored() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let reply = app.get("/v1/agreements/?agreementType=*", &partner.token).await;
    reply.assert_status(200);
    assert_eq!(reply.body["totalCount"], json!(2));
    let customer = create_customer(&app, &partner.token).await;
    let reply = app.get(&format!("/v1/customers/{customer}/"), &partner.token).await;
    reply.assert_status(200);
    assert_eq!(reply.body["id"], json!(customer));
}

#[tokio::test]
async fn an_unknown_path_under_v1_is_404_1000() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    assert_plain_fault(&app.get("/v1/no-such-resource", &partner.token).await, 404, 1000);
    assert_plain_fault(
        &app.get(&format!("/v1/customers/{}/orders/x/y", new_guid()), &partner.token)
            .await,
        404,
        1000,
    );
}

#[tokio::test]
async fn the_undocumented_direct_sign_status_path_is_not_served() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let path = format!("/v1/customers/{customer}/directSignedCustomerAgreementStatus");
    assert_plain_fault(&app.get(&path, &partner.token).await, 404, 1000);
}

#[tokio::test]
async fn the_undocumented_agreement_document_path_is_not_served() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let path = "/v1/agreements/MicrosoftCustomerAgreement/agreementdocument";
    assert_plain_fault(&app.get(path, &partner.token).await, 404, 1000);
}

#[tokio::test]
async fn route_matching_comes_before_token_validation() {
    let app = spawn_app().await;
    assert_plain_fault(&app.get_anonymous("/v1/no-such-resource").await, 404, 1000);
    let reply = send(app.request(Method::DELETE, "/v1/agreements", None)).await;
    assert_plain_fault(&reply, 405, 990002);
}

fn allowed_methods(reply: &Reply) -> Vec<String> {
    let mut methods: Vec<String> = reply
        .header("allow")
        .split(',')
        .map(|m| m.trim().to_ascii_uppercase())
        .filter(|m| !m.is_empty())
        .collect();
    methods.sort();
    methods.dedup();
    methods
}

#[tokio::test]
async fn a_wrong_method_on_a_known_path_is_405_990002_with_an_allow_header() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let reply = send(app.request(Method::DELETE, "/v1/agreements", Some(&partner.token))).await;
    assert_plain_fault(&reply, 405, 990002);
    assert!(allowed_methods(&reply).contains(&"GET".to_owned()));
    assert!(!allowed_methods(&reply).contains(&"DELETE".to_owned()));

    let path = format!("/v1/customers/{}/agreements", new_guid());
    let reply = send(app.request(Method::PUT, &path, Some(&partner.token))).await;
    assert_plain_fault(&reply, 405, 990002);
    let methods = allowed_methods(&reply);
    assert!(methods.contains(&"GET".to_owned()) && methods.contains(&"POST".to_owned()));
    assert!(!methods.contains(&"PUT".to_owned()));
}

#[tokio::test]
async fn every_method_the_real_service_serves_on_customers_and_orders_is_routed_and_others_get_405() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = new_guid();
    let served = [
        (Method::GET, "/v1/customers".to_owned()),
        (Method::POST, "/v1/customers".to_owned()),
        (Method::GET, format!("/v1/customers/{customer}")),
        (Method::PATCH, format!("/v1/customers/{customer}")),
        (Method::DELETE, format!("/v1/customers/{customer}")),
        (Method::GET, format!("/v1/customers/{customer}/orders")),
        (Method::POST, format!("/v1/customers/{customer}/orders")),
        (Method::GET, format!("/v1/customers/{customer}/orders/abc")),
        (Method::PATCH, format!("/v1/customers/{customer}/orders/abc")),
        (Method::GET, format!("/v1//customers//{customer}/orders")),
    ];
    for (method, path) in served {
        let reply = send(
            app.request(method.clone(), &path, Some(&partner.token))
                .json(&json!({})),
        )
        .await;
        assert_ne!(reply.status, 405, "{method} {path}: {}", reply.text());
        assert!(reply.status < 500, "{method} {path}: {}", reply.text());
    }
    let reply = send(app.request(Method::PUT, &format!("/v1/customers/{customer}"), Some(&partner.token))).await;
    assert_plain_fault(&reply, 405, 990002);
    assert_eq!(allowed_methods(&reply), ["DELETE", "GET", "HEAD", "PATCH"]);
    let reply = send(app.request(
        Method::DELETE,
        &format!("/v1/customers/{customer}/orders/abc"),
        Some(&partner.token),
    ))
    .await;
    assert_plain_fault(&reply, 405, 990002);
    assert_eq!(allowed_methods(&reply), ["GET", "HEAD", "PATCH"]);
}

#[tokio::test]
async fn head_on_a_get_route_answers_the_get_headers_without_a_body() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let get = app.get("/v1/agreements?agreementType=*", &partner.token).await;
    get.assert_status(200);
    let head = send(app.request(Method::HEAD, "/v1/agreements?agreementType=*", Some(&partner.token))).await;
    head.assert_status(200);
    assert!(head.text().is_empty(), "no body: {}", head.text());
    assert_eq!(head.header("content-type"), get.header("content-type"));
    assert_eq!(head.header("content-length"), get.text().len().to_string());
    let unauthorized = send(app.request(Method::HEAD, "/v1/agreements", None)).await;
    assert_eq!(unauthorized.status, 401);
    let post_only = send(app.request(Method::HEAD, "/_mirror/reset", None)).await;
    assert_eq!(post_only.status, 405);
    assert!(
        !post_only.header("allow").contains("HEAD"),
        "{}",
        post_only.header("allow")
    );
}

// ------------------------------------------------------------ query parameters (§2.1)

#[tokio::test]
async fn query_parameter_names_match_case_insensitively() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    assert_eq!(metadata_count(&app, &partner, "?AGREEMENTTYPE=*").await, 2);
    assert_eq!(metadata_count(&app, &partner, "?agreementtype=*").await, 2);
}

#[tokio::test]
async fn a_percent_encoded_star_equals_a_star() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    assert_eq!(metadata_count(&app, &partner, "?agreementType=%2A").await, 2);
    assert_eq!(
        metadata_count(&app, &partner, "?agreementType=Microsoft%43ustomerAgreement").await,
        1
    );
}

#[tokio::test]
async fn the_first_of_a_repeated_query_parameter_wins() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let query = "?agreementType=*&agreementType=MicrosoftCustomerAgreement";
    assert_eq!(metadata_count(&app, &partner, query).await, 2);
    let query = "?agreementType=MicrosoftCustomerAgreement&agreementType=*";
    let reply = app.get(&format!("/v1/agreements{query}"), &partner.token).await;
    let items = assert_collection(&reply, &format!("/agreements{query}"));
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["agreementType"], json!("MicrosoftCustomerAgreement"));
}

#[tokio::test]
async fn an_empty_query_value_counts_as_absent() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let reply = app.get("/v1/agreements?agreementType=", &partner.token).await;
    let items = assert_collection(&reply, "/agreements?agreementType=");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["agreementType"], json!("MicrosoftCloudAgreement"));
}

// ------------------------------------------------------------ request and response headers (§2.2, §2.3)

fn assert_generated_cv(value: &str) {
    let prefix = value
        .strip_suffix(".0")
        .unwrap_or_else(|| panic!("MS-CV ends in .0: {value}"));
    assert_eq!(prefix.len(), 16, "16 base64 characters: {value}");
    assert!(
        prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_')),
        "base64 characters: {value}"
    );
}

#[tokio::test]
async fn request_ids_and_ms_cv_are_echoed_on_every_response() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    for (path, status) in [
        ("/v1/agreements", 200),
        ("/v1/no-such-resource", 404),
        ("/v1/customers/not-a-guid", 400),
    ] {
        let reply = send(
            app.request(Method::GET, path, Some(&partner.token))
                .header("MS-RequestId", "req-0001 echo")
                .header("MS-CorrelationId", "corr-0001")
                .header("MS-CV", "abcDEF123456+/xy.7.1"),
        )
        .await;
        reply.assert_status(status);
        assert_eq!(reply.header("ms-requestid"), "req-0001 echo");
        assert_eq!(reply.header("ms-correlationid"), "corr-0001");
        assert_eq!(reply.header("ms-cv"), "abcDEF123456+/xy.7.1");
    }
}

#[tokio::test]
async fn request_ids_and_ms_cv_are_generated_when_absent() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    for reply in [
        app.get("/v1/agreements", &partner.token).await,
        app.get_anonymous("/v1/agreements").await,
    ] {
        assert!(is_guid(reply.header("ms-requestid")));
        assert!(is_guid(reply.header("ms-correlationid")));
        assert_ne!(reply.header("ms-requestid"), reply.header("ms-correlationid"));
        assert_generated_cv(reply.header("ms-cv"));
    }
}

#[tokio::test]
async fn a_request_id_over_128_characters_is_replaced_by_a_guid() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let long = "r".repeat(129);
    let limit = "q".repeat(128);
    let reply = send(
        app.request(Method::GET, "/v1/agreements", Some(&partner.token))
            .header("MS-RequestId", long.as_str())
            .header("MS-CorrelationId", long.as_str()),
    )
    .await;
    reply.assert_status(200);
    assert!(is_guid(reply.header("ms-requestid")));
    assert!(is_guid(reply.header("ms-correlationid")));
    let reply = send(
        app.request(Method::GET, "/v1/agreements", Some(&partner.token))
            .header("MS-RequestId", limit.as_str()),
    )
    .await;
    assert_eq!(reply.header("ms-requestid"), limit);
}

#[tokio::test]
async fn a_request_id_with_non_ascii_characters_is_replaced_by_a_guid() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let value = reqwest::header::HeaderValue::from_bytes("r\u{e9}quest".as_bytes()).expect("obs-text");
    let reply = send(
        app.request(Method::GET, "/v1/agreements", Some(&partner.token))
            .header("MS-RequestId", value.clone())
            .header("MS-CorrelationId", value),
    )
    .await;
    reply.assert_status(200);
    assert!(is_guid(reply.header("ms-requestid")));
    assert!(is_guid(reply.header("ms-correlationid")));
}

#[tokio::test]
async fn an_unusable_request_id_is_never_used_for_idempotency() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let long = "x".repeat(200);
    for _ in 0..2 {
        let reply = app
            .post_json_with_id("/v1/customers", &partner.token, &customer_body(), &long)
            .await;
        reply.assert_status(201);
        assert!(reply.headers.get("ms-replayed").is_none());
    }
    let reply = app.get("/v1/customers", &partner.token).await;
    assert_eq!(assert_collection(&reply, "/customers").len(), 2);
}

#[tokio::test]
async fn every_v1_response_is_utf8_json_with_a_date() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    for reply in [
        app.get("/v1/agreements", &partner.token).await,
        app.get_anonymous("/v1/agreements").await,
        app.get("/v1/no-such-resource", &partner.token).await,
    ] {
        assert_json_content_type(&reply);
        let date = reply.header("date");
        assert!(date.ends_with(" GMT"), "an IMF-fixdate: {date}");
        chrono::DateTime::parse_from_rfc2822(date).expect("an RFC 7231 date");
    }
}

#[tokio::test]
async fn accept_and_client_headers_are_ignored() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let reply = send(
        app.request(Method::GET, "/v1/agreements", Some(&partner.token))
            .header("Accept", "application/xml")
            .header("MS-Contract-Version", "v1")
            .header("X-Locale", "fr-FR")
            .header("MS-PartnerCenter-Client", "tests")
            .header("x-ms-client-request-id", "abc")
            .header("ValidateMfa", "true"),
    )
    .await;
    reply.assert_status(200);
    assert_json_content_type(&reply);
}

// ------------------------------------------------------------ request bodies (§2.2, §2.4)

async fn post_customer_raw(app: &TestApp, partner: &Partner, content_type: Option<&str>, body: String) -> Reply {
    let builder = app
        .request(Method::POST, "/v1/customers", Some(&partner.token))
        .body(body);
    let builder = match content_type {
        Some(value) => builder.header("Content-Type", value),
        None => builder,
    };
    send(builder).await
}

#[tokio::test]
async fn a_body_with_another_media_type_is_400_800002() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    for media_type in ["text/plain", "application/xml", "application/x-www-form-urlencoded"] {
        let reply = post_customer_raw(&app, &partner, Some(media_type), customer_body().to_string()).await;
        crate::helpers::assert_fault(&reply, 400, 800002);
    }
}

#[tokio::test]
async fn application_json_with_any_charset_is_accepted() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let reply = post_customer_raw(
        &app,
        &partner,
        Some("application/json; charset=UTF-8"),
        customer_body().to_string(),
    )
    .await;
    reply.assert_status(201);
}

#[tokio::test]
async fn a_json_body_without_content_type_is_accepted() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let reply = post_customer_raw(&app, &partner, None, customer_body().to_string()).await;
    reply.assert_status(201);
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_400_800002() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let mut body = customer_body();
    body["padding"] = json!("p".repeat(1024 * 1024 + 16));
    let reply = post_customer_raw(&app, &partner, Some("application/json"), body.to_string()).await;
    crate::helpers::assert_fault(&reply, 400, 800002);
}

#[tokio::test]
async fn a_body_with_a_trailing_comma_is_malformed() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let text = customer_body().to_string();
    let text = format!("{},}}", &text[..text.len() - 1]);
    let reply = post_customer_raw(&app, &partner, Some("application/json"), text).await;
    assert_field_error(&reply, "body", "malformedBody");
}

#[tokio::test]
async fn a_json_body_that_is_not_an_object_is_malformed() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let reply = post_customer_raw(&app, &partner, Some("application/json"), "[1,2]".to_owned()).await;
    assert_field_error(&reply, "body", "malformedBody");
}

// ------------------------------------------------------------ the collection envelope (§2.7)

#[tokio::test]
async fn the_collection_envelope_has_exactly_its_four_members() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let reply = app.get("/v1/agreements", &partner.token).await;
    let items = assert_collection(&reply, "/agreements");
    assert_eq!(items.len(), 1);
    let customer = create_customer(&app, &partner.token).await;
    assert!(history(&app, &partner.token, &customer).await.is_empty());
}
