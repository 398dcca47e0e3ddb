//! The server's HTTP API, typed. Errors carry the server's stable code.

use std::time::Duration;

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::Serialize;
use vrooli_protocol::wire::{
    Account, Credentials, Device, ErrorBody, Invite, NewInvite, NewTeam, Session, SyncRequest, SyncResponse, Team,
    EVENTS_PATH,
};

use crate::secret::Token;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach {server}: {reason}")]
    Unreachable { server: String, reason: String },
    /// The server answered with an error body.
    #[error("{message}")]
    Server { status: u16, code: String, message: String, field: Option<String> },
    #[error("the server's answer could not be read: {0}")]
    Decode(String),
    #[error("invalid server address {0:?}: expected http://host:port or https://host")]
    InvalidServer(String),
    #[error("not signed in: run `vrooli account login --server URL --email EMAIL --password-stdin`")]
    SignedOut,
    #[error(transparent)]
    Secret(#[from] crate::secret::SecretError),
    #[error(transparent)]
    Core(#[from] vrooli_core::CoreError),
    #[error("sync did not settle after {0} rounds")]
    TooManyRounds(usize),
    /// The server has no events socket (an older server): poll instead.
    #[error("the server does not push changes")]
    PushUnsupported,
    /// The events socket failed after it was open.
    #[error("the events connection to {server} broke: {reason}")]
    Socket { server: String, reason: String },
}

impl ClientError {
    pub fn code(&self) -> &str {
        match self {
            ClientError::Unreachable { .. } => "offline",
            ClientError::Server { code, .. } => code,
            ClientError::Decode(_) => "bad_response",
            ClientError::InvalidServer(_) => "invalid_server",
            ClientError::SignedOut => "signed_out",
            ClientError::Secret(_) => "keyring",
            ClientError::Core(e) => e.code(),
            ClientError::TooManyRounds(_) => "sync_unsettled",
            ClientError::PushUnsupported => "push_unsupported",
            ClientError::Socket { .. } => "offline",
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Server { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A transport error on one line: reqwest's summary and its root cause
/// ("error sending request: Connection refused (os error 111)"), without
/// the URL.
fn transport_reason(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut root: &dyn std::error::Error = &e;
    while let Some(next) = root.source() {
        root = next;
    }
    let (top, cause) = (e.to_string(), root.to_string());
    if cause == top {
        top
    } else {
        format!("{top}: {cause}")
    }
}

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    pub fn new(server: &str) -> Result<Api, ClientError> {
        let base = server.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) || base.len() < 10 {
            return Err(ClientError::InvalidServer(server.to_string()));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| ClientError::InvalidServer(e.to_string()))?;
        Ok(Api { http, base })
    }

    pub fn server(&self) -> &str {
        &self.base
    }

    async fn send<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, ClientError> {
        let response = request
            .send()
            .await
            .map_err(|e| ClientError::Unreachable { server: self.base.clone(), reason: transport_reason(e) })?;
        let status = response.status();
        if status.is_success() {
            if status == StatusCode::NO_CONTENT {
                return serde_json::from_str("null").map_err(|e| ClientError::Decode(e.to_string()));
            }
            return response.json::<T>().await.map_err(|e| ClientError::Decode(e.without_url().to_string()));
        }
        let body = response.json::<ErrorBody>().await.unwrap_or(ErrorBody {
            code: "http".into(),
            message: format!("the server answered {status}"),
            field: None,
        });
        Err(ClientError::Server { status: status.as_u16(), code: body.code, message: body.message, field: body.field })
    }

    fn post(&self, path: &str, body: &impl Serialize, token: Option<&Token>) -> reqwest::RequestBuilder {
        let request = self.http.post(format!("{}{path}", self.base)).json(body);
        match token {
            Some(t) => request.bearer_auth(t.expose()),
            None => request,
        }
    }

    pub async fn register(&self, credentials: &Credentials) -> Result<Session, ClientError> {
        self.send(self.post("/v1/accounts/register", credentials, None)).await
    }

    pub async fn login(&self, credentials: &Credentials) -> Result<Session, ClientError> {
        self.send(self.post("/v1/accounts/login", credentials, None)).await
    }

    pub async fn logout(&self, token: &Token) -> Result<(), ClientError> {
        self.send::<()>(self.post("/v1/accounts/logout", &(), Some(token))).await
    }

    pub async fn account(&self, token: &Token) -> Result<Account, ClientError> {
        self.send(self.http.get(format!("{}/v1/account", self.base)).bearer_auth(token.expose())).await
    }

    pub async fn devices(&self, token: &Token) -> Result<Vec<Device>, ClientError> {
        self.send(self.http.get(format!("{}/v1/devices", self.base)).bearer_auth(token.expose())).await
    }

    pub async fn revoke(&self, token: &Token, device: &str) -> Result<(), ClientError> {
        self.send::<()>(self.http.delete(format!("{}/v1/devices/{device}", self.base)).bearer_auth(token.expose()))
            .await
    }

    pub async fn teams(&self, token: &Token) -> Result<Vec<Team>, ClientError> {
        self.send(self.http.get(format!("{}/v1/teams", self.base)).bearer_auth(token.expose())).await
    }

    pub async fn create_team(&self, token: &Token, name: &str) -> Result<Vec<Team>, ClientError> {
        self.send(self.post("/v1/teams", &NewTeam { name: name.to_string() }, Some(token))).await
    }

    pub async fn invite(&self, token: &Token, team: &str, email: &str, admin: bool) -> Result<Vec<Team>, ClientError> {
        let body = NewInvite { email: email.to_string(), admin };
        self.send(self.post(&format!("/v1/teams/{team}/invites"), &body, Some(token))).await
    }

    pub async fn invites(&self, token: &Token) -> Result<Vec<Invite>, ClientError> {
        self.send(self.http.get(format!("{}/v1/invites", self.base)).bearer_auth(token.expose())).await
    }

    pub async fn answer_invite(&self, token: &Token, team: &str, accept: bool) -> Result<Vec<Team>, ClientError> {
        let verb = if accept { "accept" } else { "decline" };
        self.send(self.post(&format!("/v1/teams/{team}/{verb}"), &(), Some(token))).await
    }

    pub async fn remove_member(&self, token: &Token, team: &str, user: &str) -> Result<(), ClientError> {
        let url = format!("{}/v1/teams/{team}/members/{user}", self.base);
        self.send::<()>(self.http.delete(url).bearer_auth(token.expose())).await
    }

    pub async fn sync(&self, token: &Token, request: &SyncRequest) -> Result<SyncResponse, ClientError> {
        self.send(self.post("/v1/sync", request, Some(token))).await
    }

    /// Opens the events WebSocket ([`EVENTS_PATH`]): an HTTP/1.1 upgrade
    /// carrying `Authorization: Bearer`, made by reqwest so the socket gets
    /// the same TLS as every other request. The request's timeout covers the
    /// handshake only, not the upgraded connection. Returns the connection,
    /// ready for WebSocket frames.
    pub async fn open_events(&self, token: &Token) -> Result<reqwest::Upgraded, ClientError> {
        use tokio_tungstenite::tungstenite::handshake::{client::generate_key, derive_accept_key};
        let key = generate_key();
        let response = self
            .http
            .get(format!("{}{EVENTS_PATH}", self.base))
            .header(reqwest::header::CONNECTION, "Upgrade")
            .header(reqwest::header::UPGRADE, "websocket")
            .header(reqwest::header::SEC_WEBSOCKET_VERSION, "13")
            .header(reqwest::header::SEC_WEBSOCKET_KEY, &key)
            .bearer_auth(token.expose())
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(|e| ClientError::Unreachable { server: self.base.clone(), reason: transport_reason(e) })?;
        let status = response.status();
        if status == StatusCode::SWITCHING_PROTOCOLS {
            let accept = response.headers().get(reqwest::header::SEC_WEBSOCKET_ACCEPT);
            if accept.map(reqwest::header::HeaderValue::as_bytes) != Some(derive_accept_key(key.as_bytes()).as_bytes())
            {
                return Err(ClientError::Decode("the events socket answered with a wrong Sec-WebSocket-Accept".into()));
            }
            return response
                .upgrade()
                .await
                .map_err(|e| ClientError::Socket { server: self.base.clone(), reason: e.without_url().to_string() });
        }
        if matches!(status, StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_IMPLEMENTED) {
            return Err(ClientError::PushUnsupported);
        }
        let body = response.json::<ErrorBody>().await.unwrap_or(ErrorBody {
            code: "http".into(),
            message: format!("the server answered {status}"),
            field: None,
        });
        Err(ClientError::Server { status: status.as_u16(), code: body.code, message: body.message, field: body.field })
    }
}
