//! The Tauri shell of Vrooli: an adapter between the webview and the library crates.
//!
//! This crate holds no SQL and no domain rules. On Linux it first decides how WebKit draws and
//! starts the desktop portal early (`linux_session`). It wires logging, opens the workspace in the
//! data directory (`VROOLI_DATA_DIR` overrides the platform default) and this device's
//! preferences beside it, registers the commands and events listed in [`bindings`] and runs
//! the window, and resumes background sync when this data dir is signed in (`sync`). Each
//! command lives in `commands/<area>.rs` and only converts between transport types (`views`)
//! and one library call; after a write it sends `events::DocumentsChanged`.

mod bindings;
mod commands;
mod error;
mod events;
#[cfg(target_os = "linux")]
mod linux_session;
mod prefs;
mod state;
mod sync;
mod views;

use std::{io::IsTerminal, process::ExitCode, time::Instant};

use tracing_subscriber::EnvFilter;
use vrooli_core::{CoreError, Workspace};
use vrooli_model::SystemClock;
use vrooli_store::DataDir;

/// Runs the desktop app until its last window closes.
///
/// A failure to open the workspace or to start Tauri is logged and turned into a non-zero exit
/// code rather than a panic.
pub fn run() -> ExitCode {
    let started = Instant::now();
    // Before any thread exists: this may set environment variables GTK and WebKit read.
    #[cfg(target_os = "linux")]
    let renderer = linux_session::choose_renderer();
    init_tracing();
    #[cfg(target_os = "linux")]
    {
        tracing::info!(?renderer, "webview renderer chosen");
        linux_session::warm_desktop_portal();
    }
    match launch(started) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "vrooli desktop stopped");
            ExitCode::FAILURE
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum LaunchError {
    #[error("cannot open the workspace: {0}")]
    Workspace(#[from] CoreError),
    #[error("cannot read this device's preferences: {0}")]
    Prefs(#[from] prefs::PrefsError),
    #[error("tauri failed: {0}")]
    Tauri(#[from] tauri::Error),
}

fn launch(started: Instant) -> Result<(), LaunchError> {
    let data_dir = DataDir::resolve(None).map_err(CoreError::from)?;
    let workspace = Workspace::open(&data_dir)?;
    let prefs = prefs::Prefs::load(data_dir.path())?;
    tracing::info!(data_dir = %data_dir.path().display(), since_start_ms = ms_since(started), "workspace opened");
    let state = state::AppState::new(workspace, prefs, data_dir.path().to_path_buf(), Box::new(SystemClock), started);

    let bindings = bindings::builder();
    tauri::Builder::default()
        .manage(state)
        .invoke_handler(bindings.invoke_handler())
        .on_page_load(move |_, payload| {
            tracing::info!(event = ?payload.event(), since_start_ms = ms_since(started), "page load");
        })
        .setup(move |app| {
            tracing::info!(since_start_ms = ms_since(started), "window created");
            bindings.mount_events(app);
            // Signed in on an earlier run: sync again (the keyring is asked off the main thread).
            tauri::async_runtime::spawn(sync::resume(app.handle().clone()));
            Ok(())
        })
        .run(tauri::generate_context!())?;
    Ok(())
}

/// Milliseconds since `started`, for the startup phases logged above.
fn ms_since(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

/// Logs go to stderr, coloured only on a terminal; `RUST_LOG` overrides the default `info` level.
fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::stderr().is_terminal();
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).init();
}
