//! Commands about the store as a whole.

use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::{error::CommandError, state::AppState};

/// The number of rows in one table of the store.
#[derive(Debug, Serialize, Type)]
pub struct TableRows {
    pub table: String,
    /// A JSON number, exact in JavaScript up to 2^53 rows (far beyond a local database);
    /// typed as `number` for TypeScript, where specta refuses `u64` by default.
    #[specta(type = u32)]
    pub rows: u64,
}

/// Row counts of every table, in the store's order.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn row_counts(state: State<'_, AppState>) -> Result<Vec<TableRows>, CommandError> {
    let counts = state.read(|store| store.row_counts())?;
    Ok(counts.into_iter().map(|count| TableRows { table: count.table.to_owned(), rows: count.rows }).collect())
}
