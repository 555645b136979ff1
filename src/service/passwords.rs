//! Customer admin passwords: generation and argon2id hashing (only hashes are stored).

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::Rng;

use super::ServiceError;

/// A random password of `length` letters and digits.
pub fn generate(length: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..length)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// The argon2id PHC string of a password.
pub fn hash(password: &str) -> Result<String, ServiceError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(format!("password hashing failed: {e}")))
}

/// True when `password` matches the stored PHC string.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// True when `phc` is a well-formed argon2id PHC string (as stored for seeded customers).
pub fn is_argon2id_phc(phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| parsed.algorithm.as_str() == "argon2id" && parsed.hash.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password() {
        let phc = hash("Contoso-Passw0rd").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("Contoso-Passw0rd", &phc));
        assert!(!verify("contoso-passw0rd", &phc));
        assert_eq!(generate(12).len(), 12);
    }
}
