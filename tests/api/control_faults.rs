//! Fault injection (control-plane spec §13): rules, presets, matching, counters, the position after
//! authentication and before idempotency, and the management endpoints.

use std::time::Instant;

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{
    assert_duplicate_refused, assert_fault_from, assert_json_content_type, assert_plain_fault, assert_token_refused,
    attest, attestation_body, create_customer, new_guid, send, spawn_app, spawn_app_with, Partner, Reply, TestApp,
};

const MIRROR: &str = "PartnerCenterMirror";

/// `POST /_mirror/faults` without an admin token.
async fn create_fault(app: &TestApp, body: &Value) -> Reply {
    send(app.request(Method::POST, "/_mirror/faults", None).json(body)).await
}

/// Creates a fault and returns its id.
async fn add_fault(app: &TestApp, body: &Value) -> String {
    let reply = create_fault(app, body).await;
    reply.assert_status(201);
    reply.body["id"].as_str().expect("an id").to_owned()
}

async fn fault(app: &TestApp, id: &str) -> Reply {
    send(app.request(Method::GET, &format!("/_mirror/faults/{id}"), None)).await
}

async fn control(app: &TestApp, method: Method, path: &str) -> Reply {
    send(app.request(method, path, None)).await
}

/// Asserts a 400 990110 whose field errors include `field` with `reason`.
fn assert_control_field_error(reply: &Reply, field: &str, reason: &str) {
    assert_fault_from(reply, 400, 990110, MIRROR);
    let data = reply.body["data"].as_array().expect("data");
    assert!(
        data.iter()
            .any(|e| e["field"] == json!(field) && e["reason"] == json!(reason)),
        "expected {field}/{reason}: {}",
        reply.text()
    );
}

#[tokio::test]
async fn a_throttled_preset_is_stored_exactly_as_the_spec_shows() {
    let app = spawn_app().await;
    let reply = create_fault(
        &app,
        &json!({ "preset": "throttled", "match": { "method": "POST", "path": "/v1/customers/*/agreements" },
                 "times": 2, "respond": { "retryAfterSeconds": 3 } }),
    )
    .await;
    reply.assert_status(201);
    assert_json_content_type(&reply);
    let mut body = reply.body.clone();
    let created_at = body["createdAt"].take();
    assert!(created_at.as_str().is_some_and(|t| t.ends_with('Z')), "{created_at}");
    assert_eq!(
        body,
        json!({ "id": "fault-1", "preset": "throttled",
                "match": { "method": "POST", "path": "/v1/customers/*/agreements", "partnerTenantId": null, "customerTenantId": null },
                "respond": { "status": 429, "shape": "C", "retryAfterSeconds": 3 }, "latencyMs": 0, "times": 2, "remaining": 2,
                "probability": 1, "seed": 0, "matched": 0, "fired": 0, "active": true, "createdAt": null })
    );
}

#[tokio::test]
async fn the_throttled_preset_answers_429_in_shape_c_with_retry_after_and_the_fault_header() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    add_fault(
        &app,
        &json!({ "preset": "throttled", "match": { "method": "POST", "path": "/v1/customers/*/agreements" },
                 "times": 2, "respond": { "retryAfterSeconds": 3 } }),
    )
    .await;
    let reply = attest(&app, &partner.token, &customer, &attestation_body()).await;
    reply.assert_status(429);
    assert_json_content_type(&reply);
    assert_eq!(
        reply.body,
        json!({ "statusCode": 429, "message": "Rate limit is exceeded. Try again in 3 seconds." })
    );
    assert_eq!(reply.header("retry-after"), "3");
    assert_eq!(reply.header("ms-mirror-fault"), "fault-1");
    assert!(!reply.header("ms-requestid").is_empty());
    let stored = fault(&app, "fault-1").await;
    assert_eq!(
        (
            &stored.body["matched"],
            &stored.body["fired"],
            &stored.body["remaining"],
            &stored.body["active"]
        ),
        (&json!(1), &json!(1), &json!(1), &json!(true))
    );
}

#[tokio::test]
async fn a_fault_with_times_one_fires_once_then_the_request_succeeds() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    add_fault(
        &app,
        &json!({ "preset": "serviceUnavailable", "match": { "path": "/v1/agreements" }, "times": 1 }),
    )
    .await;
    let first = app.get("/v1/agreements", &partner.token).await;
    assert_plain_fault(&first, 503, 800003);
    assert_eq!(first.header("ms-mirror-fault"), "fault-1");
    let second = app.get("/v1/agreements", &partner.token).await;
    second.assert_status(200);
    assert!(second.headers.get("ms-mirror-fault").is_none());
    let stored = fault(&app, "fault-1").await;
    stored.assert_status(200);
    assert_eq!(
        (
            &stored.body["matched"],
            &stored.body["fired"],
            &stored.body["remaining"],
            &stored.body["active"]
        ),
        (&json!(1), &json!(1), &json!(0), &json!(false)),
        "an expired fault stays listed as inactive"
    );
}

#[tokio::test]
async fn a_fault_never_becomes_an_idempotent_replay() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let path = format!("/v1/customers/{customer}/agreements");
    add_fault(
        &app,
        &json!({ "preset": "duplicateAttestation", "match": { "path": path }, "times": 1 }),
    )
    .await;
    let request_id = new_guid();
    let faulted = app
        .post_json_with_id(&path, &partner.token, &attestation_body(), &request_id)
        .await;
    assert_duplicate_refused(&faulted);
    assert_eq!(faulted.header("ms-mirror-fault"), "fault-1");
    let real = app
        .post_json_with_id(&path, &partner.token, &attestation_body(), &request_id)
        .await;
    real.assert_status(201);
    assert!(
        real.headers.get("ms-replayed").is_none(),
        "the first real answer is no replay"
    );
    let replay = app
        .post_json_with_id(&path, &partner.token, &attestation_body(), &request_id)
        .await;
    replay.assert_status(201);
    assert_eq!(replay.header("ms-replayed"), "true");
    assert_eq!(replay.body, real.body);
}

#[tokio::test]
async fn an_auth_failure_is_answered_honestly_even_when_a_fault_matches() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    send(
        app.request(Method::PUT, &format!("/_mirror/partners/{}", partner.tenant), None)
            .json(&json!({ "partnerType": "indirectReseller" })),
    )
    .await
    .assert_status(201);
    add_fault(&app, &json!({ "preset": "serviceUnavailable" })).await;
    let anonymous = app.get_anonymous("/v1/agreements").await;
    assert_token_refused(&anonymous, "missing");
    let helpdesk = partner.token_builder().roles(&["HelpdeskAgents"]).sign();
    assert_plain_fault(&app.get("/v1/agreements", &helpdesk).await, 403, 900150);
    let customer = new_guid();
    let reseller = attest(&app, &partner.token, &customer, &attestation_body()).await;
    assert_plain_fault(&reseller, 403, 2032);
    let stored = fault(&app, "fault-1").await;
    assert_eq!((&stored.body["matched"], &stored.body["fired"]), (&json!(0), &json!(0)));
}

/// Sends `count` requests and returns which of them the fault answered.
async fn outcomes(app: &TestApp, token: &str, count: usize) -> Vec<bool> {
    let mut fired = Vec::new();
    for _ in 0..count {
        let reply = app.get("/v1/agreements", token).await;
        fired.push(reply.status == 503);
    }
    fired
}

#[tokio::test]
async fn probability_with_a_seed_fires_the_same_requests_on_every_run() {
    let rule = json!({ "id": "coin", "preset": "serviceUnavailable", "probability": 0.5, "seed": 42 });
    let first = spawn_app().await;
    let second = spawn_app().await;
    let partner = Partner::fresh();
    add_fault(&first, &rule).await;
    add_fault(&second, &rule).await;
    let a = outcomes(&first, &partner.token, 24).await;
    let b = outcomes(&second, &partner.token, 24).await;
    assert_eq!(a, b, "same seed, same id: same draws");
    assert!(a.contains(&true) && a.contains(&false), "{a:?}");
    let stored = fault(&first, "coin").await;
    assert_eq!(stored.body["matched"], json!(24));
    assert_eq!(stored.body["fired"], json!(a.iter().filter(|f| **f).count()));
    assert_eq!(stored.body["probability"], json!(0.5));
}

#[tokio::test]
async fn presets_answer_in_their_documented_shapes() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    add_fault(
        &app,
        &json!({ "preset": "tenantNotFound", "match": { "path": "/v1/agreements" }, "times": 1 }),
    )
    .await;
    let not_found = app.get("/v1/agreements", &partner.token).await;
    assert_plain_fault(&not_found, 404, 60003);
    assert_eq!(
        not_found.body["description"],
        json!("No customer with this id exists for the calling partner.")
    );
    add_fault(
        &app,
        &json!({ "match": { "path": "/v1/agreements" }, "times": 1,
                 "respond": { "status": 503, "code": 800003, "errorName": "ServiceBusy", "description": "busy" } }),
    )
    .await;
    let business = app.get("/v1/agreements", &partner.token).await;
    business.assert_status(503);
    assert_eq!(
        business.body,
        json!({ "code": 800003, "message": "busy", "description": "busy", "errorName": "ServiceBusy",
                "isRetryable": true, "parameters": {}, "errorMessageExtended": "InternalErrorCode=800003" })
    );
    assert!(business.headers.get("retry-after").is_none());
    let timeout = create_fault(&app, &json!({ "preset": "gatewayTimeout" })).await;
    assert_eq!(
        (&timeout.body["latencyMs"], &timeout.body["respond"]),
        (&json!(5000), &json!({ "status": 504, "shape": "A", "code": 800003 }))
    );
}

#[tokio::test]
async fn a_latency_only_fault_delays_the_request_and_then_processes_it() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let reply = create_fault(&app, &json!({ "latencyMs": 400, "match": { "method": "get" } })).await;
    reply.assert_status(201);
    assert_eq!(reply.body["respond"], Value::Null);
    assert_eq!(reply.body["match"]["method"], json!("GET"));
    let started = Instant::now();
    let delayed = app.get("/v1/agreements", &partner.token).await;
    delayed.assert_status(200);
    assert!(started.elapsed().as_millis() >= 400, "{:?}", started.elapsed());
    assert!(delayed.headers.get("ms-mirror-fault").is_none());
    assert_eq!(fault(&app, "fault-1").await.body["fired"], json!(1));
    let journal = control(
        &app,
        Method::GET,
        &format!("/_mirror/requests?partnerTenantId={}&limit=1", partner.tenant),
    )
    .await;
    assert_eq!(journal.body["items"][0]["faultId"], json!("fault-1"));
}

#[tokio::test]
async fn match_criteria_select_the_method_the_partner_and_the_customer() {
    let app = spawn_app().await;
    let (a, b) = (Partner::fresh(), Partner::fresh());
    let mine = create_customer(&app, &a.token).await;
    let other = create_customer(&app, &a.token).await;
    add_fault(
        &app,
        &json!({ "preset": "serviceUnavailable",
                 "match": { "method": "GET", "partnerTenantId": a.tenant.to_uppercase(), "customerTenantId": mine } }),
    )
    .await;
    assert_plain_fault(&app.get(&format!("/v1/customers/{mine}"), &a.token).await, 503, 800003);
    assert_plain_fault(
        &app.get(&format!("/v1/customers/{}/agreements", mine.to_uppercase()), &a.token)
            .await,
        503,
        800003,
    );
    app.get(&format!("/v1/customers/{other}"), &a.token)
        .await
        .assert_status(200);
    assert_plain_fault(&app.get(&format!("/v1/customers/{mine}"), &b.token).await, 404, 60003);
    attest(&app, &a.token, &mine, &attestation_body())
        .await
        .assert_status(201);
    assert_eq!(fault(&app, "fault-1").await.body["matched"], json!(2));
}

#[tokio::test]
async fn path_globs_are_case_insensitive_and_double_stars_cross_segments() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    add_fault(
        &app,
        &json!({ "preset": "serviceUnavailable", "match": { "path": "/V1/**/AGREEMENTS" } }),
    )
    .await;
    assert_plain_fault(&app.get("/v1/agreements", &partner.token).await, 503, 800003);
    assert_plain_fault(
        &app.get(&format!("/v1/customers/{customer}/agreements"), &partner.token)
            .await,
        503,
        800003,
    );
    app.get(&format!("/v1/customers/{customer}"), &partner.token)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn creating_a_fault_refuses_each_invalid_member_with_990110() {
    let app = spawn_app().await;
    add_fault(&app, &json!({ "id": "taken", "preset": "throttled" })).await;
    let cases = [
        (json!({ "preset": "throttled", "Times": 1 }), "Times", "unknownField"),
        (
            json!({ "preset": "throttled", "match": { "verb": "GET" } }),
            "match.verb",
            "unknownField",
        ),
        (
            json!({ "preset": "throttled", "id": "no spaces" }),
            "id",
            "invalidFormat",
        ),
        (
            json!({ "preset": "throttled", "id": "x".repeat(65) }),
            "id",
            "invalidFormat",
        ),
        (json!({ "preset": "throttled", "id": "taken" }), "id", "alreadyInUse"),
        (json!({ "preset": "slow" }), "preset", "unsupportedValue"),
        (
            json!({ "preset": "throttled", "match": { "path": "/_mirror/faults" } }),
            "match.path",
            "invalidFormat",
        ),
        (
            json!({ "preset": "throttled", "match": { "partnerTenantId": "abc" } }),
            "match.partnerTenantId",
            "invalidFormat",
        ),
        (
            json!({ "preset": "throttled", "match": { "customerTenantId": 5 } }),
            "match.customerTenantId",
            "invalidType",
        ),
        (
            json!({ "respond": { "status": 302, "code": 1 } }),
            "respond.status",
            "outOfRange",
        ),
        (
            json!({ "respond": { "status": 500, "shape": "C" } }),
            "respond.shape",
            "unsupportedValue",
        ),
        (
            json!({ "respond": { "status": 500, "shape": "D", "code": 1 } }),
            "respond.shape",
            "unsupportedValue",
        ),
        (json!({ "respond": { "status": 500 } }), "respond.code", "required"),
        (
            json!({ "respond": { "status": 500, "shape": "B", "code": 1 } }),
            "respond.errorName",
            "required",
        ),
        (json!({ "respond": { "code": 1 } }), "respond.status", "required"),
        (json!({}), "respond.status", "required"),
        (
            json!({ "preset": "throttled", "latencyMs": 60001 }),
            "latencyMs",
            "outOfRange",
        ),
        (json!({ "preset": "throttled", "times": 0 }), "times", "outOfRange"),
        (
            json!({ "preset": "throttled", "probability": 1.5 }),
            "probability",
            "outOfRange",
        ),
        (
            json!({ "preset": "throttled", "respond": { "retryAfterSeconds": -1 } }),
            "respond.retryAfterSeconds",
            "outOfRange",
        ),
    ];
    for (body, field, reason) in cases {
        let reply = create_fault(&app, &body).await;
        assert_control_field_error(&reply, field, reason);
    }
    let malformed = send(
        app.request(Method::POST, "/_mirror/faults", None)
            .header("content-type", "application/json")
            .body("{"),
    )
    .await;
    assert_control_field_error(&malformed, "body", "malformedBody");
    let listed = control(&app, Method::GET, "/_mirror/faults").await;
    assert_eq!(listed.body["totalCount"], json!(1), "refused rules are not stored");
}

#[tokio::test]
async fn unknown_fault_ids_answer_404_990140() {
    let app = spawn_app().await;
    assert_fault_from(&fault(&app, "fault-9").await, 404, 990140, MIRROR);
    assert_fault_from(
        &control(&app, Method::DELETE, "/_mirror/faults/fault-9").await,
        404,
        990140,
        MIRROR,
    );
}

#[tokio::test]
async fn generated_ids_skip_taken_ones_and_restart_only_after_a_global_reset() {
    let app = spawn_app().await;
    assert_eq!(
        add_fault(&app, &json!({ "id": "fault-2", "preset": "throttled" })).await,
        "fault-2"
    );
    assert_eq!(add_fault(&app, &json!({ "preset": "throttled" })).await, "fault-1");
    assert_eq!(add_fault(&app, &json!({ "preset": "throttled" })).await, "fault-3");
    let listed = control(&app, Method::GET, "/_mirror/faults").await;
    let ids: Vec<&Value> = listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|f| &f["id"])
        .collect();
    assert_eq!(
        ids,
        [&json!("fault-2"), &json!("fault-1"), &json!("fault-3")],
        "creation order"
    );
    assert_eq!(listed.body["totalCount"], json!(3));
    let removed = control(&app, Method::DELETE, "/_mirror/faults").await;
    removed.assert_status(200);
    assert_eq!(removed.body, json!({ "removed": 3 }));
    assert_eq!(add_fault(&app, &json!({ "preset": "throttled" })).await, "fault-4");
    control(&app, Method::POST, "/_mirror/reset").await.assert_status(200);
    assert_eq!(add_fault(&app, &json!({ "preset": "throttled" })).await, "fault-1");
}

#[tokio::test]
async fn deleting_one_fault_answers_it_and_stops_it_firing() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    add_fault(&app, &json!({ "id": "down", "preset": "serviceUnavailable" })).await;
    assert_plain_fault(&app.get("/v1/agreements", &partner.token).await, 503, 800003);
    let deleted = control(&app, Method::DELETE, "/_mirror/faults/down").await;
    deleted.assert_status(200);
    assert_eq!(
        (&deleted.body["id"], &deleted.body["fired"]),
        (&json!("down"), &json!(1))
    );
    app.get("/v1/agreements", &partner.token).await.assert_status(200);
    assert_fault_from(&fault(&app, "down").await, 404, 990140, MIRROR);
}

#[tokio::test]
async fn fault_endpoints_need_the_admin_token_when_one_is_set() {
    let token = "fault-admin-token-0123456789";
    let app = spawn_app_with(|s| s.control.admin_token = Some(token.to_owned())).await;
    let body = json!({ "preset": "throttled" });
    let missing = create_fault(&app, &body).await;
    assert_fault_from(&missing, 401, 990100, MIRROR);
    let wrong = send(
        app.request(Method::POST, "/_mirror/faults", Some("wrong-admin-token-0123456789"))
            .json(&body),
    )
    .await;
    assert_fault_from(&wrong, 401, 990101, MIRROR);
    for (method, path) in [
        (Method::GET, "/_mirror/faults"),
        (Method::DELETE, "/_mirror/faults"),
        (Method::GET, "/_mirror/faults/x"),
        (Method::DELETE, "/_mirror/faults/x"),
    ] {
        assert_fault_from(&control(&app, method, path).await, 401, 990100, MIRROR);
    }
    let right = send(app.request(Method::POST, "/_mirror/faults", Some(token)).json(&body)).await;
    right.assert_status(201);
}
