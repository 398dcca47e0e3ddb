//! `POST /v1/sync`: merge each document's sync message, answer it, and list
//! the other documents the device may read that changed since its cursor.
//!
//! The server runs the same Automerge sync protocol as the devices
//! ([`Peer`]), keeping one sync state per device and document in memory: a
//! restart costs a round of heads, never data. With several nodes on one
//! PostgreSQL database a device's requests may reach different nodes, each
//! with its own (possibly stale or empty) state for it; Automerge's sync
//! works from the heads both sides state, so that too costs a round, never
//! correctness. Documents are opaque: access follows their owner, recorded
//! when a document first arrives (a chat's message buckets follow the chat),
//! and the readers a chat header names (participants and pending invitees,
//! [`chat_readers`]), derived again at every merge of the header. Only the
//! owner (or an admin of the owning team) may change who reads a chat; a
//! reader's merge that would let anyone else in or out is refused whole.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use automerge::{Automerge, PatchLog};
use axum::http::StatusCode;
use vrooli_protocol::docs::{apply_rank, chat_readers, is_valid_doc_id};
use vrooli_protocol::limits::MAX_DOCS_PER_REQUEST;
use vrooli_protocol::wire::{decode_message, encode_message, DocMessage, SyncRequest, SyncResponse};
use vrooli_protocol::Peer;

use crate::db::{Caller, DocAccess, DocIntent, DocOwner, Step};
use crate::doc_cache::DocCache;
use crate::error::ApiError;
use crate::events::{self, Notice};
use crate::AppState;

/// Sync states per device. A device's requests take turns on its state.
#[derive(Default)]
pub struct Peers {
    devices: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<Peer>>>>,
}

impl Peers {
    fn of(&self, device: i64) -> Arc<tokio::sync::Mutex<Peer>> {
        let mut devices = self.devices.lock().unwrap_or_else(|p| p.into_inner());
        devices.entry(device).or_default().clone()
    }

    /// Drops a device's states (after a failed exchange, or when it signs out).
    pub fn forget(&self, device: i64) {
        self.devices.lock().unwrap_or_else(|p| p.into_inner()).remove(&device);
    }
}

/// The server's answer for one document.
enum Answer {
    Denied(String),
    Reply(String, Option<Vec<u8>>),
}

/// Checks the whole request before anything is merged, so malformed input
/// changes nothing.
fn validate(request: SyncRequest) -> Result<Vec<DocIntent<Vec<u8>>>, ApiError> {
    if request.docs.len() > MAX_DOCS_PER_REQUEST {
        return Err(ApiError::invalid("docs", format!("at most {MAX_DOCS_PER_REQUEST} documents per request")));
    }
    let mut seen = HashSet::with_capacity(request.docs.len());
    let mut intents = Vec::with_capacity(request.docs.len());
    for DocMessage { doc_id, message, owner } in request.docs {
        if !is_valid_doc_id(&doc_id) {
            return Err(ApiError::invalid("docs", format!("{doc_id:?} is not a document id")));
        }
        if !seen.insert(doc_id.clone()) {
            return Err(ApiError::invalid("docs", format!("{doc_id} appears twice")));
        }
        let message = decode_message(&message)
            .ok_or_else(|| ApiError::invalid("docs", format!("{doc_id}: the message is not base64")))?;
        if let Err(e) = automerge::sync::Message::decode(&message) {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_message", format!("{doc_id}: {e}")));
        }
        let claimed = match &owner {
            Some(o) => Some(
                DocOwner::from_wire(o)
                    .ok_or_else(|| ApiError::invalid("owner", format!("{doc_id}: an owner id is a number")))?,
            ),
            None => None,
        };
        intents.push(DocIntent { id: doc_id, claimed, payload: message });
    }
    intents.sort_by_key(|d| apply_rank(&d.id));
    Ok(intents)
}

pub async fn handle(state: &Arc<AppState>, caller: Caller, request: SyncRequest) -> Result<SyncResponse, ApiError> {
    let cursor = i64::try_from(request.cursor.unwrap_or(0)).unwrap_or(i64::MAX);
    let intents = validate(request)?;
    let device = caller.device_id;
    let user = caller.user_id;
    let mut peer = state.peers.of(device).lock_owned().await;
    let docs = state.docs.clone();
    let merged = state.db.merge_documents(user, intents, move |access| merge(&mut peer, &docs, user, access)).await;
    let merged = match merged {
        Ok(m) => m,
        Err(e) => {
            // The states may now expect answers the device never got: start over from heads.
            state.peers.forget(device);
            return Err(e);
        }
    };
    let mut response = SyncResponse::default();
    let mut offered = HashSet::new();
    let mut stored = Vec::new();
    for m in merged {
        match m.value {
            Answer::Denied(id) => response.denied.push(id),
            Answer::Reply(id, message) => {
                offered.insert(id.clone());
                if m.stored {
                    stored.push(id.clone());
                }
                if let Some(message) = message {
                    response.docs.push(DocMessage { doc_id: id, message: encode_message(&message), owner: None });
                }
            }
        }
    }
    if !stored.is_empty() {
        let state = state.clone();
        tokio::spawn(async move { events::publish(&state, Notice::Docs { origin: device, docs: stored }).await });
    }
    let (changed, newest) = state.db.changed_since(user, cursor, MAX_DOCS_PER_REQUEST).await?;
    let truncated = changed.len() == MAX_DOCS_PER_REQUEST;
    response.cursor = if truncated { changed.last().map_or(newest, |(_, seq)| *seq) } else { newest }.max(0) as u64;
    response.changed = changed.into_iter().map(|(id, _)| id).filter(|id| !offered.contains(id)).collect();
    Ok(response)
}

/// Whether going from `before` to `after` readers changes anyone's access but `user`'s own:
/// a reader may accept or decline their invite, or leave, and nothing more.
fn changes_others(before: &[i64], after: &[i64], user: i64) -> bool {
    let others = |readers: &[i64]| readers.iter().copied().filter(|r| *r != user).collect::<Vec<_>>();
    others(before) != others(after)
}

/// One document, its row locked: apply `user`'s device's message, answer it.
fn merge(peer: &mut Peer, docs: &DocCache, user: i64, access: DocAccess<Vec<u8>>) -> Result<Step<Answer>, ApiError> {
    let DocAccess { id, allowed, manages, readers: before, data, payload, .. } = access;
    if !allowed {
        tracing::info!(doc = %id, "access denied");
        peer.forget(&id);
        return Ok(Step { value: Answer::Denied(id), store: None, readers: None });
    }
    let mut doc = match &data {
        Some(bytes) => {
            docs.load(&id, bytes).map_err(|e| ApiError::internal(format!("stored document {id} does not load: {e}")))?
        }
        None => Automerge::new(),
    };
    let heads = doc.get_heads();
    peer.incoming(&id, &mut doc, &payload, &mut PatchLog::inactive())
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_message", e.to_string()))?;
    let changed = doc.get_heads() != heads;
    let readers = (changed && id.starts_with("chat:")).then(|| chat_readers(&doc));
    if let Some(after) = &readers {
        if !manages && changes_others(&before, after, user) {
            tracing::info!(doc = %id, "refused: only the owner may change who reads a chat");
            peer.forget(&id);
            return Ok(Step { value: Answer::Denied(id), store: None, readers: None });
        }
    }
    let store = changed.then(|| doc.save());
    let reply = peer.outgoing(&id, &doc);
    // Kept under the bytes it is (or is about to be) stored as; should the store roll back,
    // the next read's bytes differ and the entry is passed over.
    if let Some(bytes) = store.as_deref().or(data.as_deref()) {
        docs.keep(&id, bytes, doc);
    }
    Ok(Step { value: Answer::Reply(id, reply), store, readers })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_changes_only_their_own_access() {
        assert!(!changes_others(&[2, 3], &[2, 3], 2), "nothing changed");
        assert!(!changes_others(&[2, 3], &[3], 2), "leaving, or declining one's invite");
        assert!(changes_others(&[2, 3], &[2], 2), "removing someone else");
        assert!(changes_others(&[2], &[2, 4], 2), "letting someone in");
    }
}
