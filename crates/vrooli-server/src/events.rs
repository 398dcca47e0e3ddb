//! Live events: the WebSocket at [`EVENTS_PATH`] tells a connected device at
//! once that documents it may read changed, that its teams changed, or that
//! its session ended.
//!
//! Something happens ([`Notice`]) → with one process (SQLite) it is
//! delivered straight to this node's [`Hub`]; with PostgreSQL it is
//! NOTIFYed, and every node (this one too) hears it on its LISTEN
//! connection and delivers it to the devices connected to it. A node works
//! out by itself who may read a changed document, from the database, so a
//! payload carries ids only.
//!
//! Events are a hint to sync now, never the data: a device that missed one
//! (it was offline, a node lost its LISTEN connection for a moment) still
//! gets every change from its next sync by cursor.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use vrooli_protocol::wire::Event;

use crate::auth::now_millis;
use crate::db::{Caller, Listener};
use crate::error::ApiError;
use crate::routes::Authed;
use crate::AppState;

pub use vrooli_protocol::wire::EVENTS_PATH;

/// Events queued for one socket; a device that falls this far behind is
/// disconnected (it reconnects and syncs).
const QUEUE: usize = 64;
/// Sockets one device may hold open at once.
const SOCKETS_PER_DEVICE: usize = 4;
/// How often an idle socket is pinged, so dead peers are noticed.
const PING_EVERY: Duration = Duration::from_secs(30);
/// A NOTIFY payload must stay under 8000 bytes.
const MAX_PAYLOAD: usize = 7_000;

/// Something devices should hear about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A sync by device `origin` stored new states of these documents.
    Docs { origin: i64, docs: Vec<String> },
    /// Team membership or invites changed for these accounts (by device `origin`).
    Teams { origin: i64, accounts: Vec<i64> },
    /// The device's session ended.
    SignedOut { device: i64 },
}

impl Notice {
    /// As NOTIFY (channel, payload)s: `ORIGIN ID ID …`, split to fit.
    fn encode(&self) -> Vec<(&'static str, String)> {
        fn chunks(channel: &'static str, origin: i64, ids: &[String]) -> Vec<(&'static str, String)> {
            let mut out = Vec::new();
            let mut payload = origin.to_string();
            for id in ids {
                if payload.len() + 1 + id.len() > MAX_PAYLOAD {
                    out.push((channel, std::mem::replace(&mut payload, origin.to_string())));
                }
                payload.push(' ');
                payload.push_str(id);
            }
            out.push((channel, payload));
            out
        }
        match self {
            Notice::Docs { origin, docs } => chunks("vrooli_docs", *origin, docs),
            Notice::Teams { origin, accounts } => {
                chunks("vrooli_teams", *origin, &accounts.iter().map(i64::to_string).collect::<Vec<_>>())
            }
            Notice::SignedOut { device } => vec![("vrooli_signout", device.to_string())],
        }
    }

    fn decode(channel: &str, payload: &str) -> Option<Notice> {
        let mut words = payload.split(' ');
        let first: i64 = words.next()?.parse().ok()?;
        match channel {
            "vrooli_docs" => Some(Notice::Docs { origin: first, docs: words.map(str::to_string).collect() }),
            "vrooli_teams" => {
                Some(Notice::Teams { origin: first, accounts: words.filter_map(|w| w.parse().ok()).collect() })
            }
            "vrooli_signout" => Some(Notice::SignedOut { device: first }),
            _ => None,
        }
    }
}

struct Socket {
    id: u64,
    device: i64,
    tx: mpsc::Sender<Event>,
}

/// The sockets connected to this node, by account.
#[derive(Default)]
pub struct Hub {
    accounts: Mutex<HashMap<i64, Vec<Socket>>>,
    next_id: AtomicU64,
}

impl Hub {
    fn register(&self, caller: &Caller) -> Option<(u64, mpsc::Receiver<Event>)> {
        let mut accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        let sockets = accounts.entry(caller.user_id).or_default();
        if sockets.iter().filter(|s| s.device == caller.device_id).count() >= SOCKETS_PER_DEVICE {
            return None;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(QUEUE);
        sockets.push(Socket { id, device: caller.device_id, tx });
        Some((id, rx))
    }

    fn unregister(&self, account: i64, id: u64) {
        let mut accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(sockets) = accounts.get_mut(&account) {
            sockets.retain(|s| s.id != id);
            if sockets.is_empty() {
                accounts.remove(&account);
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.accounts.lock().unwrap_or_else(|p| p.into_inner()).is_empty()
    }

    /// Queues `event(socket)` on every socket of `account` it returns one
    /// for; a socket whose queue is full or gone is dropped (it closes).
    fn send(&self, account: i64, event: impl Fn(&Socket) -> Option<Event>) {
        let mut accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        let Some(sockets) = accounts.get_mut(&account) else { return };
        sockets.retain(|s| match event(s) {
            Some(e) => s.tx.try_send(e).is_ok(),
            None => true,
        });
        if sockets.is_empty() {
            accounts.remove(&account);
        }
    }

    /// Tells a device's sockets it is signed out; they close after that.
    fn sign_out(&self, device: i64) {
        let mut accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        for sockets in accounts.values_mut() {
            sockets.retain(|s| {
                if s.device == device {
                    let _ = s.tx.try_send(Event::SignedOut);
                    return false;
                }
                true
            });
        }
        accounts.retain(|_, sockets| !sockets.is_empty());
    }

    /// Closes every socket (the server is stopping).
    pub fn close_all(&self) {
        self.accounts.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// Tells every node; with a single-process backend, delivers here.
pub async fn publish(state: &AppState, notice: Notice) {
    let mut told = true;
    for (channel, payload) in notice.encode() {
        match state.db.notify(channel, &payload).await {
            Ok(sent) => told &= sent,
            Err(e) => {
                // The change itself is stored; devices pick it up at their next sync.
                tracing::warn!(error = %e, channel, "could not notify other nodes");
                told = false;
                break;
            }
        }
    }
    if !told {
        deliver(state, notice).await;
    }
}

/// Sends a notice to the sockets connected to this node.
async fn deliver(state: &AppState, notice: Notice) {
    let hub = &state.hub;
    match notice {
        Notice::Docs { origin, docs } => {
            if hub.is_empty() || docs.is_empty() {
                return;
            }
            let readers = match state.db.readers(docs).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "could not work out who may read changed documents");
                    return;
                }
            };
            // Per account: the documents it may read, and the newest change
            // among them (a device whose sync cursor is already there has them).
            let mut by_account: HashMap<i64, (Vec<String>, i64)> = HashMap::new();
            for doc in readers {
                for account in doc.accounts {
                    let entry = by_account.entry(account).or_default();
                    entry.0.push(doc.id.clone());
                    entry.1 = entry.1.max(doc.seq);
                }
            }
            for (account, (docs, cursor)) in by_account {
                let cursor = cursor.max(0) as u64;
                hub.send(account, |s| (s.device != origin).then(|| Event::Changed { docs: docs.clone(), cursor }));
            }
        }
        Notice::Teams { origin, accounts } => {
            for account in accounts {
                hub.send(account, |s| (s.device != origin).then_some(Event::TeamsChanged));
            }
        }
        Notice::SignedOut { device } => hub.sign_out(device),
    }
}

/// Delivers what every node NOTIFYs, reconnecting when the LISTEN connection drops.
pub async fn relay(state: Arc<AppState>, mut listener: Listener) {
    loop {
        while let Some((channel, payload)) = listener.recv().await {
            match Notice::decode(&channel, &payload) {
                Some(notice) => deliver(&state, notice).await,
                None => tracing::warn!(channel, "ignored a malformed notification"),
            }
        }
        tracing::warn!("lost the LISTEN connection; reconnecting");
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            match state.db.listen().await {
                Ok(Some(l)) => {
                    listener = l;
                    tracing::info!("listening for other nodes' notifications again");
                    break;
                }
                Ok(None) => return,
                Err(e) => tracing::warn!(error = %e, "reconnecting the LISTEN connection failed"),
            }
        }
    }
}

/// `GET /v1/events`: upgrades to a WebSocket for the device of the bearer
/// token (401 without a live one).
///
/// The socket joins the hub before the upgrade is answered, so every change
/// made after the device sees its socket open reaches it (queued until the
/// upgrade completes); the registration leaves the hub when dropped, also
/// if the upgrade never happens.
pub async fn socket(
    State(state): State<Arc<AppState>>,
    Authed(caller): Authed,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let Some((id, rx)) = state.hub.register(&caller) else {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("at most {SOCKETS_PER_DEVICE} event sockets per device"),
        ));
    };
    let registration = Registration { state, account: caller.user_id, id };
    // Devices send nothing but control frames: small frames only.
    Ok(upgrade.max_message_size(4096).max_frame_size(4096).on_upgrade(move |ws| async move {
        let _registration = registration;
        run(ws, &caller, rx).await;
    }))
}

/// A socket's place in the hub, given up on drop.
struct Registration {
    state: Arc<AppState>,
    account: i64,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.state.hub.unregister(self.account, self.id);
    }
}

async fn run(ws: WebSocket, caller: &Caller, mut rx: mpsc::Receiver<Event>) {
    tracing::debug!(device = caller.device_id, "events socket open");
    let (mut sink, mut stream) = ws.split();
    let left = u64::try_from(caller.expires_at - now_millis()).unwrap_or(0);
    let expiry = tokio::time::sleep(Duration::from_millis(left));
    tokio::pin!(expiry);
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.reset();
    let close = loop {
        tokio::select! {
            event = rx.recv() => {
                // `None`: the hub dropped this socket (queue full, server stopping).
                let Some(event) = event else { break (1001, "reconnect") };
                let signed_out = event == Event::SignedOut;
                if send(&mut sink, &event).await.is_err() {
                    return;
                }
                if signed_out {
                    break (1000, "signed out");
                }
            }
            () = &mut expiry => {
                let _ = send(&mut sink, &Event::SignedOut).await;
                break (1000, "session expired");
            }
            _ = ping.tick() => {
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    return;
                }
            }
            message = stream.next() => match message {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                // Pongs are answered by the library; anything else is ignored.
                Some(Ok(_)) => {}
            },
        }
    };
    let (code, reason) = close;
    let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
    tracing::debug!(device = caller.device_id, reason, "events socket closed");
}

async fn send(
    sink: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    event: &Event,
) -> Result<(), axum::Error> {
    match serde_json::to_string(event) {
        Ok(text) => sink.send(Message::Text(text.into())).await,
        Err(e) => {
            tracing::error!(error = %e, "could not encode an event");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_round_trip_and_fit_a_notify() {
        let docs: Vec<String> = (1..2_000).map(|i| format!("messages:{i}:477000")).collect();
        let notice = Notice::Docs { origin: 42, docs: docs.clone() };
        let encoded = notice.encode();
        assert!(encoded.len() > 1);
        let mut back = Vec::new();
        for (channel, payload) in &encoded {
            assert!(payload.len() < 8000);
            match Notice::decode(channel, payload) {
                Some(Notice::Docs { origin: 42, docs }) => back.extend(docs),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(back, docs);
        for n in [Notice::Teams { origin: 1, accounts: vec![2, 3] }, Notice::SignedOut { device: 9 }] {
            let (channel, payload) = n.encode().remove(0);
            assert_eq!(Notice::decode(channel, &payload), Some(n));
        }
        assert_eq!(Notice::decode("vrooli_docs", "x chat:1"), None);
    }
}
