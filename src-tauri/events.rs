//! The typed events the shell sends the UI. After every write a [`DocumentsChanged`] names the
//! aggregates whose documents changed, so each screen reloads only what it shows.

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::AppHandle;
use tauri_specta::Event;

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

/// Tells the UI that the documents of these aggregates changed.
///
/// The write has already committed, so a failure to deliver is logged, not returned: the UI
/// would only show stale data until its next reload, while an error would claim the write
/// failed.
pub fn changed(app: &AppHandle, changes: impl IntoIterator<Item = (Area, i64)>) {
    let changes = changes.into_iter().map(|(area, id)| Changed { area, id: id.to_string() }).collect();
    if let Err(error) = (DocumentsChanged { changes }).emit(app) {
        tracing::warn!(%error, "could not send the documents-changed event");
    }
}
