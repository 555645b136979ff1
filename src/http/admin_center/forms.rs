//! Reading what the admin-center pages receive: `application/x-www-form-urlencoded` bodies, the invitation
//! query, and the origin checks of control-plane spec §10.1.

use actix_web::http::header;
use actix_web::HttpRequest;

/// The fields of a posted form: the first occurrence of a name wins; names are matched exactly, as browsers send them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormFields {
    pairs: Vec<(String, String)>,
}

impl FormFields {
    /// Parses a URL-encoded body; bytes that are not UTF-8 are replaced, never refused.
    pub fn parse(body: &[u8]) -> FormFields {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (name, value) in form_urlencoded::parse(body) {
            if !pairs.iter().any(|(n, _)| *n == name) {
                pairs.push((name.into_owned(), value.into_owned()));
            }
        }
        FormFields { pairs }
    }

    /// The value of a field, when present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The value of a field, or the empty string.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    /// True for a ticked checkbox: browsers send `on`; `true`, `1` and `yes` count too, any case.
    pub fn ticked(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| {
            ["on", "true", "1", "yes"]
                .iter()
                .any(|accepted| v.trim().eq_ignore_ascii_case(accepted))
        })
    }
}

/// The parameters of an invitation URL in their order, names as sent (for display), empty values kept.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect()
}

/// The first value of a query parameter, name matched case-insensitively.
pub fn query_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `scheme://host[:port]` of a URL, lowercase, without path.
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!("{scheme}://{authority}").to_ascii_lowercase()
}

/// True when a POST may come from this request's origin: `Sec-Fetch-Site` is not `cross-site`, and `Origin`
/// is absent or equals the request's own origin or the public base URL's.
pub fn from_allowed_origin(req: &HttpRequest, public_base_url: &str) -> bool {
    let header_text = |name: &str| {
        req.headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or("\u{fffd}").trim().to_owned())
    };
    if header_text("sec-fetch-site").is_some_and(|site| site.eq_ignore_ascii_case("cross-site")) {
        return false;
    }
    let Some(origin) = header_text(header::ORIGIN.as_str()) else {
        return true;
    };
    let origin = origin.trim_end_matches('/').to_ascii_lowercase();
    let own = req
        .headers()
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .map(|host| format!("{}://{}", req.connection_info().scheme(), host).to_ascii_lowercase());
    own.is_some_and(|own| own == origin) || origin == origin_of(public_base_url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_first_value_wins_and_checkboxes_read_on() {
        let fields =
            FormFields::parse(b"formToken=a.b&userName=admin%40x.example.com&acceptMca=on&acceptMca=off&p=%2B+1");
        assert_eq!(fields.get("userName"), Some("admin@x.example.com"));
        assert!(fields.ticked("acceptMca"));
        assert!(!fields.ticked("acceptRelationship"));
        assert_eq!(fields.text("p"), "+ 1");
        assert!(!FormFields::parse(b"acceptMca=off").ticked("acceptMca"));
        assert_eq!(FormFields::parse(b"UserName=x").get("userName"), None);
    }

    #[test]
    fn a_foreign_origin_or_cross_site_fetch_is_refused() {
        let base = "http://localhost:8080";
        let request = |headers: &[(&str, &str)]| {
            let mut builder = TestRequest::post().insert_header(("Host", "127.0.0.1:9000"));
            for header in headers {
                builder = builder.insert_header(*header);
            }
            builder.to_http_request()
        };
        assert!(from_allowed_origin(&request(&[]), base));
        assert!(from_allowed_origin(
            &request(&[("Origin", "http://127.0.0.1:9000")]),
            base
        ));
        assert!(from_allowed_origin(
            &request(&[("Origin", "http://LOCALHOST:8080")]),
            base
        ));
        assert!(from_allowed_origin(
            &request(&[("Sec-Fetch-Site", "same-origin")]),
            base
        ));
        assert!(!from_allowed_origin(
            &request(&[("Origin", "https://evil.example")]),
            base
        ));
        assert!(!from_allowed_origin(&request(&[("Origin", "null")]), base));
        assert!(!from_allowed_origin(
            &request(&[("Sec-Fetch-Site", "cross-site")]),
            base
        ));
    }

    #[test]
    fn query_values_match_names_in_any_case() {
        let pairs = query_pairs("invType=ResellerRelationship&PARTNERID=abc&DAP=false");
        assert_eq!(query_value(&pairs, "partnerId"), Some("abc"));
        assert_eq!(query_value(&pairs, "msppId"), None);
        assert_eq!(pairs.len(), 3);
    }
}
