//! One sync session: exchange every document with the server, round after
//! round, until neither side has anything to send.
//!
//! Each round carries the sync messages of many documents in one request
//! (the server answers them all, and names other documents that changed
//! since this device's cursor), so a fresh device pulls everything in a few
//! large round trips rather than one per document. Every incoming message is
//! merged and projected in its own transaction, so an interrupted session
//! keeps what it got.

use std::collections::BTreeSet;

use vrooli_core::{DocId, Workspace};
use vrooli_protocol::limits::{MAX_DOCS_PER_REQUEST, MAX_ROUNDS};
use vrooli_protocol::wire::{decode_message, encode_message, DocMessage, Owner, SyncRequest};
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
}

/// Syncs everything this device may hold with the server, as `user`.
pub async fn sync_once(
    ws: &mut Workspace,
    api: &Api,
    token: &Token,
    user: &str,
    mut progress: impl FnMut(Progress),
) -> Result<SyncReport, ClientError> {
    // Teams first: their rows (and memberships) are what team documents point at.
    let me: i64 = user.parse().map_err(|_| ClientError::Decode(format!("user id {user:?}")))?;
    let (teams, invites) = (api.teams(token).await?, api.invites(token).await?);
    ws.apply_teams(me, &teams, &invites)?;
    let mut peer = Peer::default();
    let mut known: BTreeSet<DocId> = ws.documents()?.into_iter().collect();
    let mut cursor = ws.store().local(keys::CURSOR).map_err(vrooli_core::CoreError::from)?.and_then(|c| c.parse().ok());
    let mut report = SyncReport::default();
    let mut settled = BTreeSet::new();
    for round in 1..=MAX_ROUNDS {
        report.rounds = round;
        // Headers first, so the server files message buckets under their chat.
        let mut order: Vec<DocId> = known.iter().copied().collect();
        order.sort_by_key(|id| (id.merge_rank(), *id));
        let mut outgoing = Vec::new();
        for id in &order {
            match ws.sync_outgoing(&mut peer, id)? {
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
        if outgoing.is_empty() && round > 1 {
            break;
        }
        let mut new_docs = false;
        let chunks: Vec<Vec<DocMessage>> = if outgoing.is_empty() {
            vec![Vec::new()]
        } else {
            outgoing.chunks(MAX_DOCS_PER_REQUEST).map(<[DocMessage]>::to_vec).collect()
        };
        for docs in chunks {
            let response = api.sync(token, &SyncRequest { cursor, docs }).await?;
            let mut answers: Vec<(DocId, Vec<u8>)> = Vec::with_capacity(response.docs.len());
            for answer in response.docs {
                let id: DocId = answer.doc_id.parse()?;
                let bytes = decode_message(&answer.message)
                    .ok_or_else(|| ClientError::Decode(format!("{id}: message is not base64")))?;
                answers.push((id, bytes));
            }
            answers.sort_by_key(|(id, _)| (id.merge_rank(), *id));
            for (id, bytes) in answers {
                report.bytes_received += bytes.len();
                if ws.sync_incoming(&mut peer, &id, &bytes)? {
                    report.received += 1;
                }
            }
            for denied in response.denied {
                if let Ok(id) = denied.parse::<DocId>() {
                    tracing::warn!(doc = %id, "the server refused this document");
                    known.remove(&id);
                }
            }
            for changed in response.changed {
                match changed.parse::<DocId>() {
                    Ok(id) => new_docs |= known.insert(id),
                    Err(_) => tracing::warn!(doc = changed, "ignoring an unknown kind of document"),
                }
            }
            cursor = Some(response.cursor);
        }
        progress(Progress {
            round,
            done: settled.len(),
            total: known.len(),
            bytes_sent: report.bytes_sent,
            bytes_received: report.bytes_received,
        });
        if round == MAX_ROUNDS && (new_docs || !outgoing.is_empty()) {
            return Err(ClientError::TooManyRounds(MAX_ROUNDS));
        }
    }
    report.documents = known.len();
    let store = ws.store_mut();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    store.set_local(keys::LAST_SYNC, Some(&now.to_string())).map_err(vrooli_core::CoreError::from)?;
    if let Some(c) = cursor {
        store.set_local(keys::CURSOR, Some(&c.to_string())).map_err(vrooli_core::CoreError::from)?;
    }
    Ok(report)
}
