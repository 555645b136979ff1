//! The simulated Microsoft 365 admin center (control-plane spec §10): the invitation page behind the (f4) URL
//! and the agreement page. No admin token: they stand for the customer's own sign-in and stay served when the
//! control plane is disabled. Form tokens instead of cookies protect every POST.

mod forms;
pub mod pages;

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use self::forms::FormFields;
use self::pages::InvitationView;
use super::error::ApiError;
use super::json_body;
use super::state::AppState;
use crate::domain::ids::TenantId;
use crate::service::admin_center::{self, Answer, Boxes, InvitingPartner, Outcome, Page, Submission};
use crate::service::form_tokens::FormName;

/// `Content-Security-Policy` of every page.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const INVITATION_PATH: &str = "/_mirror/admin-center/partner-invitation";
const AGREEMENT_PATH: &str = "/_mirror/admin-center/agreement";

/// Fields of the invitation page's forms (documentation only; the body is read by [`forms::FormFields`]).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvitationForm {
    /// The hidden single-use token of the form.
    pub form_token: String,
    /// Existing customer: the admin sign-in name (`admin@<domain>`); its presence selects that form.
    pub user_name: Option<String>,
    /// Existing customer: the admin password.
    pub password: Option<String>,
    /// New customer tenant: a DNS name not used by another customer.
    pub domain: Option<String>,
    /// New customer tenant: 1 to 256 characters.
    pub company_name: Option<String>,
    /// Checkbox (`on`): accept the reseller relationship; required for a new tenant.
    pub accept_relationship: Option<String>,
    /// Checkbox (`on`): also accept the Microsoft Customer Agreement.
    pub accept_mca: Option<String>,
}

/// Fields of the agreement page's sign-in form (documentation only).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgreementForm {
    /// The hidden single-use token of the form.
    pub form_token: String,
    /// The admin sign-in name (`admin@<domain>`), any case.
    pub user_name: String,
    /// The admin password, exactly.
    pub password: String,
    /// Checkbox (`on`): accept the Microsoft Customer Agreement.
    pub accept_mca: Option<String>,
}

/// An HTML answer with the headers of control-plane spec §10.1.
fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// The HTTP status of a POST answer (control-plane spec §10.4).
fn status_of(answer: &Answer) -> StatusCode {
    match answer.outcome {
        Outcome::FormRejected | Outcome::SignInFailed => StatusCode::FORBIDDEN,
        Outcome::Invalid => StatusCode::BAD_REQUEST,
        Outcome::SignedIn | Outcome::Done => StatusCode::OK,
        Outcome::McaRefused if answer.changed() => StatusCode::OK,
        Outcome::McaRefused => StatusCode::CONFLICT,
    }
}

/// The page's own path and query, where its forms post to.
fn action_of(req: &HttpRequest, path: &str) -> String {
    match req.query_string() {
        "" => path.to_owned(),
        query => format!("{path}?{query}"),
    }
}

/// The invitation behind the query, or the 400/404 page that answers instead.
async fn invitation(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Result<(TenantId, InvitingPartner), HttpResponse>, ApiError> {
    let parameters = forms::query_pairs(req.query_string());
    let inv_type = forms::query_value(&parameters, "invType").unwrap_or_default();
    if !inv_type.eq_ignore_ascii_case("ResellerRelationship") {
        return Ok(Err(html(
            StatusCode::BAD_REQUEST,
            pages::notice_page(
                "Partner invitation",
                "invalid",
                "This invitation is not supported: invType must be ResellerRelationship.",
            ),
        )));
    }
    let not_valid = || {
        html(
            StatusCode::NOT_FOUND,
            pages::notice_page("Partner invitation", "notFound", pages::INVALID_INVITATION),
        )
    };
    let Some(partner) = forms::query_value(&parameters, "partnerId").and_then(TenantId::parse) else {
        return Ok(Err(not_valid()));
    };
    let lookup = partner.clone();
    let found = state
        .store
        .run(move |conn| admin_center::inviting_partner(conn, &lookup))
        .await
        .map_err(|e| ApiError::from(e).from_mirror())?;
    Ok(found.map(|found| (partner, found)).ok_or_else(not_valid))
}

fn render_invitation(
    state: &AppState,
    req: &HttpRequest,
    partner: &InvitingPartner,
    answer: Option<&Answer>,
) -> String {
    let now = Utc::now();
    let existing_token = state
        .forms
        .issue(FormName::InvitationExisting, Some(&partner.tenant_id), now);
    let new_token = state
        .forms
        .issue(FormName::InvitationNew, Some(&partner.tenant_id), now);
    let parameters = forms::query_pairs(req.query_string());
    pages::invitation_page(&InvitationView {
        partner,
        action: &action_of(req, INVITATION_PATH),
        parameters: &parameters,
        existing_token: &existing_token,
        new_token: &new_token,
        answer,
    })
}

/// Checks origin and token, then hands the submission to the service; a refusal answers `formRejected`.
async fn submit(
    state: &AppState,
    req: &HttpRequest,
    page: Page,
    form: FormName,
    fields: &FormFields,
    submission: Submission,
) -> Result<Answer, ApiError> {
    if !forms::from_allowed_origin(req, &state.public_base_url) {
        return Ok(Answer::only(Outcome::FormRejected));
    }
    let partner = match &page {
        Page::Agreement => None,
        Page::Invitation(partner) => Some(partner.to_string()),
    };
    let now = Utc::now();
    let Ok(grant) = state.forms.open(fields.get("formToken"), form, partner.as_deref(), now) else {
        return Ok(Answer::only(Outcome::FormRejected));
    };
    state
        .store
        .run(move |conn| admin_center::submit(conn, &page, submission, &grant, now))
        .await
        .map_err(|e| ApiError::from(e).from_mirror())
}

/// GET /_mirror/admin-center/partner-invitation
#[utoipa::path(
    tag = "mirror",
    params(
        ("invType" = String, Query, description = "Must be `ResellerRelationship` (any case)"),
        ("partnerId" = String, Query, description = "Tenant id of the inviting partner"),
        ("msppId" = Option<String>, Query, description = "Shown and ignored"),
        ("DAP" = Option<String>, Query, description = "Shown and ignored"),
        ("indirectResellerId" = Option<String>, Query, description = "Shown and ignored"),
    ),
    responses(
        (status = 200, description = "The invitation with its two forms: existing customer and new customer tenant", content_type = "text/html"),
        (status = 400, description = "invType is not ResellerRelationship", content_type = "text/html"),
        (status = 404, description = "partnerId is not a registered partner: \"This invitation is not valid\"", content_type = "text/html"),
    )
)]
#[get("/_mirror/admin-center/partner-invitation")]
pub async fn invitation_page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let (_, partner) = match invitation(&state, &req).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    Ok(html(StatusCode::OK, render_invitation(&state, &req, &partner, None)))
}

/// POST /_mirror/admin-center/partner-invitation
#[utoipa::path(
    tag = "mirror",
    params(
        ("invType" = String, Query, description = "Must be `ResellerRelationship` (any case)"),
        ("partnerId" = String, Query, description = "Tenant id of the inviting partner"),
    ),
    request_body(
        content = InvitationForm,
        content_type = "application/x-www-form-urlencoded",
        description = "Existing customer: `formToken`, `userName`, `password`, `acceptRelationship`, `acceptMca`. \
New customer tenant: `formToken`, `domain`, `companyName`, `acceptRelationship` (required), `acceptMca`. \
Checkboxes send `on`; a form with a `userName` or `password` field is the existing-customer form."
    ),
    responses(
        (status = 200, description = "`signedIn`, `done`, or `mcaRefused` with the relationship applied; the page holds fresh form tokens", content_type = "text/html"),
        (status = 400, description = "`invalid`: bad or taken domain, empty company name, relationship not accepted; or invType not ResellerRelationship", content_type = "text/html"),
        (status = 403, description = "`formRejected` (token missing, altered, expired, used, of another form or partner; foreign origin) or `signInFailed`", content_type = "text/html"),
        (status = 404, description = "partnerId is not a registered partner", content_type = "text/html"),
        (status = 409, description = "`mcaRefused` with nothing changed: the customer has legacy purchases", content_type = "text/html"),
    )
)]
#[post("/_mirror/admin-center/partner-invitation")]
pub async fn invitation_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (tenant, partner) = match invitation(&state, &req).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let body = json_body::read(payload).await;
    let fields = if body.too_large {
        FormFields::default()
    } else {
        FormFields::parse(&body.bytes)
    };
    let boxes = Boxes {
        relationship: fields.ticked("acceptRelationship"),
        mca: fields.ticked("acceptMca"),
    };
    let (form, submission) = if fields.get("userName").is_some() || fields.get("password").is_some() {
        (
            FormName::InvitationExisting,
            Submission::SignIn {
                user_name: fields.text("userName"),
                password: fields.text("password"),
                boxes,
            },
        )
    } else {
        (
            FormName::InvitationNew,
            Submission::NewTenant {
                domain: fields.text("domain"),
                company_name: fields.text("companyName"),
                boxes,
            },
        )
    };
    let answer = submit(&state, &req, Page::Invitation(tenant), form, &fields, submission).await?;
    Ok(html(
        status_of(&answer),
        render_invitation(&state, &req, &partner, Some(&answer)),
    ))
}

/// GET /_mirror/admin-center/agreement
#[utoipa::path(
    tag = "mirror",
    responses(
        (status = 200, description = "Sign-in form with `acceptMca` and a link to the Microsoft Customer Agreement", content_type = "text/html"),
    )
)]
#[get("/_mirror/admin-center/agreement")]
pub async fn agreement_page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let token = state.forms.issue(FormName::Agreement, None, Utc::now());
    html(
        StatusCode::OK,
        pages::agreement_page(&action_of(&req, AGREEMENT_PATH), &token, None),
    )
}

/// POST /_mirror/admin-center/agreement
#[utoipa::path(
    tag = "mirror",
    request_body(
        content = AgreementForm,
        content_type = "application/x-www-form-urlencoded",
        description = "`formToken`, `userName`, `password`, `acceptMca` (checkbox, `on`)."
    ),
    responses(
        (status = 200, description = "`signedIn`, or `done` with `data-mca` `accepted` / `alreadyAccepted` (recorded at the global mirror now)", content_type = "text/html"),
        (status = 403, description = "`formRejected` or `signInFailed`; nothing changes", content_type = "text/html"),
        (status = 409, description = "`mcaRefused`: the customer has legacy purchases and must ask its partner", content_type = "text/html"),
    )
)]
#[post("/_mirror/admin-center/agreement")]
pub async fn agreement_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::read(payload).await;
    let fields = if body.too_large {
        FormFields::default()
    } else {
        FormFields::parse(&body.bytes)
    };
    let submission = Submission::SignIn {
        user_name: fields.text("userName"),
        password: fields.text("password"),
        boxes: Boxes {
            relationship: false,
            mca: fields.ticked("acceptMca"),
        },
    };
    let answer = submit(&state, &req, Page::Agreement, FormName::Agreement, &fields, submission).await?;
    let token = state.forms.issue(FormName::Agreement, None, Utc::now());
    Ok(html(
        status_of(&answer),
        pages::agreement_page(&action_of(&req, AGREEMENT_PATH), &token, Some(&answer)),
    ))
}
