//! The account, its devices and its teams as the UI shows them. Devices, teams and invites come
//! from the server's answers (`vrooli_protocol::wire`); the account from this data dir's
//! `local_meta`. Times are the stored UTC text, like every other time the UI gets.

use serde::Serialize;
use specta::Type;
use vrooli_client::sync::keys;
use vrooli_core::{CoreError, Workspace};
use vrooli_model::Timestamp;
use vrooli_protocol::wire::{Device, Invite, Team};

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    /// Background sync runs as this account.
    pub signed_in: bool,
    /// The last server and email, kept after signing out to prefill the form.
    pub server: Option<String>,
    pub email: Option<String>,
    pub user_id: Option<String>,
    /// This device's id on the server.
    pub device_id: Option<String>,
    /// Documents with changes the server has not acknowledged.
    pub pending_changes: u32,
}

impl AccountView {
    pub fn of(ws: &Workspace, signed_in: bool) -> Result<Self, CoreError> {
        let get = |key| ws.store().local(key).map_err(CoreError::from);
        Ok(Self {
            signed_in,
            server: get(keys::SERVER)?,
            email: get(keys::EMAIL)?,
            user_id: get(keys::USER)?.filter(|_| signed_in),
            device_id: get(keys::DEVICE)?.filter(|_| signed_in),
            pending_changes: u32::try_from(ws.pending_documents()?).unwrap_or(u32::MAX),
        })
    }
}

/// Unix milliseconds (the wire's times) as stored UTC text.
fn time(millis: i64) -> String {
    Timestamp::from_micros(millis.saturating_mul(1000)).to_string()
}

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeviceView {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub revoked: bool,
    /// This device.
    pub current: bool,
}

impl From<Device> for DeviceView {
    fn from(d: Device) -> Self {
        Self {
            id: d.id,
            name: d.name,
            created_at: time(d.created_at),
            last_seen_at: time(d.last_seen_at),
            revoked: d.revoked,
            current: d.current,
        }
    }
}

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    pub user_id: String,
    pub email: String,
    pub is_admin: bool,
    /// The signed-in account.
    pub is_me: bool,
}

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct InviteView {
    pub team_id: String,
    pub team_name: String,
    pub email: String,
    pub will_be_admin: bool,
    pub invited_by: String,
    pub created_at: String,
}

impl From<Invite> for InviteView {
    fn from(i: Invite) -> Self {
        Self {
            team_id: i.team_id,
            team_name: i.team_name,
            email: i.email,
            will_be_admin: i.will_be_admin,
            invited_by: i.invited_by,
            created_at: time(i.created_at),
        }
    }
}

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TeamView {
    pub id: String,
    pub name: String,
    pub created_at: String,
    /// Admins first, then by email.
    pub members: Vec<MemberView>,
    /// Pending invites (the server shows them to admins only).
    pub invites: Vec<InviteView>,
    /// The signed-in account administers this team (may invite and remove members).
    pub i_am_admin: bool,
}

/// The account's teams and the invites addressed to it.
#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TeamsView {
    pub teams: Vec<TeamView>,
    pub invites: Vec<InviteView>,
}

impl TeamsView {
    pub fn new(me: &str, teams: Vec<Team>, invites: Vec<Invite>) -> Self {
        let mut teams: Vec<TeamView> = teams
            .into_iter()
            .map(|team| {
                let i_am_admin = team.members.iter().any(|m| m.user_id == me && m.is_admin);
                let mut members: Vec<MemberView> = team
                    .members
                    .into_iter()
                    .map(|m| MemberView {
                        is_me: m.user_id == me,
                        user_id: m.user_id,
                        email: m.email,
                        is_admin: m.is_admin,
                    })
                    .collect();
                members.sort_by(|a, b| b.is_admin.cmp(&a.is_admin).then_with(|| a.email.cmp(&b.email)));
                TeamView {
                    id: team.id,
                    name: team.name,
                    created_at: time(team.created_at),
                    members,
                    invites: team.invites.into_iter().map(InviteView::from).collect(),
                    i_am_admin,
                }
            })
            .collect();
        teams.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then_with(|| a.id.cmp(&b.id)));
        Self { teams, invites: invites.into_iter().filter(|i| i.status == "Pending").map(InviteView::from).collect() }
    }
}

#[cfg(test)]
mod tests {
    use vrooli_protocol::wire::Member;

    use super::*;

    fn member(user: &str, email: &str, admin: bool) -> Member {
        Member { user_id: user.into(), email: email.into(), is_admin: admin, joined_at: 0 }
    }

    #[test]
    fn admins_come_first_and_i_am_marked() {
        let team = Team {
            id: "7".into(),
            name: "Crew".into(),
            created_at: 1_700_000_000_000,
            members: vec![member("2", "b@x.org", false), member("1", "me@x.org", true), member("3", "a@x.org", false)],
            invites: Vec::new(),
        };
        let view = TeamsView::new("1", vec![team], Vec::new());
        let emails: Vec<&str> = view.teams[0].members.iter().map(|m| m.email.as_str()).collect();
        assert_eq!(emails, ["me@x.org", "a@x.org", "b@x.org"]);
        assert!(view.teams[0].i_am_admin && view.teams[0].members[0].is_me);
        assert_eq!(view.teams[0].created_at, "2023-11-14T22:13:20.000000Z");

        let view = TeamsView::new("2", view_source(), Vec::new());
        assert!(!view.teams[0].i_am_admin, "a plain member is no admin");
    }

    fn view_source() -> Vec<Team> {
        vec![Team {
            id: "7".into(),
            name: "Crew".into(),
            created_at: 0,
            members: vec![member("2", "b@x.org", false)],
            invites: Vec::new(),
        }]
    }

    #[test]
    fn only_pending_invites_are_mine_to_answer() {
        let invite = |status: &str| Invite {
            team_id: "7".into(),
            team_name: "Crew".into(),
            email: "me@x.org".into(),
            will_be_admin: false,
            status: status.into(),
            invited_by: "boss@x.org".into(),
            created_at: 0,
        };
        let view = TeamsView::new("1", Vec::new(), vec![invite("Pending"), invite("Declined")]);
        assert_eq!(view.invites.len(), 1);
    }
}
