//! The shape of a journal entry as answered, and the rendering of recorded bodies: redaction of secrets and
//! the cut to 4 KiB, done when the journal is read rather than on the request path.

use actix_web::http::header::{self, HeaderMap};
use actix_web::web::Bytes;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// Stored length of a body, in bytes of UTF-8.
pub const BODY_CUT: usize = 4096;
/// Raw text kept for redaction before the cut.
pub(super) const REDACTION_WINDOW: usize = 64 * 1024;
/// Replacement of secrets.
const REDACTED: &str = "[redacted]";

/// One recorded request.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// Sequence number of this instance, from 1 after each start or clear.
    pub id: u64,
    /// The instance that served the request.
    pub instance_id: String,
    /// Real arrival time.
    pub time: String,
    /// The partner's mirror now used for the request, when one was used.
    pub mirror_now: Option<String>,
    /// HTTP method.
    pub method: String,
    /// Path and query as routed.
    pub path_and_query: String,
    /// Status answered.
    pub status: u16,
    /// Time to answer in milliseconds.
    pub duration_ms: u64,
    /// `tid` of a validated token, or the tenant a control request names.
    pub partner_tenant_id: Option<String>,
    /// Effective `MS-RequestId`.
    pub request_id: Option<String>,
    /// Effective `MS-CorrelationId`.
    pub correlation_id: Option<String>,
    /// Idempotent replay.
    pub replayed: bool,
    /// Fault rule that answered or delayed the request.
    pub fault_id: Option<String>,
    /// Request headers without `Authorization` and `Cookie`.
    #[schema(value_type = Object)]
    pub request_headers: Map<String, Value>,
    /// Request body (redacted, cut to 4 KiB), `<binary N bytes>`, or null when empty.
    pub request_body: Option<String>,
    /// The request body was cut.
    pub request_body_truncated: bool,
    /// Response body (redacted, cut to 4 KiB), `<binary N bytes>`, or null when empty.
    pub response_body: Option<String>,
    /// The response body was cut.
    pub response_body_truncated: bool,
}

/// A body as captured: a prefix of it, its full length when known, and whether the prefix is all of it.
#[derive(Debug, Clone, Default)]
pub struct Captured {
    pub bytes: Bytes,
    pub total: usize,
    pub complete: bool,
}

impl Captured {
    /// Keeps at most the redaction window of `bytes`, copying it out when the buffer is larger, so a stored
    /// entry never pins a big request or response in memory.
    pub fn kept(bytes: Bytes, total: usize, complete: bool) -> Captured {
        if bytes.len() <= REDACTION_WINDOW {
            return Captured { bytes, total, complete };
        }
        Captured {
            bytes: Bytes::copy_from_slice(&bytes[..REDACTION_WINDOW]),
            total,
            complete: false,
        }
    }
}

/// A stored body text and its truncation flag.
pub(super) fn render_body(captured: &Captured, content_type: Option<&str>) -> (Option<String>, bool) {
    if captured.total == 0 && captured.complete {
        return (None, false);
    }
    let media = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    let textual = media.as_deref().is_none_or(|m| {
        m.starts_with("text/")
            || m == "application/json"
            || m.ends_with("+json")
            || m == "application/xml"
            || m.ends_with("+xml")
            || m == "application/x-www-form-urlencoded"
            || m == "application/javascript"
            || m == "application/problem+json"
    });
    let text = match std::str::from_utf8(&captured.bytes) {
        Ok(text) => Some(text),
        // A cut in the middle of a character is not binary.
        Err(e) if e.error_len().is_none() && !captured.complete => {
            std::str::from_utf8(&captured.bytes[..e.valid_up_to()]).ok()
        }
        Err(_) => None,
    };
    let Some(text) = text.filter(|_| textual) else {
        return (Some(format!("<binary {} bytes>", captured.total)), false);
    };
    let redacted = if media.as_deref() == Some("application/x-www-form-urlencoded") && captured.complete {
        redact_form(text)
    } else if media.as_deref() == Some("text/html") {
        redact_html_password(cut(text, REDACTION_WINDOW))
    } else {
        redact_json_text(cut(text, REDACTION_WINDOW))
    };
    let shown = cut(&redacted, BODY_CUT);
    let truncated = shown.len() < redacted.len() || !captured.complete || captured.total > captured.bytes.len();
    (Some(shown.to_owned()), truncated)
}

/// Replaces the content of the admin-center page's generated password (`<dd id="admin-password">`).
fn redact_html_password(text: &str) -> String {
    const OPEN: &str = "id=\"admin-password\">";
    match text.find(OPEN) {
        Some(start) => {
            let value_start = start + OPEN.len();
            let value_end = text[value_start..].find('<').map_or(text.len(), |i| value_start + i);
            format!("{}{REDACTED}{}", &text[..value_start], &text[value_end..])
        }
        None => text.to_owned(),
    }
}

/// The longest prefix of at most `limit` bytes ending at a character boundary.
fn cut(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn is_secret_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("password") || name.eq_ignore_ascii_case("accessToken")
}

/// Replaces the `password` fields of a form body.
fn redact_form(text: &str) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(text.as_bytes()) {
        if name.eq_ignore_ascii_case("password") {
            out.append_pair(&name, REDACTED);
        } else {
            out.append_pair(&name, &value);
        }
    }
    out.finish()
}

/// End of the JSON string starting at `start` (a `"`): the index after its closing quote, or the text's end.
fn string_end(bytes: &[u8], start: usize) -> (usize, bool) {
    let mut j = start + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'"' => return (j + 1, true),
            _ => j += 1,
        }
    }
    (bytes.len(), false)
}

/// Replaces the values of members named `password` or `accessToken` (any case) in JSON text, which may be cut
/// short; the formatting of everything else is kept.
fn redact_json_text(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let (end, closed) = string_end(bytes, i);
        let name = if closed { &text[i + 1..end - 1] } else { "" };
        i = end;
        if !is_secret_name(name) {
            continue;
        }
        let mut k = i;
        while k < bytes.len() && bytes[k].is_ascii_whitespace() {
            k += 1;
        }
        if bytes.get(k) != Some(&b':') {
            continue;
        }
        k += 1;
        while k < bytes.len() && bytes[k].is_ascii_whitespace() {
            k += 1;
        }
        let value_end = match bytes.get(k) {
            Some(b'"') => string_end(bytes, k).0,
            Some(b'{' | b'[') | None => continue,
            Some(_) => {
                let mut v = k;
                while v < bytes.len() && !matches!(bytes[v], b',' | b'}' | b']') && !bytes[v].is_ascii_whitespace() {
                    v += 1;
                }
                v
            }
        };
        out.push_str(&text[copied..k]);
        out.push('"');
        out.push_str(REDACTED);
        out.push('"');
        copied = value_end;
        i = value_end;
    }
    out.push_str(&text[copied.min(text.len())..]);
    out
}

pub(super) fn recorded_headers(headers: &HeaderMap) -> Map<String, Value> {
    let mut names: Vec<&header::HeaderName> = headers.keys().collect();
    names.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    names.dedup();
    names
        .into_iter()
        .filter(|n| **n != header::AUTHORIZATION && **n != header::COOKIE)
        .map(|name| {
            let values: Vec<String> = headers
                .get_all(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            (name.as_str().to_owned(), Value::String(values.join(", ")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_secrets_are_redacted_even_in_cut_text() {
        assert_eq!(
            redact_json_text(r#"{"user":"a","Password" : "s3cr\"et","n":1}"#),
            r#"{"user":"a","Password" : "[redacted]","n":1}"#
        );
        assert_eq!(
            redact_json_text(r#"{"accessToken":"eyJ"#),
            r#"{"accessToken":"[redacted]""#
        );
        assert_eq!(redact_json_text(r#"{"password":123}"#), r#"{"password":"[redacted]"}"#);
        assert_eq!(redact_json_text(r#"["password","x"]"#), r#"["password","x"]"#);
        assert_eq!(redact_json_text("{\"é\":\"ü\"}"), "{\"é\":\"ü\"}");
    }

    #[test]
    fn generated_passwords_on_admin_center_pages_are_redacted() {
        assert_eq!(
            redact_html_password(
                r#"<dd id="admin-sign-in-name">admin@x.y</dd><dd id="admin-password">Ab3dEf7hJk2m</dd>"#
            ),
            r#"<dd id="admin-sign-in-name">admin@x.y</dd><dd id="admin-password">[redacted]</dd>"#
        );
        assert_eq!(redact_html_password("<p>nothing</p>"), "<p>nothing</p>");
    }

    #[test]
    fn form_passwords_are_redacted() {
        assert_eq!(redact_form("user=a&password=hunter2"), "user=a&password=%5Bredacted%5D");
    }

    #[test]
    fn bodies_are_cut_at_a_character_boundary() {
        let text = "é".repeat(3000);
        let (body, truncated) = render_body(
            &Captured {
                total: text.len(),
                bytes: Bytes::from(text.clone()),
                complete: true,
            },
            Some("text/plain"),
        );
        let body = body.unwrap();
        assert!(truncated);
        assert_eq!(body.len(), 4096);
        assert!(text.starts_with(&body));
        let (binary, _) = render_body(
            &Captured {
                total: 3,
                bytes: Bytes::from_static(&[0xff, 0xfe, 0x00]),
                complete: true,
            },
            None,
        );
        assert_eq!(binary.as_deref(), Some("<binary 3 bytes>"));
    }
}
