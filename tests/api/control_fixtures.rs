//! Fixtures and snapshots (control-plane spec §6): loading the spec's example, validation with every error
//! collected, atomicity, the startup fixture file and the snapshot round trip.

use partner_center_mirror::config::Settings;
use partner_center_mirror::startup::Application;
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{
    assert_fault_from, attest, attestation_body, create_customer, send, spawn_app, spawn_app_with, Reply, TestApp,
    TokenBuilder, CUSTOMER_AGREEMENT_TEMPLATE, LEGACY_TEMPLATE,
};

const OWNER: &str = "3b33e682-00c3-41ee-9dd2-a548adf56438";
const RESELLER: &str = "5c1d0f1e-8a8e-4a53-9a57-0d2f4a6f7b10";
const CONTOSO: &str = "b44bb1fb-c595-45b0-9e09-d657365580bf";
const FABRIKAM: &str = "14876998-c0dc-46e6-9d0c-65a57a6c32ec";
const MIRROR: &str = "PartnerCenterMirror";

/// The example of control-plane spec §6.3, verbatim.
fn spec_example() -> Value {
    json!({ "formatVersion": 1,
      "partners": [
        { "tenantId": "3b33e682-00c3-41ee-9dd2-a548adf56438", "partnerType": "directBill", "mpnId": "4812345", "mpaSigned": true },
        { "tenantId": "5c1d0f1e-8a8e-4a53-9a57-0d2f4a6f7b10", "partnerType": "indirectReseller", "mpnId": "4899999", "mpaSigned": false } ],
      "customers": [
        { "id": "b44bb1fb-c595-45b0-9e09-d657365580bf", "ownerPartnerTenantId": "3b33e682-00c3-41ee-9dd2-a548adf56438",
          "domain": "contoso.example.com", "companyName": "Contoso", "relationshipToPartner": "reseller",
          "admin": { "userName": "admin", "password": "Contoso-Passw0rd" }, "hasLegacyPurchases": true,
          "agreements": [ { "templateId": "998b88de-aa99-4388-a42c-1b3517d49490", "dateAgreed": "2018-07-28T00:00:00Z", "userId": null,
            "primaryContact": { "firstName": "Tania", "lastName": "Carr", "email": "SomeEmail@example.com", "phoneNumber": "1234567890" } } ] },
        { "id": "14876998-c0dc-46e6-9d0c-65a57a6c32ec", "ownerPartnerTenantId": "3b33e682-00c3-41ee-9dd2-a548adf56438",
          "domain": "fabrikam.example.com", "companyName": "Fabrikam", "admin": { "userName": "admin", "password": "Fabrikam-Passw0rd" },
          "directAcceptance": { "acceptedAt": "2026-01-15T09:30:00Z" } } ],
      "clock": { "globalOffsetSeconds": 0, "partners": [] } })
}

/// A minimal valid customer owned by `owner`.
fn customer(id: &str, owner: &str, domain: &str) -> Value {
    json!({ "id": id, "ownerPartnerTenantId": owner, "domain": domain, "companyName": "Northwind",
            "admin": { "userName": "admin", "password": "Northwind-Passw0rd" } })
}

fn uuid_v5(kind: &str, customer: &str) -> String {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("urn:partner-center-mirror:{kind}:{customer}").as_bytes(),
    )
    .to_string()
}

async fn post_fixture(app: &TestApp, body: &Value) -> Reply {
    send(app.request(Method::POST, "/_mirror/fixtures", None).json(body)).await
}

async fn put_snapshot(app: &TestApp, body: &Value) -> Reply {
    send(app.request(Method::PUT, "/_mirror/snapshot", None).json(body)).await
}

async fn get_snapshot(app: &TestApp) -> Value {
    let reply = send(app.request(Method::GET, "/_mirror/snapshot", None)).await;
    reply.assert_status(200);
    reply.body
}

fn loaded(partners: usize, customers: usize, agreements: usize, direct: usize, notifications: usize) -> Value {
    let mut counts = loaded_with(partners, customers, agreements, direct, 0, 0);
    counts["loaded"]["notifications"] = json!(notifications);
    counts
}

/// The counts of a load without notifications.
fn loaded_with(
    partners: usize,
    customers: usize,
    agreements: usize,
    direct: usize,
    orders: usize,
    faults: usize,
) -> Value {
    json!({ "loaded": { "partners": partners, "customers": customers, "agreements": agreements,
        "directAcceptances": direct, "orders": orders, "faults": faults, "notifications": 0 } })
}

/// The derived id of a seeded order without one: SHA-256 of the URN, first 32 hex digits.
fn derived_order_id(customer: &str, index: usize) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("urn:partner-center-mirror:order:{customer}:{index}").as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// A one-line order body of (g).
fn order_line(offer: &str, quantity: i64) -> Value {
    json!({ "lineItemNumber": 0, "offerId": offer, "quantity": quantity, "friendlyName": "Seats" })
}

/// Asserts 400 990120 and returns `(field, reason)` of every item, checking each has a message.
fn fixture_errors(reply: &Reply) -> Vec<(String, String)> {
    assert_fault_from(reply, 400, 990120, MIRROR);
    reply.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|item| {
            assert!(
                item["message"].as_str().is_some_and(|m| !m.is_empty()),
                "a message: {item}"
            );
            (
                item["field"].as_str().expect("a field").to_owned(),
                item["reason"].as_str().expect("a reason").to_owned(),
            )
        })
        .collect()
}

fn assert_has(errors: &[(String, String)], field: &str, reason: &str) {
    assert!(
        errors.iter().any(|(f, r)| f == field && r == reason),
        "expected {field} {reason} among {errors:?}"
    );
}

#[tokio::test]
async fn the_spec_example_loads_and_the_v1_api_shows_exactly_its_data() {
    let app = spawn_app().await;
    let reply = post_fixture(&app, &spec_example()).await;
    reply.assert_status(200);
    assert_eq!(reply.body, loaded(2, 2, 1, 1, 0));

    let token = TokenBuilder::app_user(OWNER).sign();
    let list = app.get("/v1/customers", &token).await;
    list.assert_status(200);
    let items = list.body["items"].as_array().expect("items");
    let summary: Vec<(Value, Value, Value, Value)> = items
        .iter()
        .map(|c| {
            (
                c["id"].clone(),
                c["companyProfile"]["domain"].clone(),
                c["companyProfile"]["companyName"].clone(),
                c["relationshipToPartner"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                json!(CONTOSO),
                json!("contoso.example.com"),
                json!("Contoso"),
                json!("reseller")
            ),
            (
                json!(FABRIKAM),
                json!("fabrikam.example.com"),
                json!("Fabrikam"),
                json!("reseller")
            ),
        ],
        "customers in array order"
    );

    let history = app
        .get(&format!("/v1/customers/{CONTOSO}/agreements?agreementType=*"), &token)
        .await;
    history.assert_status(200);
    assert_eq!(
        history.body["items"],
        json!([{ "userId": null,
            "primaryContact": { "firstName": "Tania", "lastName": "Carr", "email": "SomeEmail@example.com", "phoneNumber": "1234567890" },
            "templateId": LEGACY_TEMPLATE, "dateAgreed": "2018-07-28T00:00:00Z",
            "type": "MicrosoftCloudAgreement", "agreementLink": "https://docs.microsoft.com/partner-center/agreements" }])
    );

    let status = app
        .get(
            &format!("/v1/customers/{FABRIKAM}/directSignedMicrosoftCustomerAgreementStatus"),
            &token,
        )
        .await;
    status.assert_status(200);
    assert_eq!(status.body, json!({ "isSigned": true }));
    let status = app
        .get(
            &format!("/v1/customers/{CONTOSO}/directSignedMicrosoftCustomerAgreementStatus"),
            &token,
        )
        .await;
    assert_eq!(status.body, json!({ "isSigned": false }));

    let contoso = app.get(&format!("/v1/customers/{CONTOSO}"), &token).await;
    contoso.assert_status(200);
    assert_eq!(contoso.body["commerceId"], json!(uuid_v5("commerce", CONTOSO)));
    assert_eq!(
        contoso.body["commerceId"],
        json!("3eae7936-3557-5698-819d-a34cd30e076d")
    );
    let billing = &contoso.body["billingProfile"];
    assert_eq!(billing["id"], json!(uuid_v5("billing", CONTOSO)));
    assert_eq!(billing["email"], json!("admin@contoso.example.com"));
    assert_eq!(billing["culture"], json!("en-US"));
    assert_eq!(billing["language"], json!("en"));
    assert_eq!(billing["companyName"], json!("Contoso"));
    assert_eq!(
        billing["defaultAddress"],
        json!({ "country": "US", "city": "Not provided", "addressLine1": "Not provided", "postalCode": "00000" })
    );

    let partner = send(app.request(Method::GET, &format!("/_mirror/partners/{RESELLER}"), None)).await;
    partner.assert_status(200);
    assert_eq!(partner.body["partnerType"], json!("indirectReseller"));
    assert_eq!(partner.body["mpnId"], json!("4899999"));
    assert_eq!(partner.body["mpaSigned"], json!(false));
    assert_eq!(partner.body["autoRegistered"], json!(false));
}

#[tokio::test]
async fn a_fixture_gives_the_same_ids_and_etag_every_time() {
    let first = spawn_app().await;
    let second = spawn_app().await;
    let token = TokenBuilder::app_user(OWNER).sign();
    let mut answers = Vec::new();
    for app in [&first, &second] {
        post_fixture(app, &spec_example()).await.assert_status(200);
        let reply = app.get(&format!("/v1/customers/{FABRIKAM}"), &token).await;
        reply.assert_status(200);
        answers.push(reply.body);
    }
    assert_eq!(answers[0], answers[1]);
    let etag = answers[0]["billingProfile"]["attributes"]["etag"]
        .as_str()
        .expect("an etag");
    assert!(etag.len() >= 19 && etag.bytes().all(|b| b.is_ascii_digit()), "{etag}");
}

#[tokio::test]
async fn every_error_of_a_fixture_is_reported_with_its_json_path_in_one_answer() {
    let app = spawn_app().await;
    post_fixture(&app, &spec_example()).await.assert_status(200);
    let unknown_partner = "9f0e0000-0000-4000-8000-000000000001";
    let fresh = "2b1e0000-0000-4000-8000-000000000002";
    let fixture = json!({
        "formatVersion": 1,
        "partnerz": [],
        "partners": [
            { "tenantId": "not-a-guid" },
            { "tenantId": "6a000000-0000-4000-8000-000000000006", "partnerType": "distributor", "mpnId": "4812345" },
            { "tenantId": "6a000000-0000-4000-8000-000000000006" }
        ],
        "customers": [
            customer(fresh, unknown_partner, "fresh.example.com"),
            customer(fresh, OWNER, "other.example.com"),
            customer("2b1e0000-0000-4000-8000-000000000003", OWNER, "CONTOSO.example.com"),
            {
                "id": "2b1e0000-0000-4000-8000-000000000004", "ownerPartnerTenantId": OWNER,
                "domain": "north wind", "companyName": "x".repeat(257), "hasLegacyPurchases": "yes",
                "admin": { "userName": "admin", "passwordHash": "not-a-phc-string" },
                "nickname": "N",
                "agreements": [
                    { "partnerTenantId": RESELLER, "templateId": "00000000-0000-4000-8000-000000000000",
                      "dateAgreed": "2018-07-28 00:00:00",
                      "primaryContact": { "firstName": "Tania", "lastName": "Carr", "email": "nope" } },
                    { "templateId": CUSTOMER_AGREEMENT_TEMPLATE, "dateAgreed": "2024-01-01T00:00:00Z" }
                ],
                "orders": [ { "lineItems": [ { "lineItemNumber": 0, "offerId": "CFQ7TTC0LH0Z:0001", "quantity": 1 } ] } ]
            },
            { "id": "2b1e0000-0000-4000-8000-000000000005", "ownerPartnerTenantId": null, "domain": "empty.example.com",
              "companyName": "Empty", "admin": { "userName": "admin", "password": "Passw0rd-Passw0rd" } }
        ],
        "clock": { "globalOffsetSeconds": -5, "partners": [ { "partnerTenantId": unknown_partner, "offsetSeconds": 1.0005 } ] },
        "faults": [ { "preset": "throttled" } ],
        "notifications": [ {
            "id": "7c000000-0000-4000-8000-000000000007", "kind": "AgreementAttestationNotification",
            "to": "someone@example.com", "toName": "Tania Carr", "partnerTenantId": OWNER,
            "customerTenantId": "7c000000-0000-4000-8000-0000000000ff", "templateId": CUSTOMER_AGREEMENT_TEMPLATE,
            "subject": "s", "createdAt": "2026-11-21T19:20:00Z", "status": "scheduled"
        } ]
    });
    let reply = post_fixture(&app, &fixture).await;
    let errors = fixture_errors(&reply);
    let expected = [
        ("partnerz", "unknownField"),
        ("partners[0].tenantId", "invalidFormat"),
        ("partners[1].partnerType", "unsupportedValue"),
        ("partners[1].mpnId", "alreadyInUse"),
        ("partners[2].tenantId", "duplicateId"),
        ("customers[0].ownerPartnerTenantId", "unknownPartner"),
        ("customers[1].id", "duplicateId"),
        ("customers[2].domain", "alreadyInUse"),
        ("customers[3].domain", "invalidFormat"),
        ("customers[3].companyName", "tooLong"),
        ("customers[3].hasLegacyPurchases", "invalidType"),
        ("customers[3].admin.passwordHash", "invalidFormat"),
        ("customers[3].nickname", "unknownField"),
        ("customers[3].agreements[0].partnerTenantId", "noRelationship"),
        ("customers[3].agreements[0].templateId", "unknownTemplate"),
        ("customers[3].agreements[0].dateAgreed", "invalidFormat"),
        ("customers[3].agreements[0].primaryContact.email", "invalidFormat"),
        ("customers[3].agreements[1].primaryContact", "required"),
        ("customers[4].ownerPartnerTenantId", "required"),
        ("clock.globalOffsetSeconds", "outOfRange"),
        ("clock.partners[0].offsetSeconds", "invalidFormat"),
        ("clock.partners[0].partnerTenantId", "unknownPartner"),
        ("notifications[0].status", "unknownField"),
        ("notifications[0].customerTenantId", "unknownCustomer"),
    ];
    for (field, reason) in expected {
        assert_has(&errors, field, reason);
    }
    assert_eq!(errors.len(), expected.len(), "no other errors: {errors:?}");
    let description = reply.body["description"].as_str().expect("a description");
    assert!(
        description.starts_with(&format!(
            "The fixture has {} errors: partnerz, partners[0].tenantId,",
            expected.len()
        )),
        "{description}"
    );
    let contoso_error = reply.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|e| e["field"] == json!("customers[2].domain"))
        .expect("the domain error");
    assert_eq!(
        contoso_error["message"],
        json!(format!("domain CONTOSO.example.com belongs to customer {CONTOSO}"))
    );
    // Nothing of it was stored.
    assert_eq!(get_snapshot(&app).await["customers"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_fixture_with_one_bad_customer_loads_nothing() {
    let app = spawn_app().await;
    let mut fixture = spec_example();
    fixture["customers"].as_array_mut().expect("customers").push(customer(
        "2b1e0000-0000-4000-8000-000000000009",
        OWNER,
        "bad domain",
    ));
    fixture["clock"] = json!({ "globalOffsetSeconds": 3600 });
    let reply = post_fixture(&app, &fixture).await;
    assert_eq!(
        fixture_errors(&reply),
        [("customers[2].domain".to_owned(), "invalidFormat".to_owned())]
    );
    assert_eq!(
        reply.body["description"],
        json!("The fixture has 1 error: customers[2].domain.")
    );
    let snapshot = get_snapshot(&app).await;
    assert_eq!(snapshot["partners"], json!([]));
    assert_eq!(snapshot["customers"], json!([]));
    assert_eq!(snapshot["clock"], json!({ "globalOffsetSeconds": 0, "partners": [] }));
}

#[tokio::test]
async fn loading_the_same_fixture_twice_is_refused_with_already_exists() {
    let app = spawn_app().await;
    post_fixture(&app, &spec_example()).await.assert_status(200);
    let reply = post_fixture(&app, &spec_example()).await;
    let errors = fixture_errors(&reply);
    assert_has(&errors, "customers[0].id", "alreadyExists");
    assert_has(&errors, "customers[1].id", "alreadyExists");
    assert_has(&errors, "customers[0].domain", "alreadyInUse");
    assert_has(&errors, "customers[1].domain", "alreadyInUse");
    assert_eq!(errors.len(), 4, "{errors:?}");
}

#[tokio::test]
async fn an_unknown_format_version_is_refused_with_unsupported_version() {
    let app = spawn_app().await;
    let reply = post_fixture(&app, &json!({ "formatVersion": 2, "customers": "ignored" })).await;
    assert_eq!(
        fixture_errors(&reply),
        [("formatVersion".to_owned(), "unsupportedVersion".to_owned())]
    );
    let reply = post_fixture(&app, &json!({ "partners": [] })).await;
    assert_eq!(
        fixture_errors(&reply),
        [("formatVersion".to_owned(), "required".to_owned())]
    );
}

#[tokio::test]
async fn more_than_a_hundred_errors_end_with_one_too_many_errors_item() {
    let app = spawn_app().await;
    let partners: Vec<Value> = (0..150).map(|_| json!({ "tenantId": "nope" })).collect();
    let reply = post_fixture(&app, &json!({ "formatVersion": 1, "partners": partners })).await;
    let errors = fixture_errors(&reply);
    assert_eq!(errors.len(), 101);
    assert_eq!(
        errors[99],
        ("partners[99].tenantId".to_owned(), "invalidFormat".to_owned())
    );
    assert_eq!(errors[100].1, "tooManyErrors");
    let description = reply.body["description"].as_str().expect("a description");
    assert!(description.starts_with("The fixture has more than 100 errors: partners[0].tenantId, "));
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_a_malformed_body() {
    let app = spawn_app().await;
    let reply = send(
        app.request(Method::POST, "/_mirror/fixtures", None)
            .header("Content-Type", "application/json")
            .body("{\"formatVersion\": 1,"),
    )
    .await;
    assert_eq!(
        fixture_errors(&reply),
        [("body".to_owned(), "malformedBody".to_owned())]
    );
    let reply = post_fixture(&app, &json!([1])).await;
    assert_eq!(
        fixture_errors(&reply),
        [("body".to_owned(), "malformedBody".to_owned())]
    );
}

#[tokio::test]
async fn a_body_over_sixteen_mebibytes_is_refused_as_too_long() {
    let app = spawn_app().await;
    let big = format!("{{\"formatVersion\": 1, \"x\": \"{}\"}}", "a".repeat(16 * 1024 * 1024));
    let reply = send(
        app.request(Method::POST, "/_mirror/fixtures", None)
            .header("Content-Type", "application/json")
            .body(big),
    )
    .await;
    assert_fault_from(&reply, 400, 990110, MIRROR);
    assert_eq!(reply.body["data"][0]["reason"], json!("tooLong"));
}

#[tokio::test]
async fn the_fixture_endpoints_need_the_admin_token_when_one_is_set() {
    let app = spawn_app_with(|s| s.control.admin_token = Some("fixture-admin-token-0123".to_owned())).await;
    let reply = post_fixture(&app, &spec_example()).await;
    assert_fault_from(&reply, 401, 990100, MIRROR);
    let reply = send(app.request(Method::GET, "/_mirror/snapshot", Some("fixture-admin-token-0123"))).await;
    reply.assert_status(200);
}

#[tokio::test]
async fn a_snapshot_loaded_after_a_reset_gives_the_identical_snapshot() {
    let app = spawn_app().await;
    post_fixture(&app, &spec_example()).await.assert_status(200);
    // State created through /v1 and the control plane as well: a customer, an attestation with its outbox
    // message, a partner clock offset, a customer known by a second partner.
    let token = TokenBuilder::app_user(OWNER).sign();
    let created = create_customer(&app, &token).await;
    attest(&app, &token, FABRIKAM, &attestation_body())
        .await
        .assert_status(201);
    attest(&app, &token, &created, &attestation_body())
        .await
        .assert_status(201);
    let clock = send(
        app.request(Method::POST, &format!("/_mirror/partners/{OWNER}/clock"), None)
            .json(&json!({ "advanceSeconds": 90 })),
    )
    .await;
    clock.assert_status(200);
    let shared = json!({ "formatVersion": 1, "customers": [ {
        "id": "2b1e0000-0000-4000-8000-0000000000aa", "ownerPartnerTenantId": OWNER,
        "otherPartners": [ { "partnerTenantId": RESELLER, "relationshipToPartner": "none", "since": "2025-02-03T04:05:06.123456Z" } ],
        "domain": "shared.example.com", "companyName": "Shared", "since": "2025-01-01T00:00:00Z",
        "createdAt": "2025-01-01T00:00:00.000001Z",
        "admin": { "userName": "root@shared.example.com", "password": "Shared-Passw0rd" },
        "billingProfile": { "email": "billing@shared.example.com", "culture": "FR-fr", "language": "FR",
            "defaultAddress": { "country": "fr", "city": "Paris", "addressLine1": "1 rue de Rivoli", "postalCode": "75001", "state": "IDF" } },
        "agreements": [
            { "templateId": CUSTOMER_AGREEMENT_TEMPLATE, "dateAgreed": "2024-03-01T10:00:00.123456789+02:00",
              "userId": "0A000000-0000-4000-8000-00000000000A", "recordedAt": "2024-03-01T08:00:00.5Z",
              "primaryContact": { "firstName": "Ana", "lastName": "Silva", "email": "ana@example.com" } },
            { "templateId": LEGACY_TEMPLATE, "dateAgreed": "2019-01-01",
              "primaryContact": { "firstName": "Ana", "lastName": "Silva", "email": "ana@example.com", "phoneNumber": "" } } ] } ] });
    post_fixture(&app, &shared).await.assert_status(200);

    let first = get_snapshot(&app).await;
    assert_eq!(first["formatVersion"], json!(1));
    assert_eq!(first["customers"].as_array().map(Vec::len), Some(4));
    assert_eq!(first["notifications"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        first["clock"]["partners"],
        json!([{ "partnerTenantId": OWNER, "offsetSeconds": 90 }])
    );
    let ids: Vec<&str> = first["customers"]
        .as_array()
        .expect("customers")
        .iter()
        .map(|c| c["id"].as_str().expect("an id"))
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "customers ordered by id");
    let shared_customer = first["customers"]
        .as_array()
        .expect("customers")
        .iter()
        .find(|c| c["id"] == json!("2b1e0000-0000-4000-8000-0000000000aa"))
        .expect("the shared customer");
    assert_eq!(
        shared_customer["agreements"][0]["dateAgreed"],
        json!("2019-01-01T00:00:00Z"),
        "agreements ordered by recordedAt"
    );
    assert_eq!(
        shared_customer["agreements"][1]["dateAgreed"],
        json!("2024-03-01T08:00:00.123456789Z")
    );
    assert_eq!(
        shared_customer["agreements"][1]["userId"],
        json!("0a000000-0000-4000-8000-00000000000a")
    );
    assert_eq!(shared_customer["billingProfile"]["culture"], json!("fr-FR"));
    assert_eq!(
        shared_customer["otherPartners"],
        json!([{ "partnerTenantId": RESELLER, "relationshipToPartner": "none", "since": "2025-02-03T04:05:06.123456Z" }])
    );
    assert!(shared_customer["admin"]["passwordHash"]
        .as_str()
        .is_some_and(|h| h.starts_with("$argon2id$")));
    assert!(shared_customer["admin"].get("password").is_none());

    // Reset (an empty fixture replaces everything), then load the snapshot as a fixture.
    let emptied = put_snapshot(&app, &json!({ "formatVersion": 1 })).await;
    emptied.assert_status(200);
    assert_eq!(emptied.body, loaded(0, 0, 0, 0, 0));
    let empty = get_snapshot(&app).await;
    assert_eq!(
        empty,
        json!({ "formatVersion": 1, "partners": [], "customers": [],
                "clock": { "globalOffsetSeconds": 0, "partners": [] }, "faults": [], "notifications": [] })
    );
    let reloaded = post_fixture(&app, &first).await;
    reloaded.assert_status(200);
    assert_eq!(reloaded.body, loaded(2, 4, 5, 1, 2));
    assert_eq!(
        get_snapshot(&app).await,
        first,
        "snapshot → reset → fixture → identical snapshot"
    );

    // GET → PUT → GET as well.
    put_snapshot(&app, &first).await.assert_status(200);
    assert_eq!(get_snapshot(&app).await, first, "GET → PUT → GET");

    // The reloaded state answers on /v1 exactly as before, the admin password included.
    let history = app
        .get(&format!("/v1/customers/{CONTOSO}/agreements?agreementType=*"), &token)
        .await;
    history.assert_status(200);
    assert_eq!(history.body["items"][0]["userId"], json!(null));
}

#[tokio::test]
async fn an_invalid_snapshot_leaves_the_state_untouched() {
    let app = spawn_app().await;
    post_fixture(&app, &spec_example()).await.assert_status(200);
    let before = get_snapshot(&app).await;
    let reply = put_snapshot(
        &app,
        &json!({ "formatVersion": 1, "customers": [ customer(CONTOSO, "9f0e0000-0000-4000-8000-000000000001", "c.example.com") ] }),
    )
    .await;
    assert_eq!(
        fixture_errors(&reply),
        [(
            "customers[0].ownerPartnerTenantId".to_owned(),
            "unknownPartner".to_owned()
        )]
    );
    assert_eq!(get_snapshot(&app).await, before);
}

fn write_fixture_file(dir: &std::path::Path, body: &Value) -> std::path::PathBuf {
    let path = dir.join("fixtures.json");
    std::fs::write(&path, serde_json::to_vec_pretty(body).expect("JSON")).expect("the fixture file is written");
    path
}

#[tokio::test]
async fn a_startup_fixture_file_is_loaded_once_and_skipped_on_restart() {
    let files = tempfile::tempdir().expect("a directory");
    let path = write_fixture_file(files.path(), &spec_example());
    let app = spawn_app_with(|s| s.control.fixtures = Some(path.clone())).await;
    let first = get_snapshot(&app).await;
    let ids: Vec<&Value> = first["customers"]
        .as_array()
        .expect("customers")
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(ids, [&json!(FABRIKAM), &json!(CONTOSO)]);
    // Loading it a second time would fail with alreadyExists and stop the start.
    let app = app.restart().await;
    assert_eq!(get_snapshot(&app).await, first);
}

#[tokio::test]
async fn a_startup_fixture_file_is_skipped_when_the_database_already_holds_a_partner() {
    let files = tempfile::tempdir().expect("a directory");
    let path = write_fixture_file(files.path(), &spec_example());
    let app = spawn_app().await;
    let put = send(
        app.request(Method::PUT, &format!("/_mirror/partners/{RESELLER}"), None)
            .json(&json!({})),
    )
    .await;
    put.assert_status(201);
    let mut app = app;
    app.settings.control.fixtures = Some(path);
    let app = app.restart().await;
    let snapshot = get_snapshot(&app).await;
    assert_eq!(snapshot["customers"], json!([]));
    assert_eq!(snapshot["partners"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn an_invalid_startup_fixture_file_refuses_to_start_and_lists_the_errors() {
    let files = tempfile::tempdir().expect("a directory");
    let mut fixture = spec_example();
    fixture["customers"][0]["ownerPartnerTenantId"] = json!("9f0e0000-0000-4000-8000-000000000001");
    fixture["customers"][1]["domain"] = json!("contoso.example.com");
    let path = write_fixture_file(files.path(), &fixture);
    let data = tempfile::tempdir().expect("a data directory");
    let mut settings = Settings::for_tests(data.path());
    settings.control.fixtures = Some(path.clone());
    let message = match Application::build(settings).await {
        Ok(_) => panic!("the application must not start with an invalid fixture file"),
        Err(error) => error.to_string(),
    };
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(
        message.contains("The fixture has 2 errors: customers[0].ownerPartnerTenantId, customers[1].domain."),
        "{message}"
    );
    assert!(
        message.contains("customers[0].ownerPartnerTenantId (unknownPartner): partner 9f0e0000-0000-4000-8000-000000000001 is neither in the fixture nor registered"),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "customers[1].domain (alreadyInUse): domain contoso.example.com belongs to customer {CONTOSO}"
        )),
        "{message}"
    );
}

#[tokio::test]
async fn the_binary_exits_with_status_two_on_an_invalid_startup_fixture_file() {
    let files = tempfile::tempdir().expect("a directory");
    let path = write_fixture_file(files.path(), &json!({ "formatVersion": 7 }));
    let data = tempfile::tempdir().expect("a data directory");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_partner-center-mirror"));
    command
        .arg("--bind")
        .arg("127.0.0.1:0")
        .arg("--data-dir")
        .arg(data.path())
        .arg("--fixtures")
        .arg(&path)
        .env_remove("DATABASE_URL")
        .env_remove("PCM_ADMIN_TOKEN");
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("the command joins")
        .expect("the command runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("partner-center-mirror: the fixture file")
            && stderr.contains("formatVersion (unsupportedVersion)"),
        "{stderr}"
    );
}

#[tokio::test]
async fn orders_of_a_fixture_show_under_their_partner_and_the_purchase_gate_keeps_working() {
    let app = spawn_app().await;
    let mut fixture = spec_example();
    fixture["customers"][1]["orders"] = json!([
        { "lineItems": [ order_line("CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", 3) ] },
        { "id": "c9x2mB7q0TnW4kLp8sVd3RfY6hJz1aQe", "partnerTenantId": OWNER, "billingCycle": "annual",
          "creationDate": "2026-01-16T10:00:00.123456Z", "status": "completed",
          "lineItems": [ { "lineItemNumber": 0, "offerId": "A", "quantity": 1 },
                         { "lineItemNumber": 1, "offerId": "B", "quantity": 2, "friendlyName": "Extra" } ] }
    ]);
    let reply = post_fixture(&app, &fixture).await;
    reply.assert_status(200);
    assert_eq!(reply.body["loaded"]["orders"], json!(2));
    assert_eq!(reply.body["loaded"]["customers"], json!(2));

    let view = send(app.request(Method::GET, &format!("/_mirror/customers/{FABRIKAM}"), None)).await;
    view.assert_status(200);
    let link = &view.body["partners"][0];
    assert_eq!(link["partnerTenantId"], json!(OWNER));
    assert_eq!(link["purchaseGateOpen"], json!(true));
    let orders = link["orders"].as_array().expect("orders");
    assert_eq!(orders.len(), 2, "{orders:?}");
    // Oldest first: the dated order, then the one placed at load time with its derived id.
    assert_eq!(
        orders[0],
        json!({ "id": "c9x2mB7q0TnW4kLp8sVd3RfY6hJz1aQe", "referenceCustomerId": FABRIKAM, "billingCycle": "annual",
                "lineItems": [ { "lineItemNumber": 0, "offerId": "A", "quantity": 1, "friendlyName": null },
                               { "lineItemNumber": 1, "offerId": "B", "quantity": 2, "friendlyName": "Extra" } ],
                "creationDate": "2026-01-16T10:00:00.123456Z", "status": "completed",
                "attributes": { "objectType": "Order" } })
    );
    assert_eq!(orders[1]["id"], json!(derived_order_id(FABRIKAM, 0)));
    assert_eq!(orders[1]["billingCycle"], json!("monthly"));
    assert_eq!(orders[1]["status"], json!("pending"));
    assert_eq!(
        orders[1]["lineItems"],
        json!([order_line("CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", 3)])
    );

    // (g) still places orders next to the seeded ones, and still refuses a closed gate.
    let token = TokenBuilder::app_user(OWNER).sign();
    let body = json!({ "lineItems": [ order_line("CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", 1) ] });
    let placed = app
        .post_json(&format!("/v1/customers/{FABRIKAM}/orders"), &token, &body)
        .await;
    placed.assert_status(201);
    assert_eq!(placed.body["status"], json!("pending"));
    let blocked = app
        .post_json(&format!("/v1/customers/{CONTOSO}/orders"), &token, &body)
        .await;
    blocked.assert_status(403);
    let view = send(app.request(Method::GET, &format!("/_mirror/customers/{FABRIKAM}"), None)).await;
    assert_eq!(view.body["partners"][0]["orders"].as_array().map(Vec::len), Some(3));

    // The same fixture after a reset gives the same derived id.
    let again = put_snapshot(&app, &fixture).await;
    again.assert_status(200);
    let snapshot = get_snapshot(&app).await;
    let fabrikam = snapshot["customers"]
        .as_array()
        .expect("customers")
        .iter()
        .find(|c| c["id"] == json!(FABRIKAM))
        .expect("Fabrikam");
    let ids: Vec<&Value> = fabrikam["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| &o["id"])
        .collect();
    assert_eq!(
        ids,
        [
            &json!("c9x2mB7q0TnW4kLp8sVd3RfY6hJz1aQe"),
            &json!(derived_order_id(FABRIKAM, 0))
        ]
    );
}

#[tokio::test]
async fn bad_orders_and_faults_are_reported_with_their_json_paths() {
    let app = spawn_app().await;
    let mut seeded = spec_example();
    seeded["customers"][1]["orders"] = json!([ { "id": "TakenTakenTakenTakenTakenTaken12",
        "lineItems": [ order_line("A", 1) ] } ]);
    post_fixture(&app, &seeded).await.assert_status(200);
    let taken = send(
        app.request(Method::POST, "/_mirror/faults", None)
            .json(&json!({ "id": "taken", "preset": "throttled" })),
    )
    .await;
    taken.assert_status(201);

    let fresh = "2b1e0000-0000-4000-8000-0000000000b1";
    let mut bad = customer(fresh, OWNER, "orders.example.com");
    bad["orders"] = json!([
        { "id": "short", "lineItems": [ order_line("A", 1) ] },
        { "partnerTenantId": RESELLER, "lineItems": [ order_line("A", 1) ] },
        { "lineItems": [] },
        { "status": "shipped", "creationDate": "yesterday" },
        { "lineItems": [ { "lineItemNumber": -1, "quantity": 0, "colour": "red" } ] },
        { "id": "SameSameSameSameSameSameSameSame", "lineItems": [ order_line("A", 1) ] },
        { "id": "SameSameSameSameSameSameSameSame", "lineItems": [ order_line("A", 1) ] },
        { "id": "TakenTakenTakenTakenTakenTaken12", "lineItems": [ order_line("A", 1) ] },
        "not an order"
    ]);
    let fixture = json!({ "formatVersion": 1, "customers": [ bad ], "faults": [
        { "preset": "slow" },
        { "match": { "path": "/_mirror/faults" }, "respond": { "status": 503, "code": 1 } },
        { "respond": { "status": "503" } },
        { "preset": "throttled", "times": 2, "fired": 3 },
        { "preset": "throttled", "remaining": 1 },
        { "id": "dup", "preset": "throttled" },
        { "id": "dup", "preset": "throttled" },
        { "id": "taken", "preset": "throttled" },
        { "preset": "throttled", "colour": 1 },
        { "preset": "throttled", "times": 2, "fired": 2, "active": true },
        { "preset": "throttled", "times": 2, "fired": 1, "remaining": 0 },
        { "preset": "throttled", "fired": 2, "matched": 1 }
    ] });
    let reply = post_fixture(&app, &fixture).await;
    let errors = fixture_errors(&reply);
    let expected = [
        ("customers[0].orders[0].id", "invalidFormat"),
        ("customers[0].orders[1].partnerTenantId", "noRelationship"),
        ("customers[0].orders[2].lineItems", "outOfRange"),
        ("customers[0].orders[3].status", "unsupportedValue"),
        ("customers[0].orders[3].creationDate", "invalidFormat"),
        ("customers[0].orders[3].lineItems", "required"),
        ("customers[0].orders[4].lineItems[0].colour", "unknownField"),
        ("customers[0].orders[4].lineItems[0].lineItemNumber", "outOfRange"),
        ("customers[0].orders[4].lineItems[0].offerId", "required"),
        ("customers[0].orders[4].lineItems[0].quantity", "outOfRange"),
        ("customers[0].orders[6].id", "duplicateId"),
        ("customers[0].orders[7].id", "alreadyExists"),
        ("customers[0].orders[8]", "invalidType"),
        ("faults[0].preset", "unsupportedValue"),
        ("faults[1].match.path", "invalidFormat"),
        ("faults[2].respond.status", "invalidType"),
        ("faults[3].fired", "outOfRange"),
        ("faults[4].remaining", "unsupportedValue"),
        ("faults[6].id", "duplicateId"),
        ("faults[7].id", "alreadyExists"),
        ("faults[8].colour", "unknownField"),
        ("faults[9].active", "unsupportedValue"),
        ("faults[10].remaining", "unsupportedValue"),
        ("faults[11].matched", "outOfRange"),
    ];
    for (field, reason) in expected {
        assert_has(&errors, field, reason);
    }
    assert_eq!(errors.len(), expected.len(), "no other errors: {errors:?}");
    // Nothing of it was stored.
    let faults = send(app.request(Method::GET, "/_mirror/faults", None)).await;
    assert_eq!(faults.body["totalCount"], json!(1));
    assert_eq!(get_snapshot(&app).await["customers"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_snapshot_with_orders_and_faults_survives_get_put_get_unchanged() {
    let app = spawn_app().await;
    let mut fixture = spec_example();
    fixture["customers"][1]["orders"] = json!([ { "lineItems": [ order_line("CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", 2) ] } ]);
    fixture["faults"] = json!([
        { "preset": "serviceUnavailable", "match": { "method": "delete", "path": "/v1/never/**" } },
        { "id": "fault-1", "preset": "tenantNotFound", "times": 5, "remaining": 3, "matched": 4,
          "createdAt": "2026-02-03T04:05:06.789Z", "probability": 0.25, "seed": 42,
          "match": { "customerTenantId": "B44BB1FB-C595-45B0-9E09-D657365580BF", "method": "PUT" } }
    ]);
    let reply = post_fixture(&app, &fixture).await;
    reply.assert_status(200);
    assert_eq!(reply.body, loaded_with(2, 2, 1, 1, 1, 2));
    let listed = send(app.request(Method::GET, "/_mirror/faults", None)).await;
    let ids: Vec<&Value> = listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|f| &f["id"])
        .collect();
    assert_eq!(
        ids,
        [&json!("fault-2"), &json!("fault-1")],
        "a generated id skips the ids the fixture gives"
    );
    let restored = &listed.body["items"][1];
    assert_eq!(
        (
            &restored["fired"],
            &restored["matched"],
            &restored["remaining"],
            &restored["active"]
        ),
        (&json!(2), &json!(4), &json!(3), &json!(true))
    );
    assert_eq!(restored["createdAt"], json!("2026-02-03T04:05:06.789Z"));
    assert_eq!(restored["match"]["customerTenantId"], json!(CONTOSO));

    // More state through /v1 and the control plane: an order of (g), a fault that fired until it expired, a
    // latency-only fault.
    let token = TokenBuilder::app_user(OWNER).sign();
    let body =
        json!({ "billingCycle": "annual", "lineItems": [ { "lineItemNumber": 0, "offerId": "X", "quantity": 7 } ] });
    app.post_json(&format!("/v1/customers/{FABRIKAM}/orders"), &token, &body)
        .await
        .assert_status(201);
    for fault in [
        json!({ "preset": "throttled", "times": 1, "match": { "method": "GET", "path": "/v1/customers" }, "respond": { "retryAfterSeconds": 3 } }),
        json!({ "id": "slow.one", "latencyMs": 10, "match": { "path": "/v1/nothing/*" } }),
    ] {
        send(app.request(Method::POST, "/_mirror/faults", None).json(&fault))
            .await
            .assert_status(201);
    }
    app.get("/v1/customers", &token).await.assert_status(429);
    app.get("/v1/customers", &token).await.assert_status(200);

    let first = get_snapshot(&app).await;
    let fabrikam = first["customers"]
        .as_array()
        .expect("customers")
        .iter()
        .find(|c| c["id"] == json!(FABRIKAM))
        .expect("Fabrikam");
    let orders = fabrikam["orders"].as_array().expect("orders");
    assert_eq!(orders.len(), 2);
    assert_eq!(orders[0]["id"], json!(derived_order_id(FABRIKAM, 0)));
    assert_eq!(
        orders[1]["lineItems"],
        json!([{ "lineItemNumber": 0, "offerId": "X", "quantity": 7, "friendlyName": null }])
    );
    assert_eq!(orders[1]["billingCycle"], json!("annual"));
    assert_eq!(orders[1]["partnerTenantId"], json!(OWNER));
    let faults = first["faults"].as_array().expect("faults");
    let ids: Vec<&Value> = faults.iter().map(|f| &f["id"]).collect();
    assert_eq!(
        ids,
        [
            &json!("fault-2"),
            &json!("fault-1"),
            &json!("fault-3"),
            &json!("slow.one")
        ],
        "faults in creation order"
    );
    assert_eq!(
        faults[2],
        json!({ "id": "fault-3", "preset": "throttled",
                "match": { "method": "GET", "path": "/v1/customers", "partnerTenantId": null, "customerTenantId": null },
                "respond": { "status": 429, "shape": "C", "retryAfterSeconds": 3 }, "latencyMs": 0, "times": 1,
                "remaining": 0, "probability": 1, "seed": 0, "matched": 1, "fired": 1, "active": false,
                "createdAt": faults[2]["createdAt"] })
    );
    assert_eq!(faults[3]["respond"], json!(null));

    // GET → PUT → GET.
    let put = put_snapshot(&app, &first).await;
    put.assert_status(200);
    assert_eq!(put.body, loaded_with(2, 2, 1, 1, 2, 4));
    assert_eq!(get_snapshot(&app).await, first, "GET → PUT → GET");

    // The fault id counter restarted with the reset and skips the loaded ids.
    let next = send(
        app.request(Method::POST, "/_mirror/faults", None)
            .json(&json!({ "preset": "throttled", "match": { "path": "/v1/none" } })),
    )
    .await;
    next.assert_status(201);
    assert_eq!(next.body["id"], json!("fault-4"));
    // The expired fault stays expired; (g) still answers.
    app.get("/v1/customers", &token).await.assert_status(200);
    app.post_json(&format!("/v1/customers/{FABRIKAM}/orders"), &token, &body)
        .await
        .assert_status(201);
}
