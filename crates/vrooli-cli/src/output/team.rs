//! What `vrooli team …` prints.

use std::fmt::{self, Display};

use serde::Serialize;
use vrooli_protocol::wire::{Invite, Team};

#[derive(Serialize)]
pub struct TeamList(pub Vec<Team>);

impl Display for TeamList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return writeln!(f, "no teams");
        }
        for team in &self.0 {
            writeln!(f, "{}  {}", team.id, team.name)?;
            for m in &team.members {
                writeln!(f, "  {} {}{}", m.user_id, m.email, if m.is_admin { " (admin)" } else { "" })?;
            }
            for i in &team.invites {
                writeln!(f, "  invited: {}{}", i.email, if i.will_be_admin { " (as admin)" } else { "" })?;
            }
        }
        Ok(())
    }
}

#[derive(Serialize)]
pub struct InviteList(pub Vec<Invite>);

impl Display for InviteList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return writeln!(f, "no pending invites");
        }
        for i in &self.0 {
            writeln!(f, "{}  {} (invited by {})", i.team_id, i.team_name, i.invited_by)?;
        }
        Ok(())
    }
}
