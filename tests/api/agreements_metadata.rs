//! Operation (a), `GET /v1/agreements`: the seeded agreement metadata, the `agreementType` filter and its role matrix (contract §4.1, §3.4).

use serde_json::{json, Value};

use crate::helpers::{assert_collection, spawn_app, Partner, TestApp};

fn customer_agreement_metadata() -> Value {
    json!({ "templateId": "117a77b0-9360-443b-8795-c6dedc750cf9",
            "agreementType": "MicrosoftCustomerAgreement",
            "agreementLink": "https://aka.ms/customeragreement", "versionRank": 0 })
}

fn cloud_agreement_metadata() -> Value {
    json!({ "templateId": "998b88de-aa99-4388-a42c-1b3517d49490",
            "agreementType": "MicrosoftCloudAgreement",
            "agreementLink": "https://docs.microsoft.com/partner-center/agreements", "versionRank": 0 })
}

async fn metadata(app: &TestApp, query: &str) -> Vec<Value> {
    let partner = Partner::fresh();
    let reply = app.get(&format!("/v1/agreements{query}"), &partner.token).await;
    assert_collection(&reply, &format!("/agreements{query}"))
}

#[tokio::test]
async fn agreement_metadata_with_star_lists_both_templates_exactly_as_the_contract_example() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let reply = app.get("/v1/agreements?agreementType=*", &partner.token).await;
    reply.assert_status(200);
    assert_eq!(
        reply.body,
        json!({
            "totalCount": 2,
            "items": [customer_agreement_metadata(), cloud_agreement_metadata()],
            "links": { "self": { "uri": "/agreements?agreementType=*", "method": "GET", "headers": [] } },
            "attributes": { "objectType": "Collection" }
        })
    );
}

#[tokio::test]
async fn agreement_metadata_without_agreement_type_lists_only_the_cloud_agreement() {
    let app = spawn_app().await;
    assert_eq!(metadata(&app, "").await, [cloud_agreement_metadata()]);
}

#[tokio::test]
async fn agreement_metadata_matches_the_agreement_type_case_insensitively() {
    let app = spawn_app().await;
    assert_eq!(
        metadata(&app, "?agreementType=microsoftcustomeragreement").await,
        [customer_agreement_metadata()]
    );
    assert_eq!(
        metadata(&app, "?agreementType=MicrosoftCloudAgreement").await,
        [cloud_agreement_metadata()]
    );
}

#[tokio::test]
async fn agreement_metadata_for_an_unknown_type_is_an_empty_collection() {
    let app = spawn_app().await;
    assert_eq!(
        metadata(&app, "?agreementType=MicrosoftPartnerAgreement").await,
        Vec::<Value>::new()
    );
}

// The indirect-reseller column of the role matrix (§3.4) needs the control plane that registers
// partner types, which comes with a later issue; it is not tested yet.
mod role_matrix {
    crate::role_matrix_tests!(crate::helpers::Operation::AgreementMetadata, app_only: Some(900329));
}

#[tokio::test]
async fn agreement_metadata_is_the_same_for_every_partner() {
    let app = spawn_app().await;
    let first = metadata(&app, "?agreementType=*").await;
    let second = metadata(&app, "?agreementType=*").await;
    assert_eq!(first, second);
    assert_eq!(first.len(), 2);
}
