//! The typed events the shell sends the UI. After every write, and after a sync brought
//! documents from the server, a [`DocumentsChanged`] names the aggregates whose documents
//! changed, so each screen reloads only what it shows. [`SyncStatusChanged`] carries what
//! background sync is doing, for the status indicator.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Manager};
use tauri_specta::Event;
use vrooli_core::DocId;

use crate::state::AppState;

/// Which kind of aggregate a changed document belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum Area {
    /// The chat header or one of its message buckets.
    Chat,
    Resource,
    Run,
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Changed {
    pub area: Area,
    /// The chat, resource or run id.
    pub id: String,
}

/// Documents changed: sent after each write has committed.
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct DocumentsChanged {
    pub changes: Vec<Changed>,
}

/// Tells the UI that the documents of these aggregates changed after a local write, and tells
/// background sync (when signed in) that there is something to send.
///
/// The write has already committed, so a failure to deliver is logged, not returned: the UI
/// would only show stale data until its next reload, while an error would claim the write
/// failed.
pub fn changed(app: &AppHandle, changes: impl IntoIterator<Item = (Area, i64)>) {
    emit_changes(app, changes);
    if let Some(state) = app.try_state::<AppState>() {
        state.sync().local_change();
    }
}

/// Tells the UI which aggregates a sync session brought changes to.
pub fn received(app: &AppHandle, docs: &[DocId]) {
    emit_changes(app, aggregates_of(docs));
}

/// The aggregates `docs` belong to, each once: a message bucket is its chat's.
fn aggregates_of(docs: &[DocId]) -> Vec<(Area, i64)> {
    let aggregates: BTreeSet<(u8, i64)> = docs
        .iter()
        .map(|doc| match *doc {
            DocId::Chat(id) | DocId::Messages { chat: id, .. } => (0, id),
            DocId::Resource(id) => (1, id),
            DocId::Run(id) => (2, id),
        })
        .collect();
    let area = |kind| [Area::Chat, Area::Resource, Area::Run][usize::from(kind)];
    aggregates.into_iter().map(|(kind, id)| (area(kind), id)).collect()
}

fn emit_changes(app: &AppHandle, changes: impl IntoIterator<Item = (Area, i64)>) {
    let changes: Vec<Changed> = changes.into_iter().map(|(area, id)| Changed { area, id: id.to_string() }).collect();
    if changes.is_empty() {
        return;
    }
    if let Err(error) = (DocumentsChanged { changes }).emit(app) {
        tracing::warn!(%error, "could not send the documents-changed event");
    }
}

/// What background sync is doing, as the status indicator shows it. Never `synced` while this
/// device holds changes the server has not acknowledged (`vrooli_client::status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum SyncState {
    /// Not signed in: this device works on its own.
    SignedOut,
    /// The server cannot be reached; the next attempt is in `retryInMs`.
    Offline {
        #[serde(rename = "retryInMs")]
        retry_in_ms: u32,
    },
    /// A session is exchanging documents: `done` of `total` settled (`total` 0 while starting).
    Syncing { done: u32, total: u32 },
    /// Everything this device holds is on the server, as of `at` (a stored UTC timestamp).
    Synced { at: String },
    /// Sync failed for another reason; `code` is stable, `message` says what to do.
    Error { code: String, message: String },
}

impl From<&vrooli_client::SyncStatus> for SyncState {
    fn from(status: &vrooli_client::SyncStatus) -> Self {
        use vrooli_client::SyncStatus;
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        match status {
            SyncStatus::Offline { retry_in } => {
                SyncState::Offline { retry_in_ms: u32::try_from(retry_in.as_millis()).unwrap_or(u32::MAX) }
            }
            SyncStatus::Syncing { done, total, .. } => SyncState::Syncing { done: count(*done), total: count(*total) },
            SyncStatus::Synced { at } => {
                let micros = at.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros()).unwrap_or(0);
                let at = vrooli_model::Timestamp::from_micros(i64::try_from(micros).unwrap_or(i64::MAX));
                SyncState::Synced { at: at.to_string() }
            }
            SyncStatus::Error { code, message } => SyncState::Error { code: code.clone(), message: message.clone() },
        }
    }
}

/// Background sync's status changed.
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatusChanged {
    pub status: SyncState,
}

/// Tells the UI what background sync is doing now.
pub fn sync_status(app: &AppHandle, status: SyncState) {
    if let Err(error) = (SyncStatusChanged { status }).emit(app) {
        tracing::warn!(%error, "could not send the sync-status event");
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use vrooli_client::SyncStatus;

    use super::*;

    #[test]
    fn received_documents_name_their_aggregates_once() {
        let docs = [
            DocId::Messages { chat: 7, bucket: 1 },
            DocId::Chat(7),
            DocId::Messages { chat: 7, bucket: 2 },
            DocId::Run(3),
            DocId::Resource(3),
        ];
        assert_eq!(aggregates_of(&docs), [(Area::Chat, 7), (Area::Resource, 3), (Area::Run, 3)]);
    }

    #[test]
    fn sync_states_carry_what_the_indicator_shows() {
        let synced = SyncStatus::Synced { at: UNIX_EPOCH + Duration::from_millis(1_700_000_000_123) };
        assert_eq!(SyncState::from(&synced), SyncState::Synced { at: "2023-11-14T22:13:20.123000Z".into() });
        let offline = SyncStatus::Offline { retry_in: Duration::from_millis(2500) };
        assert_eq!(SyncState::from(&offline), SyncState::Offline { retry_in_ms: 2500 });
        let syncing = SyncStatus::Syncing { done: 2, total: 5, bytes: 900 };
        assert_eq!(SyncState::from(&syncing), SyncState::Syncing { done: 2, total: 5 });
        let json = serde_json::to_value(SyncState::from(&offline)).unwrap();
        assert_eq!(json, serde_json::json!({ "state": "offline", "retryInMs": 2500 }));
    }
}
