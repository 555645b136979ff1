//! Tests of the control plane's exposure, health, tokens, partners and clocks (control-plane spec §2–§4, §7, §8,
//! §14), the typical CI flow of §17, and the isolation of partner tenants through reset, clocks and faults.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

const ADMIN_TOKEN: &str = "ci-admin-token-0123456789";

async fn control(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Reply {
    let builder = app.request(method, path, None);
    send(match body {
        Some(body) => builder.json(&body),
        None => builder,
    })
    .await
}

async fn mint(app: &TestApp, body: Value) -> Reply {
    control(app, Method::POST, "/_mirror/tokens", Some(body)).await
}

fn assert_mirror_fault(reply: &Reply, status: u16, code: i64) {
    assert_fault_from(reply, status, code, "PartnerCenterMirror");
}

fn first_reason(reply: &Reply) -> &str {
    reply.body["data"][0]["reason"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn health_and_readiness_answer_without_an_admin_token() {
    let app = spawn_app_with(|s| s.control.admin_token = Some(ADMIN_TOKEN.into())).await;
    let health = app.get_anonymous("/_mirror/health").await;
    health.assert_status(200);
    assert_eq!(
        health.body,
        json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})
    );
    assert_eq!(health.header("cache-control"), "no-store");
    let ready = app.get_anonymous("/_mirror/ready").await;
    ready.assert_status(200);
    assert_eq!(ready.body["status"], json!("ready"));
    assert_eq!(ready.body["migrations"], json!("applied"));
    assert!(["sqlite", "postgresql"].contains(&ready.body["database"].as_str().unwrap_or_default()));
}

#[tokio::test]
async fn admin_endpoints_need_the_admin_token_when_one_is_set() {
    let app = spawn_app_with(|s| s.control.admin_token = Some(ADMIN_TOKEN.into())).await;
    let missing = app.get_anonymous("/_mirror/partners").await;
    assert_mirror_fault(&missing, 401, 990100);
    assert_eq!(
        missing.header("www-authenticate"),
        "Bearer realm=\"partner-center-mirror-control\""
    );
    let basic = send(
        app.request(Method::GET, "/_mirror/partners", None)
            .header("Authorization", "Basic eDp5"),
    )
    .await;
    assert_mirror_fault(&basic, 401, 990100);
    let wrong = app.get("/_mirror/partners", "ci-admin-token-0123456780").await;
    assert_mirror_fault(&wrong, 401, 990101);
    let v1_token = Partner::fresh().token;
    assert_mirror_fault(&app.get("/_mirror/partners", &v1_token).await, 401, 990101);
    app.get("/_mirror/partners", ADMIN_TOKEN).await.assert_status(200);
    assert_token_refused(&app.get("/v1/agreements", ADMIN_TOKEN).await, "malformed");
}

#[tokio::test]
async fn a_disabled_control_plane_leaves_only_the_documented_paths() {
    let app = spawn_app_with(|s| s.control.control_plane = false).await;
    for path in [
        "/_mirror/health",
        "/_mirror/ready",
        "/_mirror/partners",
        "/_mirror/clock",
        "/_mirror/requests",
        "/_mirror/faults",
    ] {
        assert_mirror_fault(&app.get_anonymous(path).await, 404, 1000);
    }
    assert_mirror_fault(&control(&app, Method::POST, "/_mirror/reset", None).await, 404, 1000);
    assert_mirror_fault(&mint(&app, json!({"tenantId": new_guid()})).await, 404, 1000);
    app.get_anonymous("/_mirror/jwks.json").await.assert_status(200);
    app.get_anonymous("/_mirror/admin-center/agreement")
        .await
        .assert_status(200);
    let document = app.get_anonymous("/openapi.json").await;
    document.assert_status(200);
    let paths: Vec<&String> = document.body["paths"].as_object().expect("paths").keys().collect();
    assert!(paths.iter().any(|p| p.as_str() == "/v1/agreements"));
    assert!(paths.iter().any(|p| p.starts_with("/_mirror/agreement-documents")));
    assert!(
        !paths
            .iter()
            .any(|p| p.as_str() == "/_mirror/tokens" || p.as_str() == "/_mirror/reset"),
        "{paths:?}"
    );
    let partner = Partner::fresh();
    app.get("/v1/agreements", &partner.token).await.assert_status(200);
}

#[tokio::test]
async fn a_public_bind_without_an_admin_token_refuses_to_start_with_status_two() {
    let dir = tempfile::tempdir().expect("a directory");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_partner-center-mirror"))
        .args(["--bind", "0.0.0.0:0", "--data-dir"])
        .arg(dir.path())
        .env_remove("PCM_ADMIN_TOKEN")
        .env_remove("PCM_CONTROL_PLANE")
        .env_remove("DATABASE_URL")
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to start: the control plane is enabled and the server listens on 0.0.0.0:0, which is not a loopback address, but no admin token is set. Set an admin token, listen on 127.0.0.1, or disable the control plane."),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "nothing on stdout");
}

#[tokio::test]
async fn a_minted_token_carries_the_documented_claims_and_works_on_v1() {
    let app = spawn_app().await;
    let tenant = "3b33e682-00c3-41ee-9dd2-a548adf56438";
    let reply = mint(
        &app,
        json!({"tenantId": tenant.to_uppercase(), "roles": ["AdminAgents", "SalesAgents"], "ttlSeconds": 900}),
    )
    .await;
    reply.assert_status(200);
    assert_eq!(reply.body["tokenType"], json!("Bearer"));
    assert_eq!(reply.body["expiresIn"], json!(900));
    let token = reply.body["accessToken"].as_str().expect("a token");
    let parts: Vec<&str> = token.split('.').collect();
    let header = decode_jws_part(parts[0]);
    assert_eq!(header["alg"], json!("RS256"));
    let jwks = published_jwks(&app).await;
    assert_eq!(header["kid"], jwks.body["keys"][0]["kid"]);
    let claims = decode_jws_part(parts[1]);
    assert_eq!(claims["tid"], json!(tenant));
    assert_eq!(claims["oid"], json!("4581f65e-bfe3-52bc-a8b6-cf6c44bd0b3c"));
    assert_eq!(claims["iss"], json!(format!("https://sts.windows.net/{tenant}/")));
    assert_eq!(claims["aud"], json!(AUDIENCE));
    assert_eq!(claims["scp"], json!("user_impersonation"));
    assert_eq!(claims["amr"], json!(["pwd", "mfa"]));
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 900);
    app.get("/v1/agreements", token).await.assert_status(200);

    let app_only = mint(&app, json!({"tenantId": tenant, "appOnly": true})).await;
    let claims = decode_jws_part(
        app_only.body["accessToken"]
            .as_str()
            .unwrap()
            .split('.')
            .nth(1)
            .unwrap(),
    );
    assert_eq!(claims["idtyp"], json!("app"));
    assert!(claims.get("scp").is_none() && claims.get("amr").is_none());
    let no_role = mint(&app, json!({"tenantId": tenant, "roles": []})).await;
    assert_plain_fault(
        &app.get("/v1/agreements", no_role.body["accessToken"].as_str().unwrap())
            .await,
        403,
        900150,
    );
    let foreign = mint(&app, json!({"tenantId": tenant, "audience": "https://example.com"})).await;
    assert_unauthorized(
        &app.get("/v1/agreements", foreign.body["accessToken"].as_str().unwrap())
            .await,
        900420,
    );
    let stripped = mint(&app, json!({"tenantId": tenant, "extraClaims": {"tid": null}})).await;
    assert_token_refused(
        &app.get("/v1/agreements", stripped.body["accessToken"].as_str().unwrap())
            .await,
        "missingClaim",
    );
}

#[tokio::test]
async fn minting_refuses_invalid_requests_and_a_disabled_development_key() {
    let app = spawn_app().await;
    for (body, field, reason) in [
        (json!({}), "tenantId", "required"),
        (json!({"tenantId": "nope"}), "tenantId", "invalidFormat"),
        (
            json!({"tenantId": new_guid(), "userId": "x"}),
            "userId",
            "invalidFormat",
        ),
        (
            json!({"tenantId": new_guid(), "ttlSeconds": 0}),
            "ttlSeconds",
            "outOfRange",
        ),
        (
            json!({"tenantId": new_guid(), "ttlSeconds": 86401}),
            "ttlSeconds",
            "outOfRange",
        ),
        (
            json!({"tenantId": new_guid(), "tennantId": "x"}),
            "tennantId",
            "unknownField",
        ),
        (
            json!({"tenantId": new_guid(), "roles": "AdminAgents"}),
            "roles",
            "invalidType",
        ),
    ] {
        let reply = mint(&app, body).await;
        assert_mirror_fault(&reply, 400, 990110);
        assert_eq!(reply.body["data"][0]["field"], json!(field), "{}", reply.text());
        assert_eq!(first_reason(&reply), reason, "{}", reply.text());
    }
    let disabled = spawn_app_with(|s| s.dev_key_enabled = false).await;
    assert_mirror_fault(&mint(&disabled, json!({"tenantId": new_guid()})).await, 409, 990160);
}

#[tokio::test]
async fn partners_are_registered_replaced_listed_and_validated() {
    let app = spawn_app().await;
    let tenant = new_guid();
    let path = format!("/_mirror/partners/{tenant}");
    let created = control(
        &app,
        Method::PUT,
        &path,
        Some(json!({"partnerType": "indirectProvider", "mpnId": "4812345"})),
    )
    .await;
    created.assert_status(201);
    assert_eq!(created.body["tenantId"], json!(tenant));
    assert_eq!(created.body["partnerType"], json!("indirectProvider"));
    assert_eq!(created.body["mpnId"], json!("4812345"));
    assert_eq!(created.body["mpaSigned"], json!(true));
    assert_eq!(created.body["autoRegistered"], json!(false));
    assert_eq!(created.body["customerCount"], json!(0));
    assert_eq!(created.body["clockOffsetSeconds"], json!(0));
    let replaced = control(&app, Method::PUT, &path, Some(json!({"mpaSigned": false}))).await;
    replaced.assert_status(200);
    assert_eq!(replaced.body["partnerType"], json!("directBill"));
    assert_eq!(replaced.body["mpnId"], Value::Null);
    let auto = Partner::fresh();
    create_customer(&app, &auto.token).await;
    let listed = control(&app, Method::GET, "/_mirror/partners", None).await;
    let items = listed.body["items"].as_array().expect("items");
    assert_eq!(listed.body["totalCount"], json!(items.len()));
    let seen = items
        .iter()
        .find(|p| p["tenantId"] == json!(auto.tenant))
        .expect("the auto-registered partner");
    assert_eq!(seen["autoRegistered"], json!(true));
    assert_eq!(seen["customerCount"], json!(1));
    let ids: Vec<&str> = items.iter().map(|p| p["tenantId"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "ordered by tenant id");

    let other = new_guid();
    control(&app, Method::PUT, &path, Some(json!({"mpnId": "4800000"})))
        .await
        .assert_status(200);
    let taken = control(
        &app,
        Method::PUT,
        &format!("/_mirror/partners/{other}"),
        Some(json!({"mpnId": "4800000"})),
    )
    .await;
    assert_mirror_fault(&taken, 409, 990133);
    assert_mirror_fault(
        &control(&app, Method::PUT, "/_mirror/partners/nope", Some(json!({}))).await,
        400,
        990110,
    );
    for body in [
        json!({"partnerType": "distributor"}),
        json!({"mpnId": "12ab"}),
        json!({"mpnId": "1234567890123"}),
        json!({"mpa": true}),
    ] {
        assert_mirror_fault(
            &control(&app, Method::PUT, &format!("/_mirror/partners/{other}"), Some(body)).await,
            400,
            990110,
        );
    }
    assert_mirror_fault(
        &control(&app, Method::GET, &format!("/_mirror/partners/{other}"), None).await,
        404,
        990130,
    );
}

#[tokio::test]
async fn clocks_move_forward_only_and_partner_clocks_stack_on_the_global_one() {
    let app = spawn_app().await;
    let tenant = new_guid();
    control(
        &app,
        Method::PUT,
        &format!("/_mirror/partners/{tenant}"),
        Some(json!({})),
    )
    .await
    .assert_status(201);
    let global = control(
        &app,
        Method::POST,
        "/_mirror/clock",
        Some(json!({"advanceSeconds": 3600})),
    )
    .await;
    global.assert_status(200);
    assert_eq!(global.body["offsetSeconds"], json!(3600));
    let partner_path = format!("/_mirror/partners/{tenant}/clock");
    let partner = control(&app, Method::POST, &partner_path, Some(json!({"advanceSeconds": 1800}))).await;
    partner.assert_status(200);
    assert_eq!(partner.body["partnerTenantId"], json!(tenant));
    assert_eq!(partner.body["globalOffsetSeconds"], json!(3600));
    assert_eq!(partner.body["offsetSeconds"], json!(1800));
    let real = chrono::DateTime::parse_from_rfc3339(partner.body["realNow"].as_str().unwrap()).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339(partner.body["now"].as_str().unwrap()).unwrap();
    assert_eq!((now - real).num_seconds(), 5400);
    let view = control(&app, Method::GET, "/_mirror/clock", None).await;
    assert_eq!(view.body["partners"][0]["partnerTenantId"], json!(tenant));
    assert_eq!(view.body["partners"][0]["offsetSeconds"], json!(1800));

    let backwards = control(
        &app,
        Method::POST,
        "/_mirror/clock",
        Some(json!({"set": "2001-01-01T00:00:00Z"})),
    )
    .await;
    assert_mirror_fault(&backwards, 409, 990150);
    let set = control(
        &app,
        Method::POST,
        "/_mirror/clock",
        Some(json!({"set": "2099-01-01T00:00:00Z"})),
    )
    .await;
    set.assert_status(200);
    assert!(set.body["now"].as_str().unwrap().starts_with("2099-01-01T00:00:0"));
    for body in [
        json!({}),
        json!({"advanceSeconds": -1}),
        json!({"advanceSeconds": 1.5}),
        json!({"advanceSeconds": 1, "reset": true}),
        json!({"set": "tomorrow"}),
        json!({"reset": false}),
        json!({"advanceSeconds": 315360001}),
    ] {
        assert_mirror_fault(
            &control(&app, Method::POST, "/_mirror/clock", Some(body)).await,
            400,
            990110,
        );
    }
    let reset = control(&app, Method::POST, "/_mirror/clock", Some(json!({"reset": true}))).await;
    assert_eq!(reset.body["offsetSeconds"], json!(0));
    let unknown = format!("/_mirror/partners/{}/clock", new_guid());
    assert_mirror_fault(&control(&app, Method::GET, &unknown, None).await, 404, 990130);
    assert_mirror_fault(
        &control(&app, Method::POST, &unknown, Some(json!({"reset": true}))).await,
        404,
        990130,
    );
}

#[tokio::test]
async fn a_partner_clock_ages_tokens_and_document_links() {
    let app = spawn_app().await;
    let tenant = new_guid();
    control(
        &app,
        Method::PUT,
        &format!("/_mirror/partners/{tenant}"),
        Some(json!({})),
    )
    .await
    .assert_status(201);
    let token = mint(&app, json!({"tenantId": tenant, "ttlSeconds": 600})).await.body["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let document = app
        .get(
            &format!("/v1/agreementtemplates/{CUSTOMER_AGREEMENT_TEMPLATE}/document"),
            &token,
        )
        .await;
    let link = document.body["downloadUri"].as_str().unwrap().to_owned();
    app.get_absolute(&link).await.assert_status(200);
    control(
        &app,
        Method::POST,
        &format!("/_mirror/partners/{tenant}/clock"),
        Some(json!({"advanceSeconds": 301})),
    )
    .await
    .assert_status(200);
    assert_fault_from(&app.get_absolute(&link).await, 403, 990003, "PartnerCenterMirror");
    app.get("/v1/agreements", &token).await.assert_status(200);
    control(
        &app,
        Method::POST,
        &format!("/_mirror/partners/{tenant}/clock"),
        Some(json!({"advanceSeconds": 600})),
    )
    .await
    .assert_status(200);
    assert_token_refused(&app.get("/v1/agreements", &token).await, "expired");
}

#[tokio::test]
async fn the_typical_ci_flow_runs_from_reset_to_the_journal() {
    let app = spawn_app_with(|s| s.control.admin_token = Some(ADMIN_TOKEN.into())).await;
    let admin = |method: Method, path: &str| app.request(method, path, None).bearer_auth(ADMIN_TOKEN);
    assert_eq!(app.wait_ready(std::time::Duration::from_secs(10)).await.status, 200);
    send(admin(Method::POST, "/_mirror/reset")).await.assert_status(200);
    let partner = "3b33e682-00c3-41ee-9dd2-a548adf56438";
    let customer = "14876998-c0dc-46e6-9d0c-65a57a6c32ec";
    let fixture = json!({ "formatVersion": 1,
        "partners": [ { "tenantId": partner, "partnerType": "directBill", "mpnId": "4812345" } ],
        "customers": [ { "id": customer, "ownerPartnerTenantId": partner, "domain": "fabrikam.example.com",
                         "companyName": "Fabrikam", "admin": { "userName": "admin", "password": "Fabrikam-Passw0rd" } } ] });
    let loaded = send(admin(Method::POST, "/_mirror/fixtures").json(&fixture)).await;
    loaded.assert_status(200);
    assert_eq!(loaded.body["loaded"]["customers"], json!(1));
    let minted =
        send(admin(Method::POST, "/_mirror/tokens").json(&json!({"tenantId": partner, "roles": ["AdminAgents"]})))
            .await;
    let token = minted.body["accessToken"].as_str().expect("a token").to_owned();
    let body = json!({"primaryContact": {"firstName": "Tania", "lastName": "Carr", "email": "someone@example.com"},
                      "templateId": CUSTOMER_AGREEMENT_TEMPLATE, "dateAgreed": "2025-06-01T00:00:00Z"});
    let attested = send(
        app.request(
            Method::POST,
            &format!("/v1/customers/{customer}/agreements"),
            Some(&token),
        )
        .header("MS-CorrelationId", "ci-run-42")
        .json(&body),
    )
    .await;
    attested.assert_status(201);
    let scheduled = send(admin(
        Method::GET,
        &format!("/_mirror/notifications?customerTenantId={customer}"),
    ))
    .await;
    assert_eq!(scheduled.body["items"][0]["status"], json!("scheduled"));
    send(admin(Method::POST, &format!("/_mirror/partners/{partner}/clock")).json(&json!({"advanceSeconds": 1800})))
        .await
        .assert_status(200);
    let delivered = send(admin(
        Method::GET,
        &format!("/_mirror/notifications?customerTenantId={customer}&status=delivered"),
    ))
    .await;
    assert_eq!(delivered.body["totalCount"], json!(1));
    let seen = send(admin(Method::GET, "/_mirror/requests?correlationId=ci-run-42")).await;
    seen.assert_status(200);
    assert_eq!(seen.body["totalCount"], json!(1));
    let entry = &seen.body["items"][0];
    assert_eq!(entry["method"], json!("POST"));
    assert_eq!(
        entry["pathAndQuery"],
        json!(format!("/v1/customers/{customer}/agreements"))
    );
    assert_eq!(entry["status"], json!(201));
    assert_eq!(entry["partnerTenantId"], json!(partner));
    assert_eq!(entry["correlationId"], json!("ci-run-42"));
    assert!(entry["requestHeaders"].get("authorization").is_none());
}

#[tokio::test]
async fn two_partner_tenants_stay_isolated_through_reset_clocks_and_faults() {
    let app = spawn_app().await;
    let (a, b) = (Partner::fresh(), Partner::fresh());
    for partner in [&a, &b] {
        control(
            &app,
            Method::PUT,
            &format!("/_mirror/partners/{}", partner.tenant),
            Some(json!({})),
        )
        .await
        .assert_status(201);
    }
    let customer_a = create_customer(&app, &a.token).await;
    let customer_b = create_customer(&app, &b.token).await;
    attest(&app, &a.token, &customer_a, &attestation_body())
        .await
        .assert_status(201);
    attest(&app, &b.token, &customer_b, &attestation_body())
        .await
        .assert_status(201);

    let fault = json!({"preset": "serviceUnavailable", "match": {"partnerTenantId": a.tenant}});
    control(&app, Method::POST, "/_mirror/faults", Some(fault))
        .await
        .assert_status(201);
    assert_eq!(app.get("/v1/customers", &a.token).await.status, 503);
    app.get("/v1/customers", &b.token).await.assert_status(200);

    control(
        &app,
        Method::POST,
        &format!("/_mirror/partners/{}/clock", a.tenant),
        Some(json!({"advanceSeconds": 1800})),
    )
    .await
    .assert_status(200);
    let outbox = control(&app, Method::GET, "/_mirror/notifications", None).await;
    let status_of = |customer: &str| {
        outbox.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["customerTenantId"] == json!(customer))
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status_of(&customer_a), json!("delivered"));
    assert_eq!(status_of(&customer_b), json!("scheduled"));

    let reset = control(
        &app,
        Method::POST,
        &format!("/_mirror/reset?partnerTenantId={}", a.tenant),
        None,
    )
    .await;
    reset.assert_status(200);
    assert_eq!(reset.body["scope"], json!("partner"));
    assert_eq!(reset.body["removed"]["faults"], json!(1));
    assert_eq!(reset.body["removed"]["clocks"], json!(1));
    app.get("/v1/customers", &a.token).await.assert_status(200);
    assert_plain_fault(
        &app.get(&format!("/v1/customers/{customer_a}"), &a.token).await,
        404,
        60003,
    );
    assert_eq!(
        history(&app, &b.token, &customer_b).await.len(),
        1,
        "the other partner's history survives"
    );
    let a_clock = control(
        &app,
        Method::GET,
        &format!("/_mirror/partners/{}/clock", a.tenant),
        None,
    )
    .await;
    assert_eq!(a_clock.body["offsetSeconds"], json!(0));
    let b_view = control(&app, Method::GET, &format!("/_mirror/partners/{}", b.tenant), None).await;
    assert_eq!(b_view.body["customerCount"], json!(1));
}

#[tokio::test]
async fn the_journal_keeps_the_path_and_query_as_received() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    send(
        app.request(Method::GET, "/V1/Agreements/?agreementType=%2A", Some(&partner.token))
            .header("MS-CorrelationId", "as-received"),
    )
    .await
    .assert_status(200);
    let seen = control(&app, Method::GET, "/_mirror/requests?correlationId=as-received", None).await;
    assert_eq!(
        seen.body["items"][0]["pathAndQuery"],
        json!("/V1/Agreements/?agreementType=%2A")
    );
}
