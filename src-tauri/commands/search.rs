//! Full-text search over messages and names.

use tauri::State;

use crate::error::CommandError;
use crate::state::AppState;
use crate::views::search::{self, Hit};

/// The best `limit` hits for `query`, best first; the last word also matches as a prefix.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn search(state: State<'_, AppState>, query: String, limit: u32) -> Result<Vec<Hit>, CommandError> {
    state.read(|store| search::search(store, &query, limit))
}
