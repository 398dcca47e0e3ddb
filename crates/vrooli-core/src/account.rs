//! The signed-in account, as the local tables see it: the account's user
//! becomes this device's user (it owns what the device creates from now on),
//! and the account's teams — with their members and the invites addressed
//! to this user — are written into `team`, `team_translation`, `member` and
//! `member_invite`, with the default permissions of an admin or a member
//! (`vrooli_model::permissions`). These rows come from the server, not from
//! documents; ids and public ids follow from the server's ids, so every
//! device writes the same rows.

use std::collections::HashSet;

use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};
use vrooli_model::entities::Member as MemberRow;
use vrooli_model::entities::{Chat, MemberInvite, Resource, Run, Team, TeamTranslation, User};
use vrooli_model::enums::InviteStatus;
use vrooli_model::permissions::member_permissions;
use vrooli_model::{Entity, Timestamp};
use vrooli_protocol::wire;

use crate::doc_id::DocId;
use crate::error::CoreError;
use crate::refs::{derived_public_id, user_row, LOCAL_USER_KEY};
use crate::workspace::{int, Tx, Workspace};

/// A 62-bit id that follows from its parts, for rows the server has no id for.
fn derived_id(kind: &str, a: i64, b: i64) -> i64 {
    let digest = Sha256::digest(format!("vrooli {kind} {a} {b}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    (u64::from_le_bytes(bytes) >> 2) as i64
}

fn parse(id: &str, what: &'static str) -> Result<i64, CoreError> {
    id.parse().map_err(|_| CoreError::NotFound { entity: what, id: id.to_string() })
}

fn millis(ms: i64) -> Timestamp {
    Timestamp::from_micros(ms.saturating_mul(1000))
}

/// A user row for an account: its email as its name until it says otherwise.
fn ensure_account_user(t: &mut Tx<'_, '_>, id: i64, email: &str) -> Result<(), CoreError> {
    if t.w.get_row(User::TABLE, id)?.is_none() {
        let name: String = email.chars().take(128).collect();
        t.w.put_row(User::TABLE, user_row(id, &name).into_values())?;
    }
    Ok(())
}

fn put_team(t: &mut Tx<'_, '_>, id: i64, name: &str, created_at: i64) -> Result<(), CoreError> {
    let at = millis(created_at);
    let existing =
        t.w.get_row(Team::TABLE, id)?.map(Team::from_values).transpose().map_err(vrooli_store::StoreError::from)?;
    let team = existing.unwrap_or(Team {
        id,
        public_id: derived_public_id("team", id),
        created_at: at,
        updated_at: at,
        ..Default::default()
    });
    t.w.put_row(Team::TABLE, team.into_values())?;
    let translation = TeamTranslation {
        id: derived_id("team_translation", id, 0),
        name: name.chars().take(128).collect(),
        language: "en".into(),
        team_id: id,
        ..Default::default()
    };
    t.w.put_row(TeamTranslation::TABLE, translation.into_values())?;
    Ok(())
}

/// The account this device signed in to, once it has.
const ACCOUNT_KEY: &str = "account_user_id";
/// Users this device wrote as before its current one, comma-separated.
const FORMER_USERS_KEY: &str = "former_user_ids";

fn meta(t: &Tx<'_, '_>, key: &str) -> Result<Option<String>, CoreError> {
    Ok(t.w
        .transaction()
        .prepare_cached("SELECT value FROM local_meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

fn parse_ids(value: Option<String>) -> Vec<i64> {
    value.unwrap_or_default().split(',').filter_map(|v| v.parse().ok()).collect()
}

fn former_users(t: &Tx<'_, '_>) -> Result<Vec<i64>, CoreError> {
    Ok(parse_ids(meta(t, FORMER_USERS_KEY)?))
}

/// Whose writing this device may edit or delete. Authorship is about
/// accounts: a device nobody signed in to is one person's tool (bundles
/// move work between that person's devices), so it may change anything it
/// holds. A signed-in device changes what its account wrote, or what it
/// wrote itself before signing in; a message without an author predates
/// authors and stays editable.
#[derive(Debug, Clone, Default)]
pub struct Authorship {
    /// This device's user: the account's, or its local one before any sign-in.
    pub user: Option<i64>,
    account: Option<i64>,
    former: Vec<i64>,
}

impl Authorship {
    /// Read from the device's local state.
    pub fn of(store: &vrooli_store::Store) -> Result<Authorship, CoreError> {
        Ok(Authorship {
            user: store.local(LOCAL_USER_KEY)?.and_then(|v| v.parse().ok()),
            account: store.local(ACCOUNT_KEY)?.and_then(|v| v.parse().ok()),
            former: parse_ids(store.local(FORMER_USERS_KEY)?),
        })
    }

    fn in_tx(t: &Tx<'_, '_>) -> Result<Authorship, CoreError> {
        Ok(Authorship {
            user: meta(t, LOCAL_USER_KEY)?.and_then(|v| v.parse().ok()),
            account: meta(t, ACCOUNT_KEY)?.and_then(|v| v.parse().ok()),
            former: former_users(t)?,
        })
    }

    pub fn may_change(&self, author: Option<i64>) -> bool {
        match (author, self.account) {
            (Some(author), Some(account)) => author == account || self.former.contains(&author),
            _ => true,
        }
    }
}

pub(crate) fn may_change(t: &Tx<'_, '_>, author: Option<i64>) -> Result<bool, CoreError> {
    Ok(Authorship::in_tx(t)?.may_change(author))
}

impl Workspace {
    /// Makes the account's user this device's user.
    /// The device's earlier user (the local one it had before any sign-in,
    /// or another account) is remembered, so what it wrote stays its own.
    pub fn adopt_account(&mut self, user_id: i64, email: &str) -> Result<(), CoreError> {
        self.transact(|t| {
            ensure_account_user(t, user_id, email)?;
            let mut former = former_users(t)?;
            if let Some(previous) = meta(t, LOCAL_USER_KEY)?.and_then(|v| v.parse::<i64>().ok()) {
                if previous != user_id && !former.contains(&previous) {
                    former.push(previous);
                }
            }
            let former = former.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            let mut put =
                t.w.transaction().prepare_cached("INSERT OR REPLACE INTO local_meta (key, value) VALUES (?1, ?2)")?;
            put.execute(params![LOCAL_USER_KEY, user_id.to_string()])?;
            put.execute(params![ACCOUNT_KEY, user_id.to_string()])?;
            put.execute(params![FORMER_USERS_KEY, former])?;
            Ok(())
        })
    }

    /// Writes the account's teams, members and the invites addressed to it.
    /// Members who left are removed; the teams themselves stay, so documents
    /// already here keep their rows.
    pub fn apply_teams(&mut self, me: i64, teams: &[wire::Team], invites: &[wire::Invite]) -> Result<(), CoreError> {
        self.transact(|t| {
            for team in teams {
                let team_id = parse(&team.id, "team")?;
                put_team(t, team_id, &team.name, team.created_at)?;
                let mut present = HashSet::new();
                for member in &team.members {
                    let user = parse(&member.user_id, "user")?;
                    ensure_account_user(t, user, &member.email)?;
                    let id = derived_id("member", team_id, user);
                    present.insert(id);
                    let at = millis(member.joined_at);
                    let row = MemberRow {
                        id,
                        public_id: derived_public_id("member", id),
                        created_at: at,
                        updated_at: at,
                        is_admin: member.is_admin,
                        permissions: Some(member_permissions(member.is_admin)),
                        team_id,
                        user_id: user,
                    };
                    t.w.put_row(MemberRow::TABLE, row.into_values())?;
                }
                for stale in t.ids_where("member", "teamId", team_id)? {
                    if !present.contains(&stale) {
                        t.w.delete_if_exists(MemberRow::TABLE, stale)?;
                    }
                }
            }
            // This account's memberships in teams the server no longer lists are gone.
            let listed: HashSet<i64> = teams.iter().filter_map(|team| team.id.parse().ok()).collect();
            for member in t.ids_where("member", "userId", me)? {
                let row = t.w.get_row(MemberRow::TABLE, member)?;
                let team = row.as_deref().and_then(|r| int(MemberRow::TABLE, r, "teamId"));
                if team.is_some_and(|team| !listed.contains(&team)) {
                    t.w.delete_if_exists(MemberRow::TABLE, member)?;
                }
            }
            let mut pending = HashSet::new();
            for invite in invites {
                let team_id = parse(&invite.team_id, "team")?;
                put_team(t, team_id, &invite.team_name, invite.created_at)?;
                let id = derived_id("member_invite", team_id, me);
                pending.insert(id);
                let at = millis(invite.created_at);
                let row = MemberInvite {
                    id,
                    created_at: at,
                    updated_at: at,
                    status: InviteStatus::Pending,
                    will_be_admin: invite.will_be_admin,
                    will_have_permissions: Some(member_permissions(invite.will_be_admin)),
                    team_id,
                    user_id: me,
                    ..Default::default()
                };
                t.w.put_row(MemberInvite::TABLE, row.into_values())?;
            }
            for stale in t.ids_where("member_invite", "userId", me)? {
                if !pending.contains(&stale) {
                    t.w.delete_if_exists(MemberInvite::TABLE, stale)?;
                }
            }
            Ok(())
        })
    }

    /// The team a document belongs to, if any (read from its projected rows);
    /// the sync server files it under that team, else under the user.
    pub fn document_team(&self, id: &DocId) -> Result<Option<i64>, CoreError> {
        let (table, row_id, column) = match *id {
            DocId::Chat(chat) | DocId::Messages { chat, .. } => (Chat::TABLE, chat, "teamId"),
            DocId::Resource(resource) => (Resource::TABLE, resource, "ownedByTeamId"),
            DocId::Run(run) => (Run::TABLE, run, "teamId"),
        };
        Ok(self.store.get_row(table.name, row_id)?.and_then(|row| int(table, &row, column)))
    }
}
