//! The account on a sync server: sign in or register, sign out, this account's devices, and
//! background sync's status. HTTP happens here in Rust (`vrooli-client`), never in the webview.

use tauri::{AppHandle, State};
use vrooli_client::account;
use vrooli_client::Api;
use vrooli_protocol::wire::Credentials;

use crate::error::CommandError;
use crate::events::SyncState;
use crate::state::AppState;
use crate::sync;
use crate::views::account::{AccountView, DeviceView};

/// This data dir's account (or the last one, when signed out) and its pending changes.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn get_account(state: State<'_, AppState>) -> Result<AccountView, CommandError> {
    let signed_in = state.sync().signed().is_ok();
    state.with_workspace(|ws| AccountView::of(ws, signed_in))
}

/// Signs this device in to `server` (creating the account first when `create_account`), keeps
/// the token in the OS keyring and starts background sync.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn sign_in(
    app: AppHandle,
    state: State<'_, AppState>,
    server: String,
    email: String,
    password: String,
    create_account: bool,
) -> Result<AccountView, CommandError> {
    let api = Api::new(&server)?;
    state.with_workspace(|ws| account::check_keyring(ws, &api, email.trim()))?;
    let credentials = Credentials { email: email.trim().to_owned(), password, device_name: account::device_name(None) };
    let session = if create_account { api.register(&credentials).await } else { api.login(&credentials).await };
    let signed = state.with_workspace(|ws| account::remember(ws, &api, &session?))?;
    sync::start(&app, signed).await;
    state.with_workspace(|ws| AccountView::of(ws, true))
}

/// Signs this device out: sync stops, the server revokes the token (when it can be reached)
/// and the keyring forgets it. Local data stays.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn sign_out(app: AppHandle, state: State<'_, AppState>) -> Result<AccountView, CommandError> {
    let signed = state.sync().signed()?;
    sync::stop(&app).await;
    if let Err(error) = signed.api.logout(&signed.token).await {
        // Signed out here all the same; the token stays valid on the server until revoked.
        tracing::warn!(%error, "the server could not be told");
    }
    state.with_workspace(|ws| account::forget(ws, &signed))?;
    state.with_workspace(|ws| AccountView::of(ws, false))
}

/// The account's devices, this one marked.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn list_devices(state: State<'_, AppState>) -> Result<Vec<DeviceView>, CommandError> {
    let signed = state.sync().signed()?;
    Ok(signed.api.devices(&signed.token).await?.into_iter().map(DeviceView::from).collect())
}

/// Signs another device of the account out; returns the devices now.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn revoke_device(state: State<'_, AppState>, device_id: String) -> Result<Vec<DeviceView>, CommandError> {
    let signed = state.sync().signed()?;
    signed.api.revoke(&signed.token, device_id.trim()).await?;
    Ok(signed.api.devices(&signed.token).await?.into_iter().map(DeviceView::from).collect())
}

/// What background sync is doing now (the same as the last `SyncStatusChanged`).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn get_sync_status(state: State<'_, AppState>) -> Result<SyncState, CommandError> {
    Ok(state.sync().status())
}

/// Syncs now rather than at the next scheduled time.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn sync_now(state: State<'_, AppState>) -> Result<(), CommandError> {
    state.sync().sync_now();
    Ok(())
}
