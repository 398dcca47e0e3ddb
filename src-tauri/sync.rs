//! Background sync in the desktop app, and the account it runs as.
//!
//! While this data dir is signed in (from start-up when the keyring holds its token, and from
//! sign-in) `vrooli-client`'s sync task runs on Tauri's runtime. A forwarder turns its status
//! stream into [`SyncStatusChanged`](crate::events::SyncStatusChanged) events and the documents
//! each session brought into [`DocumentsChanged`](crate::events::DocumentsChanged), so open
//! screens refresh without a reload. Local writes reach the task through
//! [`crate::events::changed`], which every write command calls.
//!
//! The signed-in account (with its token) is kept here after start-up, so commands that talk
//! to the server do not ask the keyring each time.

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Mutex, MutexGuard,
};
use std::time::Duration;

use tauri::{AppHandle, Manager};
use tokio::sync::broadcast::error::RecvError;
use vrooli_client::account::{self, SignedIn};
use vrooli_client::{spawn_sync, ClientError, SyncConfig, SyncHandle};

use crate::error::CommandError;
use crate::events::{self, SyncState};
use crate::state::AppState;

/// How long sign-out waits for a session in flight (each of its steps is atomic anyway).
const STOP_WAIT: Duration = Duration::from_secs(5);

pub struct Background {
    running: Mutex<Option<Running>>,
    status: Mutex<SyncState>,
    /// Moves on every start and stop, so a forwarder of an earlier task never overwrites the
    /// status of a later one.
    generation: AtomicU64,
}

struct Running {
    signed: SignedIn,
    handle: SyncHandle,
}

impl Default for Background {
    fn default() -> Self {
        Self { running: Mutex::new(None), status: Mutex::new(SyncState::SignedOut), generation: AtomicU64::new(0) }
    }
}

/// A poisoned lock here only guards plain values replaced whole, so it is used as is.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Background {
    /// The latest status, for a window that starts listening after it was sent.
    pub fn status(&self) -> SyncState {
        lock(&self.status).clone()
    }

    /// The account sync runs as, or `signed_out`.
    pub fn signed(&self) -> Result<SignedIn, CommandError> {
        lock(&self.running).as_ref().map(|r| r.signed.clone()).ok_or_else(|| ClientError::SignedOut.into())
    }

    /// Something was written here: sync soon.
    pub fn local_change(&self) {
        if let Some(running) = lock(&self.running).as_ref() {
            running.handle.local_change();
        }
    }

    /// Sync now, whatever the schedule says.
    pub fn sync_now(&self) {
        if let Some(running) = lock(&self.running).as_ref() {
            running.handle.sync_now();
        }
    }

    fn set_status(&self, app: &AppHandle, generation: u64, status: SyncState) {
        let mut current = lock(&self.status);
        if self.generation.load(Ordering::SeqCst) != generation || *current == status {
            return;
        }
        *current = status.clone();
        drop(current);
        events::sync_status(app, status);
    }
}

/// At start-up: resumes sync when this data dir is signed in. A keyring that cannot be reached
/// shows as a sync error naming the fix rather than stopping the app.
pub async fn resume(app: AppHandle) {
    let state = app.state::<AppState>();
    let generation = state.sync().generation.load(Ordering::SeqCst);
    // Not through `AppState::with_workspace`, whose first call is the startup figure of the
    // first screen's data.
    let signed = account::signed_in(&vrooli_client::sync::lock(&state.shared_workspace()));
    match signed {
        Ok(signed) => start(&app, signed).await,
        Err(ClientError::SignedOut) => {}
        Err(error) => {
            tracing::warn!(%error, "cannot resume sync");
            let status = SyncState::Error { code: error.code().to_owned(), message: error.to_string() };
            state.sync().set_status(&app, generation, status);
        }
    }
}

/// Starts background sync as `signed` (stopping a task running as another account first).
/// Must run on Tauri's (Tokio) runtime.
pub async fn start(app: &AppHandle, signed: SignedIn) {
    stop(app).await;
    let state = app.state::<AppState>();
    let sync = state.sync();
    let config = SyncConfig {
        // Another process (the `vrooli` CLI) may write to this data dir without telling us.
        other_writers_every: Some(Duration::from_secs(2)),
        ..SyncConfig::default()
    };
    let handle = spawn_sync(state.shared_workspace(), signed.account(), config);
    let mut status = handle.status();
    let mut received = handle.received();
    let generation = sync.generation.fetch_add(1, Ordering::SeqCst) + 1;
    *lock(&sync.running) = Some(Running { signed, handle });
    sync.set_status(app, generation, SyncState::from(&*status.borrow_and_update()));

    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        loop {
            tokio::select! {
                changed = status.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let current = SyncState::from(&*status.borrow_and_update());
                    state.sync().set_status(&app, generation, current);
                }
                docs = received.recv() => match docs {
                    Ok(docs) => events::received(&app, &docs),
                    // Too far behind to say which: the screens will catch up at the next change.
                    Err(RecvError::Lagged(skipped)) => tracing::warn!(skipped, "missed sync reports"),
                    Err(RecvError::Closed) => break,
                },
            }
        }
        // The task ended by itself only when the server signed this device out: say so.
        let last = SyncState::from(&*status.borrow());
        state.sync().set_status(&app, generation, last);
    });
}

/// Stops background sync, if it runs, and shows "signed out".
pub async fn stop(app: &AppHandle) {
    let state = app.state::<AppState>();
    let sync = state.sync();
    let generation = sync.generation.fetch_add(1, Ordering::SeqCst) + 1;
    let running = lock(&sync.running).take();
    if let Some(running) = running {
        if tokio::time::timeout(STOP_WAIT, running.handle.stop()).await.is_err() {
            tracing::info!("stopped sync without waiting for the session in flight");
        }
    }
    sync.set_status(app, generation, SyncState::SignedOut);
}
