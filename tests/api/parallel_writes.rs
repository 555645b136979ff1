//! A crowd of clients: 32 partners at once over every write route of `/v1` and `/_mirror`. No answer may be a
//! 5xx, no write may be lost, and every attestation leaves exactly one history record (issue: one hop per request).

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{json, Value};
use tokio::task::JoinSet;

use crate::admin_center::{
    agreement_sign_in, assert_outcome, control, invitation_path, invitation_sign_in, new_mpn_id, register_partner,
};
use crate::helpers::*;

/// Clients running at once.
const CLIENTS: usize = 32;
/// Rounds of writes each client makes.
const ROUNDS: usize = 3;
/// Seconds each round moves the partner's clock.
const CLOCK_STEP: i64 = 60;

/// Fails on any 5xx, naming the route.
fn no_server_error(reply: &Reply, route: &str) {
    assert!(
        reply.status < 500,
        "{route} answered {}: {}",
        reply.status,
        reply.text()
    );
}

/// Asserts `expected` and that the answer is not a 5xx.
fn expect(reply: &Reply, route: &str, expected: &[u16]) {
    no_server_error(reply, route);
    assert!(
        expected.contains(&reply.status),
        "{route} answered {} (expected {expected:?}): {}",
        reply.status,
        reply.text()
    );
}

fn order(customer: &str) -> Value {
    json!({ "lineItems": [ { "lineItemNumber": 0, "offerId": "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", "quantity": 1 } ],
        "referenceCustomerId": customer })
}

/// What one client wrote, to be found again afterwards.
struct Written {
    partner: Partner,
    customers: Vec<String>,
    attested: Vec<String>,
    deleted_faults: Vec<String>,
}

/// One client: registers its partner, then makes every per-partner write `ROUNDS` times.
async fn one_client(app: std::sync::Arc<TestApp>) -> Written {
    let app = &*app;
    let partner = Partner::fresh();
    let tid = partner.tenant.clone();
    register_partner(app, &tid, "directBill").await;
    let mut written = Written {
        partner,
        customers: Vec::new(),
        attested: Vec::new(),
        deleted_faults: Vec::new(),
    };
    let token = written.partner.token.clone();
    let mut credentials = None;
    for round in 0..ROUNDS {
        let created = app.post_json("/v1/customers", &token, &customer_body()).await;
        expect(&created, "POST /v1/customers", &[201]);
        let customer = created.body["id"].as_str().expect("an id").to_owned();
        if credentials.is_none() {
            let domain = created.body["companyProfile"]["domain"].as_str().unwrap_or_default();
            let password = created.body["userCredentials"]["password"].as_str().unwrap_or_default();
            credentials = Some((customer.clone(), format!("admin@{domain}"), password.to_owned()));
        }
        written.customers.push(customer.clone());

        let request_id = new_guid();
        let path = format!("/v1/customers/{customer}/agreements");
        let first = app
            .post_json_with_id(&path, &token, &attestation_body(), &request_id)
            .await;
        expect(&first, "POST …/agreements", &[201]);
        let replay = app
            .post_json_with_id(&path, &token, &attestation_body(), &request_id)
            .await;
        expect(&replay, "POST …/agreements (replay)", &[201]);
        assert_eq!(replay.body, first.body, "a replay answers the stored body");
        written.attested.push(customer.clone());

        let placed = app
            .post_json(&format!("/v1/customers/{customer}/orders"), &token, &order(&customer))
            .await;
        expect(&placed, "POST …/orders", &[201]);
        let order_id = placed.body["id"].as_str().expect("an order id").to_owned();

        let scenario = control(
            app,
            Method::PUT,
            &format!("/_mirror/customers/{customer}/scenario"),
            Some(json!({"hasLegacyPurchases": false})),
        )
        .await;
        expect(&scenario, "PUT …/scenario", &[200]);
        let direct = control(
            app,
            Method::POST,
            &format!("/_mirror/customers/{customer}/direct-acceptance"),
            Some(json!({})),
        )
        .await;
        expect(&direct, "POST …/direct-acceptance", &[200, 201]);

        // A second customer whose relationship is removed through /v1 and restored through the control plane.
        let other = create_customer(app, &token).await;
        written.customers.push(other.clone());
        let removed = send(
            app.request(Method::PATCH, &format!("/v1/customers/{other}"), Some(&token))
                .json(&json!({"relationshipToPartner": "none"})),
        )
        .await;
        expect(&removed, "PATCH /v1/customers/{id}", &[200]);
        let restored = control(
            app,
            Method::PUT,
            &format!("/_mirror/customers/{other}/relationships/{tid}"),
            Some(json!({"relationshipToPartner": "Reseller"})),
        )
        .await;
        expect(&restored, "PUT …/relationships/{partner}", &[200, 201]);

        let clock = control(
            app,
            Method::POST,
            &format!("/_mirror/partners/{tid}/clock"),
            Some(json!({"advanceSeconds": CLOCK_STEP})),
        )
        .await;
        expect(&clock, "POST /_mirror/partners/{id}/clock", &[200]);

        let replaced = control(
            app,
            Method::PUT,
            &format!("/_mirror/partners/{tid}"),
            Some(
                json!({"partnerType": "directBill", "mpnId": new_mpn_id(), "mpaSigned": round % 2 == 0,
                        "integrationSandbox": true}),
            ),
        )
        .await;
        expect(&replaced, "PUT /_mirror/partners/{id}", &[200]);

        // The integration sandbox's writes: cancel this round's order, delete a throwaway customer.
        let cancelled = send(
            app.request(
                Method::PATCH,
                &format!("/v1/customers/{customer}/orders/{order_id}"),
                Some(&token),
            )
            .json(&json!({"status": "cancelled"})),
        )
        .await;
        expect(&cancelled, "PATCH …/orders/{id}", &[200]);
        let throwaway = create_customer(app, &token).await;
        let deleted = send(app.request(Method::DELETE, &format!("/v1/customers/{throwaway}"), Some(&token))).await;
        expect(&deleted, "DELETE /v1/customers/{id}", &[204]);

        let fault = control(
            app,
            Method::POST,
            "/_mirror/faults",
            Some(json!({ "preset": "throttled", "match": { "path": "/v1/nowhere", "partnerTenantId": tid } })),
        )
        .await;
        expect(&fault, "POST /_mirror/faults", &[201]);
        let fault_id = fault.body["id"].as_str().expect("a fault id").to_owned();
        let deleted = control(app, Method::DELETE, &format!("/_mirror/faults/{fault_id}"), None).await;
        expect(&deleted, "DELETE /_mirror/faults/{id}", &[200, 204]);
        written.deleted_faults.push(fault_id);

        let minted = control(app, Method::POST, "/_mirror/tokens", Some(json!({"tenantId": tid}))).await;
        expect(&minted, "POST /_mirror/tokens", &[200]);
    }

    // The admin-center forms: the invitation page (existing customer, MCA box) and the agreement page.
    let (_, user, password) = credentials.expect("a first customer");
    let invitation = invitation_path(app, &token).await;
    let signed_in = invitation_sign_in(app, &invitation, &user, &password, &["acceptMca"]).await;
    no_server_error(&signed_in, "POST admin-center invitation");
    assert_outcome(&signed_in, 200, "done");
    let agreed = agreement_sign_in(app, &user, &password, true).await;
    no_server_error(&agreed, "POST admin-center agreement");
    assert_outcome(&agreed, 200, "done");
    written
}

/// Everything a client wrote is there, exactly once.
async fn assert_nothing_lost(app: &TestApp, written: &Written) {
    let token = &written.partner.token;
    let tid = &written.partner.tenant;
    let listed = app.get("/v1/customers?size=500", token).await;
    expect(&listed, "GET /v1/customers", &[200]);
    let ids: BTreeSet<String> = listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["id"].as_str().map(str::to_owned))
        .collect();
    let expected: BTreeSet<String> = written.customers.iter().cloned().collect();
    assert_eq!(ids, expected, "partner {tid} lists every customer it created");

    for customer in &written.attested {
        let records = history(app, token, customer).await;
        let attestations = records
            .iter()
            .filter(|r| r["type"] == json!("MicrosoftCustomerAgreement"))
            .count();
        assert_eq!(
            attestations, 1,
            "one history record for the attestation of {customer}: {records:?}"
        );
        let view = control(app, Method::GET, &format!("/_mirror/customers/{customer}"), None).await;
        expect(&view, "GET /_mirror/customers/{id}", &[200]);
        let link = &view.body["partners"][0];
        assert_eq!(
            link["orders"].as_array().map(Vec::len),
            Some(1),
            "one order of {customer}"
        );
        let orders = app.get(&format!("/v1/customers/{customer}/orders"), token).await;
        expect(&orders, "GET …/orders", &[200]);
        assert_eq!(
            orders.body["items"][0]["status"],
            json!("cancelled"),
            "the cancellation of {customer} kept"
        );
        assert!(
            view.body["directAcceptance"].is_object(),
            "direct acceptance of {customer} kept"
        );
    }

    let clock = control(app, Method::GET, &format!("/_mirror/partners/{tid}/clock"), None).await;
    expect(&clock, "GET /_mirror/partners/{id}/clock", &[200]);
    assert_eq!(
        clock.body["offsetSeconds"],
        json!(CLOCK_STEP * ROUNDS as i64),
        "every clock step of {tid} counted"
    );

    let faults = control(app, Method::GET, "/_mirror/faults", None).await;
    expect(&faults, "GET /_mirror/faults", &[200]);
    let remaining: BTreeSet<String> = faults.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|f| f["id"].as_str().map(str::to_owned))
        .collect();
    assert!(
        written.deleted_faults.iter().all(|id| !remaining.contains(id)),
        "deleted faults of {tid} stay deleted"
    );
}

/// Runs `CLIENTS` copies of `work` at once and returns their results.
async fn crowd<T, F, Fut>(app: &std::sync::Arc<TestApp>, work: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(std::sync::Arc<TestApp>, usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let mut tasks = JoinSet::new();
    for client in 0..CLIENTS {
        tasks.spawn(work(app.clone(), client));
    }
    let mut results = Vec::with_capacity(CLIENTS);
    while let Some(joined) = tasks.join_next().await {
        results.push(joined.expect("a client ran to the end"));
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_partners_writing_at_once_get_no_5xx_and_lose_nothing() {
    let app = std::sync::Arc::new(spawn_app().await);
    let written = crowd(&app, |app, _| one_client(app)).await;
    for client in &written {
        assert_nothing_lost(&app, client).await;
    }
    let clients: BTreeSet<&str> = written.iter().map(|w| w.partner.tenant.as_str()).collect();
    assert_eq!(clients.len(), CLIENTS);

    // Per-partner cleanup at once: notifications, then the partner's reset.
    let cleaned = crowd(&app, {
        let tenants: Vec<String> = written.iter().map(|w| w.partner.tenant.clone()).collect();
        move |app, client| {
            let tid = tenants[client].clone();
            async move {
                let cleared = control(
                    &app,
                    Method::DELETE,
                    &format!("/_mirror/notifications?partnerTenantId={tid}"),
                    None,
                )
                .await;
                expect(&cleared, "DELETE /_mirror/notifications", &[200]);
                let reset = control(
                    &app,
                    Method::POST,
                    &format!("/_mirror/reset?partnerTenantId={tid}"),
                    None,
                )
                .await;
                expect(&reset, "POST /_mirror/reset?partnerTenantId", &[200]);
                reset.body["removed"]["customers"].as_u64()
            }
        }
    })
    .await;
    assert!(
        cleaned.iter().all(|removed| *removed == Some((2 * ROUNDS) as u64)),
        "each reset removed its partner's customers: {cleaned:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_copies_of_one_attestation_leave_one_record() {
    let app = std::sync::Arc::new(spawn_app().await);
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let request_id = new_guid();
    let answers = crowd(&app, {
        let (token, customer, request_id) = (partner.token.clone(), customer.clone(), request_id.clone());
        move |app, _| {
            let (token, customer, request_id) = (token.clone(), customer.clone(), request_id.clone());
            async move {
                let path = format!("/v1/customers/{customer}/agreements");
                app.post_json_with_id(&path, &token, &attestation_body(), &request_id)
                    .await
            }
        }
    })
    .await;
    for answer in &answers {
        expect(answer, "POST …/agreements (same MS-RequestId)", &[201]);
        assert_eq!(answer.body, answers[0].body, "every copy answers the same body");
    }
    let records = history(&app, &partner.token, &customer).await;
    assert_eq!(records.len(), 1, "one record: {records:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_global_control_routes_at_once_answer_no_5xx() {
    let app = std::sync::Arc::new(spawn_app().await);
    let partner = Partner::fresh();
    create_customer(&app, &partner.token).await;
    let snapshot = control(&app, Method::GET, "/_mirror/snapshot", None).await;
    expect(&snapshot, "GET /_mirror/snapshot", &[200]);
    let snapshot = snapshot.body;
    let statuses = crowd(&app, move |app, client| {
        let snapshot = snapshot.clone();
        async move {
            let own = new_guid();
            let fixture = json!({ "formatVersion": 1, "partners": [ { "tenantId": own } ] });
            let calls: Vec<(Method, String, Option<Value>)> = vec![
                (Method::POST, "/_mirror/fixtures".into(), Some(fixture)),
                (
                    Method::POST,
                    "/_mirror/clock".into(),
                    Some(json!({"advanceSeconds": 1})),
                ),
                (Method::DELETE, "/_mirror/requests".into(), None),
                (Method::DELETE, "/_mirror/faults".into(), None),
                (Method::DELETE, "/_mirror/notifications".into(), None),
                (Method::PUT, "/_mirror/snapshot".into(), Some(snapshot)),
                (Method::POST, "/_mirror/reset".into(), None),
            ];
            let mut seen = Vec::new();
            // Each client starts at a different call, so every pair of routes meets.
            for step in 0..calls.len() {
                let (method, path, body) = calls[(client + step) % calls.len()].clone();
                let reply = control(&app, method.clone(), &path, body).await;
                no_server_error(&reply, &format!("{method} {path}"));
                seen.push((format!("{method} {path}"), reply.status));
            }
            seen
        }
    })
    .await;
    for (route, status) in statuses.iter().flatten() {
        assert!(matches!(status, 200 | 204), "{route} answered {status}");
    }
    control(&app, Method::POST, "/_mirror/reset", None)
        .await
        .assert_status(200);
    let partners = control(&app, Method::GET, "/_mirror/partners", None).await;
    expect(&partners, "GET /_mirror/partners", &[200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn alternating_contacts_under_contention_never_leave_two_identical_records_in_a_row() {
    const ATTEMPTS: usize = 300;
    const AT_ONCE: usize = 60;
    let app = std::sync::Arc::new(spawn_app().await);
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let path = format!("/v1/customers/{customer}/agreements");
    let at_once = std::sync::Arc::new(tokio::sync::Semaphore::new(AT_ONCE));
    let mut tasks = JoinSet::new();
    for attempt in 0..ATTEMPTS {
        let (app, token, path, at_once) = (app.clone(), partner.token.clone(), path.clone(), at_once.clone());
        tasks.spawn(async move {
            let _turn = at_once.acquire_owned().await.expect("the semaphore stays open");
            let body = if attempt % 2 == 0 {
                attestation("Tania", "Carr", "tania@example.com", None)
            } else {
                attestation("Ravi", "Das", "ravi@example.com", None)
            };
            app.post_json(&path, &token, &body).await
        });
    }
    let mut recorded = 0;
    while let Some(joined) = tasks.join_next().await {
        let reply = joined.expect("a request ran to the end");
        match reply.status {
            201 => recorded += 1,
            _ => assert_duplicate_refused(&reply),
        }
    }
    let records = history(&app, &partner.token, &customer).await;
    assert_eq!(records.len(), recorded, "one record per 201");
    assert!(recorded >= 2, "both contacts were recorded at least once");
    for pair in records.windows(2) {
        assert_ne!(
            pair[0]["primaryContact"]["email"], pair[1]["primaryContact"]["email"],
            "two identical records in a row: {pair:?}"
        );
    }
}
