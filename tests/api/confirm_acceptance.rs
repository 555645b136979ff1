//! Operation (b), `POST /v1/customers/{id}/agreements`: body binding, validation, dates, the duplicate rule, idempotency, concurrency and the role matrix (contract §4.2, §2.4, §2.6, §6).

use serde_json::{json, Value};

use crate::helpers::{
    assert_duplicate_refused, assert_field_error, assert_plain_fault, assert_single_field_error, attest, attestation,
    attestation_body, create_customer, history, new_guid, spawn_app, with, Partner, Reply, TestApp,
    CUSTOMER_AGREEMENT_TEMPLATE, DATE_AGREED_ECHO, LEGACY_TEMPLATE, LEGACY_TEMPLATE_MESSAGE,
};

/// A server, a partner and one of its customers.
struct Scene {
    app: TestApp,
    partner: Partner,
    customer: String,
}

impl Scene {
    async fn new() -> Scene {
        let app = spawn_app().await;
        let partner = Partner::fresh();
        let customer = create_customer(&app, &partner.token).await;
        Scene { app, partner, customer }
    }

    async fn attest(&self, body: &Value) -> Reply {
        attest(&self.app, &self.partner.token, &self.customer, body).await
    }

    /// Attests and asserts 201; returns the body.
    async fn accepted(&self, body: &Value) -> Value {
        let reply = self.attest(body).await;
        reply.assert_status(201);
        reply.body
    }

    async fn history(&self) -> Vec<Value> {
        history(&self.app, &self.partner.token, &self.customer).await
    }

    fn path(&self) -> String {
        format!("/v1/customers/{}/agreements", self.customer)
    }

    /// Attests with an `MS-RequestId` and, optionally, an `MS-CorrelationId`.
    async fn attest_with_id(&self, body: &Value, id: &str, correlation: Option<&str>) -> Reply {
        let builder = self
            .app
            .request(reqwest::Method::POST, &self.path(), Some(&self.partner.token))
            .header("MS-RequestId", id)
            .json(body);
        let builder = match correlation {
            Some(value) => builder.header("MS-CorrelationId", value),
            None => builder,
        };
        crate::helpers::send(builder).await
    }
}

/// The 201 body for `attestation_body()` by `user`, with the given `dateAgreed`.
fn expected_agreement(user: &str, date: &str) -> Value {
    json!({
        "userId": user,
        "primaryContact": { "firstName": "Tania", "lastName": "Carr", "email": "someone@example.com", "phoneNumber": "1234567890" },
        "templateId": CUSTOMER_AGREEMENT_TEMPLATE,
        "dateAgreed": date,
        "type": "MicrosoftCustomerAgreement",
        "agreementLink": "https://aka.ms/customeragreement"
    })
}

/// The echoed `dateAgreed` for an input value.
async fn echoed_date(input: &str) -> String {
    let scene = Scene::new().await;
    let body = scene
        .accepted(&with(&attestation_body(), "/dateAgreed", json!(input)))
        .await;
    body["dateAgreed"].as_str().expect("a date").to_owned()
}

/// Asserts that a `dateAgreed` input is refused with `reason`.
async fn assert_date_refused(input: &str, reason: &str) {
    let scene = Scene::new().await;
    let reply = scene
        .attest(&with(&attestation_body(), "/dateAgreed", json!(input)))
        .await;
    assert_single_field_error(&reply, "dateAgreed", reason);
}

// ------------------------------------------------------------ success and binding

#[tokio::test]
async fn confirm_acceptance_answers_201_with_the_documented_agreement() {
    let scene = Scene::new().await;
    let body = with(&attestation_body(), "/dateAgreed", json!("2018-06-14T00:00:00.000Z"));
    let reply = scene.attest(&body).await;
    reply.assert_status(201);
    crate::helpers::assert_json_content_type(&reply);
    assert!(reply.headers.get("location").is_none(), "no Location header");
    assert_eq!(
        reply.body,
        expected_agreement(&scene.partner.user_id, "2018-06-14T00:00:00Z")
    );
    assert_eq!(scene.history().await, [reply.body]);
}

#[tokio::test]
async fn confirm_acceptance_binds_the_dotnet_pascal_case_body_with_nulls_like_camel_case() {
    let scene = Scene::new().await;
    let pascal: Value = serde_json::from_str(r#"{"UserId":null,"PrimaryContact":{"FirstName":"Tania","LastName":"Carr","Email":"someone@example.com","PhoneNumber":"1234567890"},"TemplateId":"117a77b0-9360-443b-8795-c6dedc750cf9","DateAgreed":"2024-01-01T10:11:12.1234567Z","Type":null,"AgreementLink":null}"#).expect("JSON");
    let from_pascal = scene.accepted(&pascal).await;
    let expected = expected_agreement(&scene.partner.user_id, "2024-01-01T10:11:12.1234567Z");
    assert_eq!(from_pascal, expected);

    let other = create_customer(&scene.app, &scene.partner.token).await;
    let camel = with(
        &attestation_body(),
        "/dateAgreed",
        json!("2024-01-01T10:11:12.1234567Z"),
    );
    let reply = attest(&scene.app, &scene.partner.token, &other, &camel).await;
    reply.assert_status(201);
    assert_eq!(reply.body, from_pascal);
}

#[tokio::test]
async fn confirm_acceptance_binds_property_names_in_any_case_and_the_last_duplicate_key_wins() {
    let scene = Scene::new().await;
    let text = format!(
        r#"{{"PRIMARYCONTACT":{{"firstname":"Wrong","FIRSTNAME":"Tania","LASTNAME":"Carr","eMail":"someone@example.com","phonenumber":"1234567890"}},"templateid":"{CUSTOMER_AGREEMENT_TEMPLATE}","DATEAGREED":"2024-05-01T08:30:00Z"}}"#
    );
    let reply = crate::helpers::send(
        scene
            .app
            .request(reqwest::Method::POST, &scene.path(), Some(&scene.partner.token))
            .header("Content-Type", "application/json")
            .body(text),
    )
    .await;
    reply.assert_status(201);
    assert_eq!(reply.body, expected_agreement(&scene.partner.user_id, DATE_AGREED_ECHO));
}

#[tokio::test]
async fn confirm_acceptance_accepts_the_java_sdk_body_with_attributes_and_nine_fractional_digits() {
    let scene = Scene::new().await;
    let mut body = with(
        &attestation_body(),
        "/dateAgreed",
        json!("2025-11-21T19:07:15.148677464Z"),
    );
    body["attributes"] = json!({ "objectType": "Agreement" });
    let reply = scene.accepted(&body).await;
    assert_eq!(
        reply,
        expected_agreement(&scene.partner.user_id, "2025-11-21T19:07:15.148677464Z")
    );
}

#[tokio::test]
async fn confirm_acceptance_takes_user_id_from_the_token_and_type_and_link_from_the_template() {
    let scene = Scene::new().await;
    let mut body = attestation_body();
    body["userId"] = json!(new_guid());
    body["type"] = json!("MicrosoftCloudAgreement");
    body["agreementLink"] = json!("https://example.com/elsewhere");
    let reply = scene.accepted(&body).await;
    assert_eq!(reply, expected_agreement(&scene.partner.user_id, DATE_AGREED_ECHO));
}

#[tokio::test]
async fn confirm_acceptance_ignores_an_unknown_type() {
    let scene = Scene::new().await;
    let reply = scene
        .accepted(&with(&attestation_body(), "/type", json!("Banana")))
        .await;
    assert_eq!(reply["type"], json!("MicrosoftCustomerAgreement"));
}

#[tokio::test]
async fn confirm_acceptance_echoes_an_uppercase_template_id_in_lowercase() {
    let scene = Scene::new().await;
    let body = with(
        &attestation_body(),
        "/templateId",
        json!(CUSTOMER_AGREEMENT_TEMPLATE.to_uppercase()),
    );
    let reply = scene.accepted(&body).await;
    assert_eq!(reply["templateId"], json!(CUSTOMER_AGREEMENT_TEMPLATE));
}

#[tokio::test]
async fn confirm_acceptance_accepts_an_uppercase_customer_id() {
    let scene = Scene::new().await;
    let reply = attest(
        &scene.app,
        &scene.partner.token,
        &scene.customer.to_uppercase(),
        &attestation_body(),
    )
    .await;
    reply.assert_status(201);
    assert_eq!(scene.history().await.len(), 1);
}

#[tokio::test]
async fn confirm_acceptance_stores_values_without_trimming() {
    let scene = Scene::new().await;
    let body = with(&attestation_body(), "/primaryContact/firstName", json!(" Tania "));
    let reply = scene.accepted(&body).await;
    assert_eq!(reply["primaryContact"]["firstName"], json!(" Tania "));
}

// ------------------------------------------------------------ phone numbers

#[tokio::test]
async fn an_empty_null_or_absent_phone_number_is_stored_and_emitted_as_null() {
    let scene = Scene::new().await;
    let variants = [
        with(&attestation_body(), "/primaryContact/phoneNumber", json!("")),
        with(&attestation_body(), "/primaryContact/phoneNumber", Value::Null),
        {
            let mut body = attestation_body();
            body["primaryContact"]
                .as_object_mut()
                .expect("an object")
                .remove("phoneNumber");
            body
        },
    ];
    for (index, body) in variants.iter().enumerate() {
        // A new first name per variant, so the duplicate rule does not apply.
        let body = with(body, "/primaryContact/firstName", json!(format!("Tania{index}")));
        let reply = scene.accepted(&body).await;
        assert_eq!(reply["primaryContact"]["phoneNumber"], Value::Null);
        let members = reply["primaryContact"].as_object().expect("an object");
        assert!(members.contains_key("phoneNumber"), "phoneNumber is always present");
    }
    for item in scene.history().await {
        assert_eq!(item["primaryContact"]["phoneNumber"], Value::Null);
    }
}

#[tokio::test]
async fn a_phone_number_without_digits_or_with_letters_is_invalid() {
    let scene = Scene::new().await;
    for phone in ["()-+", "12345abc"] {
        let reply = scene
            .attest(&with(&attestation_body(), "/primaryContact/phoneNumber", json!(phone)))
            .await;
        assert_single_field_error(&reply, "primaryContact.phoneNumber", "invalidFormat");
    }
    let ok = with(
        &attestation_body(),
        "/primaryContact/phoneNumber",
        json!("+1 (425) 555-0100."),
    );
    scene.accepted(&ok).await;
}

#[tokio::test]
async fn a_phone_number_over_64_characters_is_too_long() {
    let scene = Scene::new().await;
    let body = with(
        &attestation_body(),
        "/primaryContact/phoneNumber",
        json!("1".repeat(65)),
    );
    let reply = scene.attest(&body).await;
    assert_single_field_error(&reply, "primaryContact.phoneNumber", "tooLong");
}

// ------------------------------------------------------------ dates (§2.6)

#[tokio::test]
async fn confirm_acceptance_converts_offsets_to_utc() {
    assert_eq!(echoed_date("2024-03-01T10:00:00+02:00").await, "2024-03-01T08:00:00Z");
    assert_eq!(echoed_date("2024-03-01T10:00:00-0530").await, "2024-03-01T15:30:00Z");
    assert_eq!(echoed_date("2024-03-01T10:00:00.5-05").await, "2024-03-01T15:00:00.5Z");
}

#[tokio::test]
async fn confirm_acceptance_reads_a_date_without_offset_as_utc() {
    assert_eq!(echoed_date("2024-03-01T10:00:00").await, "2024-03-01T10:00:00Z");
    assert_eq!(echoed_date("2024-03-01t10:00:00z").await, "2024-03-01T10:00:00Z");
}

#[tokio::test]
async fn confirm_acceptance_reads_a_date_only_as_midnight_utc() {
    assert_eq!(echoed_date("2024-03-01").await, "2024-03-01T00:00:00Z");
}

#[tokio::test]
async fn confirm_acceptance_trims_trailing_zeros_of_the_fraction() {
    assert_eq!(
        echoed_date("2024-03-01T10:00:00.120000Z").await,
        "2024-03-01T10:00:00.12Z"
    );
}

#[tokio::test]
async fn confirm_acceptance_refuses_a_space_instead_of_t() {
    assert_date_refused("2024-03-01 10:00:00Z", "invalidFormat").await;
}

#[tokio::test]
async fn confirm_acceptance_refuses_more_than_nine_fractional_digits() {
    assert_date_refused("2024-03-01T10:00:00.1234567890Z", "invalidFormat").await;
}

#[tokio::test]
async fn confirm_acceptance_refuses_a_date_that_is_not_a_date() {
    assert_date_refused("yesterday", "invalidFormat").await;
}

#[tokio::test]
async fn confirm_acceptance_treats_the_dotnet_unset_date_as_missing() {
    assert_date_refused("0001-01-01T00:00:00", "required").await;
    assert_date_refused("0001-01-01T00:00:00.0000000+02:00", "required").await;
    assert_date_refused("0001-01-01T00:00:00Z", "required").await;
}

#[tokio::test]
async fn confirm_acceptance_refuses_a_future_date() {
    let later = chrono::Utc::now() + chrono::Duration::hours(15);
    let input = later.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    assert_date_refused(&input, "futureDate").await;
}

#[tokio::test]
async fn confirm_acceptance_accepts_a_date_up_to_fourteen_hours_ahead() {
    let later = chrono::Utc::now() + chrono::Duration::hours(13);
    let input = later.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    assert_eq!(echoed_date(&input).await, input);
}

// ------------------------------------------------------------ validation (§4.2 errors)

#[tokio::test]
async fn confirm_acceptance_refuses_the_legacy_template_with_the_recorded_message() {
    let scene = Scene::new().await;
    let reply = scene
        .attest(&with(&attestation_body(), "/templateId", json!(LEGACY_TEMPLATE)))
        .await;
    assert_single_field_error(&reply, "templateId", "templateNotSupported");
    assert_eq!(reply.body["description"], json!(LEGACY_TEMPLATE_MESSAGE));
    assert!(scene.history().await.is_empty());
}

#[tokio::test]
async fn confirm_acceptance_refuses_an_unknown_template() {
    let scene = Scene::new().await;
    let reply = scene
        .attest(&with(&attestation_body(), "/templateId", json!(new_guid())))
        .await;
    assert_single_field_error(&reply, "templateId", "unknownTemplate");
}

#[tokio::test]
async fn confirm_acceptance_refuses_a_template_id_that_is_not_a_guid() {
    let scene = Scene::new().await;
    let reply = scene
        .attest(&with(
            &attestation_body(),
            "/templateId",
            json!("MicrosoftCustomerAgreement"),
        ))
        .await;
    assert_single_field_error(&reply, "templateId", "invalidFormat");
    for other_form in [
        CUSTOMER_AGREEMENT_TEMPLATE.replace('-', ""),
        format!("{{{CUSTOMER_AGREEMENT_TEMPLATE}}}"),
    ] {
        let reply = scene
            .attest(&with(&attestation_body(), "/templateId", json!(other_form)))
            .await;
        assert_single_field_error(&reply, "templateId", "invalidFormat");
    }
    let reply = scene
        .attest(&with(&attestation_body(), "/templateId", json!(117)))
        .await;
    assert_single_field_error(&reply, "templateId", "invalidType");
}

#[tokio::test]
async fn confirm_acceptance_requires_the_primary_contact() {
    let scene = Scene::new().await;
    let mut body = attestation_body();
    body.as_object_mut().expect("an object").remove("primaryContact");
    assert_single_field_error(&scene.attest(&body).await, "primaryContact", "required");
    let body = with(&attestation_body(), "/primaryContact", Value::Null);
    assert_single_field_error(&scene.attest(&body).await, "primaryContact", "required");
}

#[tokio::test]
async fn confirm_acceptance_treats_blank_required_strings_as_missing() {
    let scene = Scene::new().await;
    for (pointer, field) in [
        ("/primaryContact/firstName", "primaryContact.firstName"),
        ("/primaryContact/lastName", "primaryContact.lastName"),
        ("/primaryContact/email", "primaryContact.email"),
        ("/templateId", "templateId"),
        ("/dateAgreed", "dateAgreed"),
    ] {
        let reply = scene.attest(&with(&attestation_body(), pointer, json!("   "))).await;
        assert_single_field_error(&reply, field, "required");
        let reply = scene.attest(&with(&attestation_body(), pointer, Value::Null)).await;
        assert_single_field_error(&reply, field, "required");
    }
}

#[tokio::test]
async fn confirm_acceptance_refuses_a_number_where_a_string_is_expected() {
    let scene = Scene::new().await;
    let reply = scene
        .attest(&with(&attestation_body(), "/primaryContact/firstName", json!(5)))
        .await;
    assert_single_field_error(&reply, "primaryContact.firstName", "invalidType");
    let reply = scene
        .attest(&with(&attestation_body(), "/primaryContact", json!("Tania Carr")))
        .await;
    assert_single_field_error(&reply, "primaryContact", "invalidType");
}

#[tokio::test]
async fn confirm_acceptance_refuses_names_over_256_characters() {
    let scene = Scene::new().await;
    let long = "a".repeat(257);
    let reply = scene
        .attest(&with(&attestation_body(), "/primaryContact/lastName", json!(long)))
        .await;
    assert_single_field_error(&reply, "primaryContact.lastName", "tooLong");
    let ok = with(&attestation_body(), "/primaryContact/lastName", json!("b".repeat(256)));
    scene.accepted(&ok).await;
}

#[tokio::test]
async fn confirm_acceptance_refuses_control_characters_in_names() {
    let scene = Scene::new().await;
    let reply = scene
        .attest(&with(
            &attestation_body(),
            "/primaryContact/firstName",
            json!("Ta\u{7}nia"),
        ))
        .await;
    assert_single_field_error(&reply, "primaryContact.firstName", "invalidFormat");
}

#[tokio::test]
async fn confirm_acceptance_refuses_malformed_email_addresses() {
    let scene = Scene::new().await;
    for email in [
        "someone.example.com",
        "some@one@example.com",
        "@example.com",
        "someone@localhost",
        "some one@example.com",
    ] {
        let reply = scene
            .attest(&with(&attestation_body(), "/primaryContact/email", json!(email)))
            .await;
        assert_single_field_error(&reply, "primaryContact.email", "invalidFormat");
    }
}

#[tokio::test]
async fn confirm_acceptance_refuses_an_email_over_256_characters() {
    let scene = Scene::new().await;
    let email = format!("{}@example.com", "e".repeat(250));
    let reply = scene
        .attest(&with(&attestation_body(), "/primaryContact/email", json!(email)))
        .await;
    assert_single_field_error(&reply, "primaryContact.email", "tooLong");
}

#[tokio::test]
async fn confirm_acceptance_reports_all_field_errors_together() {
    let scene = Scene::new().await;
    let mut body = with(&attestation_body(), "/primaryContact/email", json!("not-an-email"));
    body.as_object_mut().expect("an object").remove("dateAgreed");
    let reply = scene.attest(&body).await;
    assert_field_error(&reply, "primaryContact.email", "invalidFormat");
    assert_field_error(&reply, "dateAgreed", "required");
    assert_eq!(reply.body["data"].as_array().map(Vec::len), Some(2));
    let description = reply.body["description"].as_str().expect("a description");
    assert!(description.contains("primaryContact.email") && description.contains("dateAgreed"));
}

#[tokio::test]
async fn confirm_acceptance_refuses_a_body_that_is_not_json() {
    let scene = Scene::new().await;
    let reply = crate::helpers::send(
        scene
            .app
            .request(reqwest::Method::POST, &scene.path(), Some(&scene.partner.token))
            .header("Content-Type", "application/json")
            .body("{\"primaryContact\": "),
    )
    .await;
    assert_single_field_error(&reply, "body", "malformedBody");
}

// ------------------------------------------------------------ customer checks

#[tokio::test]
async fn confirm_acceptance_checks_the_customer_before_the_body() {
    let scene = Scene::new().await;
    let reply = attest(&scene.app, &scene.partner.token, &new_guid(), &json!({})).await;
    assert_plain_fault(&reply, 404, 60003);
}

// 403 20002 (relationship removed) needs PATCH /v1/customers/{id} (f5), which is not part of this
// issue; its test comes with (f5).

// ------------------------------------------------------------ the duplicate rule (§4.2 rule 2)

#[tokio::test]
async fn confirm_acceptance_refuses_a_repeat_of_the_same_contact_with_600061() {
    let scene = Scene::new().await;
    scene.accepted(&attestation_body()).await;
    assert_duplicate_refused(&scene.attest(&attestation_body()).await);
    assert_eq!(scene.history().await.len(), 1);
}

#[tokio::test]
async fn a_different_date_agreed_alone_does_not_avoid_the_duplicate_rule() {
    let scene = Scene::new().await;
    scene.accepted(&attestation_body()).await;
    let body = with(&attestation_body(), "/dateAgreed", json!("2025-01-02T03:04:05Z"));
    assert_duplicate_refused(&scene.attest(&body).await);
}

#[tokio::test]
async fn a_null_phone_number_equals_an_empty_one_for_the_duplicate_rule() {
    let scene = Scene::new().await;
    scene
        .accepted(&with(&attestation_body(), "/primaryContact/phoneNumber", json!("")))
        .await;
    let body = with(&attestation_body(), "/primaryContact/phoneNumber", Value::Null);
    assert_duplicate_refused(&scene.attest(&body).await);
}

#[tokio::test]
async fn changing_any_one_of_the_four_contact_fields_allows_a_new_record() {
    let scene = Scene::new().await;
    let base = attestation_body();
    scene.accepted(&base).await;
    let changes = [
        ("/primaryContact/firstName", json!("Tanja")),
        ("/primaryContact/lastName", json!("Carr-Smith")),
        ("/primaryContact/email", json!("other@example.com")),
        ("/primaryContact/phoneNumber", json!("0987654321")),
    ];
    for (pointer, value) in changes {
        scene.accepted(&with(&base, pointer, value)).await;
        // The rule compares with the most recent record only, so the base contact is new again.
        scene.accepted(&base).await;
    }
    assert_eq!(scene.history().await.len(), 9);
}

#[tokio::test]
async fn the_duplicate_comparison_is_case_sensitive() {
    let scene = Scene::new().await;
    scene.accepted(&attestation_body()).await;
    let body = with(
        &attestation_body(),
        "/primaryContact/email",
        json!("Someone@example.com"),
    );
    scene.accepted(&body).await;
    assert_eq!(scene.history().await.len(), 2);
}

#[tokio::test]
async fn the_duplicate_rule_is_kept_per_customer() {
    let scene = Scene::new().await;
    scene.accepted(&attestation_body()).await;
    let other = create_customer(&scene.app, &scene.partner.token).await;
    attest(&scene.app, &scene.partner.token, &other, &attestation_body())
        .await
        .assert_status(201);
}

#[tokio::test]
async fn twenty_concurrent_identical_attestations_give_one_record() {
    let scene = Scene::new().await;
    let path = scene.path();
    let body = attestation_body();
    let ids: Vec<String> = (0..20).map(|_| new_guid()).collect();
    let requests = ids
        .iter()
        .map(|id| scene.app.post_json_with_id(&path, &scene.partner.token, &body, id));
    let replies = futures_util::future::join_all(requests).await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    assert_eq!(created, 1, "exactly one 201: {:?}", statuses(&replies));
    for reply in replies.iter().filter(|r| r.status != 201) {
        assert_duplicate_refused(reply);
    }
    assert_eq!(scene.history().await.len(), 1);
}

fn statuses(replies: &[Reply]) -> Vec<u16> {
    replies.iter().map(|r| r.status).collect()
}

// ------------------------------------------------------------ idempotency (§6)

#[tokio::test]
async fn confirm_acceptance_replays_a_repeated_request_id_with_the_same_body() {
    let scene = Scene::new().await;
    let id = new_guid();
    let first = scene.attest_with_id(&attestation_body(), &id, None).await;
    first.assert_status(201);
    assert!(first.headers.get("ms-replayed").is_none());
    let replay = scene
        .attest_with_id(&attestation_body(), &id, Some("replay-correlation"))
        .await;
    replay.assert_status(201);
    assert_eq!(replay.body, first.body);
    assert_eq!(replay.header("ms-replayed"), "true");
    assert_eq!(replay.header("ms-requestid"), id);
    assert_eq!(replay.header("ms-correlationid"), "replay-correlation");
    assert_eq!(scene.history().await.len(), 1);
}

#[tokio::test]
async fn confirm_acceptance_refuses_a_reused_request_id_with_another_body_with_990001() {
    let scene = Scene::new().await;
    let id = new_guid();
    let first = scene.attest_with_id(&attestation_body(), &id, None).await;
    first.assert_status(201);
    let other = attestation("Other", "Person", "other@example.com", None);
    let reply = scene.attest_with_id(&other, &id, None).await;
    assert_plain_fault(&reply, 409, 990001);
    let description = reply.body["description"].as_str().expect("a description");
    assert!(description.contains(&id), "the description names the request id");
    assert_eq!(scene.history().await.len(), 1);
    // The 409 is not stored: the original request still replays.
    let replay = scene.attest_with_id(&attestation_body(), &id, None).await;
    replay.assert_status(201);
    assert_eq!(replay.body, first.body);
    assert_eq!(replay.header("ms-replayed"), "true");
}

#[tokio::test]
async fn confirm_acceptance_replays_a_stored_refusal() {
    let scene = Scene::new().await;
    scene.accepted(&attestation_body()).await;
    let id = new_guid();
    assert_duplicate_refused(&scene.attest_with_id(&attestation_body(), &id, None).await);
    let replay = scene.attest_with_id(&attestation_body(), &id, None).await;
    assert_duplicate_refused(&replay);
    assert_eq!(replay.header("ms-replayed"), "true");
}

/// Posts a raw JSON text to `path` with an `MS-RequestId`.
async fn post_text(scene: &Scene, path: &str, id: &str, text: &str) -> Reply {
    crate::helpers::send(
        scene
            .app
            .request(reqwest::Method::POST, path, Some(&scene.partner.token))
            .header("Content-Type", "application/json")
            .header("MS-RequestId", id)
            .body(text.to_owned()),
    )
    .await
}

const CAMEL_TEXT: &str = r#"{"templateId":"117a77b0-9360-443b-8795-c6dedc750cf9","dateAgreed":"2024-05-01T08:30:00Z","primaryContact":{"firstName":"Tania","lastName":"Carr","email":"someone@example.com"}}"#;

#[tokio::test]
async fn the_idempotency_fingerprint_ignores_key_order_and_path_case() {
    let scene = Scene::new().await;
    let id = new_guid();
    let reordered = r#"{"primaryContact":{"email":"someone@example.com","lastName":"Carr","firstName":"Tania"},"dateAgreed":"2024-05-01T08:30:00Z","templateId":"117a77b0-9360-443b-8795-c6dedc750cf9"}"#;
    post_text(&scene, &scene.path(), &id, CAMEL_TEXT)
        .await
        .assert_status(201);
    let replay = post_text(&scene, &scene.path(), &id, reordered).await;
    replay.assert_status(201);
    assert_eq!(replay.header("ms-replayed"), "true");
    let upper = scene.path().replace("/v1/customers/", "/V1/CUSTOMERS/");
    let replay = post_text(&scene, &upper, &id, CAMEL_TEXT).await;
    replay.assert_status(201);
    assert_eq!(replay.header("ms-replayed"), "true");
    assert_eq!(scene.history().await.len(), 1);
}

#[tokio::test]
async fn the_idempotency_fingerprint_keeps_key_spelling_and_the_query_string() {
    let scene = Scene::new().await;
    let id = new_guid();
    post_text(&scene, &scene.path(), &id, CAMEL_TEXT)
        .await
        .assert_status(201);
    let pascal = CAMEL_TEXT.replace("\"templateId\"", "\"TemplateId\"");
    assert_plain_fault(&post_text(&scene, &scene.path(), &id, &pascal).await, 409, 990001);
    let with_query = format!("{}?source=tests", scene.path());
    assert_plain_fault(&post_text(&scene, &with_query, &id, CAMEL_TEXT).await, 409, 990001);
    assert_eq!(scene.history().await.len(), 1);
}

#[tokio::test]
async fn the_idempotency_key_belongs_to_one_partner() {
    let scene = Scene::new().await;
    let id = new_guid();
    scene
        .attest_with_id(&attestation_body(), &id, None)
        .await
        .assert_status(201);
    let stranger = Partner::fresh();
    let reply = scene
        .app
        .post_json_with_id(&scene.path(), &stranger.token, &attestation_body(), &id)
        .await;
    assert_plain_fault(&reply, 404, 60003);
}

#[tokio::test]
async fn authorization_is_checked_again_before_a_replay() {
    let scene = Scene::new().await;
    let id = new_guid();
    scene
        .attest_with_id(&attestation_body(), &id, None)
        .await
        .assert_status(201);
    let helpdesk = scene.partner.token_builder().roles(&["HelpdeskAgents"]).sign();
    let reply = scene
        .app
        .post_json_with_id(&scene.path(), &helpdesk, &attestation_body(), &id)
        .await;
    assert_plain_fault(&reply, 403, 900150);
    assert!(reply.headers.get("ms-replayed").is_none());
}

mod customer_ids {
    crate::customer_id_tests!(crate::helpers::Operation::ConfirmAcceptance);
}

// The indirect-reseller column of the role matrix (§3.4) needs the control plane that registers
// partner types, which comes with a later issue; it is not tested yet.
mod role_matrix {
    crate::role_matrix_tests!(crate::helpers::Operation::ConfirmAcceptance, app_only: Some(900329));
}
