//! This device's preferences for the desktop app: the theme, and when each chat was last
//! opened here (what "unread" is measured against).
//!
//! They belong to the device, not to the workspace: they never sync and are not part of the
//! entity model, so they live beside the database as `desktop-prefs.json` rather than in it.
//! The file is rewritten whole through a temporary file and a rename, so a crash leaves either
//! the old or the new preferences. A missing file means the defaults.

use std::{
    collections::BTreeMap,
    fs, io,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};
use specta::Type;
use vrooli_model::Timestamp;

const FILE_NAME: &str = "desktop-prefs.json";

/// The colour scheme; `system` follows the desktop's preference.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    Light,
    Dark,
    #[default]
    System,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    #[serde(default)]
    theme: Theme,
    /// Chat id → when it was last opened on this device (a stored timestamp).
    #[serde(default)]
    chat_opened: BTreeMap<i64, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PrefsError {
    #[error("cannot read or write {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path} is not valid preferences: {source}")]
    Json { path: PathBuf, source: serde_json::Error },
}

/// The preferences, loaded once and written through on every change.
#[derive(Debug)]
pub struct Prefs {
    path: PathBuf,
    stored: Stored,
}

impl Prefs {
    /// Loads `DIR/desktop-prefs.json`, or the defaults when there is none.
    pub fn load(data_dir: &Path) -> Result<Self, PrefsError> {
        let path = data_dir.join(FILE_NAME);
        let stored = match fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|source| PrefsError::Json { path: path.clone(), source })?
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => Stored::default(),
            Err(source) => return Err(PrefsError::Io { path, source }),
        };
        Ok(Self { path, stored })
    }

    pub fn theme(&self) -> Theme {
        self.stored.theme
    }

    pub fn set_theme(&mut self, theme: Theme) -> Result<(), PrefsError> {
        self.stored.theme = theme;
        self.save()
    }

    /// When `chat` was last opened here, if ever.
    pub fn chat_opened(&self, chat: i64) -> Option<Timestamp> {
        self.stored.chat_opened.get(&chat).and_then(|text| Timestamp::parse(text))
    }

    pub fn mark_chat_opened(&mut self, chat: i64, at: Timestamp) -> Result<(), PrefsError> {
        self.stored.chat_opened.insert(chat, at.to_string());
        self.save()
    }

    fn save(&self) -> Result<(), PrefsError> {
        let io_error = |source| PrefsError::Io { path: self.path.clone(), source };
        let text = serde_json::to_vec_pretty(&self.stored)
            .map_err(|source| PrefsError::Json { path: self.path.clone(), source })?;
        let temporary = self.path.with_extension("json.tmp");
        fs::write(&temporary, text).map_err(io_error)?;
        fs::rename(&temporary, &self.path).map_err(io_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_survive_a_reload_and_start_as_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let mut prefs = Prefs::load(dir.path()).unwrap();
        assert_eq!(prefs.theme(), Theme::System);
        assert_eq!(prefs.chat_opened(7), None);

        let at = Timestamp::from_micros(1_700_000_000_000_000);
        prefs.set_theme(Theme::Dark).unwrap();
        prefs.mark_chat_opened(7, at).unwrap();

        let again = Prefs::load(dir.path()).unwrap();
        assert_eq!(again.theme(), Theme::Dark);
        assert_eq!(again.chat_opened(7), Some(at));
    }

    #[test]
    fn a_damaged_file_is_an_error_not_a_reset() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(FILE_NAME), b"{not json").unwrap();
        assert!(matches!(Prefs::load(dir.path()), Err(PrefsError::Json { .. })));
    }
}
