//! The customer's primary contact of an attestation and the rules of its fields (contract §4.2).

use super::field_error::{FieldError, Reason};

/// A validated primary contact. `phone_number` is `None` for absent, `null` or `""`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// First name, as sent.
    pub first_name: String,
    /// Last name, as sent.
    pub last_name: String,
    /// E-mail address, as sent.
    pub email: String,
    /// Phone number, as sent, or `None`.
    pub phone_number: Option<String>,
}

impl Contact {
    /// The duplicate rule of contract §4.2 rule 2: all four fields equal, exact and case-sensitive, `None` phone equal to `""`.
    pub fn same_person_as(&self, other: &Contact) -> bool {
        self.first_name == other.first_name
            && self.last_name == other.last_name
            && self.email == other.email
            && self.phone_number.as_deref().unwrap_or("") == other.phone_number.as_deref().unwrap_or("")
    }

    /// `firstName lastName`, the display name of the notification.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// True for text that counts as missing: empty or only whitespace.
pub fn is_blank(s: &str) -> bool {
    s.trim().is_empty()
}

/// A person's name: 1 to 256 characters, no control characters.
pub fn parse_name(field: &str, value: &str) -> Result<String, FieldError> {
    if is_blank(value) {
        return Err(FieldError::required(field));
    }
    if value.chars().count() > 256 {
        return Err(FieldError::new(
            field,
            Reason::TooLong,
            format!("{field} must be at most 256 characters"),
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

/// An e-mail address: at most 256 characters, one `@`, a local part, a dotted domain, no whitespace.
pub fn parse_email(field: &str, value: &str) -> Result<String, FieldError> {
    if is_blank(value) {
        return Err(FieldError::required(field));
    }
    if value.chars().count() > 256 {
        return Err(FieldError::new(
            field,
            Reason::TooLong,
            format!("{field} must be at most 256 characters"),
        ));
    }
    let well_formed = !value.chars().any(char::is_whitespace)
        && value.matches('@').count() == 1
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        });
    if !well_formed {
        let leaf = field.rsplit('.').next().unwrap_or(field);
        return Err(FieldError::new(
            field,
            Reason::InvalidFormat,
            format!("{leaf} must look like name@domain.tld"),
        ));
    }
    Ok(value.to_owned())
}

/// A phone number: `None` for `""`; else 1 to 64 characters of digits, space, `+ - ( ) .` with at least one digit.
pub fn parse_phone(field: &str, value: &str) -> Result<Option<String>, FieldError> {
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().count() > 64 {
        return Err(FieldError::new(
            field,
            Reason::TooLong,
            format!("{field} must be at most 64 characters"),
        ));
    }
    let allowed = value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.'));
    if !allowed || !value.chars().any(|c| c.is_ascii_digit()) {
        return Err(FieldError::new(
            field,
            Reason::InvalidFormat,
            format!("{field} may hold only digits, spaces and + - ( ) . with at least one digit"),
        ));
    }
    Ok(Some(value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(phone: Option<&str>) -> Contact {
        Contact {
            first_name: "Tania".into(),
            last_name: "Carr".into(),
            email: "someone@example.com".into(),
            phone_number: phone.map(str::to_owned),
        }
    }

    #[test]
    fn duplicate_comparison_treats_null_phone_as_empty_and_is_case_sensitive() {
        assert!(contact(None).same_person_as(&contact(Some(""))));
        assert!(!contact(None).same_person_as(&contact(Some("1"))));
        let mut other = contact(None);
        other.email = "Someone@example.com".into();
        assert!(!contact(None).same_person_as(&other));
    }

    #[test]
    fn email_rules() {
        assert!(parse_email("e", "a@b.co").is_ok());
        for bad in ["a@b", "a@@b.co", "@b.co", "a b@c.de", "a@.com", "ab.co"] {
            assert_eq!(
                parse_email("e", bad).unwrap_err().reason,
                Reason::InvalidFormat,
                "{bad}"
            );
        }
        assert_eq!(parse_email("e", "  ").unwrap_err().reason, Reason::Required);
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(parse_email("e", &long).unwrap_err().reason, Reason::TooLong);
    }

    #[test]
    fn phone_rules() {
        assert_eq!(parse_phone("p", "").unwrap(), None);
        assert_eq!(
            parse_phone("p", "+1 (425) 555-0100").unwrap().as_deref(),
            Some("+1 (425) 555-0100")
        );
        assert_eq!(parse_phone("p", "call me").unwrap_err().reason, Reason::InvalidFormat);
        assert_eq!(parse_phone("p", "+-").unwrap_err().reason, Reason::InvalidFormat);
        assert_eq!(parse_phone("p", &"1".repeat(65)).unwrap_err().reason, Reason::TooLong);
    }

    #[test]
    fn name_rules() {
        assert_eq!(parse_name("n", " ").unwrap_err().reason, Reason::Required);
        assert_eq!(parse_name("n", "a\u{7}").unwrap_err().reason, Reason::InvalidFormat);
        assert_eq!(parse_name("n", &"x".repeat(257)).unwrap_err().reason, Reason::TooLong);
        assert_eq!(parse_name("n", " Tania ").unwrap(), " Tania ");
    }
}
