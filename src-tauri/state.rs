//! The state Tauri hands to commands: the open [`Workspace`] (documents and the store behind
//! them), this device's [`Prefs`], the data directory, the clock, and background sync ([`Background`]).
//!
//! `Workspace` is `Send` but not `Sync`, so it sits behind a mutex, shared with the background
//! sync task (which takes it only for each step, never across an `.await`); commands reach it only
//! through [`AppState::with_workspace`] / [`AppState::read`], which also map a poisoned lock to
//! a [`CommandError`]. Commands are `async`, so Tauri runs them on its worker pool and a slow
//! one never freezes the window; the lock is never held across an `.await`.

use std::{
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::Instant,
};

use vrooli_core::Workspace;
use vrooli_model::{Clock, Timestamp};
use vrooli_store::Store;

use crate::{error::CommandError, prefs::Prefs, sync::Background};

pub struct AppState {
    workspace: Arc<Mutex<Workspace>>,
    sync: Background,
    prefs: Mutex<Prefs>,
    data_dir: PathBuf,
    clock: Box<dyn Clock + Sync>,
    /// When the process started, for the one startup figure logged below.
    started: Instant,
    answered: AtomicBool,
}

impl AppState {
    pub fn new(
        workspace: Workspace,
        prefs: Prefs,
        data_dir: PathBuf,
        clock: Box<dyn Clock + Sync>,
        started: Instant,
    ) -> Self {
        Self {
            workspace: Arc::new(Mutex::new(workspace)),
            sync: Background::default(),
            prefs: Mutex::new(prefs),
            data_dir,
            clock,
            started,
            answered: AtomicBool::new(false),
        }
    }

    /// Runs `f` with exclusive access to the workspace (writes go through it).
    ///
    /// # Errors
    /// `f`'s own error, classified; or `state_poisoned` when an earlier command panicked while
    /// holding the workspace.
    pub fn with_workspace<T, E: Into<CommandError>>(
        &self,
        f: impl FnOnce(&mut Workspace) -> Result<T, E>,
    ) -> Result<T, CommandError> {
        let mut workspace = self.workspace.lock().map_err(|_| CommandError::poisoned())?;
        let result = f(&mut workspace).map_err(Into::into);
        if !self.answered.swap(true, Ordering::Relaxed) {
            // The first screen's data (the chat list) is the first workspace read: how long
            // after start it was answered is the startup figure worth watching.
            let since_start_ms = self.started.elapsed().as_secs_f64() * 1000.0;
            tracing::info!(since_start_ms, "first workspace command answered");
        }
        result
    }

    /// Runs a read of the projection with the store.
    pub fn read<T, E: Into<CommandError>>(&self, f: impl FnOnce(&Store) -> Result<T, E>) -> Result<T, CommandError> {
        self.with_workspace(|workspace| f(workspace.store()))
    }

    /// Runs `f` with this device's preferences.
    pub fn with_prefs<T, E: Into<CommandError>>(
        &self,
        f: impl FnOnce(&mut Prefs) -> Result<T, E>,
    ) -> Result<T, CommandError> {
        let mut prefs = self.prefs.lock().map_err(|_| CommandError::poisoned())?;
        f(&mut prefs).map_err(Into::into)
    }

    /// The workspace, for the background sync task.
    pub fn shared_workspace(&self) -> Arc<Mutex<Workspace>> {
        Arc::clone(&self.workspace)
    }

    pub fn sync(&self) -> &Background {
        &self.sync
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
}
