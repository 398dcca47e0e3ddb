//! The state Tauri hands to commands: the one open [`Store`].
//!
//! `Store` is `Send` but not `Sync`, so it sits behind a mutex; commands reach it only through
//! [`AppState::with_store`], which also maps a poisoned lock to a [`CommandError`].

use std::sync::Mutex;

use vrooli_store::{Store, StoreError};

use crate::error::CommandError;

pub struct AppState {
    store: Mutex<Store>,
}

impl AppState {
    pub fn new(store: Store) -> Self {
        Self { store: Mutex::new(store) }
    }

    /// Runs `f` with exclusive access to the store.
    ///
    /// # Errors
    /// The store's own error, classified; or `state_poisoned` when an earlier command panicked
    /// while holding the store.
    pub fn with_store<T>(&self, f: impl FnOnce(&Store) -> Result<T, StoreError>) -> Result<T, CommandError> {
        let store = self.store.lock().map_err(|_| CommandError::poisoned())?;
        Ok(f(&store)?)
    }
}
