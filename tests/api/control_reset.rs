//! `POST /_mirror/reset` (control-plane spec §5): whole mirror and per partner, exact counters, what survives.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{
    assert_fault_from, attest, attestation_body, new_guid, send, spawn_app, spawn_app_with, Partner, Reply, TestApp,
    CUSTOMER_AGREEMENT_TEMPLATE,
};

const MIRROR: &str = "PartnerCenterMirror";

async fn control(app: &TestApp, method: Method, path: &str, body: Option<&Value>) -> Reply {
    let builder = app.request(method, path, None);
    send(match body {
        Some(body) => builder.json(body),
        None => builder,
    })
    .await
}

/// Two partners and three customers: `shared` known by both (owned by `a`), `accepted` of `a` only with a
/// direct acceptance, `theirs` of `b` only; one seeded attestation on `shared` by `a` and one on `theirs` by `b`.
struct World {
    a: Partner,
    b: Partner,
    shared: String,
    accepted: String,
    theirs: String,
}

fn seeded_agreement(partner: Option<&str>) -> Value {
    let mut agreement = json!({
        "templateId": CUSTOMER_AGREEMENT_TEMPLATE,
        "dateAgreed": "2025-01-02T03:04:05Z",
        "primaryContact": { "firstName": "Tania", "lastName": "Carr", "email": "tania@example.com" }
    });
    if let Some(partner) = partner {
        agreement["partnerTenantId"] = json!(partner);
    }
    agreement
}

fn fixture(world: &World) -> Value {
    let customer = |id: &str, owner: &str, name: &str| {
        json!({ "id": id, "ownerPartnerTenantId": owner, "domain": format!("{name}-{}.example.com", &id[..8]),
                "companyName": name, "admin": { "userName": "admin", "password": "Fixture-Passw0rd" } })
    };
    let mut shared = customer(&world.shared, &world.a.tenant, "shared");
    shared["otherPartners"] = json!([{ "partnerTenantId": world.b.tenant, "relationshipToPartner": "reseller" }]);
    shared["agreements"] = json!([seeded_agreement(None)]);
    let mut accepted = customer(&world.accepted, &world.a.tenant, "accepted");
    accepted["directAcceptance"] = json!({ "acceptedAt": "2026-01-15T09:30:00Z" });
    let mut theirs = customer(&world.theirs, &world.b.tenant, "theirs");
    theirs["agreements"] = json!([seeded_agreement(Some(&world.b.tenant))]);
    json!({
        "formatVersion": 1,
        "partners": [ { "tenantId": world.a.tenant }, { "tenantId": world.b.tenant } ],
        "customers": [shared, accepted, theirs]
    })
}

/// Loads the world, then adds through the API: an attestation by `a` on `accepted` with an `MS-RequestId`
/// (agreement, outbox message, idempotency record), one fault per partner, a clock offset for `a`; finally
/// clears the journal and sends `journal` recorded requests.
async fn build_world(app: &TestApp) -> World {
    let world = World {
        a: Partner::fresh(),
        b: Partner::fresh(),
        shared: new_guid(),
        accepted: new_guid(),
        theirs: new_guid(),
    };
    let loaded = control(app, Method::POST, "/_mirror/fixtures", Some(&fixture(&world))).await;
    loaded.assert_status(200);
    let attested = app
        .post_json_with_id(
            &format!("/v1/customers/{}/agreements", world.accepted),
            &world.a.token,
            &attestation_body(),
            &new_guid(),
        )
        .await;
    attested.assert_status(201);
    for partner in [&world.a, &world.b] {
        control(
            app,
            Method::POST,
            "/_mirror/faults",
            Some(&json!({ "preset": "throttled", "match": { "path": "/v1/nowhere", "partnerTenantId": partner.tenant } })),
        )
        .await
        .assert_status(201);
    }
    control(
        app,
        Method::POST,
        &format!("/_mirror/partners/{}/clock", world.a.tenant),
        Some(&json!({ "advanceSeconds": 60 })),
    )
    .await
    .assert_status(200);
    control(app, Method::DELETE, "/_mirror/requests", None)
        .await
        .assert_status(200);
    world
}

#[tokio::test]
async fn a_whole_reset_answers_exact_counters_and_keeps_the_templates() {
    let app = spawn_app().await;
    let world = build_world(&app).await;
    app.get("/v1/agreements", &world.a.token).await.assert_status(200);
    app.get("/v1/agreements", &world.b.token).await.assert_status(200);
    let reply = control(&app, Method::POST, "/_mirror/reset", None).await;
    reply.assert_status(200);
    assert_eq!(
        reply.body,
        json!({ "scope": "all", "removed": { "partners": 2, "customers": 3, "relationships": 4, "agreements": 3,
                "directAcceptances": 1, "orders": 0, "notifications": 1, "idempotencyRecords": 1, "faults": 2,
                "clocks": 1, "journalEntries": 2 } })
    );
    let journal = control(&app, Method::GET, "/_mirror/requests", None).await;
    assert_eq!(journal.body["totalCount"], json!(1), "{}", journal.text());
    assert_eq!(
        journal.body["items"][0]["id"],
        json!(1),
        "the journal restarted with the reset itself"
    );
    assert_eq!(journal.body["items"][0]["pathAndQuery"], json!("/_mirror/reset"));
    let partners = control(&app, Method::GET, "/_mirror/partners", None).await;
    assert_eq!(partners.body["totalCount"], json!(0));
    let faults = control(&app, Method::GET, "/_mirror/faults", None).await;
    assert_eq!(faults.body["totalCount"], json!(0));
    let metadata = app.get("/v1/agreements", &world.a.token).await;
    metadata.assert_status(200);
    assert_eq!(
        metadata.body["totalCount"],
        json!(1),
        "templates survive: {}",
        metadata.text()
    );
    let again = control(&app, Method::POST, "/_mirror/reset", None).await;
    assert_eq!(
        again.body["removed"]["partners"],
        json!(1),
        "the last call auto-registered partner a again"
    );
}

#[tokio::test]
async fn a_partner_reset_keeps_other_partners_data_and_the_registration() {
    let app = spawn_app().await;
    let world = build_world(&app).await;
    app.get("/v1/agreements", &world.a.token).await.assert_status(200);
    app.get("/v1/agreements", &world.b.token).await.assert_status(200);
    let path = format!("/_mirror/reset?partnerTenantId={}", world.a.tenant.to_uppercase());
    let reply = control(&app, Method::POST, &path, None).await;
    reply.assert_status(200);
    assert_eq!(
        reply.body,
        json!({ "scope": "partner", "partnerTenantId": world.a.tenant,
                "removed": { "partners": 0, "customers": 1, "relationships": 2, "agreements": 2,
                "directAcceptances": 1, "orders": 0, "notifications": 1, "idempotencyRecords": 1, "faults": 1,
                "clocks": 1, "journalEntries": 1 } })
    );
    let registration = control(
        &app,
        Method::GET,
        &format!("/_mirror/partners/{}", world.a.tenant),
        None,
    )
    .await;
    registration.assert_status(200);
    assert_eq!(registration.body["customerCount"], json!(0));
    assert_eq!(registration.body["clockOffsetSeconds"], json!(0));
    let faults = control(&app, Method::GET, "/_mirror/faults", None).await;
    assert_eq!(faults.body["totalCount"], json!(1));
    assert_eq!(
        faults.body["items"][0]["match"]["partnerTenantId"],
        json!(world.b.tenant)
    );
    for customer in [&world.shared, &world.theirs] {
        app.get(&format!("/v1/customers/{customer}"), &world.b.token)
            .await
            .assert_status(200);
    }
    let theirs = app
        .get(
            &format!("/v1/customers/{}/agreements?agreementType=*", world.theirs),
            &world.b.token,
        )
        .await;
    assert_eq!(theirs.body["totalCount"], json!(1), "{}", theirs.text());
    for customer in [&world.shared, &world.accepted] {
        let gone = app.get(&format!("/v1/customers/{customer}"), &world.a.token).await;
        assert_fault_from(&gone, 404, 60003, "PartnerFD");
    }
    let journal = control(&app, Method::GET, "/_mirror/requests", None).await;
    let tenants: Vec<&Value> = journal.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| &e["partnerTenantId"])
        .collect();
    assert!(
        tenants.contains(&&json!(world.b.tenant)),
        "b's journal entries survive: {tenants:?}"
    );
    let again = attest(&app, &world.a.token, &world.accepted, &attestation_body()).await;
    assert_fault_from(&again, 404, 60003, "PartnerFD");
}

#[tokio::test]
async fn resetting_an_unknown_partner_answers_zero_counts() {
    let app = spawn_app().await;
    let tenant = new_guid();
    let reply = control(
        &app,
        Method::POST,
        &format!("/_mirror/reset?partnerTenantId={tenant}"),
        None,
    )
    .await;
    reply.assert_status(200);
    assert_eq!(
        reply.body,
        json!({ "scope": "partner", "partnerTenantId": tenant,
                "removed": { "partners": 0, "customers": 0, "relationships": 0, "agreements": 0,
                "directAcceptances": 0, "orders": 0, "notifications": 0, "idempotencyRecords": 0, "faults": 0,
                "clocks": 0, "journalEntries": 0 } })
    );
}

#[tokio::test]
async fn a_reset_refuses_an_invalid_query_with_990110() {
    let app = spawn_app().await;
    let tenant = new_guid();
    let cases = [
        ("?partnerTenantId=abc".to_owned(), "partnerTenantId", "invalidFormat"),
        ("?reloadFixtures=maybe".to_owned(), "reloadFixtures", "invalidFormat"),
        (
            format!("?partnerTenantId={tenant}&reloadFixtures=true"),
            "reloadFixtures",
            "conflictingFields",
        ),
        ("?reloadFixtures=true".to_owned(), "reloadFixtures", "unsupportedValue"),
    ];
    for (query, field, reason) in cases {
        let reply = control(&app, Method::POST, &format!("/_mirror/reset{query}"), None).await;
        assert_fault_from(&reply, 400, 990110, MIRROR);
        assert_eq!(
            (&reply.body["data"][0]["field"], &reply.body["data"][0]["reason"]),
            (&json!(field), &json!(reason)),
            "{query}"
        );
    }
}

#[tokio::test]
async fn reload_fixtures_resets_and_loads_the_startup_file_again() {
    let dir = tempfile::tempdir().expect("a directory");
    let file = dir.path().join("fixtures.json");
    let tenant = new_guid();
    std::fs::write(
        &file,
        json!({ "formatVersion": 1, "partners": [ { "tenantId": tenant, "mpnId": "4812345" } ] }).to_string(),
    )
    .expect("the fixture file is written");
    let path = file.clone();
    let app = spawn_app_with(move |s| s.control.fixtures = Some(path)).await;
    control(
        &app,
        Method::PUT,
        &format!("/_mirror/partners/{}", new_guid()),
        Some(&json!({})),
    )
    .await
    .assert_status(201);
    let reply = control(&app, Method::POST, "/_mirror/reset?reloadFixtures=true", None).await;
    reply.assert_status(200);
    assert_eq!(reply.body["scope"], json!("all"));
    let partners = control(&app, Method::GET, "/_mirror/partners", None).await;
    let ids: Vec<&Value> = partners.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| &p["tenantId"])
        .collect();
    assert_eq!(
        ids,
        [&json!(tenant)],
        "only the fixture's partner is left: {}",
        partners.text()
    );
}

#[tokio::test]
async fn reset_needs_the_admin_token_when_one_is_set() {
    let token = "reset-admin-token-0123456789";
    let app = spawn_app_with(|s| s.control.admin_token = Some(token.to_owned())).await;
    assert_fault_from(
        &control(&app, Method::POST, "/_mirror/reset", None).await,
        401,
        990100,
        MIRROR,
    );
    let wrong = send(app.request(Method::POST, "/_mirror/reset", Some("not-the-admin-token-000"))).await;
    assert_fault_from(&wrong, 401, 990101, MIRROR);
    send(app.request(Method::POST, "/_mirror/reset", Some(token)))
        .await
        .assert_status(200);
}
