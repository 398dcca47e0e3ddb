//! What `vrooli account …` and `vrooli sync` print.

use std::fmt::{self, Display};
use std::time::UNIX_EPOCH;

use serde::Serialize;
use vrooli_client::sync::{keys, SyncReport};
use vrooli_client::SyncStatus;
use vrooli_core::Workspace;
use vrooli_model::Timestamp;
use vrooli_protocol::wire::Device;

use super::{one_line, print_str, CliError};

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
    /// Documents with changes the server has not acknowledged.
    pub pending_changes: usize,
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
            pending_changes: ws.pending_documents()?,
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
        let last = self.last_sync_at.as_deref().and_then(|ms| ms.parse::<i64>().ok()).map(millis_text);
        writeln!(f, "last sync: {}", show(&last))?;
        writeln!(f, "documents: {}", self.documents)?;
        writeln!(f, "pending:   {} document(s) with changes not on the server yet", self.pending_changes)
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
    /// Documents still holding changes the server has not acknowledged
    /// (changed while syncing, or refused by the server).
    pub pending: usize,
}

impl From<SyncReport> for SyncDone {
    fn from(r: SyncReport) -> Self {
        SyncDone {
            rounds: r.rounds,
            documents: r.documents,
            received: r.received,
            bytes_sent: r.bytes_sent,
            bytes_received: r.bytes_received,
            pending: r.pending,
        }
    }
}

impl Display for SyncDone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "synced {} documents in {} rounds ({} updated here, {} B sent, {} B received)",
            self.documents, self.rounds, self.received, self.bytes_sent, self.bytes_received
        )?;
        if self.pending > 0 {
            writeln!(f, "{} document(s) still have changes the server has not acknowledged", self.pending)?;
        }
        Ok(())
    }
}

fn millis_text(ms: i64) -> String {
    Timestamp::from_micros(ms.saturating_mul(1000)).to_string()
}

/// One line of `vrooli sync --watch --json`.
#[derive(Serialize, PartialEq)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum StatusLine {
    #[serde(rename_all = "camelCase")]
    Offline {
        retry_in_ms: u64,
    },
    Syncing {
        done: usize,
        total: usize,
        bytes: usize,
    },
    Synced {
        at: String,
    },
    Error {
        code: String,
        message: String,
    },
}

impl From<&SyncStatus> for StatusLine {
    fn from(status: &SyncStatus) -> Self {
        match status {
            SyncStatus::Offline { retry_in } => {
                StatusLine::Offline { retry_in_ms: u64::try_from(retry_in.as_millis()).unwrap_or(u64::MAX) }
            }
            SyncStatus::Syncing { done, total, bytes } => {
                StatusLine::Syncing { done: *done, total: *total, bytes: *bytes }
            }
            SyncStatus::Synced { at } => {
                let ms = at.duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
                StatusLine::Synced { at: millis_text(i64::try_from(ms).unwrap_or(i64::MAX)) }
            }
            SyncStatus::Error { code, message } => StatusLine::Error { code: code.clone(), message: message.clone() },
        }
    }
}

impl Display for StatusLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusLine::Offline { retry_in_ms } => {
                write!(f, "offline: the server cannot be reached; retrying in {:.1} s", *retry_in_ms as f64 / 1000.0)
            }
            StatusLine::Syncing { done, total, bytes } => write!(f, "syncing: {done}/{total} documents, {bytes} B"),
            StatusLine::Synced { at } => write!(f, "synced at {at}"),
            StatusLine::Error { code, message } => write!(f, "error ({code}): {}", one_line(message, 200)),
        }
    }
}

/// Prints watch statuses, one line per change. Being synced again after a
/// quiet check is no change worth a line.
#[derive(Default)]
pub struct StatusShown {
    last: Option<StatusLine>,
}

impl StatusShown {
    pub fn show(&mut self, json: bool, status: &SyncStatus) -> Result<(), CliError> {
        let line = StatusLine::from(status);
        let same = match (&self.last, &line) {
            (Some(StatusLine::Synced { .. }), StatusLine::Synced { .. }) => true,
            (Some(last), line) => last == line,
            (None, _) => false,
        };
        if same {
            return Ok(());
        }
        let mut text = if json { serde_json::to_string(&line)? } else { line.to_string() };
        text.push('\n');
        self.last = Some(line);
        print_str(&text)
    }
}
