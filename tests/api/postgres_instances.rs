//! Several instances on one PostgreSQL database (skipped without `PCM_TEST_POSTGRES_URL`): the duplicate rule,
//! partner auto-registration, customer lists and continuation tokens, development-key tokens and document links
//! all hold across instances, and two instances started at once on an empty database both become ready.

use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{
    assert_collection, assert_duplicate_refused, attestation_body, create_customer, history, mint_dev_token,
    new_partner, published_jwks, require_postgres, send, spawn_app, spawn_app_beside, spawn_app_on, Partner, Reply,
    TestApp, TestDatabase,
};

/// Two servers, each with its own data directory, on one fresh database; `None` when PostgreSQL is not configured.
async fn two_instances(test: &str) -> Option<(TestApp, TestApp)> {
    require_postgres(&format!("postgres_instances::{test}"))?;
    let first = spawn_app().await;
    assert!(first.test_database().is_some(), "the suite runs on PostgreSQL");
    let second = spawn_app_beside(&first, |_| {}).await;
    assert_ne!(first.data_dir.path(), second.data_dir.path());
    Some((first, second))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_identical_attestations_over_two_instances_give_one_201_and_one_record() {
    let Some((first, second)) =
        two_instances("fifty_concurrent_identical_attestations_over_two_instances_give_one_201_and_one_record").await
    else {
        return;
    };
    let partner = Partner::fresh();
    let customer = create_customer(&first, &partner.token).await;
    let path = format!("/v1/customers/{customer}/agreements");
    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let mut tasks = Vec::new();
    for index in 0..50 {
        let app = if index % 2 == 0 { &first } else { &second };
        // No MS-RequestId: every request executes, so only the duplicate rule can stop the others.
        let builder = app
            .request(Method::POST, &path, Some(&partner.token))
            .json(&attestation_body());
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            send(builder).await
        }));
    }
    let mut replies: Vec<Reply> = Vec::new();
    for task in tasks {
        replies.push(task.await.expect("the request task joins"));
    }
    let created: Vec<&Reply> = replies.iter().filter(|r| r.status == 201).collect();
    assert_eq!(
        created.len(),
        1,
        "exactly one 201; statuses: {:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for reply in replies.iter().filter(|r| r.status != 201) {
        assert_duplicate_refused(reply);
    }
    let on_first = history(&first, &partner.token, &customer).await;
    let on_second = history(&second, &partner.token, &customer).await;
    assert_eq!(on_first.len(), 1);
    assert_eq!(on_first, on_second);
    assert_eq!(on_first[0], created[0].body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_partners_first_requests_on_both_instances_at_once_all_succeed() {
    let Some((first, second)) =
        two_instances("a_new_partners_first_requests_on_both_instances_at_once_all_succeed").await
    else {
        return;
    };
    let partner = Partner::fresh();
    let barrier = Arc::new(tokio::sync::Barrier::new(20));
    let mut tasks = Vec::new();
    for index in 0..20 {
        let app = if index % 2 == 0 { &first } else { &second };
        let builder = app.request(Method::GET, "/v1/customers", Some(&partner.token));
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            send(builder).await
        }));
    }
    for task in tasks {
        let reply = task.await.expect("the request task joins");
        assert!(assert_collection(&reply, "/customers").is_empty());
    }
    // Registered once, visible to both.
    for app in [&first, &second] {
        let reply = app
            .get_anonymous(&format!("/_mirror/partners/{}", partner.tenant))
            .await;
        reply.assert_status(200);
    }
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|item| item["id"].as_str().expect("an id").to_owned())
        .collect()
}

fn next_token(reply: &Reply) -> String {
    reply.body["links"]["next"]["headers"][0]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("a continuation token: {}", reply.text()))
        .to_owned()
}

async fn page(app: &TestApp, partner: &Partner, path: &str, token: Option<&str>) -> Reply {
    let builder = app.request(Method::GET, path, Some(&partner.token));
    let builder = match token {
        Some(token) => builder.header("MS-ContinuationToken", token),
        None => builder,
    };
    send(builder).await
}

#[tokio::test]
async fn a_customer_created_on_one_instance_is_listed_and_paged_on_the_other() {
    let Some((first, second)) =
        two_instances("a_customer_created_on_one_instance_is_listed_and_paged_on_the_other").await
    else {
        return;
    };
    let partner = Partner::fresh();
    let mut created = Vec::new();
    for index in 0..5 {
        let app = if index % 2 == 0 { &first } else { &second };
        created.push(create_customer(app, &partner.token).await);
    }
    let listed = second.get("/v1/customers", &partner.token).await;
    let mut all = ids(&assert_collection(&listed, "/customers"));
    all.sort();
    let mut expected = created.clone();
    expected.sort();
    assert_eq!(all, expected, "every customer, wherever it was created");
    let fetched = first
        .get(&format!("/v1/customers/{}", created[1]), &partner.token)
        .await;
    fetched.assert_status(200);

    // Paging started on one instance continues on the other, and back.
    let next = "/v1/customers?size=2&seekOperation=Next";
    let one = page(&first, &partner, "/v1/customers?size=2", None).await;
    let mut seen = ids(&assert_collection(&one, "/customers?size=2"));
    let two = page(&second, &partner, next, Some(&next_token(&one))).await;
    seen.extend(ids(&assert_collection(&two, "/customers?size=2&seekOperation=Next")));
    let three = page(&first, &partner, next, Some(&next_token(&two))).await;
    let last = ids(&assert_collection(&three, "/customers?size=2&seekOperation=Next"));
    assert_eq!(last.len(), 1);
    assert!(three.body["links"].get("next").is_none());
    seen.extend(last);
    seen.sort();
    assert_eq!(seen, expected, "every customer exactly once over both instances");
}

#[tokio::test]
async fn a_token_from_one_instances_token_command_validates_on_the_other() {
    let Some((first, second)) = two_instances("a_token_from_one_instances_token_command_validates_on_the_other").await
    else {
        return;
    };
    let url = first.database_url();
    assert_eq!(
        published_jwks(&first).await.body["keys"],
        published_jwks(&second).await.body["keys"],
        "one development key for the database"
    );
    let tenant = new_partner();
    let from_first = mint_dev_token(first.data_dir.path(), &tenant, &["--database-url", &url]).await;
    second.get("/v1/agreements", &from_first).await.assert_status(200);
    first.get("/v1/agreements", &from_first).await.assert_status(200);
    // The second instance's data directory holds a key of its own, which seeded nothing: the database key wins.
    let from_second = mint_dev_token(second.data_dir.path(), &tenant, &["--database-url", &url]).await;
    first.get("/v1/agreements", &from_second).await.assert_status(200);
    let minted = send(
        second
            .request(Method::POST, "/_mirror/tokens", None)
            .json(&json!({ "tenantId": tenant })),
    )
    .await;
    minted.assert_status(200);
    let token = minted.body["accessToken"].as_str().expect("a token");
    first.get("/v1/agreements", token).await.assert_status(200);
}

#[tokio::test]
async fn a_document_link_from_one_instance_downloads_from_the_other() {
    let Some((first, second)) = two_instances("a_document_link_from_one_instance_downloads_from_the_other").await
    else {
        return;
    };
    let partner = Partner::fresh();
    let reply = first
        .get(
            "/v1/agreementtemplates/117a77b0-9360-443b-8795-c6dedc750cf9/document?country=DE&language=de-DE",
            &partner.token,
        )
        .await;
    reply.assert_status(200);
    let path_of = |member: &str| {
        let link = reply.body[member].as_str().expect("a link");
        link[link.find("/_mirror/").expect("a mirror path")..].to_owned()
    };
    let file = second.get_anonymous(&path_of("downloadUri")).await;
    file.assert_status(200);
    assert_eq!(
        file.header("content-disposition"),
        "attachment; filename=\"MicrosoftCustomerAgreement_DE_de-DE.docx\""
    );
    assert!(file.bytes.starts_with(b"PK"));
    let page = second.get_anonymous(&path_of("displayUri")).await;
    page.assert_status(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_started_at_once_on_an_empty_database_both_become_ready() {
    let Some(admin) =
        require_postgres("postgres_instances::two_instances_started_at_once_on_an_empty_database_both_become_ready")
    else {
        return;
    };
    let database = TestDatabase::create_async(&admin).await;
    let (first, second) = tokio::join!(spawn_app_on(&database.url, |_| {}), spawn_app_on(&database.url, |_| {}));
    for app in [&first, &second] {
        let ready = app.wait_ready(Duration::from_secs(10)).await;
        ready.assert_status(200);
        assert_eq!(
            ready.body,
            json!({ "status": "ready", "database": "postgresql", "migrations": "applied" })
        );
    }
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .expect("the migrations folder")
        .filter(|entry| entry.as_ref().is_ok_and(|e| e.path().is_dir()))
        .count();
    // Both publish one key: the one made in the background by whichever instance offered it first.
    assert_eq!(
        published_jwks(&first).await.body["keys"],
        published_jwks(&second).await.body["keys"]
    );
    let url = database.url.clone();
    let (applied, secrets) = tokio::task::spawn_blocking(move || {
        let mut conn = PgConnection::establish(&url).expect("a connection");
        let applied: i64 = diesel::sql_query("SELECT COUNT(*) AS n FROM __diesel_schema_migrations")
            .get_result::<Count>(&mut conn)
            .expect("the migrations table")
            .n;
        let secrets: i64 = diesel::sql_query("SELECT COUNT(*) AS n FROM shared_secrets")
            .get_result::<Count>(&mut conn)
            .expect("the secrets table")
            .n;
        (applied, secrets)
    })
    .await
    .expect("the count joins");
    assert_eq!(
        applied,
        i64::try_from(migrations).unwrap(),
        "every migration applied exactly once"
    );
    assert_eq!(secrets, 2, "one development key and one link-signing key");
    // Both serve /v1 on the shared database.
    let partner = Partner::fresh();
    let customer = create_customer(&first, &partner.token).await;
    second
        .get(&format!("/v1/customers/{customer}"), &partner.token)
        .await
        .assert_status(200);
    crate::helpers::attest(&second, &partner.token, &customer, &attestation_body())
        .await
        .assert_status(201);
    drop((first, second));
    drop(database);
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// A control-plane request without a token.
async fn control(app: &TestApp, method: Method, path: &str, body: Value) -> Reply {
    send(app.request(method, path, None).json(&body)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn control_changes_made_on_one_instance_hold_on_the_other_at_once() {
    let Some((first, second)) = two_instances("control_changes_made_on_one_instance_hold_on_the_other_at_once").await
    else {
        return;
    };
    let partner = Partner::fresh();
    // The second instance admits the partner first and keeps it in memory.
    let customer = create_customer(&second, &partner.token).await;
    second.get("/v1/agreements", &partner.token).await.assert_status(200);

    // A fault rule added through the first instance answers the next matching request on the second.
    control(
        &first,
        Method::POST,
        "/_mirror/faults",
        json!({ "id": "across", "preset": "serviceUnavailable", "match": { "path": "/v1/agreements" }, "times": 1 }),
    )
    .await
    .assert_status(201);
    let faulted = second.get("/v1/agreements", &partner.token).await;
    faulted.assert_status(503);
    assert_eq!(faulted.header("ms-mirror-fault"), "across");
    second.get("/v1/agreements", &partner.token).await.assert_status(200);

    // A partner turned into an indirect reseller on the first instance is refused where resellers are, on the second.
    control(
        &first,
        Method::PUT,
        &format!("/_mirror/partners/{}", partner.tenant),
        json!({ "partnerType": "indirectReseller" }),
    )
    .await
    .assert_status(200);
    let refused = send(
        second
            .request(
                Method::POST,
                &format!("/v1/customers/{customer}/agreements"),
                Some(&partner.token),
            )
            .json(&attestation_body()),
    )
    .await;
    refused.assert_status(403);
    second.get("/v1/customers", &partner.token).await.assert_status(200);

    // A partner clock moved two hours on the first instance expires the partner's one-hour token on the second.
    control(
        &first,
        Method::POST,
        &format!("/_mirror/partners/{}/clock", partner.tenant),
        json!({ "advanceSeconds": 7200 }),
    )
    .await
    .assert_status(200);
    second.get("/v1/customers", &partner.token).await.assert_status(401);
    second.get("/v1/agreements", &partner.token).await.assert_status(401);
}
