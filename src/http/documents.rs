//! The mirror-owned document URLs behind signed links: an HTML view and a DOCX download (contract §4.5).

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};

use super::error::ApiError;
use super::state::AppState;
use crate::domain::templates;
use crate::service::document_content::{self, DocumentFacts};
use crate::service::document_links::DocumentGrant;
use crate::service::ServiceError;

/// Media type of Word documents.
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

async fn open_link(state: &AppState, token: &str) -> Result<DocumentGrant, ApiError> {
    let grant = state.links.open(token).map_err(ApiError::from)?;
    let partner = grant.partner_tenant_id.clone();
    let now = state
        .store
        .now_for(Some(partner))
        .await
        .map_err(|e| ApiError::from(e).from_mirror())?;
    grant.check_fresh(now).map_err(ApiError::from)?;
    Ok(grant)
}

fn facts(grant: &DocumentGrant) -> DocumentFacts<'_> {
    DocumentFacts {
        template_id: &grant.template_id,
        agreement_type: templates::by_id(&grant.template_id).map_or(templates::MCA_TYPE, |t| t.agreement_type),
        country: &grant.country,
        language: &grant.language,
    }
}

/// GET /_mirror/agreement-documents/{token}/view
#[utoipa::path(
    tag = "mirror",
    params(("token" = String, Path, description = "Signed link token")),
    responses(
        (status = 200, description = "HTML placeholder page of the document", content_type = "text/html"),
        (status = 403, description = "Link expired or altered (990003)", body = super::openapi::Fault),
    )
)]
#[get("/_mirror/agreement-documents/{token}/view")]
pub async fn view_document(path: web::Path<String>, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let grant = open_link(&state, &path).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(document_content::render_html(&facts(&grant))))
}

/// GET /_mirror/agreement-documents/{token}/download
#[utoipa::path(
    tag = "mirror",
    params(("token" = String, Path, description = "Signed link token")),
    responses(
        (status = 200, description = "Word document", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (status = 403, description = "Link expired or altered (990003)", body = super::openapi::Fault),
    )
)]
#[get("/_mirror/agreement-documents/{token}/download")]
pub async fn download_document(path: web::Path<String>, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let grant = open_link(&state, &path).await?;
    let facts = facts(&grant);
    let file_name = document_content::docx_file_name(&facts);
    let operator_file = state
        .data_dir
        .join("documents")
        .join(&grant.template_id)
        .join(&grant.country)
        .join(format!("{}.docx", grant.language));
    let bytes = match tokio::fs::read(&operator_file).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            document_content::render_docx(&facts).map_err(|e| ApiError::from(e).from_mirror())?
        }
        Err(e) => {
            return Err(ApiError::from(ServiceError::Internal(format!(
                "reading {}: {e}",
                operator_file.display()
            )))
            .from_mirror())
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, DOCX))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(bytes))
}
