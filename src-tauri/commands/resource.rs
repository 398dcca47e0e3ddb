//! Resources: list, detail, create, versions, names, notes and tags.

use tauri::{AppHandle, State};

use crate::error::{parse_id, CommandError};
use crate::events::{changed, Area};
use crate::state::AppState;
use crate::views::found;
use crate::views::resource::{self, ResourceDetail, ResourceSummary};

/// Resources, newest first; only those of `resource_type` when given.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn list_resources(
    state: State<'_, AppState>,
    resource_type: Option<String>,
) -> Result<Vec<ResourceSummary>, CommandError> {
    state.read(|store| resource::list(store, resource_type.as_deref()))
}

/// One resource with its versions in label order.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn get_resource(state: State<'_, AppState>, resource_id: String) -> Result<ResourceDetail, CommandError> {
    let resource_id = parse_id("resourceId", &resource_id)?;
    state.read(|store| resource::detail(store, resource_id))
}

/// Creates a resource with its first version (1.0.0) named `name`; returns its id.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn create_resource(
    app: AppHandle,
    state: State<'_, AppState>,
    resource_type: String,
    name: String,
    language: String,
) -> Result<String, CommandError> {
    let (created, _) = state.with_workspace(|ws| ws.create_resource(&resource_type, &name, &language))?;
    changed(&app, [(Area::Resource, created.id)]);
    Ok(created.id.to_string())
}

/// Adds a version labelled `label`; returns its id.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn add_version(
    app: AppHandle,
    state: State<'_, AppState>,
    resource_id: String,
    label: String,
    complete: bool,
    // Not `private`: the generated TypeScript would use it as a parameter name, a reserved word.
    is_private: bool,
    notes: Option<String>,
) -> Result<String, CommandError> {
    let resource_id = parse_id("resourceId", &resource_id)?;
    let version =
        state.with_workspace(|ws| ws.add_version(resource_id, &label, complete, is_private, notes.as_deref()))?;
    changed(&app, [(Area::Resource, resource_id)]);
    Ok(version.id.to_string())
}

/// Sets a version's name and description in one language.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn set_version_name(
    app: AppHandle,
    state: State<'_, AppState>,
    version_id: String,
    language: String,
    name: String,
    description: Option<String>,
) -> Result<(), CommandError> {
    let version_id = parse_id("versionId", &version_id)?;
    let root = state.with_workspace(|ws| {
        let root = found(resource::root_of(ws.store(), version_id)?, "resource_version", version_id)?;
        ws.set_version_translation(version_id, &language, &name, description.as_deref()).map(|_| root)
    })?;
    changed(&app, [(Area::Resource, root)]);
    Ok(())
}

/// Replaces a version's notes.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn set_version_notes(
    app: AppHandle,
    state: State<'_, AppState>,
    version_id: String,
    notes: Option<String>,
) -> Result<(), CommandError> {
    let version_id = parse_id("versionId", &version_id)?;
    let version = state.with_workspace(|ws| ws.set_version_notes(version_id, notes.as_deref()))?;
    changed(&app, [(Area::Resource, version.root_id)]);
    Ok(())
}

/// Tags a resource.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn tag_resource(
    app: AppHandle,
    state: State<'_, AppState>,
    resource_id: String,
    tag: String,
) -> Result<(), CommandError> {
    let resource_id = parse_id("resourceId", &resource_id)?;
    state.with_workspace(|ws| ws.tag_resource(resource_id, &tag))?;
    changed(&app, [(Area::Resource, resource_id)]);
    Ok(())
}
