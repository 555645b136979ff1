//! Field errors of invalid input (contract §5.4): which field, which reason, a human message.

use std::fmt;

/// Why a field was refused (contract §5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    MalformedBody,
    Required,
    InvalidType,
    InvalidFormat,
    TooLong,
    OutOfRange,
    UnsupportedValue,
    UnknownTemplate,
    TemplateNotSupported,
    FutureDate,
    DocumentNotAvailable,
    UnsupportedCountry,
    AlreadyInUse,
}

impl Reason {
    /// The wire spelling of the reason.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::MalformedBody => "malformedBody",
            Reason::Required => "required",
            Reason::InvalidType => "invalidType",
            Reason::InvalidFormat => "invalidFormat",
            Reason::TooLong => "tooLong",
            Reason::OutOfRange => "outOfRange",
            Reason::UnsupportedValue => "unsupportedValue",
            Reason::UnknownTemplate => "unknownTemplate",
            Reason::TemplateNotSupported => "templateNotSupported",
            Reason::FutureDate => "futureDate",
            Reason::DocumentNotAvailable => "documentNotAvailable",
            Reason::UnsupportedCountry => "unsupportedCountry",
            Reason::AlreadyInUse => "alreadyInUse",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One refused field: its camelCase JSON path (or `body`, a query or header name), the reason and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// JSON path such as `primaryContact.email`.
    pub field: String,
    /// Machine-readable reason.
    pub reason: Reason,
    /// Human-readable message.
    pub message: String,
}

impl FieldError {
    /// A field error with its message.
    pub fn new(field: impl Into<String>, reason: Reason, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            reason,
            message: message.into(),
        }
    }

    /// `<field> is required`.
    pub fn required(field: &str) -> Self {
        FieldError::new(field, Reason::Required, format!("{field} is required"))
    }
}

/// Field errors collected over a whole request, reported together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// No errors yet.
    pub fn new() -> Self {
        FieldErrors(Vec::new())
    }

    /// Adds an error.
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// True when nothing was refused.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keeps a parsed value or records its error.
    pub fn keep<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.push(error);
                None
            }
        }
    }

    /// `Ok(value)` when there are no errors, else the errors.
    pub fn into_result<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, FieldErrors> {
        if self.is_empty() {
            value().ok_or(self)
        } else {
            Err(self)
        }
    }

    /// The description of contract §5.4: the message of a single error, or the list of field names.
    pub fn description(&self) -> String {
        match self.0.as_slice() {
            [] => "The request is invalid.".to_owned(),
            [one] => one.message.clone(),
            many => {
                let names: Vec<&str> = many.iter().map(|e| e.field.as_str()).collect();
                format!("The request has {} invalid fields: {}.", many.len(), names.join(", "))
            }
        }
    }
}

impl From<FieldError> for FieldErrors {
    fn from(error: FieldError) -> Self {
        FieldErrors(vec![error])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_error_is_described_by_its_message() {
        let errors = FieldErrors::from(FieldError::required("dateAgreed"));
        assert_eq!(errors.description(), "dateAgreed is required");
    }

    #[test]
    fn several_errors_are_described_by_their_field_names() {
        let mut errors = FieldErrors::new();
        errors.push(FieldError::new("primaryContact.email", Reason::InvalidFormat, "x"));
        errors.push(FieldError::required("dateAgreed"));
        assert_eq!(
            errors.description(),
            "The request has 2 invalid fields: primaryContact.email, dateAgreed."
        );
    }
}
