//! Tests of the simulated Microsoft 365 admin center (control-plane spec §10): the pages' HTML and headers,
//! sign-in, the outcomes of §10.4, and the protection of every POST by single-use form tokens and origin checks.

use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::*;

/// Path of the agreement page.
pub const AGREEMENT_PAGE: &str = "/_mirror/admin-center/agreement";

/// The Content-Security-Policy every page sends.
const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

// ------------------------------------------------------------ page helpers

/// Every form token of a page, in document order.
pub fn form_tokens(html: &str) -> Vec<String> {
    const MARK: &str = "name=\"formToken\" value=\"";
    html.match_indices(MARK)
        .map(|(at, _)| {
            let rest = &html[at + MARK.len()..];
            rest[..rest.find('"').expect("a closing quote")].to_owned()
        })
        .collect()
}

/// The single form token of the agreement page.
pub fn form_token(html: &str) -> String {
    let tokens = form_tokens(html);
    assert_eq!(tokens.len(), 1, "one form token on the page: {html}");
    tokens[0].clone()
}

/// The value of a `data-*` attribute of `<main id="result">`.
pub fn hook(html: &str, attribute: &str) -> String {
    let main = &html[html.find("<main id=\"result\"").expect("a <main id=\"result\">")..];
    let main = &main[..main.find('>').expect("the end of the <main> tag")];
    let mark = format!("{attribute}=\"");
    let rest = &main[main
        .find(&mark)
        .unwrap_or_else(|| panic!("{attribute} on <main>: {main}"))
        + mark.len()..];
    rest[..rest.find('"').expect("a closing quote")].to_owned()
}

/// The text of `<dd id="…">`.
pub fn dd(html: &str, id: &str) -> String {
    let mark = format!("<dd id=\"{id}\">");
    let rest = &html[html.find(&mark).unwrap_or_else(|| panic!("<dd id=\"{id}\"> in {html}")) + mark.len()..];
    rest[..rest.find("</dd>").expect("</dd>")].to_owned()
}

/// The row of the partner list for a partner tenant.
pub fn partner_row(html: &str, partner: &str) -> Option<String> {
    let mark = format!("<tr data-partner-tenant-id=\"{partner}\">");
    let at = html.find(&mark)?;
    let rest = &html[at..];
    Some(rest[..rest.find("</tr>").expect("</tr>")].to_owned())
}

/// Asserts the outcome hooks and the status of a POST answer.
pub fn assert_outcome(reply: &Reply, status: u16, outcome: &str) {
    let html = reply.text();
    assert_eq!(
        (reply.status, hook(&html, "data-outcome").as_str()),
        (status, outcome),
        "status and outcome; page: {html}"
    );
}

/// The path and query of an absolute URL.
pub fn path_of(url: &str) -> String {
    let rest = url.split_once("://").expect("an absolute URL").1;
    rest[rest.find('/').expect("a path")..].to_owned()
}

/// The invitation page path of (f4) for a partner.
pub async fn invitation_path(app: &TestApp, token: &str) -> String {
    let reply = app.get("/v1/customers/relationshiprequests", token).await;
    reply.assert_status(200);
    path_of(reply.body["url"].as_str().expect("a url"))
}

/// `GET` of a page.
pub async fn open_page(app: &TestApp, path: &str) -> Reply {
    send(app.request(Method::GET, path, None)).await
}

/// The invitation page's (existing-customer token, new-tenant token).
pub async fn invitation_tokens(app: &TestApp, path: &str) -> (String, String) {
    let page = open_page(app, path).await;
    page.assert_status(200);
    let tokens = form_tokens(&page.text());
    assert_eq!(tokens.len(), 2, "two forms on the invitation page");
    (tokens[0].clone(), tokens[1].clone())
}

/// A fresh token of the agreement page.
pub async fn agreement_token(app: &TestApp) -> String {
    let page = open_page(app, AGREEMENT_PAGE).await;
    page.assert_status(200);
    form_token(&page.text())
}

/// Encodes fields as a browser encodes a form (`application/x-www-form-urlencoded`).
pub trait FormBody {
    /// Sets the body and its content type.
    fn form_fields<K: AsRef<str>, V: AsRef<str>>(self, fields: &[(K, V)]) -> Self;
}

impl FormBody for reqwest::RequestBuilder {
    fn form_fields<K: AsRef<str>, V: AsRef<str>>(self, fields: &[(K, V)]) -> Self {
        let mut body = form_urlencoded::Serializer::new(String::new());
        for (name, value) in fields {
            body.append_pair(name.as_ref(), value.as_ref());
        }
        self.header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.finish())
    }
}

/// Posts a form as a browser would (`application/x-www-form-urlencoded`, no Origin).
pub async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Reply {
    send(app.request(Method::POST, path, None).form_fields(fields)).await
}

/// Signs in on the agreement page with a fresh token.
pub async fn agreement_sign_in(app: &TestApp, user: &str, password: &str, accept_mca: bool) -> Reply {
    let token = agreement_token(app).await;
    let mut fields = vec![
        ("formToken", token.as_str()),
        ("userName", user),
        ("password", password),
    ];
    if accept_mca {
        fields.push(("acceptMca", "on"));
    }
    post_form(app, AGREEMENT_PAGE, &fields).await
}

/// Uses the "Existing customer" form of an invitation page with a fresh token.
pub async fn invitation_sign_in(app: &TestApp, path: &str, user: &str, password: &str, boxes: &[&str]) -> Reply {
    let (token, _) = invitation_tokens(app, path).await;
    let mut fields = vec![
        ("formToken", token.as_str()),
        ("userName", user),
        ("password", password),
    ];
    fields.extend(boxes.iter().map(|name| (*name, "on")));
    post_form(app, path, &fields).await
}

/// Uses the "New customer tenant" form of an invitation page with a fresh token.
pub async fn invitation_new_tenant(app: &TestApp, path: &str, domain: &str, company: &str, boxes: &[&str]) -> Reply {
    let (_, token) = invitation_tokens(app, path).await;
    let mut fields = vec![
        ("formToken", token.as_str()),
        ("domain", domain),
        ("companyName", company),
    ];
    fields.extend(boxes.iter().map(|name| (*name, "on")));
    post_form(app, path, &fields).await
}

// ------------------------------------------------------ control-plane helpers

/// A control-plane request (no admin token is configured in tests).
pub async fn control(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Reply {
    let builder = app.request(method, path, None);
    send(match body {
        Some(body) => builder.json(&body),
        None => builder,
    })
    .await
}

/// A fresh unique domain.
pub fn new_domain() -> String {
    format!("t{}.example.com", Uuid::new_v4().simple())
}

/// A fresh 7-digit MPN id.
pub fn new_mpn_id() -> String {
    (1_000_000 + Uuid::new_v4().as_u128() % 9_000_000).to_string()
}

/// Registers (or replaces) a partner through `PUT /_mirror/partners/{tid}`.
pub async fn register_partner(app: &TestApp, tenant: &str, partner_type: &str) -> Value {
    let reply = control(
        app,
        Method::PUT,
        &format!("/_mirror/partners/{tenant}"),
        Some(json!({"partnerType": partner_type, "mpnId": new_mpn_id(), "mpaSigned": true})),
    )
    .await;
    assert!(
        matches!(reply.status, 200 | 201),
        "partner registered: {}",
        reply.text()
    );
    reply.body
}

/// A customer created by the partner with (f1): (id, admin sign-in name, password).
pub async fn create_customer_with_credentials(app: &TestApp, token: &str) -> (String, String, String) {
    let body = customer_body();
    let reply = app.post_json("/v1/customers", token, &body).await;
    reply.assert_status(201);
    let domain = body["companyProfile"]["domain"].as_str().expect("a domain");
    assert_eq!(reply.body["userCredentials"]["userName"], json!("admin"));
    (
        reply.body["id"].as_str().expect("an id").to_owned(),
        format!("admin@{domain}"),
        reply.body["userCredentials"]["password"]
            .as_str()
            .expect("a password")
            .to_owned(),
    )
}

/// The internal view of a customer.
pub async fn internal_view(app: &TestApp, customer: &str) -> Value {
    let reply = control(app, Method::GET, &format!("/_mirror/customers/{customer}"), None).await;
    reply.assert_status(200);
    reply.body
}

/// `isSigned` of (d) for a partner.
pub async fn is_signed(app: &TestApp, token: &str, customer: &str) -> Value {
    let reply = app
        .get(
            &format!("/v1/customers/{customer}/directSignedMicrosoftCustomerAgreementStatus"),
            token,
        )
        .await;
    reply.assert_status(200);
    reply.body["isSigned"].clone()
}

/// The relationships of a customer as (partner, relationship) pairs from the internal view.
pub async fn relationships(app: &TestApp, customer: &str) -> Vec<(String, String)> {
    internal_view(app, customer).await["partners"]
        .as_array()
        .expect("partners")
        .iter()
        .map(|p| {
            (
                p["partnerTenantId"].as_str().unwrap_or_default().to_owned(),
                p["relationshipToPartner"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

// ------------------------------------------------------------------ tests

#[tokio::test]
async fn the_agreement_page_is_plain_html_with_the_security_headers_a_form_token_and_no_cookie() {
    let app = spawn_app().await;
    let page = open_page(&app, AGREEMENT_PAGE).await;
    page.assert_status(200);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(page.header("content-security-policy"), CSP);
    assert_eq!(page.header("x-frame-options"), "DENY");
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    assert_eq!(page.header("referrer-policy"), "no-referrer");
    assert_eq!(page.header("cache-control"), "no-store");
    assert!(page.headers.get("set-cookie").is_none(), "no cookie is set");
    let html = page.text();
    assert!(html.contains("Simulated Microsoft 365 admin center – Partner Center mirror. Not a Microsoft service."));
    assert!(!html.to_ascii_lowercase().contains("<script"), "no JavaScript");
    assert!(html.contains("href=\"https://aka.ms/customeragreement\""));
    for field in ["name=\"userName\"", "name=\"password\"", "name=\"acceptMca\""] {
        assert!(html.contains(field), "{field} on the page");
    }
    let token = form_token(&html);
    assert_ne!(
        token,
        form_token(&open_page(&app, AGREEMENT_PAGE).await.text()),
        "every page gets a fresh token"
    );
}

#[tokio::test]
async fn the_invitation_url_of_f4_opens_a_page_naming_the_partner_with_both_forms() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    register_partner(&app, &partner.tenant, "directBill").await;
    let path = invitation_path(&app, &partner.token).await;
    assert!(path.starts_with("/_mirror/admin-center/partner-invitation?invType=ResellerRelationship&partnerId="));
    let page = open_page(&app, &path).await;
    page.assert_status(200);
    assert_eq!(page.header("content-security-policy"), CSP);
    assert_eq!(page.header("x-frame-options"), "DENY");
    let html = page.text();
    assert!(html.contains(&format!("<strong id=\"partner-tenant-id\">{}</strong>", partner.tenant)));
    assert!(html.contains("<dt>msppId</dt><dd>0</dd>"), "other parameters are shown");
    assert!(html.contains("name=\"domain\"") && html.contains("name=\"companyName\""));
    assert!(html.contains("name=\"acceptRelationship\""));
    let tokens = form_tokens(&html);
    assert_eq!(tokens.len(), 2);
    assert_ne!(tokens[0], tokens[1]);
}

#[tokio::test]
async fn the_invitation_page_refuses_other_invitation_types_and_unregistered_partners() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    register_partner(&app, &partner.tenant, "directBill").await;
    let wrong_type = open_page(
        &app,
        &format!(
            "/_mirror/admin-center/partner-invitation?invType=DelegatedAdmin&partnerId={}",
            partner.tenant
        ),
    )
    .await;
    wrong_type.assert_status(400);
    assert_eq!(wrong_type.header("content-type"), "text/html; charset=utf-8");
    for partner_id in [new_guid(), "not-a-guid".to_owned()] {
        let unknown = open_page(
            &app,
            &format!("/_mirror/admin-center/partner-invitation?invType=ResellerRelationship&partnerId={partner_id}"),
        )
        .await;
        unknown.assert_status(404);
        assert!(unknown.text().contains("This invitation is not valid"));
        assert_eq!(unknown.header("x-frame-options"), "DENY");
    }
    let posted = post_form(
        &app,
        &format!(
            "/_mirror/admin-center/partner-invitation?invType=ResellerRelationship&partnerId={}",
            new_guid()
        ),
        &[("domain", "x.example.com")],
    )
    .await;
    posted.assert_status(404);
    let any_case = open_page(
        &app,
        &format!(
            "/_mirror/admin-center/PARTNER-INVITATION?invtype=resellerrelationship&partnerId={}",
            partner.tenant
        ),
    )
    .await;
    any_case.assert_status(200);
}

#[tokio::test]
async fn the_pages_stay_available_when_the_control_plane_is_disabled() {
    let app = spawn_app_with(|settings| settings.control.control_plane = false).await;
    open_page(&app, AGREEMENT_PAGE).await.assert_status(200);
    let posted = agreement_sign_in(&app, "admin@nobody.example.com", "wrong", false).await;
    assert_outcome(&posted, 403, "signInFailed");
    control(&app, Method::GET, "/_mirror/partners", None)
        .await
        .assert_status(404);
}

#[tokio::test]
async fn wrong_credentials_on_either_page_answer_sign_in_failed_and_change_nothing() {
    let app = spawn_app().await;
    let owner = Partner::fresh();
    let (customer, user, password) = create_customer_with_credentials(&app, &owner.token).await;
    let inviter = Partner::fresh();
    register_partner(&app, &inviter.tenant, "directBill").await;
    let path = invitation_path(&app, &inviter.token).await;
    let before = internal_view(&app, &customer).await;

    let wrong_password = agreement_sign_in(&app, &user, &format!("{password}x"), true).await;
    assert_outcome(&wrong_password, 403, "signInFailed");
    assert!(wrong_password.text().contains("Sign-in failed"));
    assert_eq!(hook(&wrong_password.text(), "data-customer-tenant-id"), "");
    assert_eq!(
        form_tokens(&wrong_password.text()).len(),
        1,
        "the answer holds a fresh token"
    );
    let unknown_user = agreement_sign_in(&app, "admin@unknown.example.com", &password, true).await;
    assert_outcome(&unknown_user, 403, "signInFailed");
    let no_domain = agreement_sign_in(&app, "admin", &password, true).await;
    assert_outcome(&no_domain, 403, "signInFailed");
    let on_invitation = invitation_sign_in(
        &app,
        &path,
        &user,
        &swap_case(&password),
        &["acceptRelationship", "acceptMca"],
    )
    .await;
    assert_outcome(&on_invitation, 403, "signInFailed");
    assert_eq!(
        form_tokens(&on_invitation.text()).len(),
        2,
        "the answer holds fresh tokens"
    );
    let blank = invitation_sign_in(&app, &path, "", "", &["acceptRelationship"]).await;
    assert_outcome(&blank, 403, "signInFailed");

    assert_eq!(internal_view(&app, &customer).await, before, "nothing changed");
    assert_eq!(is_signed(&app, &owner.token, &customer).await, json!(false));

    let upper = agreement_sign_in(&app, &user.to_uppercase(), &password, false).await;
    assert_outcome(&upper, 200, "signedIn");
    assert_eq!(hook(&upper.text(), "data-customer-tenant-id"), customer);
    assert_eq!(
        internal_view(&app, &customer).await,
        before,
        "signing in alone changes nothing"
    );
}

#[tokio::test]
async fn a_replayed_form_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let (customer, user, password) = create_customer_with_credentials(&app, &partner.token).await;
    let token = agreement_token(&app).await;
    let first = post_form(
        &app,
        AGREEMENT_PAGE,
        &[("formToken", &token), ("userName", &user), ("password", &password)],
    )
    .await;
    assert_outcome(&first, 200, "signedIn");
    let replay = post_form(
        &app,
        AGREEMENT_PAGE,
        &[
            ("formToken", &token),
            ("userName", &user),
            ("password", &password),
            ("acceptMca", "on"),
        ],
    )
    .await;
    assert_outcome(&replay, 403, "formRejected");
    assert_eq!(hook(&replay.text(), "data-mca"), "");
    assert_eq!(is_signed(&app, &partner.token, &customer).await, json!(false));
    let fresh = form_token(&replay.text());
    assert_ne!(fresh, token);
    let with_fresh = post_form(
        &app,
        AGREEMENT_PAGE,
        &[
            ("formToken", &fresh),
            ("userName", &user),
            ("password", &password),
            ("acceptMca", "on"),
        ],
    )
    .await;
    assert_outcome(&with_fresh, 200, "done");
    assert_eq!(is_signed(&app, &partner.token, &customer).await, json!(true));
}

#[tokio::test]
async fn a_token_used_for_a_failed_sign_in_cannot_be_used_again() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let (customer, user, password) = create_customer_with_credentials(&app, &partner.token).await;
    let token = agreement_token(&app).await;
    let failed = post_form(
        &app,
        AGREEMENT_PAGE,
        &[("formToken", &token), ("userName", &user), ("password", "wrong")],
    )
    .await;
    assert_outcome(&failed, 403, "signInFailed");
    let again = post_form(
        &app,
        AGREEMENT_PAGE,
        &[
            ("formToken", &token),
            ("userName", &user),
            ("password", &password),
            ("acceptMca", "on"),
        ],
    )
    .await;
    assert_outcome(&again, 403, "formRejected");
    assert_eq!(is_signed(&app, &partner.token, &customer).await, json!(false));
}

#[tokio::test]
async fn a_forged_altered_or_missing_form_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let other_instance = spawn_app().await;
    let partner = Partner::fresh();
    let (customer, user, password) = create_customer_with_credentials(&app, &partner.token).await;
    let genuine = agreement_token(&app).await;
    let (payload, signature) = genuine.split_once('.').expect("payload.signature");
    let mut flipped = signature.chars().collect::<Vec<_>>();
    flipped[3] = if flipped[3] == 'A' { 'B' } else { 'A' };
    let altered_signature = format!("{payload}.{}", flipped.into_iter().collect::<String>());
    let foreign_payload = decode_payload(payload).replace("\"agreement\"", "\"agreement \"");
    let altered_payload = format!("{}.{signature}", base64url(foreign_payload.as_bytes()));
    let forged = agreement_token(&other_instance).await;
    let candidates = [
        Some(altered_signature.as_str()),
        Some(altered_payload.as_str()),
        Some(forged.as_str()),
        Some("not-a-token"),
        Some(""),
        None,
    ];
    for candidate in candidates {
        let mut fields = vec![
            ("userName", user.as_str()),
            ("password", password.as_str()),
            ("acceptMca", "on"),
        ];
        if let Some(token) = candidate {
            fields.push(("formToken", token));
        }
        let reply = post_form(&app, AGREEMENT_PAGE, &fields).await;
        assert_outcome(&reply, 403, "formRejected");
        assert!(reply.text().contains("This form was refused"), "{candidate:?}");
    }
    assert_eq!(is_signed(&app, &partner.token, &customer).await, json!(false));
    let honest = post_form(
        &app,
        AGREEMENT_PAGE,
        &[("formToken", &genuine), ("userName", &user), ("password", &password)],
    )
    .await;
    assert_outcome(&honest, 200, "signedIn");
}

/// The password with the case of every letter swapped (a wrong password for an exact comparison).
fn swap_case(password: &str) -> String {
    let swapped: String = password
        .chars()
        .map(|c| {
            if c.is_ascii_uppercase() {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect();
    assert_ne!(swapped, password, "the generated password holds letters");
    swapped
}

fn decode_payload(part: &str) -> String {
    decode_jws_part(part).to_string()
}

#[tokio::test]
async fn a_foreign_origin_or_a_cross_site_fetch_is_refused_and_the_own_origin_is_accepted() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let (customer, user, password) = create_customer_with_credentials(&app, &partner.token).await;
    let post_with = |header: (&'static str, String), token: String| {
        let app = &app;
        let (user, password) = (user.clone(), password.clone());
        async move {
            send(
                app.request(Method::POST, AGREEMENT_PAGE, None)
                    .header(header.0, header.1)
                    .form_fields(&[
                        ("formToken", token.as_str()),
                        ("userName", &user),
                        ("password", &password),
                        ("acceptMca", "on"),
                    ]),
            )
            .await
        }
    };
    let foreign = post_with(
        ("Origin", "https://attacker.example".to_owned()),
        agreement_token(&app).await,
    )
    .await;
    assert_outcome(&foreign, 403, "formRejected");
    let null_origin = post_with(("Origin", "null".to_owned()), agreement_token(&app).await).await;
    assert_outcome(&null_origin, 403, "formRejected");
    let cross_site = post_with(("Sec-Fetch-Site", "cross-site".to_owned()), agreement_token(&app).await).await;
    assert_outcome(&cross_site, 403, "formRejected");
    assert_eq!(is_signed(&app, &partner.token, &customer).await, json!(false));
    let own = post_with(("Origin", app.address.clone()), agreement_token(&app).await).await;
    assert_outcome(&own, 200, "done");
    assert_eq!(is_signed(&app, &partner.token, &customer).await, json!(true));
}

#[tokio::test]
async fn a_token_of_the_other_form_or_another_partner_is_refused() {
    let app = spawn_app().await;
    let owner = Partner::fresh();
    let (customer, user, password) = create_customer_with_credentials(&app, &owner.token).await;
    let inviter = Partner::fresh();
    register_partner(&app, &inviter.tenant, "directBill").await;
    let other = Partner::fresh();
    register_partner(&app, &other.tenant, "directBill").await;
    let path = invitation_path(&app, &inviter.token).await;
    let other_path = invitation_path(&app, &other.token).await;
    let (existing, new) = invitation_tokens(&app, &path).await;
    let (other_existing, _) = invitation_tokens(&app, &other_path).await;
    let agreement = agreement_token(&app).await;
    let sign_in = |token: &str| {
        vec![
            ("formToken".to_owned(), token.to_owned()),
            ("userName".to_owned(), user.clone()),
            ("password".to_owned(), password.clone()),
            ("acceptRelationship".to_owned(), "on".to_owned()),
            ("acceptMca".to_owned(), "on".to_owned()),
        ]
    };
    let cases: Vec<(&str, Vec<(String, String)>)> = vec![
        (path.as_str(), sign_in(&new)),
        (path.as_str(), sign_in(&agreement)),
        (path.as_str(), sign_in(&other_existing)),
        (AGREEMENT_PAGE, sign_in(&existing)),
        (
            path.as_str(),
            vec![
                ("formToken".to_owned(), existing.clone()),
                ("domain".to_owned(), new_domain()),
                ("companyName".to_owned(), "Tailspin".to_owned()),
                ("acceptRelationship".to_owned(), "on".to_owned()),
            ],
        ),
    ];
    for (target, fields) in cases {
        let reply = send(app.request(Method::POST, target, None).form_fields(&fields)).await;
        assert_outcome(&reply, 403, "formRejected");
    }
    assert_eq!(
        relationships(&app, &customer).await,
        vec![(owner.tenant.clone(), "reseller".to_owned())],
        "the inviter gained no relationship"
    );
    assert_eq!(is_signed(&app, &owner.token, &customer).await, json!(false));
    let listed = control(
        &app,
        Method::GET,
        &format!("/_mirror/customers?partnerTenantId={}", inviter.tenant),
        None,
    )
    .await;
    assert_eq!(listed.body["totalCount"], json!(0), "no tenant was created");
    let right = send(app.request(Method::POST, &path, None).form_fields(&sign_in(&existing))).await;
    assert_outcome(&right, 200, "done");
}

#[tokio::test]
async fn a_used_form_token_is_refused_by_another_instance_on_the_same_database() {
    let first = spawn_app().await;
    let second = spawn_app_beside(&first, |_| {}).await;
    let partner = Partner::fresh();
    let (customer, user, password) = create_customer_with_credentials(&first, &partner.token).await;
    let token = agreement_token(&first).await;
    let fields = [
        ("formToken", token.as_str()),
        ("userName", user.as_str()),
        ("password", password.as_str()),
    ];
    assert_outcome(&post_form(&first, AGREEMENT_PAGE, &fields).await, 200, "signedIn");
    let mut with_box = fields.to_vec();
    with_box.push(("acceptMca", "on"));
    assert_outcome(
        &post_form(&second, AGREEMENT_PAGE, &with_box).await,
        403,
        "formRejected",
    );
    assert_eq!(is_signed(&first, &partner.token, &customer).await, json!(false));
    let fresh_from_second = agreement_token(&second).await;
    let accepted = post_form(
        &first,
        AGREEMENT_PAGE,
        &[
            ("formToken", fresh_from_second.as_str()),
            ("userName", user.as_str()),
            ("password", password.as_str()),
            ("acceptMca", "on"),
        ],
    )
    .await;
    assert_outcome(&accepted, 200, "done");
}

#[tokio::test]
async fn a_new_customer_tenant_needs_a_free_valid_domain_a_company_name_and_the_relationship_box() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    register_partner(&app, &partner.tenant, "directBill").await;
    let taken = customer_body()["companyProfile"]["domain"].as_str().unwrap().to_owned();
    app.post_json(
        "/v1/customers",
        &partner.token,
        &with(&customer_body(), "/companyProfile/domain", json!(taken)),
    )
    .await
    .assert_status(201);
    let path = invitation_path(&app, &partner.token).await;
    let cases = [
        (taken.to_uppercase(), "Tailspin", true, "is already in use"),
        ("localhost".to_owned(), "Tailspin", true, "DNS name"),
        (new_domain(), "   ", true, "company name is required"),
        (new_domain(), "Tailspin", false, "must accept the relationship"),
    ];
    for (domain, company, relationship, problem) in cases {
        let boxes: &[&str] = if relationship {
            &["acceptRelationship", "acceptMca"]
        } else {
            &["acceptMca"]
        };
        let reply = invitation_new_tenant(&app, &path, &domain, company, boxes).await;
        assert_outcome(&reply, 400, "invalid");
        assert!(reply.text().contains(problem), "{problem}: {}", reply.text());
        assert!(!reply.text().contains("id=\"admin-password\""));
    }
    let listed = control(
        &app,
        Method::GET,
        &format!("/_mirror/customers?partnerTenantId={}", partner.tenant),
        None,
    )
    .await;
    assert_eq!(listed.body["totalCount"], json!(1), "only the (f1) customer exists");
}

#[tokio::test]
async fn a_new_customer_tenant_gets_generated_credentials_the_default_billing_profile_and_the_partner_as_owner() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    register_partner(&app, &partner.tenant, "indirectProvider").await;
    let path = invitation_path(&app, &partner.token).await;
    let domain = new_domain();
    let reply = invitation_new_tenant(&app, &path, &domain, "Tailspin <Toys>", &["acceptRelationship"]).await;
    assert_outcome(&reply, 200, "done");
    let html = reply.text();
    assert_eq!(hook(&html, "data-relationship"), "accepted");
    assert_eq!(hook(&html, "data-mca"), "");
    assert!(html.contains("Tailspin &lt;Toys&gt;"), "the company name is escaped");
    let customer = hook(&html, "data-customer-tenant-id");
    assert!(is_guid(&customer));
    assert_eq!(dd(&html, "admin-sign-in-name"), format!("admin@{domain}"));
    let password = dd(&html, "admin-password");
    assert_eq!(password.len(), 12);
    assert!(password.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(form_tokens(&html).len(), 2);

    let got = app.get(&format!("/v1/customers/{customer}"), &partner.token).await;
    got.assert_status(200);
    assert_eq!(got.body["relationshipToPartner"], json!("reseller"));
    assert_eq!(got.body["companyProfile"]["domain"], json!(domain));
    let billing = &got.body["billingProfile"];
    assert_eq!(billing["email"], json!(format!("admin@{domain}")));
    assert_eq!(billing["culture"], json!("en-US"));
    assert_eq!(billing["language"], json!("en"));
    assert_eq!(billing["companyName"], json!("Tailspin <Toys>"));
    assert_eq!(billing["defaultAddress"]["country"], json!("US"));
    assert_eq!(billing["defaultAddress"]["addressLine1"], json!("Not provided"));
    assert_eq!(billing["defaultAddress"]["city"], json!("Not provided"));
    assert_eq!(billing["defaultAddress"]["postalCode"], json!("00000"));
    let view = internal_view(&app, &customer).await;
    assert_eq!(view["ownerPartnerTenantId"], json!(partner.tenant));
    assert_eq!(view["adminSignInName"], json!(format!("admin@{domain}")));
    assert_eq!(is_signed(&app, &partner.token, &customer).await, json!(false));

    let signed_in = agreement_sign_in(&app, &format!("admin@{domain}"), &password, false).await;
    assert_outcome(&signed_in, 200, "signedIn");
    assert!(
        !signed_in.text().contains("id=\"admin-password\""),
        "the password is shown only once"
    );
}

#[tokio::test]
async fn the_mca_box_uses_the_partner_clock_on_the_invitation_page_and_the_global_clock_on_the_agreement_page() {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    register_partner(&app, &partner.tenant, "directBill").await;
    let (invited, user, password) = create_customer_with_credentials(&app, &partner.token).await;
    let (direct, direct_user, direct_password) = create_customer_with_credentials(&app, &partner.token).await;
    let path = invitation_path(&app, &partner.token).await;
    control(
        &app,
        Method::POST,
        &format!("/_mirror/partners/{}/clock", partner.tenant),
        Some(json!({"advanceSeconds": 864_000})),
    )
    .await
    .assert_status(200);

    let before = chrono::Utc::now();
    let on_invitation = invitation_sign_in(&app, &path, &user, &password, &["acceptMca"]).await;
    assert_outcome(&on_invitation, 200, "done");
    assert_eq!(hook(&on_invitation.text(), "data-mca"), "accepted");
    let on_agreement = agreement_sign_in(&app, &direct_user, &direct_password, true).await;
    assert_outcome(&on_agreement, 200, "done");
    let after = chrono::Utc::now();

    let accepted_at = |view: Value| {
        chrono::DateTime::parse_from_rfc3339(view["directAcceptance"]["acceptedAt"].as_str().expect("acceptedAt"))
            .expect("a date-time")
            .with_timezone(&chrono::Utc)
    };
    let ten_days = chrono::Duration::seconds(864_000);
    let second = chrono::Duration::seconds(1);
    let partner_time = accepted_at(internal_view(&app, &invited).await);
    assert!(
        partner_time >= before + ten_days - second && partner_time <= after + ten_days + second,
        "{partner_time}"
    );
    let global_time = accepted_at(internal_view(&app, &direct).await);
    assert!(
        global_time >= before - second && global_time <= after + second,
        "{global_time}"
    );
}

#[tokio::test]
async fn the_partner_list_shows_reseller_partners_their_confirmation_and_the_direct_acceptance_line() {
    let app = spawn_app().await;
    let owner = Partner::fresh();
    let (customer, user, password) = create_customer_with_credentials(&app, &owner.token).await;
    attest(&app, &owner.token, &customer, &attestation_body())
        .await
        .assert_status(201);
    let inviter = Partner::fresh();
    let registration = register_partner(&app, &inviter.tenant, "indirectProvider").await;
    let removed = Partner::fresh();
    register_partner(&app, &removed.tenant, "directBill").await;
    control(
        &app,
        Method::PUT,
        &format!("/_mirror/customers/{customer}/relationships/{}", removed.tenant),
        Some(json!({"relationshipToPartner": "none"})),
    )
    .await
    .assert_status(200);
    let path = invitation_path(&app, &inviter.token).await;
    let reply = invitation_sign_in(&app, &path, &user, &password, &["acceptRelationship"]).await;
    assert_outcome(&reply, 200, "done");
    let html = reply.text();
    assert_eq!(hook(&html, "data-relationship"), "accepted");
    assert!(html.contains(
        "<p id=\"direct-acceptance\">Microsoft Customer Agreement accepted by your organization: not accepted</p>"
    ));
    let owner_row = partner_row(&html, &owner.tenant).expect("the owner is listed");
    assert!(owner_row.contains("<td>directBill</td>"), "{owner_row}");
    assert!(owner_row.contains("<td>reseller</td>"));
    assert!(
        owner_row.contains(&format!("<td>yes ({DATE_AGREED_ECHO})</td>")),
        "{owner_row}"
    );
    let inviter_row = partner_row(&html, &inviter.tenant).expect("the inviter is listed");
    assert!(inviter_row.contains("<td>indirectProvider</td>"));
    assert!(inviter_row.contains(&format!("<td>{}</td>", registration["mpnId"].as_str().unwrap())));
    assert!(inviter_row.contains("<td>no</td>"), "{inviter_row}");
    assert_eq!(
        partner_row(&html, &removed.tenant),
        None,
        "only reseller relationships are listed"
    );

    let accepted = agreement_sign_in(&app, &user, &password, true).await;
    assert_outcome(&accepted, 200, "done");
    let at = internal_view(&app, &customer).await["directAcceptance"]["acceptedAt"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(accepted.text().contains(&format!(
        "<p id=\"direct-acceptance\">Microsoft Customer Agreement accepted by your organization: {at}</p>"
    )));
    let again = agreement_sign_in(&app, &user, &password, true).await;
    assert_outcome(&again, 200, "done");
    assert_eq!(hook(&again.text(), "data-mca"), "alreadyAccepted");
}

#[tokio::test]
async fn the_mca_box_with_legacy_purchases_answers_409_alone_and_200_next_to_an_accepted_relationship() {
    let app = spawn_app().await;
    let owner = Partner::fresh();
    let (customer, user, password) = create_customer_with_credentials(&app, &owner.token).await;
    control(
        &app,
        Method::PUT,
        &format!("/_mirror/customers/{customer}/scenario"),
        Some(json!({"hasLegacyPurchases": true})),
    )
    .await
    .assert_status(200);
    let owner_path = invitation_path(&app, &owner.token).await;
    let unchanged = invitation_sign_in(
        &app,
        &owner_path,
        &user,
        &password,
        &["acceptRelationship", "acceptMca"],
    )
    .await;
    assert_outcome(&unchanged, 409, "mcaRefused");
    assert_eq!(hook(&unchanged.text(), "data-relationship"), "unchanged");
    assert_eq!(hook(&unchanged.text(), "data-mca"), "refused");
    assert!(unchanged
        .text()
        .contains("Please reach out to your Partner to confirm your acceptance of the Microsoft Customer Agreement."));
    let newcomer = Partner::fresh();
    register_partner(&app, &newcomer.tenant, "directBill").await;
    let path = invitation_path(&app, &newcomer.token).await;
    let changed = invitation_sign_in(&app, &path, &user, &password, &["acceptRelationship", "acceptMca"]).await;
    assert_outcome(&changed, 200, "mcaRefused");
    assert_eq!(hook(&changed.text(), "data-relationship"), "accepted");
    assert_eq!(internal_view(&app, &customer).await["directAcceptance"], Value::Null);
}
