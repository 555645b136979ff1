//! Request bodies (contract §2.4): read with a 1 MiB limit, checked for media type and strict JSON, then bound
//! case-insensitively with explicit nulls treated as absent. One reader for every `/v1` body.

use actix_web::http::header;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;
use serde_json::{Map, Value};

use crate::domain::{FieldError, FieldErrors, Reason};

/// Largest accepted body.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The raw body as received (cut after the limit).
#[derive(Debug, Clone, Default)]
pub struct RawBody {
    /// Bytes received, at most `BODY_LIMIT + 1`.
    pub bytes: Vec<u8>,
    /// True when the body was longer than the limit.
    pub too_large: bool,
}

/// Reads the whole payload, keeping at most `BODY_LIMIT + 1` bytes.
pub async fn read(payload: web::Payload) -> RawBody {
    read_with_limit(payload, BODY_LIMIT).await
}

/// Reads the whole payload, keeping at most `limit + 1` bytes (fixtures and snapshots allow 16 MiB).
pub async fn read_with_limit(mut payload: web::Payload, limit: usize) -> RawBody {
    let mut body = RawBody::default();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            body.too_large = body.bytes.len() > limit;
            break;
        };
        if body.bytes.len() <= limit {
            let room = limit + 1 - body.bytes.len();
            body.bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
        if body.bytes.len() > limit {
            body.too_large = true;
        }
    }
    body
}

/// Checks media type, size and syntax, then folds member names to lowercase (last duplicate wins) and drops nulls.
pub fn parse(req: &HttpRequest, body: &RawBody) -> Result<Value, FieldErrors> {
    if let Some(content_type) = req.headers().get(header::CONTENT_TYPE) {
        let media = content_type
            .to_str()
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if media != "application/json" {
            return Err(FieldError::new(
                "Content-Type",
                Reason::UnsupportedValue,
                "Content-Type must be application/json",
            )
            .into());
        }
    }
    if body.too_large {
        return Err(FieldError::new("body", Reason::TooLong, "the body must not exceed 1 MiB").into());
    }
    let value: Value = serde_json::from_slice(&body.bytes).map_err(|e| {
        FieldErrors::from(FieldError::new(
            "body",
            Reason::MalformedBody,
            format!("the body is not valid JSON: {e}"),
        ))
    })?;
    if !value.is_object() {
        return Err(FieldError::new("body", Reason::MalformedBody, "the body must be a JSON object").into());
    }
    Ok(fold(value))
}

/// Lowercases member names at every level; the last of several case variants wins; nulls are removed.
pub fn fold(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut folded = Map::new();
            for (key, value) in map {
                folded.insert(key.to_lowercase(), fold(value));
            }
            folded.retain(|_, v| !v.is_null());
            Value::Object(folded)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(fold).collect()),
        other => other,
    }
}

/// Typed access to a folded object; every type error is a field error at its camelCase path.
#[derive(Debug, Clone, Copy)]
pub struct Obj<'a> {
    map: Option<&'a Map<String, Value>>,
    path: &'a str,
}

impl<'a> Obj<'a> {
    /// The root body object.
    pub fn root(value: &'a Value) -> Obj<'a> {
        Obj {
            map: value.as_object(),
            path: "",
        }
    }

    fn field_path(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.map.and_then(|m| m.get(&name.to_lowercase()))
    }

    /// A string member; `Ok(None)` when absent.
    pub fn string(&self, name: &str) -> Result<Option<&'a str>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(self.type_error(name, "a string")),
        }
    }

    /// A required, non-blank string member.
    pub fn required_string(&self, name: &str) -> Result<&'a str, FieldError> {
        match self.string(name)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(FieldError::required(&self.field_path(name))),
        }
    }

    /// A nested object; `Ok(None)` when absent.
    pub fn object(&self, name: &str, path: &'a str) -> Result<Option<Obj<'a>>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Obj { map: Some(map), path })),
            Some(_) => Err(self.type_error(name, "an object")),
        }
    }

    /// A required nested object.
    pub fn required_object(&self, name: &str, path: &'a str) -> Result<Obj<'a>, FieldError> {
        self.object(name, path)?
            .ok_or_else(|| FieldError::required(&self.field_path(name)))
    }

    /// The camelCase path of a member.
    pub fn path_of(&self, name: &str) -> String {
        self.field_path(name)
    }

    fn type_error(&self, name: &str, expected: &str) -> FieldError {
        let path = self.field_path(name);
        FieldError::new(path.clone(), Reason::InvalidType, format!("{path} must be {expected}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn folding_is_case_insensitive_last_wins_and_drops_nulls() {
        let folded = fold(
            json!({"PrimaryContact": {"FirstName": "A", "firstName": "B"}, "Type": null, "type": "x", "TYPE": null}),
        );
        assert_eq!(folded, json!({"primarycontact": {"firstname": "B"}}));
    }

    #[test]
    fn typed_access_reports_paths() {
        let body = fold(json!({"primaryContact": {"email": 5}}));
        let root = Obj::root(&body);
        let contact = root.required_object("primaryContact", "primaryContact").unwrap();
        let err = contact.string("email").unwrap_err();
        assert_eq!(err.field, "primaryContact.email");
        assert_eq!(err.reason, Reason::InvalidType);
        assert_eq!(
            contact.required_string("firstName").unwrap_err().reason,
            Reason::Required
        );
    }
}
