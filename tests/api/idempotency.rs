//! Idempotency of POST and PATCH (contract §6), on whichever backend the run uses: replay, 409 990001, scope per
//! partner, requests without a usable id, stored 4xx, 5xx never stored, retention on the partner's clock,
//! concurrency on one instance, and (PostgreSQL) on two instances sharing one database.
//!
//! Most cases use POST; the PATCH of (f5) has its own replay and conflict test.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{
    assert_collection, assert_duplicate_refused, assert_fault, assert_plain_fault, attestation_body, create_customer,
    customer_body, history, new_guid, require_postgres, send, spawn_app, spawn_app_beside, Partner, Reply, TestApp,
    TokenBuilder,
};

/// `POST path` with a JSON body, a token and the given request headers.
async fn post(app: &TestApp, path: &str, token: &str, body: &Value, headers: &[(&str, &str)]) -> Reply {
    let mut builder = app.request(Method::POST, path, Some(token)).json(body);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    send(builder).await
}

fn agreements_path(customer: &str) -> String {
    format!("/v1/customers/{customer}/agreements")
}

fn assert_not_replayed(reply: &Reply) {
    assert!(
        reply.headers.get("ms-replayed").is_none(),
        "no MS-Replayed on an executed request: {:?}",
        reply.headers
    );
}

async fn customer_ids(app: &TestApp, token: &str) -> Vec<String> {
    let reply = app.get("/v1/customers", token).await;
    assert_collection(&reply, "/customers")
        .iter()
        .map(|item| item["id"].as_str().expect("an id").to_owned())
        .collect()
}

// ------------------------------------------------------------ replay

#[tokio::test]
async fn a_repeated_request_id_replays_status_and_body_with_ms_replayed_and_the_current_correlation_id() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let id = new_guid();
    let path = agreements_path(&customer);
    let first = post(
        &app,
        &path,
        &partner.token,
        &attestation_body(),
        &[
            ("MS-RequestId", &id),
            ("MS-CorrelationId", "first-correlation"),
            ("MS-CV", "first.0"),
        ],
    )
    .await;
    first.assert_status(201);
    assert_not_replayed(&first);

    let replay = post(
        &app,
        &path,
        &partner.token,
        &attestation_body(),
        &[
            ("MS-RequestId", &id),
            ("MS-CorrelationId", "second-correlation"),
            ("MS-CV", "second.0"),
        ],
    )
    .await;
    replay.assert_status(201);
    assert_eq!(replay.bytes, first.bytes, "the stored body, byte for byte");
    assert_eq!(replay.header("ms-replayed"), "true");
    assert_eq!(replay.header("ms-requestid"), id);
    assert_eq!(replay.header("ms-correlationid"), "second-correlation");
    assert_eq!(replay.header("ms-cv"), "second.0");
    assert_eq!(
        replay.header("content-type").to_ascii_lowercase(),
        "application/json; charset=utf-8"
    );
    // No second attestation: without the replay the same body would have met the duplicate rule (600061).
    assert_eq!(history(&app, &partner.token, &customer).await.len(), 1);
}

#[tokio::test]
async fn a_replayed_create_customer_creates_no_second_customer() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let id = new_guid();
    let body = customer_body();
    let first = post(&app, "/v1/customers", &partner.token, &body, &[("MS-RequestId", &id)]).await;
    first.assert_status(201);
    for _ in 0..3 {
        let again = post(&app, "/v1/customers", &partner.token, &body, &[("MS-RequestId", &id)]).await;
        again.assert_status(201);
        assert_eq!(again.body, first.body);
        assert_eq!(again.header("ms-replayed"), "true");
    }
    assert_eq!(
        customer_ids(&app, &partner.token).await,
        [first.body["id"].as_str().unwrap()]
    );
}

#[tokio::test]
async fn the_fingerprint_ignores_json_member_order_but_not_member_spelling() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let path = agreements_path(&customer);
    let id = new_guid();
    let body = json!({
        "primaryContact": { "firstName": "Tania", "lastName": "Carr", "email": "someone@example.com",
                            "phoneNumber": "1234567890" },
        "templateId": crate::helpers::CUSTOMER_AGREEMENT_TEMPLATE,
        "dateAgreed": crate::helpers::DATE_AGREED,
        "type": "MicrosoftCustomerAgreement"
    });
    let first = post(&app, &path, &partner.token, &body, &[("MS-RequestId", &id)]).await;
    first.assert_status(201);

    // The same members in another order, sent as text so the order on the wire is certain.
    let reordered = r#"{"type":"MicrosoftCustomerAgreement","dateAgreed":"2024-05-01T08:30:00.000Z",
        "templateId":"117a77b0-9360-443b-8795-c6dedc750cf9",
        "primaryContact":{"phoneNumber":"1234567890","email":"someone@example.com","lastName":"Carr","firstName":"Tania"}}"#;
    let replay = send(
        app.request(Method::POST, &path, Some(&partner.token))
            .header("MS-RequestId", &id)
            .header("Content-Type", "application/json")
            .body(reordered),
    )
    .await;
    replay.assert_status(201);
    assert_eq!(replay.header("ms-replayed"), "true");
    assert_eq!(replay.body, first.body);

    // PascalCase binds to the same attestation (§2.4) but is a different request for idempotency.
    let pascal = json!({
        "PrimaryContact": { "FirstName": "Tania", "LastName": "Carr", "Email": "someone@example.com",
                            "PhoneNumber": "1234567890" },
        "TemplateId": crate::helpers::CUSTOMER_AGREEMENT_TEMPLATE,
        "DateAgreed": crate::helpers::DATE_AGREED,
        "Type": "MicrosoftCustomerAgreement"
    });
    let conflict = post(&app, &path, &partner.token, &pascal, &[("MS-RequestId", &id)]).await;
    assert_plain_fault(&conflict, 409, 990001);
}

// ------------------------------------------------------------ 409 990001

#[tokio::test]
async fn a_request_id_reused_with_another_body_is_refused_with_990001_naming_it_and_nothing_runs() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let path = agreements_path(&customer);
    let id = new_guid();
    let original = attestation_body();
    let first = post(&app, &path, &partner.token, &original, &[("MS-RequestId", &id)]).await;
    first.assert_status(201);

    let other = crate::helpers::with(&original, "/primaryContact/firstName", json!("Someone"));
    let conflict = post(&app, &path, &partner.token, &other, &[("MS-RequestId", &id)]).await;
    assert_plain_fault(&conflict, 409, 990001);
    let description = conflict.body["description"].as_str().expect("a description");
    assert!(description.contains(&id), "the description names the id: {description}");
    assert_not_replayed(&conflict);
    assert_eq!(conflict.header("ms-requestid"), id);
    // Nothing ran: the other body would have been a new attestation (the first name differs).
    assert_eq!(history(&app, &partner.token, &customer).await.len(), 1);

    // The 409 was not stored: the original still replays, and the other body still conflicts.
    let replay = post(&app, &path, &partner.token, &original, &[("MS-RequestId", &id)]).await;
    replay.assert_status(201);
    assert_eq!(replay.header("ms-replayed"), "true");
    assert_eq!(replay.body, first.body);
    let again = post(&app, &path, &partner.token, &other, &[("MS-RequestId", &id)]).await;
    assert_plain_fault(&again, 409, 990001);
    assert_eq!(history(&app, &partner.token, &customer).await.len(), 1);
}

#[tokio::test]
async fn the_same_request_id_on_another_path_is_a_different_request() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let first_customer = create_customer(&app, &partner.token).await;
    let second_customer = create_customer(&app, &partner.token).await;
    let id = new_guid();
    post(
        &app,
        &agreements_path(&first_customer),
        &partner.token,
        &attestation_body(),
        &[("MS-RequestId", &id)],
    )
    .await
    .assert_status(201);
    let other_path = post(
        &app,
        &agreements_path(&second_customer),
        &partner.token,
        &attestation_body(),
        &[("MS-RequestId", &id)],
    )
    .await;
    assert_plain_fault(&other_path, 409, 990001);
    let other_query = post(
        &app,
        &format!("{}?x=1", agreements_path(&first_customer)),
        &partner.token,
        &attestation_body(),
        &[("MS-RequestId", &id)],
    )
    .await;
    assert_plain_fault(&other_query, 409, 990001);
    assert!(history(&app, &partner.token, &second_customer).await.is_empty());
}

// ------------------------------------------------------------ scope

#[tokio::test]
async fn the_same_request_id_of_another_partner_is_independent() {
    let app = spawn_app().await;
    let first = Partner::fresh();
    let second = Partner::fresh();
    let id = new_guid();
    let mine = post(
        &app,
        "/v1/customers",
        &first.token,
        &customer_body(),
        &[("MS-RequestId", &id)],
    )
    .await;
    mine.assert_status(201);
    let theirs = post(
        &app,
        "/v1/customers",
        &second.token,
        &customer_body(),
        &[("MS-RequestId", &id)],
    )
    .await;
    theirs.assert_status(201);
    assert_not_replayed(&theirs);
    assert_ne!(theirs.body["id"], mine.body["id"]);
    assert_eq!(customer_ids(&app, &second.token).await.len(), 1);
    // And the first partner's record is untouched by the second's.
    let replay = post(
        &app,
        "/v1/customers",
        &first.token,
        &customer_body(),
        &[("MS-RequestId", &id)],
    )
    .await;
    assert_plain_fault(&replay, 409, 990001);
}

#[tokio::test]
async fn requests_without_a_request_id_are_never_deduplicated() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let path = agreements_path(&customer);
    let first = post(&app, &path, &partner.token, &attestation_body(), &[]).await;
    first.assert_status(201);
    assert_not_replayed(&first);
    let second = post(&app, &path, &partner.token, &attestation_body(), &[]).await;
    // Executed again: the duplicate rule answers, not a replay.
    assert_duplicate_refused(&second);
    assert_not_replayed(&second);
    assert_ne!(first.header("ms-requestid"), second.header("ms-requestid"));
}

#[tokio::test]
async fn an_unusable_request_id_is_replaced_and_never_deduplicated() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let path = agreements_path(&customer);
    let too_long = "r".repeat(129);
    let first = post(
        &app,
        &path,
        &partner.token,
        &attestation_body(),
        &[("MS-RequestId", &too_long)],
    )
    .await;
    first.assert_status(201);
    assert_ne!(first.header("ms-requestid"), too_long);
    let second = post(
        &app,
        &path,
        &partner.token,
        &attestation_body(),
        &[("MS-RequestId", &too_long)],
    )
    .await;
    assert_duplicate_refused(&second);
    assert_not_replayed(&second);
}

#[tokio::test]
async fn authentication_runs_before_the_record_is_consulted() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let path = agreements_path(&customer);
    let id = new_guid();
    let bad = partner
        .token_builder()
        .secret("another-secret-of-at-least-32-bytes!!")
        .sign();
    let refused = post(&app, &path, &bad, &attestation_body(), &[("MS-RequestId", &id)]).await;
    crate::helpers::assert_unauthorized(&refused, 800001);
    // The 401 is neither stored nor blocks the id: the valid request runs.
    let executed = post(
        &app,
        &path,
        &partner.token,
        &attestation_body(),
        &[("MS-RequestId", &id)],
    )
    .await;
    executed.assert_status(201);
    assert_not_replayed(&executed);
    // A later 401 with the same id is recomputed, not replayed.
    let refused_again = post(&app, &path, &bad, &attestation_body(), &[("MS-RequestId", &id)]).await;
    crate::helpers::assert_unauthorized(&refused_again, 800001);
    assert_not_replayed(&refused_again);
}

// ------------------------------------------------------------ what is stored

#[tokio::test]
async fn a_stored_4xx_answer_is_replayed() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let path = agreements_path(&customer);
    post(&app, &path, &partner.token, &attestation_body(), &[])
        .await
        .assert_status(201);
    let id = new_guid();
    let refused = post(
        &app,
        &path,
        &partner.token,
        &attestation_body(),
        &[("MS-RequestId", &id)],
    )
    .await;
    assert_duplicate_refused(&refused);
    assert_not_replayed(&refused);
    let replay = post(
        &app,
        &path,
        &partner.token,
        &attestation_body(),
        &[("MS-RequestId", &id)],
    )
    .await;
    assert_duplicate_refused(&replay);
    assert_eq!(replay.header("ms-replayed"), "true");
    assert_eq!(replay.bytes, refused.bytes);

    let invalid_id = new_guid();
    let invalid = with_missing_email();
    let first = post(&app, &path, &partner.token, &invalid, &[("MS-RequestId", &invalid_id)]).await;
    assert_fault(&first, 400, 800002);
    let again = post(&app, &path, &partner.token, &invalid, &[("MS-RequestId", &invalid_id)]).await;
    assert_fault(&again, 400, 800002);
    assert_eq!(again.header("ms-replayed"), "true");
    assert_eq!(again.body, first.body);
}

fn with_missing_email() -> Value {
    crate::helpers::with(&attestation_body(), "/primaryContact/email", Value::Null)
}

/// SQL that makes every insert into `agreements` fail, per backend, and its undo.
const SQLITE_BREAK: &str = "CREATE TRIGGER pcm_test_break BEFORE INSERT ON agreements \
     BEGIN SELECT RAISE(ABORT, 'injected by the test'); END;";
const SQLITE_REPAIR: &str = "DROP TRIGGER pcm_test_break;";
const POSTGRES_BREAK: &str = "CREATE FUNCTION pcm_test_break() RETURNS trigger LANGUAGE plpgsql AS \
     $$ BEGIN RAISE EXCEPTION 'injected by the test'; END $$; \
     CREATE TRIGGER pcm_test_break BEFORE INSERT ON agreements FOR EACH ROW EXECUTE FUNCTION pcm_test_break();";
const POSTGRES_REPAIR: &str = "DROP TRIGGER pcm_test_break ON agreements; DROP FUNCTION pcm_test_break();";

/// Runs SQL on the database of `app`, picking the statement of its backend.
fn run_sql(app: &TestApp, sqlite: &str, postgres: &str) {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    match app.test_database() {
        Some(database) => database.connect().batch_execute(postgres).expect("the SQL runs"),
        None => {
            let url = app.database_url();
            let path = url.strip_prefix("sqlite://").expect("a SQLite URL");
            let mut conn = diesel::SqliteConnection::establish(path).expect("the SQLite file opens");
            conn.batch_execute(&format!("PRAGMA busy_timeout = 10000; {sqlite}"))
                .expect("the SQL runs");
        }
    }
}

#[tokio::test]
async fn a_5xx_answer_is_not_stored_so_a_retry_runs_again() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let path = agreements_path(&customer);
    let id = new_guid();
    run_sql(&app, SQLITE_BREAK, POSTGRES_BREAK);
    let failed = post(
        &app,
        &path,
        &partner.token,
        &attestation_body(),
        &[("MS-RequestId", &id)],
    )
    .await;
    assert_plain_fault(&failed, 500, 800003);
    assert!(
        !failed.text().contains("injected"),
        "no database text reaches the client: {}",
        failed.text()
    );
    run_sql(&app, SQLITE_REPAIR, POSTGRES_REPAIR);
    let retried = post(
        &app,
        &path,
        &partner.token,
        &attestation_body(),
        &[("MS-RequestId", &id)],
    )
    .await;
    retried.assert_status(201);
    assert_not_replayed(&retried);
    assert_eq!(history(&app, &partner.token, &customer).await.len(), 1);
}

// ------------------------------------------------------------ retention

#[tokio::test]
async fn a_record_is_kept_24_hours_on_the_partners_clock_and_then_the_id_runs_again() {
    let app = spawn_app().await;
    let tenant = new_guid();
    let registered = send(
        app.request(Method::PUT, &format!("/_mirror/partners/{tenant}"), None)
            .json(&json!({})),
    )
    .await;
    registered.assert_status(201);
    // Valid for three days of mirror time, so that advancing the partner's clock does not expire it.
    let token = TokenBuilder::app_user(&tenant).expires_in(3 * 86_400).sign();
    let customer = create_customer(&app, &token).await;
    let path = agreements_path(&customer);
    let id = new_guid();
    let first = post(&app, &path, &token, &attestation_body(), &[("MS-RequestId", &id)]).await;
    first.assert_status(201);

    let advance = |seconds: i64| {
        let app = &app;
        let tenant = tenant.clone();
        async move {
            let reply = send(
                app.request(Method::POST, &format!("/_mirror/partners/{tenant}/clock"), None)
                    .json(&json!({ "advanceSeconds": seconds })),
            )
            .await;
            reply.assert_status(200);
        }
    };
    advance(86_000).await;
    let kept = post(&app, &path, &token, &attestation_body(), &[("MS-RequestId", &id)]).await;
    kept.assert_status(201);
    assert_eq!(kept.header("ms-replayed"), "true");

    advance(401).await;
    let expired = post(&app, &path, &token, &attestation_body(), &[("MS-RequestId", &id)]).await;
    // Executed again: the duplicate rule sees the first attestation.
    assert_duplicate_refused(&expired);
    assert_not_replayed(&expired);

    // Another partner's clock is not this one's: its record made now is still kept.
    let other = Partner::fresh();
    let theirs = create_customer(&app, &other.token).await;
    let other_id = new_guid();
    let made = post(
        &app,
        &agreements_path(&theirs),
        &other.token,
        &attestation_body(),
        &[("MS-RequestId", &other_id)],
    )
    .await;
    made.assert_status(201);
    let replay = post(
        &app,
        &agreements_path(&theirs),
        &other.token,
        &attestation_body(),
        &[("MS-RequestId", &other_id)],
    )
    .await;
    assert_eq!(replay.header("ms-replayed"), "true");
}

// ------------------------------------------------------------ concurrency

/// Sends `count` identical attestations with one `MS-RequestId` at the same moment, round-robin over `apps`.
async fn same_id_at_once(apps: &[&TestApp], partner: &Partner, customer: &str, count: usize) -> Vec<Reply> {
    let id = new_guid();
    let path = agreements_path(customer);
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(count));
    let mut tasks = Vec::new();
    for index in 0..count {
        let builder = apps[index % apps.len()]
            .request(Method::POST, &path, Some(&partner.token))
            .header("MS-RequestId", &id)
            .json(&attestation_body());
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            send(builder).await
        }));
    }
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.expect("the request task joins"));
    }
    replies
}

fn assert_one_execution(replies: &[Reply]) {
    for reply in replies {
        reply.assert_status(201);
    }
    let executed = replies
        .iter()
        .filter(|r| r.headers.get("ms-replayed").is_none())
        .count();
    assert_eq!(executed, 1, "exactly one request executes, the others replay");
    for reply in replies {
        assert_eq!(reply.bytes, replies[0].bytes, "identical bodies");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_with_one_id_change_state_once_and_answer_identically() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let replies = same_id_at_once(&[&app], &partner, &customer, 10).await;
    assert_one_execution(&replies);
    assert_eq!(history(&app, &partner.token, &customer).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_id_sent_to_two_instances_at_once_changes_state_once() {
    let Some(_) = require_postgres("idempotency::the_same_id_sent_to_two_instances_at_once_changes_state_once") else {
        return;
    };
    let first = spawn_app().await;
    let second = spawn_app_beside(&first, |_| {}).await;
    let partner = Partner::fresh();
    let customer = create_customer(&first, &partner.token).await;
    for _ in 0..3 {
        let fresh = create_customer(&second, &partner.token).await;
        let replies = same_id_at_once(&[&first, &second], &partner, &fresh, 2).await;
        assert_one_execution(&replies);
        assert_eq!(history(&first, &partner.token, &fresh).await.len(), 1);
    }
    let replies = same_id_at_once(&[&first, &second], &partner, &customer, 10).await;
    assert_one_execution(&replies);
    assert_eq!(history(&second, &partner.token, &customer).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_concurrent_twin_with_another_body_waits_and_then_gets_990001() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let path = agreements_path(&customer);
    let id = new_guid();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
    let mut tasks = Vec::new();
    for first_name in ["Tania", "Someone"] {
        let body = crate::helpers::with(&attestation_body(), "/primaryContact/firstName", json!(first_name));
        let builder = app
            .request(Method::POST, &path, Some(&partner.token))
            .header("MS-RequestId", &id)
            .json(&body);
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            send(builder).await
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        let reply = task.await.expect("the request task joins");
        if reply.status == 409 {
            assert_plain_fault(&reply, 409, 990001);
        } else {
            reply.assert_status(201);
            assert_not_replayed(&reply);
        }
        statuses.push(reply.status);
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "one runs, the other is refused");
    assert_eq!(history(&app, &partner.token, &customer).await.len(), 1);
}

// ------------------------------------------------------------ PATCH

async fn patch(app: &TestApp, path: &str, token: &str, body: &Value, request_id: &str) -> Reply {
    send(
        app.request(Method::PATCH, path, Some(token))
            .json(body)
            .header("MS-RequestId", request_id),
    )
    .await
}

#[tokio::test]
async fn a_repeated_patch_is_replayed_and_a_different_patch_with_the_same_id_is_refused() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let path = format!("/v1/customers/{customer}");
    let id = new_guid();
    let body = json!({"relationshipToPartner": "none"});
    let first = patch(&app, &path, &partner.token, &body, &id).await;
    first.assert_status(200);
    assert_not_replayed(&first);
    let again = patch(&app, &path, &partner.token, &body, &id).await;
    again.assert_status(200);
    assert_eq!(again.header("ms-replayed"), "true");
    assert_eq!(again.body, first.body);
    let other = patch(
        &app,
        &path,
        &partner.token,
        &json!({"relationshipToPartner": "None"}),
        &id,
    )
    .await;
    assert_plain_fault(&other, 409, 990001);
    assert!(other.body["description"].as_str().unwrap_or_default().contains(&id));
}
