//! The `filter` of the customer list (contract §4.6 (f2)): a JSON object naming a field, a value and the
//! `starts_with` operator, with member names in any case.

use serde_json::{Map, Value};

use super::{FieldError, Reason};

/// Longest filter value accepted.
const MAX_VALUE_CHARS: usize = 256;

/// The customer property a filter matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterField {
    /// `companyProfile.companyName`.
    CompanyName,
    /// `companyProfile.domain`.
    Domain,
}

impl FilterField {
    /// The documented spelling, as stored with a continuation token.
    pub fn as_str(self) -> &'static str {
        match self {
            FilterField::CompanyName => "CompanyName",
            FilterField::Domain => "Domain",
        }
    }

    /// The field of a name in any case.
    pub fn parse(name: &str) -> Option<FilterField> {
        if name.eq_ignore_ascii_case("CompanyName") {
            Some(FilterField::CompanyName)
        } else if name.eq_ignore_ascii_case("Domain") {
            Some(FilterField::Domain)
        } else {
            None
        }
    }
}

/// A prefix search on one field, case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerFilter {
    /// The field searched.
    pub field: FilterField,
    /// The prefix as sent.
    pub value: String,
    /// The prefix in lower case, for matching.
    folded: String,
}

impl CustomerFilter {
    /// A filter on `field` for values starting with `value`.
    pub fn new(field: FilterField, value: String) -> CustomerFilter {
        let folded = value.to_lowercase();
        CustomerFilter { field, value, folded }
    }

    /// Parses the decoded `filter` query value.
    pub fn parse(raw: &str) -> Result<CustomerFilter, FieldError> {
        let refuse = |reason, message: &str| FieldError::new("filter", reason, message);
        let value: Value = serde_json::from_str(raw).map_err(|_| {
            refuse(
                Reason::InvalidFormat,
                "filter must be a JSON object such as {\"Field\":\"Domain\",\"Value\":\"contoso\",\"Operator\":\"starts_with\"}",
            )
        })?;
        let Value::Object(members) = value else {
            return Err(refuse(Reason::InvalidType, "filter must be a JSON object"));
        };
        let field = match member(&members, "Field") {
            Some(Value::String(name)) => FilterField::parse(name).ok_or_else(|| {
                refuse(
                    Reason::UnsupportedValue,
                    &format!("filter Field {name} is not supported: use CompanyName or Domain"),
                )
            })?,
            Some(_) => return Err(refuse(Reason::InvalidType, "filter Field must be a string")),
            None => return Err(refuse(Reason::Required, "filter Field is required")),
        };
        match member(&members, "Operator") {
            Some(Value::String(op)) if is_starts_with(op) => {}
            Some(Value::String(op)) => {
                return Err(refuse(
                    Reason::UnsupportedValue,
                    &format!("filter Operator {op} is not supported: use starts_with"),
                ))
            }
            Some(_) => return Err(refuse(Reason::InvalidType, "filter Operator must be a string")),
            None => return Err(refuse(Reason::Required, "filter Operator is required")),
        }
        let text = match member(&members, "Value") {
            Some(Value::String(text)) if text.trim().is_empty() => {
                return Err(refuse(Reason::Required, "filter Value must not be empty"))
            }
            Some(Value::String(text)) if text.chars().count() > MAX_VALUE_CHARS => {
                return Err(refuse(Reason::TooLong, "filter Value must be at most 256 characters"))
            }
            Some(Value::String(text)) if text.chars().any(char::is_control) => {
                return Err(refuse(
                    Reason::InvalidFormat,
                    "filter Value must not contain control characters",
                ))
            }
            Some(Value::String(text)) => text.clone(),
            Some(_) => return Err(refuse(Reason::InvalidType, "filter Value must be a string")),
            None => return Err(refuse(Reason::Required, "filter Value is required")),
        };
        Ok(CustomerFilter::new(field, text))
    }

    /// True when `company_name` or `domain` (whichever the filter names) starts with the value, in any case.
    pub fn matches(&self, company_name: &str, domain: &str) -> bool {
        let candidate = match self.field {
            FilterField::CompanyName => company_name,
            FilterField::Domain => domain,
        };
        candidate.to_lowercase().starts_with(&self.folded)
    }
}

/// A member of `members` by name in any case.
fn member<'a>(members: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    members
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

/// `starts_with` in the documented spelling or the SDK's `StartsWith`, in any case.
fn is_starts_with(op: &str) -> bool {
    op.eq_ignore_ascii_case("starts_with") || op.eq_ignore_ascii_case("startswith")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_parse_to_the_same_filter() {
        let documented = CustomerFilter::parse(r#"{"Field":"Domain","Value":"Con","Operator":"starts_with"}"#);
        let sdk = CustomerFilter::parse(r#"{"field":"domain","value":"Con","operator":"StartsWith","fieldType":1}"#);
        assert_eq!(documented, sdk);
        let filter = documented.expect("filter");
        assert_eq!(filter.field, FilterField::Domain);
        assert!(filter.matches("anything", "contoso.example.com"));
        assert!(!filter.matches("Contoso", "fabrikam.example.com"));
    }

    #[test]
    fn company_names_match_by_prefix_in_any_case_including_non_ascii() {
        let filter =
            CustomerFilter::parse(r#"{"Field":"CompanyName","Value":"ärz","Operator":"starts_with"}"#).expect("filter");
        assert!(filter.matches("Ärzte am Markt", "x.example.com"));
        assert!(!filter.matches("Die Ärzte", "x.example.com"));
    }

    #[test]
    fn unsupported_fields_operators_and_shapes_are_refused_with_the_reason() {
        let cases = [
            ("not json", Reason::InvalidFormat),
            ("[1]", Reason::InvalidType),
            (
                r#"{"Field":"IndirectReseller","Value":"x","Operator":"starts_with"}"#,
                Reason::UnsupportedValue,
            ),
            (
                r#"{"Field":"Domain","Value":"x","Operator":"equals"}"#,
                Reason::UnsupportedValue,
            ),
            (
                r#"{"Field":"Domain","Value":"","Operator":"starts_with"}"#,
                Reason::Required,
            ),
            (
                r#"{"Field":"Domain","Value":3,"Operator":"starts_with"}"#,
                Reason::InvalidType,
            ),
            (r#"{"Field":"Domain","Operator":"starts_with"}"#, Reason::Required),
            (r#"{"Value":"x","Operator":"starts_with"}"#, Reason::Required),
            (r#"{"Field":"Domain","Value":"x"}"#, Reason::Required),
        ];
        for (raw, reason) in cases {
            let error = CustomerFilter::parse(raw).expect_err(raw);
            assert_eq!(error.reason, reason, "{raw}");
        }
    }
}
