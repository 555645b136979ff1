//! Query parameters (contract §2.1): names case-insensitive, values percent-decoded, the first occurrence wins,
//! an empty value counts as absent.

/// Parsed query parameters.
#[derive(Debug, Clone, Default)]
pub struct QueryParams {
    pairs: Vec<(String, String)>,
}

impl QueryParams {
    /// Parses a raw query string.
    pub fn parse(query: &str) -> QueryParams {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let name = name.to_ascii_lowercase();
            if value.is_empty() || pairs.iter().any(|(n, _)| *n == name) {
                continue;
            }
            pairs.push((name, value.into_owned()));
        }
        QueryParams { pairs }
    }

    /// The value of `name` (any case).
    pub fn get(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_first_wins_and_empty_is_absent() {
        let q = QueryParams::parse("AGREEMENTTYPE=%2A&agreementType=x&size=&Size=5");
        assert_eq!(q.get("agreementType"), Some("*"));
        assert_eq!(q.get("size"), Some("5"));
        assert_eq!(q.get("missing"), None);
    }
}
