//! Passwords, device tokens and lock-out.
//!
//! Passwords are hashed with argon2id (random salt, the crate's default
//! cost). A device token is 32 random bytes, shown to the device once; the
//! server keeps only its SHA-256, so a leaked database opens no session.
//! After [`MAX_FAILED_LOGINS`] wrong passwords in a row an account is locked
//! for [`LOCK_MILLIS`].

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const MAX_FAILED_LOGINS: i64 = 5;
pub const LOCK_MILLIS: i64 = 15 * 60 * 1000;
pub const SESSION_MILLIS: i64 = 90 * 24 * 60 * 60 * 1000;

pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash to verify against when the account does not exist, so a wrong
/// email costs as long as a wrong password and reveals nothing.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password").unwrap_or_default())
}

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("vrt_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

pub fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

/// A 63-bit id in the model's snowflake layout (ms since 2021 | 22 random bits).
pub fn new_id() -> i64 {
    const EPOCH: i64 = 1_609_459_200_000;
    ((now_millis() - EPOCH).max(1) << 22) | i64::from(rand::rng().next_u32() & 0x3f_ffff)
}

pub fn normalize_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let valid = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
        && email.len() <= 256;
    valid.then_some(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_eq!(normalize_email(" Ann@Example.COM ").as_deref(), Some("ann@example.com"));
        assert_eq!(normalize_email("ann@example"), None);
    }
}
