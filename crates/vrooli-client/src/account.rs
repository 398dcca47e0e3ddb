//! This data dir's account on a sync server, as the CLI and the desktop app both keep it: the
//! server, email and ids in `local_meta` (no secrets), the device token in the OS keyring
//! ([`crate::secret`]), one entry per data dir.
//!
//! Signing in is three steps so a caller can hold its workspace lock only around the local
//! ones: [`check_keyring`] (fail before the server opens a session this device could not
//! keep), the HTTP call ([`Api::register`] / [`Api::login`]), then [`remember`].

use vrooli_core::{CoreError, Workspace};
use vrooli_protocol::wire::Session;

use crate::api::{Api, ClientError};
use crate::background::Account;
use crate::secret::{self, Slot, Token};
use crate::sync::keys;

/// The signed-in account of a data dir: server, email, user id and token.
#[derive(Clone)]
pub struct SignedIn {
    pub api: Api,
    pub email: String,
    pub user: String,
    pub token: Token,
}

impl SignedIn {
    /// What the background sync task needs.
    pub fn account(&self) -> Account {
        Account { api: self.api.clone(), token: self.token.clone(), user: self.user.clone() }
    }
}

/// The account this data dir is signed in to.
///
/// # Errors
/// [`ClientError::SignedOut`] when it is not (no account recorded, or no token kept);
/// [`ClientError::Secret`] when the keyring cannot be reached.
pub fn signed_in(ws: &Workspace) -> Result<SignedIn, ClientError> {
    let get = |key| ws.store().local(key).map_err(CoreError::from);
    let (Some(server), Some(email), Some(user)) = (get(keys::SERVER)?, get(keys::EMAIL)?, get(keys::USER)?) else {
        return Err(ClientError::SignedOut);
    };
    let slot = Slot { server: &server, email: &email, local_device: ws.device_id() };
    let token = secret::load(&slot)?.ok_or(ClientError::SignedOut)?;
    Ok(SignedIn { api: Api::new(&server)?, email, user, token })
}

/// Fails when the keyring that would keep `email`'s token on `api`'s server is unreachable.
pub fn check_keyring(ws: &Workspace, api: &Api, email: &str) -> Result<(), ClientError> {
    let slot = Slot { server: api.server(), email, local_device: ws.device_id() };
    secret::load(&slot)?;
    Ok(())
}

/// Keeps a new session: its token in the keyring, the account in `local_meta`, and the
/// account's user as this data dir's local user (what it creates from now on is owned by it).
pub fn remember(ws: &mut Workspace, api: &Api, session: &Session) -> Result<SignedIn, ClientError> {
    let token = Token::new(session.token.clone());
    let local_device = ws.device_id().to_string();
    let slot = Slot { server: api.server(), email: &session.email, local_device: &local_device };
    secret::store(&slot, &token)?;
    let store = ws.store_mut();
    store.set_local(keys::SERVER, Some(api.server())).map_err(CoreError::from)?;
    store.set_local(keys::EMAIL, Some(&session.email)).map_err(CoreError::from)?;
    store.set_local(keys::USER, Some(&session.user_id)).map_err(CoreError::from)?;
    store.set_local(keys::DEVICE, Some(&session.device_id)).map_err(CoreError::from)?;
    let user = session.user_id.parse().map_err(|_| ClientError::Decode(format!("user id {:?}", session.user_id)))?;
    ws.adopt_account(user, &session.email)?;
    Ok(SignedIn { api: api.clone(), email: session.email.clone(), user: session.user_id.clone(), token })
}

/// Forgets the session here: the token leaves the keyring, the ids and the sync cursor leave
/// `local_meta`. The server and email stay, to prefill the next sign-in; local data stays.
pub fn forget(ws: &mut Workspace, signed: &SignedIn) -> Result<(), ClientError> {
    let slot = Slot { server: signed.api.server(), email: &signed.email, local_device: ws.device_id() };
    secret::forget(&slot)?;
    let store = ws.store_mut();
    for key in [keys::USER, keys::DEVICE, keys::CURSOR] {
        store.set_local(key, None).map_err(CoreError::from)?;
    }
    Ok(())
}

/// A name for this device in the account's list of devices: `explicit`, else the host name.
pub fn device_name(explicit: Option<&str>) -> String {
    explicit
        .map(str::to_string)
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok().map(|h| h.trim().to_string()))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "this device".into())
}
