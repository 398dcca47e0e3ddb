//! Runs: list, detail, create, status moves, steps and inputs/outputs.

use tauri::{AppHandle, State};

use crate::error::{parse_id, CommandError};
use crate::events::{changed, Area};
use crate::state::AppState;
use crate::views::run::{self, RunDetail, RunState, RunSummary};

/// Runs, newest first; only those in `status` when given.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn list_runs(state: State<'_, AppState>, status: Option<RunState>) -> Result<Vec<RunSummary>, CommandError> {
    state.read(|store| run::list(store, status))
}

/// One run with its timeline, its inputs/outputs and the statuses it may move to.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn get_run(state: State<'_, AppState>, run_id: String) -> Result<RunDetail, CommandError> {
    let run_id = parse_id("runId", &run_id)?;
    state.read(|store| run::detail(store, run_id))
}

/// Creates a Scheduled run, optionally of a resource version; returns its id.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn create_run(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
    version_id: Option<String>,
) -> Result<String, CommandError> {
    let version_id = version_id.map(|id| parse_id("versionId", &id)).transpose()?;
    let created = state.with_workspace(|ws| ws.create_run(&name, version_id))?;
    changed(&app, [(Area::Run, created.id)]);
    Ok(created.id.to_string())
}

/// Moves a run to `status`, if the state machine allows it (`illegal_transition` otherwise).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn set_run_status(
    app: AppHandle,
    state: State<'_, AppState>,
    run_id: String,
    status: RunState,
) -> Result<RunSummary, CommandError> {
    let run_id = parse_id("runId", &run_id)?;
    let moved = state.with_workspace(|ws| ws.set_run_status(run_id, status.into()))?;
    changed(&app, [(Area::Run, run_id)]);
    Ok(moved.into())
}

/// Records a step (at the next position) running node `node_id`, a UUID.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn add_run_step(
    app: AppHandle,
    state: State<'_, AppState>,
    run_id: String,
    name: String,
    node_id: String,
) -> Result<(), CommandError> {
    let run_id = parse_id("runId", &run_id)?;
    state.with_workspace(|ws| ws.add_run_step(run_id, &name, &node_id))?;
    changed(&app, [(Area::Run, run_id)]);
    Ok(())
}

/// Records an input or output of a node; `data` is JSON text.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn add_run_io(
    app: AppHandle,
    state: State<'_, AppState>,
    run_id: String,
    node_name: String,
    input_name: String,
    data: String,
) -> Result<(), CommandError> {
    let run_id = parse_id("runId", &run_id)?;
    state.with_workspace(|ws| ws.add_run_io(run_id, &node_name, &input_name, &data))?;
    changed(&app, [(Area::Run, run_id)]);
    Ok(())
}
