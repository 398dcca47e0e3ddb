//! Documents themselves: a document's history, and the document as it was (time travel).

use tauri::State;
use vrooli_core::DocId;

use crate::error::CommandError;
use crate::state::AppState;
use crate::views::docs::{self, History};

fn doc_id(text: &str) -> Result<DocId, CommandError> {
    text.parse::<DocId>().map_err(|error| {
        let mut error = CommandError::from(error);
        error.field = Some("docId".to_owned());
        error
    })
}

/// Every change of a document (e.g. `resource:123`), oldest first, and its heads.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn document_history(state: State<'_, AppState>, doc_id: String) -> Result<History, CommandError> {
    let doc = self::doc_id(&doc_id)?;
    state.with_workspace(|ws| docs::history(ws, &doc))
}

/// The document as JSON text: now, or as it was at `heads` (comma-separated change hashes).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn document_at(
    state: State<'_, AppState>,
    doc_id: String,
    heads: Option<String>,
) -> Result<String, CommandError> {
    let doc = self::doc_id(&doc_id)?;
    state.with_workspace(|ws| docs::document_at(ws, &doc, heads.as_deref()))
}
