//! The request journal (control-plane spec §12): bounded ring, recorded fields, redaction, filters, clearing.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{
    assert_fault_from, attestation_body, create_customer, is_guid, new_guid, send, spawn_app, spawn_app_with, Partner,
    Reply, TestApp,
};

async fn journal(app: &TestApp, query: &str) -> Reply {
    send(app.request(Method::GET, &format!("/_mirror/requests{query}"), None)).await
}

fn items(reply: &Reply) -> &Vec<Value> {
    reply.body["items"].as_array().expect("items")
}

#[tokio::test]
async fn the_journal_stays_within_its_byte_bound_and_drops_the_oldest_entries() {
    let app = spawn_app_with(|s| s.control.journal_max_bytes = 64 * 1024).await;
    let partner = Partner::fresh();
    for _ in 0..100 {
        app.get("/v1/agreements", &partner.token).await.assert_status(200);
    }
    let reply = journal(&app, "?limit=1000").await;
    reply.assert_status(200);
    assert_eq!(reply.body["maxBytes"], json!(65536));
    let bytes = reply.body["bytes"].as_u64().expect("bytes");
    assert!(bytes > 0 && bytes <= 65536, "held {bytes} bytes");
    let kept = items(&reply).len() as u64;
    assert!(
        kept < 100,
        "the byte bound, not the entry bound, pushed entries out ({kept} kept)"
    );
    assert_eq!(reply.body["dropped"].as_u64(), Some(100 - kept));
    assert_eq!(items(&reply)[0]["id"], json!(100), "the newest entry is kept");
    assert!(items(&reply)[0]["responseBody"]
        .as_str()
        .is_some_and(|b| b.contains("templateId")));
}

#[tokio::test]
async fn the_journal_stays_within_its_bound_and_counts_dropped_entries() {
    let app = spawn_app_with(|s| s.control.journal_capacity = 5).await;
    let partner = Partner::fresh();
    for _ in 0..50 {
        app.get("/v1/agreements", &partner.token).await.assert_status(200);
    }
    let reply = journal(&app, "").await;
    reply.assert_status(200);
    assert_eq!(
        (
            &reply.body["totalCount"],
            &reply.body["capacity"],
            &reply.body["dropped"]
        ),
        (&json!(5), &json!(5), &json!(45))
    );
    let ids: Vec<&Value> = items(&reply).iter().map(|e| &e["id"]).collect();
    assert_eq!(
        ids,
        [&json!(50), &json!(49), &json!(48), &json!(47), &json!(46)],
        "newest first"
    );
    let capped = journal(&app, "?limit=1000").await;
    assert_eq!(capped.body["totalCount"], json!(5), "the limit is at most the capacity");
}

#[tokio::test]
async fn an_entry_records_ids_status_tenant_bodies_and_the_replay_flag() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let path = format!("/v1/customers/{customer}/agreements");
    let request_id = new_guid();
    for _ in 0..2 {
        let reply = send(
            app.request(Method::POST, &path, Some(&partner.token))
                .header("MS-RequestId", &request_id)
                .header("MS-CorrelationId", "ci-run-42")
                .json(&attestation_body()),
        )
        .await;
        reply.assert_status(201);
    }
    let reply = journal(&app, "?correlationId=ci-run-42").await;
    assert_eq!(reply.body["totalCount"], json!(2));
    let (replay, first) = (&items(&reply)[0], &items(&reply)[1]);
    assert_eq!((&replay["replayed"], &first["replayed"]), (&json!(true), &json!(false)));
    assert!(replay["id"].as_u64() > first["id"].as_u64(), "newest first");
    assert_eq!(first["method"], json!("POST"));
    assert_eq!(first["pathAndQuery"], json!(path));
    assert_eq!(first["status"], json!(201));
    assert_eq!(first["partnerTenantId"], json!(partner.tenant));
    assert_eq!(first["requestId"], json!(request_id));
    assert_eq!(first["correlationId"], json!("ci-run-42"));
    assert_eq!(first["faultId"], Value::Null);
    assert!(first["instanceId"].as_str().is_some_and(|i| !i.is_empty()));
    assert!(first["time"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert!(first["mirrorNow"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert!(first["durationMs"].is_u64());
    let sent: Value = serde_json::from_str(first["requestBody"].as_str().expect("a request body")).expect("JSON");
    assert_eq!(sent, attestation_body());
    assert_eq!(first["requestBodyTruncated"], json!(false));
    let answered: Value = serde_json::from_str(first["responseBody"].as_str().expect("a response body")).expect("JSON");
    assert_eq!(answered["primaryContact"]["email"], json!("someone@example.com"));
    assert_eq!(first["requestHeaders"]["ms-correlationid"], json!("ci-run-42"));
    assert_eq!(first["requestHeaders"]["content-type"], json!("application/json"));
}

#[tokio::test]
async fn authorization_and_cookies_are_never_stored_and_secrets_are_redacted() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let tenant = partner.tenant.clone();
    let minted = send(
        app.request(Method::POST, "/_mirror/tokens", None)
            .json(&json!({ "tenantId": tenant })),
    )
    .await;
    minted.assert_status(200);
    let access_token = minted.body["accessToken"].as_str().expect("a token").to_owned();
    send(
        app.request(Method::GET, "/v1/agreements", Some(&access_token))
            .header("Cookie", "session=cookie-secret"),
    )
    .await
    .assert_status(200);
    send(
        app.request(Method::POST, "/_mirror/faults", None)
            .json(&json!({ "preset": "throttled", "match": { "path": "/v1/x" }, "password": "json-secret" })),
    )
    .await
    .assert_status(400);
    send(
        app.request(Method::POST, "/_mirror/admin-center/agreement", None)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("userName=admin&password=form-secret"),
    )
    .await;
    let reply = journal(&app, "").await;
    let text = reply.text();
    for secret in [access_token.as_str(), "cookie-secret", "json-secret", "form-secret"] {
        assert!(!text.contains(secret), "{secret} leaked into the journal: {text}");
    }
    let entries = items(&reply);
    assert_eq!(entries.len(), 4, "{text}");
    for entry in entries {
        let headers = entry["requestHeaders"].as_object().expect("headers");
        assert!(
            !headers.contains_key("authorization") && !headers.contains_key("cookie"),
            "{entry}"
        );
    }
    let form = &entries[0];
    assert_eq!(form["requestBody"], json!("userName=admin&password=%5Bredacted%5D"));
    let fault = &entries[1];
    assert!(
        fault["requestBody"]
            .as_str()
            .is_some_and(|b| b.contains(r#""password":"[redacted]""#)),
        "{fault}"
    );
    let token_call = &entries[3];
    assert_eq!(
        token_call["partnerTenantId"],
        json!(tenant),
        "a control request names its tenant"
    );
    let answer: Value = serde_json::from_str(token_call["responseBody"].as_str().expect("a body")).expect("JSON");
    assert_eq!(answer["accessToken"], json!("[redacted]"));
    assert_eq!(entries[2]["partnerTenantId"], json!(tenant));
}

#[tokio::test]
async fn large_bodies_are_stored_cut_and_still_reach_the_handler_whole() {
    let app = spawn_app().await;
    let long_id = "x".repeat(10_000);
    let reply = send(
        app.request(Method::POST, "/_mirror/faults", None)
            .json(&json!({ "preset": "throttled", "id": long_id })),
    )
    .await;
    assert_fault_from(&reply, 400, 990110, "PartnerCenterMirror");
    assert_eq!(
        reply.body["data"][0]["field"],
        json!("id"),
        "the handler read the whole body"
    );
    let recorded = journal(&app, "").await;
    let entry = &items(&recorded)[0];
    assert_eq!(entry["requestBody"].as_str().map(str::len), Some(4096));
    assert_eq!(entry["requestBodyTruncated"], json!(true));
    assert_eq!(entry["responseBodyTruncated"], json!(false));
}

#[tokio::test]
async fn polling_and_documentation_requests_are_not_recorded() {
    let app = spawn_app().await;
    for path in [
        "/_mirror/health",
        "/_mirror/ready",
        "/_mirror/jwks.json",
        "/openapi.json",
        "/swagger-ui/",
    ] {
        send(app.request(Method::GET, path, None)).await;
    }
    let reply = journal(&app, "").await;
    assert_eq!(reply.body["totalCount"], json!(0), "{}", reply.text());
    send(app.request(Method::GET, "/_mirror/faults", None))
        .await
        .assert_status(200);
    let reply = journal(&app, "").await;
    assert_eq!(reply.body["totalCount"], json!(1));
    assert_eq!(items(&reply)[0]["pathAndQuery"], json!("/_mirror/faults"));
}

#[tokio::test]
async fn filters_combine_and_a_bad_limit_is_refused() {
    let app = spawn_app().await;
    let (a, b) = (Partner::fresh(), Partner::fresh());
    for partner in [&a, &b, &a] {
        app.get("/v1/agreements", &partner.token).await.assert_status(200);
    }
    let only_a = journal(&app, &format!("?partnerTenantId={}", a.tenant.to_uppercase())).await;
    assert_eq!(only_a.body["totalCount"], json!(2));
    let request_id = items(&only_a)[1]["requestId"].as_str().expect("an id").to_owned();
    let both = journal(&app, &format!("?partnerTenantId={}&requestId={request_id}", a.tenant)).await;
    assert_eq!(both.body["totalCount"], json!(1));
    let none = journal(&app, &format!("?partnerTenantId={}&requestId={request_id}", b.tenant)).await;
    assert_eq!(none.body["totalCount"], json!(0));
    let limited = journal(&app, "?limit=1").await;
    assert_eq!(limited.body["totalCount"], json!(1));
    for bad in ["0", "-1", "many"] {
        let reply = journal(&app, &format!("?limit={bad}")).await;
        assert_fault_from(&reply, 400, 990110, "PartnerCenterMirror");
        assert_eq!(reply.body["data"][0]["field"], json!("limit"));
    }
}

#[tokio::test]
async fn clearing_the_journal_answers_the_count_and_restarts_the_ids() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    for _ in 0..3 {
        app.get("/v1/agreements", &partner.token).await;
    }
    let cleared = send(app.request(Method::DELETE, "/_mirror/requests", None)).await;
    cleared.assert_status(200);
    assert_eq!(cleared.body, json!({ "removed": 3 }));
    app.get("/v1/agreements", &partner.token).await;
    let reply = journal(&app, "").await;
    assert_eq!(
        (&reply.body["totalCount"], &reply.body["dropped"]),
        (&json!(1), &json!(0))
    );
    assert_eq!(items(&reply)[0]["id"], json!(1));
    assert!(is_guid(items(&reply)[0]["requestId"].as_str().expect("a generated id")));
}

#[tokio::test]
async fn a_capacity_of_zero_turns_the_journal_off() {
    let app = spawn_app_with(|s| s.control.journal_capacity = 0).await;
    let partner = Partner::fresh();
    app.get("/v1/agreements", &partner.token).await.assert_status(200);
    let reply = journal(&app, "").await;
    reply.assert_status(200);
    assert_eq!(
        reply.body,
        json!({ "totalCount": 0, "capacity": 0, "maxBytes": 16_777_216, "bytes": 0, "dropped": 0, "items": [] })
    );
}

#[tokio::test]
async fn journal_endpoints_need_the_admin_token_when_one_is_set() {
    let token = "journal-admin-token-0123456789";
    let app = spawn_app_with(|s| s.control.admin_token = Some(token.to_owned())).await;
    for method in [Method::GET, Method::DELETE] {
        let reply = send(app.request(method.clone(), "/_mirror/requests", None)).await;
        assert_fault_from(&reply, 401, 990100, "PartnerCenterMirror");
        let wrong = send(app.request(method.clone(), "/_mirror/requests", Some("not-the-admin-token-000"))).await;
        assert_fault_from(&wrong, 401, 990101, "PartnerCenterMirror");
        send(app.request(method, "/_mirror/requests", Some(token)))
            .await
            .assert_status(200);
    }
}
