//! The OpenAPI document: collected from the handlers' `#[utoipa::path]`, with bearer auth and the error shapes.

use actix_web::App;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_actix_web::AppExt;

/// Shape A error (contract §5.1); 600061 uses shape B with the same `code` and `description` plus `errorName`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Fault {
    /// Partner Center error code.
    #[schema(example = 60003)]
    pub code: i64,
    /// Human-readable description.
    pub description: String,
    /// Field errors `{field, reason, message}`, auth failures `{reason}`, else empty.
    pub data: Vec<serde_json::Value>,
    /// `PartnerFD`, or `PartnerCenterMirror` on `/_mirror` URLs.
    pub source: String,
}

/// Shape B business error (600061).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BusinessError {
    /// 600061.
    pub code: i64,
    /// Same as `description`.
    pub message: String,
    /// Description.
    pub description: String,
    /// `PartnerConfirmedAgreementAlreadyExists`.
    pub error_name: String,
    /// False.
    pub is_retryable: bool,
    /// Empty object.
    pub parameters: serde_json::Value,
    /// `InternalErrorCode=600061`.
    pub error_message_extended: String,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "Partner Center access token. Mint one with `partner-center-mirror token --tenant-id <guid>`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "mirrorAdminToken",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The control plane's admin token (--admin-token / PCM_ADMIN_TOKEN); not needed when none is set.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The static part of the document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "partner-center-mirror",
        description = "A local mirror of Microsoft Partner Center's customer-agreement REST API. Paths, headers, JSON shapes, status codes and error codes follow the real service; `/_mirror` URLs belong to the mirror."
    ),
    components(schemas(Fault, BusinessError)),
    modifiers(&BearerAuth),
    tags(
        (name = "agreements", description = "Customer Agreement metadata, confirmations and documents"),
        (name = "customers", description = "Customers of the calling partner"),
        (name = "mirror", description = "URLs owned by the mirror")
    )
)]
pub struct ApiDoc;

/// The full document, as served at `/openapi.json` and committed as `openapi/openapi.json`.
pub fn api_doc() -> utoipa::openapi::OpenApi {
    api_doc_for(true)
}

/// The document of an instance; without the control plane it leaves out the `/_mirror` operations that answer 404.
pub fn api_doc_for(control_plane: bool) -> utoipa::openapi::OpenApi {
    let mut app = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(|cfg| super::routes(cfg));
    if control_plane {
        app = app.configure(|cfg| super::control::routes(cfg));
    }
    let (_, mut api) = app.split_for_parts();
    api.info.version = env!("CARGO_PKG_VERSION").to_owned();
    api
}

/// The full document as pretty JSON with a final newline.
pub fn api_doc_json() -> String {
    let mut text = api_doc().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed document must equal the generated one; `PCM_UPDATE_OPENAPI=1 cargo test` rewrites it.
    #[test]
    fn committed_openapi_document_matches_the_handlers() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
        let generated = api_doc_json();
        if std::env::var_os("PCM_UPDATE_OPENAPI").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != generated {
            let first_difference = committed
                .lines()
                .zip(generated.lines())
                .enumerate()
                .find(|(_, (a, b))| a != b)
                .map(|(i, (a, b))| format!("line {}:\n  committed: {a}\n  generated: {b}", i + 1))
                .unwrap_or_else(|| "the documents differ in length".to_owned());
            panic!(
                "openapi/openapi.json is out of date ({first_difference}).\nRegenerate it with `PCM_UPDATE_OPENAPI=1 cargo test committed_openapi` or `cargo run -- openapi > openapi/openapi.json`."
            );
        }
    }

    #[test]
    fn every_v1_operation_declares_bearer_security() {
        let api = api_doc();
        for (path, item) in &api.paths.paths {
            if !path.starts_with("/v1") {
                continue;
            }
            for op in [&item.get, &item.post, &item.patch].into_iter().flatten() {
                assert!(
                    op.security.as_ref().is_some_and(|s| !s.is_empty()),
                    "{path} lacks security"
                );
            }
        }
    }
}
