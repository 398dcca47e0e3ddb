//! One sync session: exchange every document with the server, round after
//! round, until neither side has anything to send.
//!
//! Each round carries the sync messages of many documents in one request
//! (the server answers them all, and names other documents that changed
//! since this device's cursor), so a fresh device pulls everything in a few
//! large round trips rather than one per document. Every incoming message is
//! merged and projected in its own transaction, so an interrupted session
//! keeps what it got.
//!
//! The workspace sits behind a `std::sync::Mutex` so a UI can keep writing
//! while a session runs: the lock is held for each step on the workspace
//! and never across an `await`. When a session converges, the documents
//! still at the heads the server acknowledged are marked shared
//! ([`Workspace::mark_shared`]); the rest stay pending.
//!
//! A [`Link`] is the sync state of one connection to the server. A one-off
//! `vrooli sync` starts from a fresh one; the background task keeps it
//! between sessions, so a session with nothing new sends nothing but its
//! cursor. After a failed session the link must be [reset](Link::reset):
//! a message may have been lost, and the protocol would wait for its answer.

use std::collections::{BTreeSet, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use vrooli_core::{DocId, Incoming, Workspace};
use vrooli_protocol::limits::{MAX_DOCS_PER_REQUEST, MAX_ROUNDS};
use vrooli_protocol::wire::{decode_message, encode_message, DocMessage, Owner, SyncRequest, SyncResponse};
use vrooli_protocol::Peer;

use crate::api::{Api, ClientError};
use crate::secret::Token;

/// `local_meta` keys of the signed-in account (no secrets).
pub mod keys {
    pub const SERVER: &str = "account.server";
    pub const EMAIL: &str = "account.email";
    pub const USER: &str = "account.userId";
    pub const DEVICE: &str = "account.deviceId";
    pub const CURSOR: &str = "sync.cursor";
    pub const LAST_SYNC: &str = "sync.lastSyncAt";
}

/// Progress of a session, for a progress bar or a status line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub round: usize,
    /// Documents settled (nothing left to send either way) of those known.
    pub done: usize,
    pub total: usize,
    pub bytes_sent: usize,
    pub bytes_received: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub rounds: usize,
    pub documents: usize,
    /// Documents that gained changes on this device.
    pub received: usize,
    pub bytes_sent: usize,
    pub bytes_received: usize,
    /// Documents with changes the server has not acknowledged after the
    /// session (changed meanwhile, or refused by the server).
    pub pending: usize,
}

/// The sync state of one connection to the server.
#[derive(Default)]
pub struct Link {
    peer: Peer,
    /// SQLite's `data_version` when the last session ended: it changes when
    /// another connection (another `vrooli`, the desktop app) commits.
    data_version: Option<i64>,
    /// Documents that gained changes from the server since the last [`Link::take_received`],
    /// including during a session that then failed (what it merged stays merged).
    received: BTreeSet<DocId>,
    /// When a session of this link last brought the teams and invites; `None` makes the next
    /// session fetch them (so does [`TEAMS_MAX_AGE`]).
    teams_at: Option<Instant>,
}

/// How long a link trusts the teams and invites it fetched. The server pushes
/// `TeamsChanged`, so a connected device rarely needs this; it bounds what a missed push
/// costs.
pub const TEAMS_MAX_AGE: Duration = Duration::from_secs(60);

impl Link {
    /// Forgets all sync state: the next session starts from heads.
    pub fn reset(&mut self) {
        self.peer = Peer::default();
        self.teams_at = None;
    }

    /// The teams or invites may have changed (the server said so, or its pushes could have
    /// been missed): the next session fetches them. Other sessions skip those two requests.
    pub fn teams_changed(&mut self) {
        self.teams_at = None;
    }

    /// The server says these documents changed (a push): whatever this link believed the
    /// server held of them is out of date, so the next session asks about each again rather
    /// than skipping it as settled.
    pub fn server_changed(&mut self, docs: &[String]) {
        for doc in docs {
            self.peer.forget(doc);
        }
    }

    /// The documents that gained changes from the server since the last call, so a UI can
    /// refresh what shows them.
    pub fn take_received(&mut self) -> Vec<DocId> {
        std::mem::take(&mut self.received).into_iter().collect()
    }
}

/// Documents per request while a round has many: small enough that the first answer comes
/// soon and the pipeline stays full, large enough that per-request work (authorisation, the
/// changed-documents query) stays small beside the documents'.
pub const PIPELINE_CHUNK: usize = 50;

/// Requests of a round in flight at once. Preparing an answer (loading the whole documents a
/// fresh device receives) costs about twice what merging it does, so with one request ahead
/// the merging thread waited for each answer half the time; two keep both cores busy. Measured
/// on a fresh device's pull of 1,000 documents (sync bench): 6.1 s with one, 4.3 s with two,
/// 4.2 s with three.
pub const PIPELINE_DEPTH: usize = 2;

/// A round's messages as requests: at least one (an empty one still brings `changed`).
fn requests(outgoing: Vec<DocMessage>) -> Vec<Vec<DocMessage>> {
    if outgoing.is_empty() {
        return vec![Vec::new()];
    }
    let chunk = PIPELINE_CHUNK.min(MAX_DOCS_PER_REQUEST);
    let mut outgoing = outgoing.into_iter().peekable();
    let mut requests = Vec::new();
    while outgoing.peek().is_some() {
        requests.push(outgoing.by_ref().take(chunk).collect());
    }
    requests
}

/// A server's answer, its documents' messages decoded and the whole documents among them
/// loaded ([`Incoming::prepared`]), in merge order (headers first, so the workspace files
/// message buckets under their chat).
struct Answer {
    docs: Vec<Incoming>,
    bytes: usize,
    denied: Vec<String>,
    changed: Vec<String>,
    cursor: u64,
}

impl Answer {
    fn prepare(response: SyncResponse) -> Result<Answer, ClientError> {
        let mut docs = Vec::with_capacity(response.docs.len());
        let mut bytes = 0;
        for answer in response.docs {
            let id: DocId = answer.doc_id.parse()?;
            let message = decode_message(&answer.message)
                .ok_or_else(|| ClientError::Decode(format!("{id}: message is not base64")))?;
            bytes += message.len();
            docs.push(Incoming::prepared(id, message));
        }
        docs.sort_by_key(|doc| (doc.id.merge_rank(), doc.id));
        Ok(Answer { docs, bytes, denied: response.denied, changed: response.changed, cursor: response.cursor })
    }
}

/// A sync request running on a task of its own, so it makes progress (on a multi-threaded
/// runtime) while the session merges the previous answer; its answer is prepared on a
/// blocking thread, so loading the documents it brings overlaps that merge too. Dropped
/// unanswered (the session failed or was cancelled), it is aborted, as an awaited request
/// would have been.
struct InFlight(tokio::task::JoinHandle<Result<Answer, ClientError>>);

impl InFlight {
    async fn answer(mut self) -> Result<Answer, ClientError> {
        match (&mut self.0).await {
            Ok(answer) => answer,
            Err(e) => Err(ClientError::Decode(format!("the sync request's task ended: {e}"))),
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn send(api: &Api, token: &Token, request: SyncRequest) -> InFlight {
    let (api, token) = (api.clone(), token.clone());
    InFlight(tokio::spawn(async move {
        let response = api.sync(&token, &request).await?;
        tokio::task::spawn_blocking(move || Answer::prepare(response))
            .await
            .map_err(|e| ClientError::Decode(format!("preparing the sync answer: {e}")))?
    }))
}

/// Locks the workspace. A panic in another holder cannot leave it half
/// written (every write is one transaction), so a poisoned lock is used as is.
pub fn lock(ws: &Mutex<Workspace>) -> MutexGuard<'_, Workspace> {
    ws.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// SQLite's counter of commits by other connections to this database.
pub fn data_version(ws: &Workspace) -> Option<i64> {
    ws.store().connection().pragma_query_value(None, "data_version", |r| r.get(0)).ok()
}

/// Syncs everything this device may hold with the server, as `user`, from
/// a fresh link.
pub async fn sync_once(
    ws: &Mutex<Workspace>,
    api: &Api,
    token: &Token,
    user: &str,
    progress: impl FnMut(Progress),
) -> Result<SyncReport, ClientError> {
    sync_session(ws, &mut Link::default(), api, token, user, progress).await
}

/// One session over `link`. On error the caller resets the link.
pub async fn sync_session(
    ws: &Mutex<Workspace>,
    link: &mut Link,
    api: &Api,
    token: &Token,
    user: &str,
    mut progress: impl FnMut(Progress),
) -> Result<SyncReport, ClientError> {
    // Teams first: their rows (and memberships) are what team documents point at.
    let me: i64 = user.parse().map_err(|_| ClientError::Decode(format!("user id {user:?}")))?;
    let teams = match link.teams_at {
        Some(at) if at.elapsed() < TEAMS_MAX_AGE => None,
        _ => Some((api.teams(token).await?, api.invites(token).await?)),
    };
    let (mut known, mut cursor) = {
        let mut ws = lock(ws);
        if let Some((teams, invites)) = &teams {
            ws.apply_teams(me, teams, invites)?;
            link.teams_at = Some(Instant::now());
        }
        // Documents cached here may lag behind what another connection wrote.
        let version = data_version(&ws);
        if version.is_none() || version != link.data_version {
            ws.clear_cache();
        }
        let known: BTreeSet<DocId> = ws.documents()?.into_iter().collect();
        let cursor: Option<u64> =
            ws.store().local(keys::CURSOR).map_err(vrooli_core::CoreError::from)?.and_then(|c| c.parse().ok());
        (known, cursor)
    };
    let Link { peer, received, .. } = link;
    let mut report = SyncReport::default();
    let mut settled = BTreeSet::new();
    let mut converged = false;
    for round in 1..=MAX_ROUNDS {
        report.rounds = round;
        // Headers first, so the server files message buckets under their chat.
        let mut order: Vec<DocId> = known.iter().copied().collect();
        order.sort_by_key(|id| (id.merge_rank(), *id));
        let mut outgoing = Vec::new();
        {
            let mut ws = lock(ws);
            for id in &order {
                match ws.sync_outgoing(peer, id)? {
                    Some(message) => {
                        settled.remove(id);
                        report.bytes_sent += message.len();
                        let owner = match ws.document_team(id)? {
                            Some(team) => Owner::Team(team.to_string()),
                            None => Owner::User(user.to_string()),
                        };
                        outgoing.push(DocMessage {
                            doc_id: id.to_string(),
                            message: encode_message(&message),
                            owner: Some(owner),
                        });
                    }
                    None => {
                        settled.insert(*id);
                    }
                }
            }
        }
        if outgoing.is_empty() && round > 1 {
            converged = true;
            break;
        }
        let mut next_cursor = None;
        let mut chunks = requests(outgoing).into_iter();
        // Requests ahead: the answers to the next chunks are fetched and prepared while this
        // device merges the answer to the last one, answered in order.
        let mut in_flight: VecDeque<InFlight> =
            chunks.by_ref().take(PIPELINE_DEPTH).map(|docs| send(api, token, SyncRequest { cursor, docs })).collect();
        while let Some(request) = in_flight.pop_front() {
            let response = request.answer().await?;
            in_flight.extend(chunks.next().map(|docs| send(api, token, SyncRequest { cursor, docs })));
            report.bytes_received += response.bytes;
            let mut ws = lock(ws);
            for id in ws.sync_incoming_all(peer, response.docs)? {
                report.received += 1;
                received.insert(id);
            }
            for denied in response.denied {
                if let Ok(id) = denied.parse::<DocId>() {
                    tracing::warn!(doc = %id, "the server refused this document");
                    peer.forget(&denied);
                    known.remove(&id);
                    settled.remove(&id);
                }
            }
            for changed in response.changed {
                match changed.parse::<DocId>() {
                    Ok(id) => {
                        // Whatever this link believed the server held of it is out of date.
                        peer.forget(&changed);
                        settled.remove(&id);
                        known.insert(id);
                    }
                    Err(_) => tracing::warn!(doc = changed, "ignoring an unknown kind of document"),
                }
            }
            // Requests of one round all start from the round's cursor; the server only ever
            // moves it forward, so the last answer's is the furthest.
            next_cursor = Some(response.cursor);
        }
        cursor = next_cursor.or(cursor);
        progress(Progress {
            round,
            done: settled.len(),
            total: known.len(),
            bytes_sent: report.bytes_sent,
            bytes_received: report.bytes_received,
        });
    }
    if !converged {
        return Err(ClientError::TooManyRounds(MAX_ROUNDS));
    }
    report.documents = known.len();
    let mut ws = lock(ws);
    let marked = ws.mark_shared(peer, &known)?;
    report.pending = ws.pending_documents()?;
    tracing::debug!(marked, pending = report.pending, rounds = report.rounds, "sync session converged");
    let store = ws.store_mut();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    store.set_local(keys::LAST_SYNC, Some(&now.to_string())).map_err(vrooli_core::CoreError::from)?;
    if let Some(c) = cursor {
        store.set_local(keys::CURSOR, Some(&c.to_string())).map_err(vrooli_core::CoreError::from)?;
    }
    link.data_version = data_version(&ws);
    Ok(report)
}
