//! `vrooli team …`: teams on the sync server. Every verb also refreshes the
//! local `team`, `member` and `member_invite` rows from the server's answer.

use clap::Subcommand;
use vrooli_core::Workspace;
use vrooli_protocol::wire::Team;

use super::account::{runtime, signed_in, Signed};
use super::Context;
use crate::output::team::TeamList;
use crate::output::{self, CliError};

#[derive(Subcommand)]
pub enum TeamCommand {
    /// Create a team; you become its admin.
    Create {
        #[arg(long)]
        name: String,
    },
    /// Your teams, their members (and, for admins, pending invites).
    List,
    /// Invite someone by email (admins only).
    Invite {
        team_id: String,
        #[arg(long)]
        email: String,
        /// They join as an admin.
        #[arg(long)]
        admin: bool,
    },
    /// Invites addressed to you.
    Invites,
    /// Join a team you are invited to.
    Accept { team_id: String },
    /// Turn an invite down.
    Decline { team_id: String },
    /// Remove a member (admins), or leave (yourself).
    Remove {
        team_id: String,
        #[arg(long, value_name = "USER_ID")]
        user: String,
    },
}

fn refresh(ws: &mut Workspace, signed: &Signed, rt: &tokio::runtime::Runtime) -> Result<Vec<Team>, CliError> {
    let me: i64 = signed.user.parse().unwrap_or_default();
    let (teams, invites) = rt.block_on(async {
        Ok::<_, vrooli_client::ClientError>((
            signed.api.teams(&signed.token).await?,
            signed.api.invites(&signed.token).await?,
        ))
    })?;
    ws.apply_teams(me, &teams, &invites)?;
    Ok(teams)
}

pub fn run(ctx: &Context, command: &TeamCommand) -> Result<(), CliError> {
    let rt = runtime()?;
    let mut ws = ctx.workspace()?;
    let s = signed_in(&ws)?;
    match command {
        TeamCommand::Create { name } => {
            rt.block_on(s.api.create_team(&s.token, name))?;
        }
        TeamCommand::List => {}
        TeamCommand::Invite { team_id, email, admin } => {
            rt.block_on(s.api.invite(&s.token, team_id, email, *admin))?;
        }
        TeamCommand::Invites => {
            let invites = rt.block_on(s.api.invites(&s.token))?;
            refresh(&mut ws, &s, &rt)?;
            return output::print(ctx.json, &crate::output::team::InviteList(invites));
        }
        TeamCommand::Accept { team_id } => {
            rt.block_on(s.api.answer_invite(&s.token, team_id, true))?;
        }
        TeamCommand::Decline { team_id } => {
            rt.block_on(s.api.answer_invite(&s.token, team_id, false))?;
        }
        TeamCommand::Remove { team_id, user } => {
            rt.block_on(s.api.remove_member(&s.token, team_id, user))?;
        }
    }
    let teams = refresh(&mut ws, &s, &rt)?;
    output::print(ctx.json, &TeamList(teams))
}
