//! Control-plane request bodies (control-plane spec §1): exact camelCase names, unknown members refused with
//! `unknownField`, explicit null equal to absent, 1 MiB limit (16 MiB for fixtures and snapshots).

use actix_web::http::StatusCode;
use actix_web::HttpRequest;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::http::error::ApiError;
use crate::http::json_body::RawBody;

/// Parses a control body into `T` (which should use `deny_unknown_fields`), reporting 400 `code` with a field error.
pub fn parse<T: DeserializeOwned>(req: &HttpRequest, body: &RawBody, code: i64) -> Result<T, ApiError> {
    let media_ok = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .map(|v| {
            v.to_str()
                .unwrap_or_default()
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case("application/json")
        })
        .unwrap_or(true);
    if !media_ok {
        return Err(field_error(
            code,
            "Content-Type",
            "unsupportedValue",
            "Content-Type must be application/json",
        ));
    }
    if body.too_large {
        return Err(field_error(code, "body", "tooLong", "the body is too large"));
    }
    let bytes: &[u8] = if body.bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        &body.bytes
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    match result {
        Ok(value) => deserializer
            .end()
            .map(|_| value)
            .map_err(|e| field_error(code, "body", "malformedBody", &e.to_string())),
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner();
            let message = inner.to_string();
            let (field, reason) = classify(&path, &message, inner.classify());
            Err(field_error(code, &field, reason, &message))
        }
    }
}

fn classify(path: &str, message: &str, category: serde_json::error::Category) -> (String, &'static str) {
    use serde_json::error::Category;
    let join = |name: &str| {
        if path.is_empty() || path == "." {
            name.to_owned()
        } else if path == name || path.ends_with(&format!(".{name}")) {
            // serde_path_to_error already ends the path with an unknown member's name.
            path.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let quoted = message.split('`').nth(1).unwrap_or_default();
    match category {
        Category::Syntax | Category::Eof | Category::Io => ("body".to_owned(), "malformedBody"),
        Category::Data if message.starts_with("unknown field") => (join(quoted), "unknownField"),
        Category::Data if message.starts_with("missing field") => (join(quoted), "required"),
        Category::Data if message.starts_with("invalid type") => (non_empty(path), "invalidType"),
        Category::Data if message.starts_with("unknown variant") => (non_empty(path), "unsupportedValue"),
        Category::Data => (non_empty(path), "invalidFormat"),
    }
}

fn non_empty(path: &str) -> String {
    if path.is_empty() || path == "." {
        "body".to_owned()
    } else {
        path.to_owned()
    }
}

/// A 400 control-plane error with one field error.
pub fn field_error(code: i64, field: &str, reason: &str, message: &str) -> ApiError {
    ApiError::mirror_with_data(
        StatusCode::BAD_REQUEST,
        code,
        message,
        vec![json!({ "field": field, "reason": reason, "message": message })],
    )
}
