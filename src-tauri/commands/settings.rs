//! Settings: where the data lives, and this device's theme.

use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::error::CommandError;
use crate::prefs::Theme;
use crate::state::AppState;

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// The directory holding `vrooli.db`.
    pub data_dir: String,
    pub theme: Theme,
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn get_settings(state: State<'_, AppState>) -> Result<Settings, CommandError> {
    let theme = state.with_prefs(|prefs| Ok::<_, CommandError>(prefs.theme()))?;
    Ok(Settings { data_dir: state.data_dir().display().to_string(), theme })
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn set_theme(state: State<'_, AppState>, theme: Theme) -> Result<(), CommandError> {
    state.with_prefs(|prefs| prefs.set_theme(theme))
}
