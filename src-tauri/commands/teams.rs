//! Teams on the sync server: list, create, invite by email, answer my invites, remove a member.
//! Every command answers with the teams as the server now has them, after writing them into
//! the local `team`/`member`/`member_invite` rows (what team-owned documents point at).

use tauri::State;
use vrooli_client::account::SignedIn;

use crate::error::CommandError;
use crate::state::AppState;
use crate::views::account::TeamsView;

/// The server's teams and invites, written into the local rows.
async fn refresh(state: &AppState, signed: &SignedIn) -> Result<TeamsView, CommandError> {
    let (teams, invites) = (signed.api.teams(&signed.token).await?, signed.api.invites(&signed.token).await?);
    let me = signed.user.parse::<i64>().map_err(|_| CommandError::invalid_id("userId", &signed.user))?;
    state.with_workspace(|ws| ws.apply_teams(me, &teams, &invites))?;
    Ok(TeamsView::new(&signed.user, teams, invites))
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn list_teams(state: State<'_, AppState>) -> Result<TeamsView, CommandError> {
    let signed = state.sync().signed()?;
    refresh(&state, &signed).await
}

/// Creates a team; the signed-in account becomes its admin.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn create_team(state: State<'_, AppState>, name: String) -> Result<TeamsView, CommandError> {
    let signed = state.sync().signed()?;
    signed.api.create_team(&signed.token, name.trim()).await?;
    refresh(&state, &signed).await
}

/// Invites `email` to a team (admins only), as an admin when `admin`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn invite_member(
    state: State<'_, AppState>,
    team_id: String,
    email: String,
    admin: bool,
) -> Result<TeamsView, CommandError> {
    let signed = state.sync().signed()?;
    signed.api.invite(&signed.token, team_id.trim(), email.trim(), admin).await?;
    refresh(&state, &signed).await
}

/// Joins (`accept`) or turns down a team's invite to the signed-in account.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn answer_invite(
    state: State<'_, AppState>,
    team_id: String,
    accept: bool,
) -> Result<TeamsView, CommandError> {
    let signed = state.sync().signed()?;
    signed.api.answer_invite(&signed.token, team_id.trim(), accept).await?;
    state.sync().sync_now();
    refresh(&state, &signed).await
}

/// Removes a member (admins), or leaves the team (yourself).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(Debug))]
pub async fn remove_member(
    state: State<'_, AppState>,
    team_id: String,
    user_id: String,
) -> Result<TeamsView, CommandError> {
    let signed = state.sync().signed()?;
    signed.api.remove_member(&signed.token, team_id.trim(), user_id.trim()).await?;
    refresh(&state, &signed).await
}
