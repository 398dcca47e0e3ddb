//! The device token: its own type, whose `Debug` and `Display` never show it,
//! kept in the OS keyring (Secret Service on Linux). `VROOLI_TOKEN` in the
//! environment wins, for automation, and is never persisted.

use std::fmt;

/// Name of the keyring service entries live under.
const SERVICE: &str = "vrooli";
/// Environment variable that supplies a token without the keyring.
pub const TOKEN_ENV: &str = "VROOLI_TOKEN";

#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(secret: String) -> Self {
        Token(secret)
    }

    /// The secret itself, for the Authorization header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([redacted])")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "no keyring is reachable ({0}); start a Secret Service (e.g. gnome-keyring) in this session, or set VROOLI_TOKEN"
    )]
    Unavailable(String),
}

/// Where a token is kept: one account on one server, for one data dir (its
/// local device id), so two data dirs of one OS user never share a token.
#[derive(Debug, Clone)]
pub struct Slot<'a> {
    pub server: &'a str,
    pub email: &'a str,
    pub local_device: &'a str,
}

fn entry(slot: &Slot<'_>) -> Result<keyring::Entry, SecretError> {
    let user = format!("{} @ {} ({})", slot.email, slot.server, slot.local_device);
    keyring::Entry::new(SERVICE, &user).map_err(|e| SecretError::Unavailable(e.to_string()))
}

/// The token to use: `VROOLI_TOKEN`, else the keyring's; `None` if signed out.
pub fn load(slot: &Slot<'_>) -> Result<Option<Token>, SecretError> {
    if let Some(token) = std::env::var(TOKEN_ENV).ok().filter(|t| !t.is_empty()) {
        return Ok(Some(Token(token)));
    }
    match entry(slot)?.get_password() {
        Ok(secret) => Ok(Some(Token(secret))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(SecretError::Unavailable(e.to_string())),
    }
}

pub fn store(slot: &Slot<'_>, token: &Token) -> Result<(), SecretError> {
    entry(slot)?.set_password(token.expose()).map_err(|e| SecretError::Unavailable(e.to_string()))
}

pub fn forget(slot: &Slot<'_>) -> Result<(), SecretError> {
    match entry(slot)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(SecretError::Unavailable(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_never_print() {
        let t = Token::new("vrt_secret".into());
        assert_eq!(format!("{t} {t:?}"), "[redacted] Token([redacted])");
        assert_eq!(t.expose(), "vrt_secret");
    }
}
