//! Customer values and their field rules (contract §4.6 (f1)): domain, culture, language, address.

use super::field_error::{FieldError, Reason};

/// A billing address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// Two letters, uppercase.
    pub country: String,
    /// City.
    pub city: String,
    /// State or region.
    pub state: Option<String>,
    /// First address line.
    pub address_line1: String,
    /// Second address line.
    pub address_line2: Option<String>,
    /// Postal code.
    pub postal_code: String,
    /// Contact first name.
    pub first_name: Option<String>,
    /// Contact last name.
    pub last_name: Option<String>,
    /// Contact phone number.
    pub phone_number: Option<String>,
}

/// The billing profile of a new customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingProfile {
    /// Billing e-mail.
    pub email: String,
    /// `ll-CC`.
    pub culture: String,
    /// Two lowercase letters.
    pub language: String,
    /// Company name.
    pub company_name: String,
    /// Default address.
    pub default_address: Address,
}

/// A validated create-customer request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    /// The customer's domain, as sent.
    pub domain: String,
    /// Billing profile.
    pub billing: BillingProfile,
}

/// A partner's relationship to a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relationship {
    /// The partner is the customer's reseller.
    Reseller,
    /// The relationship was removed.
    None,
}

impl Relationship {
    /// Wire and storage spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::Reseller => "reseller",
            Relationship::None => "none",
        }
    }

    /// Parses a value case-insensitively.
    pub fn parse(s: &str) -> Option<Relationship> {
        if s.eq_ignore_ascii_case("reseller") {
            Some(Relationship::Reseller)
        } else if s.eq_ignore_ascii_case("none") {
            Some(Relationship::None)
        } else {
            None
        }
    }
}

/// A DNS name: at least two labels of letters, digits and hyphens; at most 253 characters.
pub fn parse_domain(field: &str, value: &str) -> Result<String, FieldError> {
    if value.len() > 253 {
        return Err(FieldError::new(
            field,
            Reason::TooLong,
            format!("{field} must be at most 253 characters"),
        ));
    }
    let labels: Vec<&str> = value.split('.').collect();
    let valid = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !valid {
        return Err(FieldError::new(
            field,
            Reason::InvalidFormat,
            format!("{field} must be a DNS name such as contoso.example.com"),
        ));
    }
    Ok(value.to_owned())
}

/// `ll-CC`, any case; returned as lowercase-uppercase.
pub fn parse_culture(field: &str, value: &str) -> Result<String, FieldError> {
    let bytes = value.as_bytes();
    let valid =
        bytes.len() == 5 && bytes[2] == b'-' && bytes[..2].iter().chain(&bytes[3..]).all(u8::is_ascii_alphabetic);
    if !valid {
        return Err(FieldError::new(
            field,
            Reason::InvalidFormat,
            format!("{field} must look like en-US"),
        ));
    }
    Ok(format!(
        "{}-{}",
        value[..2].to_ascii_lowercase(),
        value[3..].to_ascii_uppercase()
    ))
}

/// Two letters, returned lowercase.
pub fn parse_language(field: &str, value: &str) -> Result<String, FieldError> {
    two_letters(field, value, "en").map(|v| v.to_ascii_lowercase())
}

/// Two letters, returned uppercase.
pub fn parse_country(field: &str, value: &str) -> Result<String, FieldError> {
    two_letters(field, value, "US").map(|v| v.to_ascii_uppercase())
}

fn two_letters(field: &str, value: &str, example: &str) -> Result<String, FieldError> {
    if value.len() == 2 && value.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(value.to_owned())
    } else {
        Err(FieldError::new(
            field,
            Reason::InvalidFormat,
            format!("{field} must be two letters such as {example}"),
        ))
    }
}

/// Free text of 1 to `max` characters.
pub fn parse_text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    if value.chars().count() > max {
        return Err(FieldError::new(
            field,
            Reason::TooLong,
            format!("{field} must be at most {max} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            Reason::InvalidFormat,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn culture_is_normalised() {
        assert_eq!(parse_culture("c", "EN-us").unwrap(), "en-US");
        assert!(parse_culture("c", "english").is_err());
    }

    #[test]
    fn domains_need_two_labels() {
        assert!(parse_domain("d", "xyz.ccsctp.net").is_ok());
        assert!(parse_domain("d", "localhost").is_err());
        assert!(parse_domain("d", "a..b").is_err());
        assert!(parse_domain("d", "-a.b").is_err());
        assert!(parse_domain("d", "a_b.c").is_err());
    }
}
