//! Where a device keeps its data: one directory holding `vrooli.db`.

use std::path::{Path, PathBuf};

use crate::error::StoreError;

/// The environment variable that overrides the default data directory.
pub const DATA_DIR_ENV: &str = "VROOLI_DATA_DIR";
const DATABASE_FILE: &str = "vrooli.db";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    path: PathBuf,
}

impl DataDir {
    /// An explicit path wins, then `VROOLI_DATA_DIR`, then the platform's
    /// per-user data directory (`~/.local/share/vrooli` on Linux). The desktop
    /// app and the CLI resolve it the same way, so they share one database.
    pub fn resolve(explicit: Option<PathBuf>) -> Result<DataDir, StoreError> {
        if let Some(path) = explicit {
            return Ok(DataDir { path });
        }
        if let Some(path) = std::env::var_os(DATA_DIR_ENV).filter(|p| !p.is_empty()) {
            return Ok(DataDir { path: PathBuf::from(path) });
        }
        directories::ProjectDirs::from("dev", "vrooli", "vrooli")
            .map(|dirs| DataDir { path: dirs.data_dir().to_path_buf() })
            .ok_or(StoreError::NoDataDir)
    }

    pub fn at(path: impl Into<PathBuf>) -> DataDir {
        DataDir { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn database_path(&self) -> PathBuf {
        self.path.join(DATABASE_FILE)
    }
}
