//! Identifiers: GUIDs in their 36-character form, compared case-insensitively and kept in lowercase.

use std::fmt;

/// True when `s` is a GUID in the hyphenated 8-4-4-4-12 form.
pub fn is_guid(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// A GUID in lowercase, parsed from its 36-character form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Guid(String);

impl Guid {
    /// Parses the 36-character form, any case.
    pub fn parse(s: &str) -> Option<Guid> {
        is_guid(s).then(|| Guid(s.to_ascii_lowercase()))
    }

    /// A new random GUID.
    pub fn new_random() -> Guid {
        // The thread's seeded generator: no system call per id, as a request makes several.
        let bytes: [u8; 16] = rand::Rng::gen(&mut rand::thread_rng());
        Guid(uuid::Builder::from_random_bytes(bytes).into_uuid().to_string())
    }

    /// The lowercase text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Takes the text out.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A partner tenant id (`tid`).
pub type TenantId = Guid;
/// A customer tenant id.
pub type CustomerId = Guid;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_is_lowercased() {
        let g = Guid::parse("14876998-C0DC-46E6-9D0C-65A57A6C32EC").unwrap();
        assert_eq!(g.as_str(), "14876998-c0dc-46e6-9d0c-65a57a6c32ec");
    }

    #[test]
    fn other_forms_are_not_guids() {
        assert!(Guid::parse("14876998c0dc46e69d0c65a57a6c32ec").is_none());
        assert!(Guid::parse("{14876998-c0dc-46e6-9d0c-65a57a6c32ec}").is_none());
        assert!(Guid::parse("14876998-c0dc-46e6-9d0c-65a57a6c32eg").is_none());
        assert!(Guid::parse("not-a-guid").is_none());
    }
}
