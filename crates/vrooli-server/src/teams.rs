//! Teams: create, list (with members, and pending invites for admins),
//! invite by email, accept or decline, remove a member. Admins invite and
//! remove; anyone may leave. Membership is what opens a team's documents.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use vrooli_protocol::wire::{Invite, Member, NewInvite, NewTeam, Team};

use crate::auth::{self, normalize_email};
use crate::db::{self, InviteRow};
use crate::error::ApiError;
use crate::events::{self, Notice};
use crate::routes::{body, Authed};
use crate::AppState;

type AppResult<T> = Result<T, ApiError>;

fn team_id(text: &str) -> AppResult<i64> {
    text.parse().map_err(|_| ApiError::invalid("teamId", "a team id is a number"))
}

fn invite_of(row: InviteRow) -> Invite {
    Invite {
        team_id: row.team_id.to_string(),
        team_name: row.team_name,
        email: row.email,
        will_be_admin: row.will_be_admin,
        status: row.status,
        invited_by: row.invited_by,
        created_at: row.created_at,
    }
}

async fn teams_of(state: &AppState, account: i64) -> AppResult<Vec<Team>> {
    let rows = state.db.teams_of(account).await?;
    Ok(rows
        .into_iter()
        .map(|t| Team {
            id: t.id.to_string(),
            name: t.name,
            created_at: t.created_at,
            members: t
                .members
                .into_iter()
                .map(|m| Member {
                    user_id: m.account.to_string(),
                    email: m.email,
                    is_admin: m.is_admin,
                    joined_at: m.joined_at,
                })
                .collect(),
            invites: t.invites.into_iter().map(invite_of).collect(),
        })
        .collect())
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    Authed(caller): Authed,
    json: Result<Json<NewTeam>, JsonRejection>,
) -> AppResult<(StatusCode, Json<Vec<Team>>)> {
    let NewTeam { name } = body(json)?;
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > 128 {
        return Err(ApiError::invalid("name", "a team name is 1 to 128 characters"));
    }
    let id = auth::new_id();
    state.db.create_team(id, &name, caller.user_id).await?;
    teams_changed(&state, caller.device_id, id, &[]).await?;
    Ok((StatusCode::CREATED, Json(teams_of(&state, caller.user_id).await?)))
}

pub async fn list(State(state): State<Arc<AppState>>, Authed(caller): Authed) -> AppResult<Json<Vec<Team>>> {
    Ok(Json(teams_of(&state, caller.user_id).await?))
}

/// Tells the team's members, and `also` (an invitee, a removed member),
/// that their teams changed — on their devices other than `origin`.
async fn teams_changed(state: &AppState, origin: i64, team: i64, also: &[i64]) -> AppResult<()> {
    let mut accounts = state.db.team_members(team).await?;
    accounts.extend_from_slice(also);
    accounts.sort_unstable();
    accounts.dedup();
    events::publish(state, Notice::Teams { origin, accounts }).await;
    Ok(())
}

async fn require_admin(state: &AppState, team: i64, account: i64) -> AppResult<()> {
    match state.db.membership(team, account).await? {
        Some(true) => Ok(()),
        Some(false) => Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "only the team's admins can do this")),
        None => Err(ApiError::not_found("team")),
    }
}

pub async fn invite(
    State(state): State<Arc<AppState>>,
    Authed(caller): Authed,
    Path(team): Path<String>,
    json: Result<Json<NewInvite>, JsonRejection>,
) -> AppResult<(StatusCode, Json<Vec<Team>>)> {
    let team = team_id(&team)?;
    let NewInvite { email, admin } = body(json)?;
    let email = normalize_email(&email)
        .ok_or_else(|| ApiError::invalid("email", "enter an email address like name@example.com"))?;
    require_admin(&state, team, caller.user_id).await?;
    state.db.invite(team, &email, admin, caller.user_id).await?;
    let invitee = state.db.account_by_email(&email).await?.map(|a| a.id);
    teams_changed(&state, caller.device_id, team, invitee.as_slice()).await?;
    Ok((StatusCode::CREATED, Json(teams_of(&state, caller.user_id).await?)))
}

pub async fn invites(State(state): State<Arc<AppState>>, Authed(caller): Authed) -> AppResult<Json<Vec<Invite>>> {
    let rows = state.db.invites_for(&caller.email).await?;
    Ok(Json(rows.into_iter().map(invite_of).collect()))
}

async fn answer(state: &AppState, caller: db::Caller, team: &str, accept: bool) -> AppResult<Json<Vec<Team>>> {
    let team = team_id(team)?;
    let answered = state.db.answer_invite(team, caller.user_id, &caller.email, accept).await?;
    if !answered {
        return Err(ApiError::not_found("pending invite to this team"));
    }
    teams_changed(state, caller.device_id, team, &[caller.user_id]).await?;
    Ok(Json(teams_of(state, caller.user_id).await?))
}

pub async fn accept(
    State(state): State<Arc<AppState>>,
    Authed(caller): Authed,
    Path(team): Path<String>,
) -> AppResult<Json<Vec<Team>>> {
    answer(&state, caller, &team, true).await
}

pub async fn decline(
    State(state): State<Arc<AppState>>,
    Authed(caller): Authed,
    Path(team): Path<String>,
) -> AppResult<Json<Vec<Team>>> {
    answer(&state, caller, &team, false).await
}

pub async fn remove(
    State(state): State<Arc<AppState>>,
    Authed(caller): Authed,
    Path((team, user)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    let team = team_id(&team)?;
    let user: i64 = user.parse().map_err(|_| ApiError::invalid("userId", "a user id is a number"))?;
    if user != caller.user_id {
        require_admin(&state, team, caller.user_id).await?;
    }
    let removed = state.db.remove_member(team, user).await?;
    if !removed {
        return Err(ApiError::not_found("member"));
    }
    teams_changed(&state, caller.device_id, team, &[user]).await?;
    tracing::info!(team, user, by = caller.user_id, "member removed");
    Ok(StatusCode::NO_CONTENT)
}
