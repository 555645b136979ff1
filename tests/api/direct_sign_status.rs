//! Operation (d), `GET /v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus`: the direct-sign flag, its errors and role matrix (contract §4.4).

use serde_json::json;

use crate::helpers::{
    assert_json_content_type, attest, attestation_body, create_customer, spawn_app, Partner, Reply, TestApp,
};

async fn status(app: &TestApp, token: &str, customer: &str) -> Reply {
    app.get(
        &format!("/v1/customers/{customer}/directSignedMicrosoftCustomerAgreementStatus"),
        token,
    )
    .await
}

#[tokio::test]
async fn direct_sign_status_of_a_new_customer_is_exactly_not_signed() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let reply = status(&app, &partner.token, &customer).await;
    reply.assert_status(200);
    assert_json_content_type(&reply);
    assert_eq!(reply.body, json!({ "isSigned": false }));
}

#[tokio::test]
async fn a_partner_attestation_never_changes_the_direct_sign_status() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    attest(&app, &partner.token, &customer, &attestation_body())
        .await
        .assert_status(201);
    let reply = status(&app, &partner.token, &customer).await;
    reply.assert_status(200);
    assert_eq!(reply.body, json!({ "isSigned": false }));
}

#[tokio::test]
async fn direct_sign_status_accepts_an_uppercase_customer_id_and_case_insensitive_segments() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = create_customer(&app, &partner.token).await;
    let path = format!(
        "/v1/customers/{}/directsignedmicrosoftcustomeragreementstatus",
        customer.to_uppercase()
    );
    let reply = app.get(&path, &partner.token).await;
    reply.assert_status(200);
    assert_eq!(reply.body, json!({ "isSigned": false }));
}

// A `true` status needs the direct acceptance of the control plane or the admin-center page (§4.9),
// and 403 20002 needs PATCH (f5); both come with later issues.

mod customer_ids {
    crate::customer_id_tests!(crate::helpers::Operation::DirectSignStatus);
}

// The indirect-reseller column of the role matrix (§3.4) needs the control plane that registers
// partner types, which comes with a later issue; it is not tested yet.
mod role_matrix {
    crate::role_matrix_tests!(crate::helpers::Operation::DirectSignStatus, app_only: Some(900329));
}
