//! The Swagger UI at `/swagger-ui/` with its vendored assets, and the OpenAPI document at `/openapi.json` (done criterion 6).

use serde_json::json;

use crate::helpers::spawn_app;

/// The `src` values of the `<script …>` tags of an HTML page.
fn script_sources(html: &str) -> Vec<String> {
    html.split("<script")
        .skip(1)
        .filter_map(|tag| {
            let tag = &tag[..tag.find('>')?];
            let start = tag.find("src=")? + 4;
            let quote = tag[start..].chars().next()?;
            let rest = &tag[start + 1..];
            Some(rest[..rest.find(quote)?].to_owned())
        })
        .collect()
}

#[tokio::test]
async fn swagger_ui_serves_its_page_and_the_javascript_bundle_it_references() {
    let app = spawn_app().await;
    let page = app.get_anonymous("/swagger-ui/").await;
    page.assert_status(200);
    assert!(page.header("content-type").starts_with("text/html"));
    let html = page.text();
    let sources = script_sources(&html);
    assert!(
        sources.iter().any(|src| src.contains("swagger-ui-bundle")),
        "the page loads the Swagger UI bundle: {sources:?}"
    );
    for src in sources {
        assert!(!src.starts_with("http"), "assets are served by the mirror: {src}");
        let path = match src.strip_prefix('/') {
            Some(_) => src.clone(),
            None => format!("/swagger-ui/{}", src.trim_start_matches("./")),
        };
        let script = app.get_anonymous(&path).await;
        script.assert_status(200);
        let content_type = script.header("content-type").to_ascii_lowercase();
        assert!(
            content_type.contains("javascript"),
            "{path} is JavaScript: {content_type}"
        );
        assert!(!script.bytes.is_empty(), "{path} has a body");
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_operations_and_bearer_security() {
    let app = spawn_app().await;
    let reply = app.get_anonymous("/openapi.json").await;
    reply.assert_status(200);
    let document = &reply.body;
    assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with('3')));
    let bearer = &document["components"]["securitySchemes"]["bearer"];
    assert_eq!(bearer["type"], json!("http"));
    assert_eq!(
        bearer["scheme"].as_str().map(str::to_ascii_lowercase).as_deref(),
        Some("bearer")
    );
    let paths = document["paths"].as_object().expect("paths");
    assert!(paths["/v1/agreements"].get("get").is_some());
    assert!(paths["/v1/customers"].get("get").is_some());
    assert!(paths["/v1/customers"].get("post").is_some());
    for suffix in [
        "/agreements",
        "/directSignedMicrosoftCustomerAgreementStatus",
        "/document",
    ] {
        assert!(
            paths
                .keys()
                .any(|path| path.ends_with(suffix) && path != "/v1/agreements"),
            "a path ending in {suffix}"
        );
    }
}
