//! What travels over HTTP, as JSON. Ids are strings (64-bit values survive
//! JavaScript); Automerge sync messages are base64.

use serde::{Deserialize, Serialize};

/// `POST /v1/accounts/register` and `/v1/accounts/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    pub email: String,
    pub password: String,
    /// A name for the device, shown in the list of devices.
    pub device_name: String,
}

/// A new device session. The token is shown once and stored only hashed.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub token: String,
    pub user_id: String,
    pub device_id: String,
    pub email: String,
    /// Unix milliseconds.
    pub expires_at: i64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("token", &"[redacted]")
            .field("user_id", &self.user_id)
            .field("device_id", &self.device_id)
            .field("email", &self.email)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// `GET /v1/account`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub user_id: String,
    pub email: String,
    pub device_id: String,
}

/// One of `GET /v1/devices`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub revoked: bool,
    /// The device making the request.
    pub current: bool,
}

/// Who a document belongs to; the server authorises every access by it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "id")]
pub enum Owner {
    User(String),
    Team(String),
}

/// One document's sync message.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocMessage {
    pub doc_id: String,
    /// Base64 of an Automerge sync message.
    pub message: String,
    /// Required the first time a client offers a document the server lacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
}

/// `POST /v1/sync`: messages for many documents at once.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncRequest {
    /// The `cursor` of the previous response; none on a fresh device.
    #[serde(default)]
    pub cursor: Option<u64>,
    pub docs: Vec<DocMessage>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncResponse {
    /// The server's answers.
    pub docs: Vec<DocMessage>,
    /// Other documents this device may read that changed since `cursor`:
    /// the client syncs them next.
    pub changed: Vec<String>,
    /// Documents of the request this device may not access: drop them.
    #[serde(default)]
    pub denied: Vec<String>,
    pub cursor: u64,
}

/// Every error response body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable, machine-readable: `unauthorized`, `locked`, `rate_limited`, `invalid`, …
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

pub fn encode_message(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn decode_message(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// `POST /v1/teams`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewTeam {
    pub name: String,
}

/// A team as its members see it (`GET /v1/teams`), to write into the local
/// `team`, `member` and `member_invite` tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub members: Vec<Member>,
    /// Pending invites (admins see them all; others see none).
    pub invites: Vec<Invite>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub user_id: String,
    pub email: String,
    pub is_admin: bool,
    pub joined_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invite {
    pub team_id: String,
    pub team_name: String,
    pub email: String,
    pub will_be_admin: bool,
    /// `Pending`, `Accepted` or `Declined` (the model's InviteStatus).
    pub status: String,
    pub invited_by: String,
    pub created_at: i64,
}

/// `POST /v1/teams/{id}/invites`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewInvite {
    pub email: String,
    #[serde(default)]
    pub admin: bool,
}

/// Path of the WebSocket that tells a connected device at once which
/// documents changed. The upgrade request carries `Authorization: Bearer`.
pub const EVENTS_PATH: &str = "/v1/events";

/// One message on the events WebSocket (JSON text frames), server → device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum Event {
    /// Documents this device may read changed (by another device); sync them.
    Changed { docs: Vec<String>, cursor: u64 },
    /// Team membership or invites changed for this account; refresh teams.
    TeamsChanged,
    /// The device's session ended (revoked or expired); the socket closes next.
    SignedOut,
}
