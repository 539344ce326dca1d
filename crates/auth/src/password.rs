//! Passwords, hashed with argon2id (the crate's default parameters: 19 MiB, 2 passes) into a
//! PHC string that carries its own salt and parameters.
//!
//! Both functions take tens of milliseconds on purpose: call them off the async executor
//! (`tokio::task::spawn_blocking`).

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use std::sync::LazyLock;

/// The shortest password accepted.
pub const MIN_LEN: usize = 12;
/// The longest (argon2 takes any length; this bounds the work one request can ask for).
pub const MAX_LEN: usize = 256;

/// Why a password is refused.
pub fn check_strength(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_LEN {
        return Err(format!(
            "the password must have at least {MIN_LEN} characters"
        ));
    }
    if chars > MAX_LEN {
        return Err(format!(
            "the password must have at most {MAX_LEN} characters"
        ));
    }
    Ok(())
}

/// A new password's PHC string, once it passes [`check_strength`]; the error says why not.
pub fn hash_new(password: &str) -> Result<String, NewPasswordError> {
    check_strength(password).map_err(NewPasswordError::Weak)?;
    hash(password).map_err(|e| NewPasswordError::Hashing(e.to_string()))
}

/// Why a new password was not hashed.
#[derive(Debug, thiserror::Error)]
pub enum NewPasswordError {
    #[error("{0}")]
    Weak(String),
    #[error("hashing the password: {0}")]
    Hashing(String),
}

/// The PHC string to store.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    Ok(Argon2::default()
        .hash_password(password.as_bytes())?
        .to_string())
}

/// Whether `password` matches the stored PHC string (false for a malformed one).
pub fn verify(stored: &str, password: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(e) => {
            tracing::error!(error = %e, "a stored password hash does not parse");
            false
        }
    }
}

/// A hash of nothing anyone knows: verified against when the email is unknown, so a wrong
/// email takes as long as a wrong password and the answer tells nothing.
static DECOY: LazyLock<String> =
    LazyLock::new(|| hash("decoy password nobody has").expect("hashing the decoy password"));

/// As [`verify`], for a person who may not exist: always does the same work.
pub fn verify_or_decoy(stored: Option<&str>, password: &str) -> bool {
    match stored {
        Some(stored) => verify(stored, password),
        None => {
            let _ = verify(&DECOY, password);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify(&stored, "correct horse battery"));
        assert!(!verify(&stored, "correct horse batterY"));
        assert!(!verify("not a phc string", "correct horse battery"));
        assert!(!verify_or_decoy(None, "decoy password nobody has"));
        assert!(verify_or_decoy(Some(&stored), "correct horse battery"));
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        assert!(check_strength("short").is_err());
        assert!(check_strength(&"x".repeat(MAX_LEN + 1)).is_err());
        assert!(check_strength("twelve chars").is_ok());
    }
}
