//! Operation (e): signed, expiring links to an agreement template's document (contract §4.5).

use actix_web::{get, web, HttpRequest};
use serde::Serialize;
use utoipa::ToSchema;

use super::caller::{AppUser, Authorized};
use super::error::ApiError;
use super::query::QueryParams;
use super::reply::ApiReply;
use super::state::AppState;
use crate::domain::countries;
use crate::domain::templates::{LEGACY_TEMPLATE_ID, MCA_TEMPLATE_ID};
use crate::domain::{FieldError, FieldErrors, Reason};

/// Links to a template's document.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgreementDocumentDto {
    /// Link to an HTML view; valid for 5 minutes, no Authorization header needed.
    pub display_uri: String,
    /// Link to a Word document; valid for 5 minutes.
    pub download_uri: String,
    /// Language of the document.
    #[schema(example = "fr-FR")]
    pub language: String,
    /// Country of the document.
    #[schema(example = "FR")]
    pub country: String,
}

/// GET /v1/agreementtemplates/{agreement_template_id}/document
#[utoipa::path(
    tag = "agreements",
    params(
        ("agreement_template_id" = String, Path, description = "Template id (case-sensitive)"),
        ("language" = Option<String>, Query, description = "Default en-US; falls back to en-US when not offered"),
        ("country" = Option<String>, Query, description = "Default US; case-sensitive"),
    ),
    responses(
        (status = 200, description = "Document links", body = AgreementDocumentDto),
        (status = 400, description = "Legacy template (documentNotAvailable) or unsupported country (800002)", body = super::openapi::Fault),
        (status = 401, description = "Token missing or invalid", body = super::openapi::Fault),
        (status = 403, description = "App-only token (900329) or missing role (900150)", body = super::openapi::Fault),
        (status = 404, description = "Unknown template (1000)", body = super::openapi::Fault),
    ),
    security(("bearer" = []))
)]
#[get("/v1/agreementtemplates/{agreement_template_id}/document")]
pub async fn get_template_document(
    auth: Authorized<AppUser>,
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let caller = auth.caller;
    let now = state.store.confirm(&caller.admission).await?;
    let template_id = path.into_inner();
    if template_id == LEGACY_TEMPLATE_ID {
        return Err(ApiError::invalid(&FieldErrors::from(FieldError::new(
            "templateId",
            Reason::DocumentNotAvailable,
            "only the Microsoft Customer Agreement template has documents",
        ))));
    }
    if template_id != MCA_TEMPLATE_ID {
        return Err(ApiError::not_found());
    }
    let query = QueryParams::parse(req.query_string());
    let country = query.get("country").unwrap_or("US").to_owned();
    let language = countries::resolve_language(&country, query.get("language")).ok_or_else(|| {
        ApiError::invalid(&FieldErrors::from(FieldError::new(
            "country",
            Reason::UnsupportedCountry,
            format!("country {country} is not supported"),
        )))
    })?;
    let token = state
        .links
        .issue(&template_id, &country, language, caller.tenant.as_str(), now);
    let base = format!("{}/_mirror/agreement-documents/{token}", state.public_base_url);
    ApiReply::ok(&AgreementDocumentDto {
        display_uri: format!("{base}/view"),
        download_uri: format!("{base}/download"),
        language: language.to_owned(),
        country,
    })
}
