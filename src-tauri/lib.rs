//! The Tauri shell of Vrooli: an adapter between the webview and `vrooli-store`.
//!
//! This crate holds no SQL and no domain rules. It wires logging, opens the store in the data
//! directory (`VROOLI_DATA_DIR` overrides the platform default), registers the commands listed
//! in [`bindings`] and runs the window. Each command lives in `commands/<area>.rs` and only
//! converts between transport types and one library call.

mod bindings;
mod commands;
mod error;
mod state;

use std::process::ExitCode;

use tracing_subscriber::EnvFilter;
use vrooli_store::{DataDir, Store, StoreError};

/// Runs the desktop app until its last window closes.
///
/// A failure to open the store or to start Tauri is logged and turned into a non-zero exit
/// code rather than a panic.
pub fn run() -> ExitCode {
    init_tracing();
    match launch() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "vrooli desktop stopped");
            ExitCode::FAILURE
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum LaunchError {
    #[error("cannot open the store: {0}")]
    Store(#[from] StoreError),
    #[error("tauri failed: {0}")]
    Tauri(#[from] tauri::Error),
}

fn launch() -> Result<(), LaunchError> {
    let data_dir = DataDir::resolve(None)?;
    let store = Store::open(&data_dir)?;
    tracing::info!(data_dir = %data_dir.path().display(), "store opened");

    let commands = bindings::builder();
    tauri::Builder::default()
        .manage(state::AppState::new(store))
        .invoke_handler(commands.invoke_handler())
        .run(tauri::generate_context!())?;
    Ok(())
}

/// Logs go to stderr; `RUST_LOG` overrides the default `info` level.
fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}
