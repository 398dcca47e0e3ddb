//! `POST /v1/sync`: merge each document's sync message, answer it, and list
//! the other documents the device may read that changed since its cursor.
//!
//! The server runs the same Automerge sync protocol as the devices
//! ([`Peer`]), keeping one sync state per device and document in memory: a
//! restart costs a round of heads, never data. Documents are opaque: access
//! follows their owner, recorded when a document first arrives (a chat's
//! message buckets follow the chat).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use automerge::{Automerge, PatchLog};
use axum::http::StatusCode;
use vrooli_protocol::docs::{access_parent, apply_rank, is_valid_doc_id};
use vrooli_protocol::limits::MAX_DOCS_PER_REQUEST;
use vrooli_protocol::wire::{decode_message, encode_message, DocMessage, Owner, SyncRequest, SyncResponse};
use vrooli_protocol::Peer;

use crate::db::{self, Caller, DbError};
use crate::error::ApiError;
use crate::AppState;

/// Sync states per device.
#[derive(Default)]
pub struct Peers {
    devices: Mutex<HashMap<i64, Arc<Mutex<Peer>>>>,
}

impl Peers {
    fn of(&self, device: i64) -> Arc<Mutex<Peer>> {
        let mut devices = self.devices.lock().unwrap_or_else(|p| p.into_inner());
        devices.entry(device).or_default().clone()
    }
}

fn may_access(conn: &rusqlite::Connection, caller: &Caller, owner: &Owner) -> Result<bool, DbError> {
    Ok(match owner {
        Owner::User(id) => *id == caller.user_id.to_string(),
        Owner::Team(id) => match id.parse::<i64>() {
            Ok(team) => db::membership(conn, team, caller.user_id)?.is_some(),
            Err(_) => false,
        },
    })
}

struct Incoming {
    id: String,
    message: Vec<u8>,
    owner: Option<Owner>,
}

pub async fn handle(state: &AppState, caller: Caller, request: SyncRequest) -> Result<SyncResponse, ApiError> {
    if request.docs.len() > MAX_DOCS_PER_REQUEST {
        return Err(ApiError::invalid("docs", format!("at most {MAX_DOCS_PER_REQUEST} documents per request")));
    }
    let mut incoming = Vec::with_capacity(request.docs.len());
    for DocMessage { doc_id, message, owner } in request.docs {
        if !is_valid_doc_id(&doc_id) {
            return Err(ApiError::invalid("docs", format!("{doc_id:?} is not a document id")));
        }
        let message = decode_message(&message)
            .ok_or_else(|| ApiError::invalid("docs", format!("{doc_id}: the message is not base64")))?;
        incoming.push(Incoming { id: doc_id, message, owner });
    }
    incoming.sort_by_key(|d| apply_rank(&d.id));
    let cursor = i64::try_from(request.cursor.unwrap_or(0)).unwrap_or(i64::MAX);
    let peer = state.peers.of(caller.device_id);
    let outcome = state.db.call(move |conn| Ok(exchange(conn, &caller, &peer, incoming, cursor))).await?;
    outcome
}

fn exchange(
    conn: &mut rusqlite::Connection,
    caller: &Caller,
    peer: &Mutex<Peer>,
    incoming: Vec<Incoming>,
    cursor: i64,
) -> Result<SyncResponse, ApiError> {
    let mut peer = peer.lock().unwrap_or_else(|p| p.into_inner());
    let mut response = SyncResponse::default();
    let mut offered = HashSet::new();
    for doc in incoming {
        offered.insert(doc.id.clone());
        let stored = db::document(conn, &doc.id)?;
        let owner = match &stored {
            Some(s) => s.owner.clone(),
            None => match access_parent(&doc.id).map(|p| db::document(conn, &p)).transpose()?.flatten() {
                Some(parent) => parent.owner,
                None => doc.owner.clone().unwrap_or_else(|| Owner::User(caller.user_id.to_string())),
            },
        };
        if !may_access(conn, caller, &owner)? {
            tracing::info!(doc = %doc.id, user = caller.user_id, "access denied");
            peer.forget(&doc.id);
            response.denied.push(doc.id);
            continue;
        }
        let mut automerge = match &stored {
            Some(s) => Automerge::load(&s.data)
                .map_err(|e| ApiError::internal(DbError::Document(doc.id.clone(), e.to_string())))?,
            None => Automerge::new(),
        };
        let before = automerge.get_heads();
        peer.incoming(&doc.id, &mut automerge, &doc.message, &mut PatchLog::inactive())
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_message", e.to_string()))?;
        if automerge.get_heads() != before {
            db::put_document(conn, &doc.id, &owner, &automerge.save())?;
        }
        if let Some(message) = peer.outgoing(&doc.id, &automerge) {
            response.docs.push(DocMessage { doc_id: doc.id, message: encode_message(&message), owner: None });
        }
    }
    let (changed, newest) = db::changed_since(conn, caller.user_id, cursor, MAX_DOCS_PER_REQUEST)?;
    let truncated = changed.len() == MAX_DOCS_PER_REQUEST;
    response.cursor = if truncated { changed.last().map_or(newest, |(_, seq)| *seq) } else { newest }.max(0) as u64;
    response.changed = changed.into_iter().map(|(id, _)| id).filter(|id| !offered.contains(id)).collect();
    Ok(response)
}
