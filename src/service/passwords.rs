//! Customer admin passwords: generation and bounded argon2id hashing (only hashes are stored).
//!
//! Generated passwords carry about 70 bits of entropy, so their hash needs no memory-hard work
//! factor to resist guessing: argon2id runs with 256 KiB and one pass (well under a millisecond).
//! Hashes given by fixtures may carry heavier parameters; those are capped when the fixture is
//! loaded, and every hash or verification passes a process-wide gate so memory and CPU stay
//! bounded however many requests arrive at once.

use std::sync::{Condvar, Mutex};

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;

use super::ServiceError;

/// Memory of one generated hash, in KiB.
pub const MEMORY_KIB: u32 = 256;
/// Passes over memory of one generated hash.
pub const PASSES: u32 = 1;
/// Largest memory a fixture's hash may ask for, in KiB (the argon2 crate's default).
pub const MAX_FIXTURE_MEMORY_KIB: u32 = Params::DEFAULT_M_COST;
/// Most passes a fixture's hash may ask for.
pub const MAX_FIXTURE_PASSES: u32 = 4;
/// Most lanes a fixture's hash may ask for.
pub const MAX_FIXTURE_LANES: u32 = 4;
/// Hashes computed at once, process-wide.
const CONCURRENT_HASHES: usize = 2;

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
    let params = Params::new(MEMORY_KIB, PASSES, 1, None)
        .map_err(|e| ServiceError::Internal(format!("password hashing parameters: {e}")))?;
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let _permit = Gate::enter();
    hasher
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(format!("password hashing failed: {e}")))
}

/// True when `password` matches the stored PHC string (within the fixture caps).
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    if !within_caps(&parsed) {
        return false;
    }
    let _permit = Gate::enter();
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
}

/// True when `phc` is an argon2id PHC string whose cost stays within the fixture caps.
pub fn is_argon2id_phc(phc: &str) -> bool {
    PasswordHash::new(phc)
        .is_ok_and(|parsed| parsed.algorithm.as_str() == "argon2id" && parsed.hash.is_some() && within_caps(&parsed))
}

fn within_caps(parsed: &PasswordHash<'_>) -> bool {
    Params::try_from(parsed).is_ok_and(|p| {
        p.m_cost() <= MAX_FIXTURE_MEMORY_KIB && p.t_cost() <= MAX_FIXTURE_PASSES && p.p_cost() <= MAX_FIXTURE_LANES
    })
}

/// A counting gate: at most [`CONCURRENT_HASHES`] holders at once.
struct Gate;

static HOLDERS: Mutex<usize> = Mutex::new(0);
static FREED: Condvar = Condvar::new();

impl Gate {
    fn enter() -> Gate {
        let mut holders = HOLDERS.lock().unwrap_or_else(|e| e.into_inner());
        while *holders >= CONCURRENT_HASHES {
            holders = FREED.wait(holders).unwrap_or_else(|e| e.into_inner());
        }
        *holders += 1;
        Gate
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        let mut holders = HOLDERS.lock().unwrap_or_else(|e| e.into_inner());
        *holders -= 1;
        FREED.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password() {
        let phc = hash("Contoso-Passw0rd").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{phc}");
        assert!(verify("Contoso-Passw0rd", &phc));
        assert!(!verify("contoso-passw0rd", &phc));
        assert_eq!(generate(12).len(), 12);
    }

    #[test]
    fn fixture_hashes_beyond_the_caps_are_refused() {
        let salt = SaltString::generate(&mut OsRng);
        let heavy = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8, 5, 1, None).unwrap())
            .hash_password(b"pw", &salt)
            .unwrap()
            .to_string();
        assert!(!is_argon2id_phc(&heavy));
        assert!(!verify("pw", &heavy));
        let default = Argon2::default().hash_password(b"pw", &salt).unwrap().to_string();
        assert!(is_argon2id_phc(&default));
        assert!(verify("pw", &default));
        let wide = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
        assert!(!is_argon2id_phc(wide));
    }

    #[test]
    fn concurrent_hashing_never_exceeds_the_gate() {
        let threads: Vec<_> = (0..8).map(|_| std::thread::spawn(|| hash("x").unwrap())).collect();
        for t in threads {
            assert!(t.join().unwrap().starts_with("$argon2id$"));
        }
        assert_eq!(*HOLDERS.lock().unwrap(), 0);
    }
}
