//! What `vrooli account …` and `vrooli sync` print.

use std::fmt::{self, Display};

use serde::Serialize;
use vrooli_client::sync::{keys, SyncReport};
use vrooli_core::Workspace;
use vrooli_protocol::wire::Device;

use super::CliError;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountStatus {
    pub signed_in: bool,
    pub server: Option<String>,
    pub email: Option<String>,
    pub user_id: Option<String>,
    pub device_id: Option<String>,
    /// Unix milliseconds of the last completed sync.
    pub last_sync_at: Option<String>,
    pub documents: usize,
}

impl AccountStatus {
    pub fn of(ws: &Workspace, signed_in: bool) -> Result<Self, CliError> {
        let get = |key| ws.store().local(key).map_err(CliError::from);
        Ok(AccountStatus {
            signed_in,
            server: get(keys::SERVER)?,
            email: get(keys::EMAIL)?,
            user_id: get(keys::USER)?,
            device_id: get(keys::DEVICE)?,
            last_sync_at: get(keys::LAST_SYNC)?,
            documents: ws.documents()?.len(),
        })
    }
}

impl Display for AccountStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        writeln!(f, "signed in: {}", if self.signed_in { "yes" } else { "no" })?;
        writeln!(f, "server:    {}", show(&self.server))?;
        writeln!(f, "email:     {}", show(&self.email))?;
        writeln!(f, "device:    {}", show(&self.device_id))?;
        writeln!(f, "last sync: {}", show(&self.last_sync_at))?;
        writeln!(f, "documents: {}", self.documents)
    }
}

#[derive(Serialize)]
pub struct DeviceList(pub Vec<Device>);

impl Display for DeviceList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            let state = if d.revoked {
                "revoked"
            } else if d.current {
                "this device"
            } else {
                "signed in"
            };
            writeln!(f, "{:>20}  {:<24} {}", d.id, d.name, state)?;
        }
        Ok(())
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncDone {
    pub rounds: usize,
    pub documents: usize,
    pub received: usize,
    pub bytes_sent: usize,
    pub bytes_received: usize,
}

impl From<SyncReport> for SyncDone {
    fn from(r: SyncReport) -> Self {
        SyncDone {
            rounds: r.rounds,
            documents: r.documents,
            received: r.received,
            bytes_sent: r.bytes_sent,
            bytes_received: r.bytes_received,
        }
    }
}

impl Display for SyncDone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "synced {} documents in {} rounds ({} updated here, {} B sent, {} B received)",
            self.documents, self.rounds, self.received, self.bytes_sent, self.bytes_received
        )
    }
}
