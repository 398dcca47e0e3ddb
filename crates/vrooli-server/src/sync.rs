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
use vrooli_protocol::{whole, Peer};

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

/// The sync endpoint's decoder: a body with its content type, to the checked
/// per-document intents, or the 4xx to answer (415 unless JSON, 400 for
/// anything malformed). Nothing is merged before the whole body passed.
pub fn decode_request(content_type: Option<&str>, body: &[u8]) -> Result<Decoded, ApiError> {
    let json = content_type
        .and_then(|value| value.split(';').next())
        .map(|mime| mime.trim().to_ascii_lowercase())
        .is_some_and(|mime| {
            mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
        });
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "malformed",
            "expected a request with `Content-Type: application/json`",
        ));
    }
    let request: SyncRequest = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed", format!("the body is not a sync request: {e}"))
    })?;
    Ok(Decoded { cursor: request.cursor, intents: validate(request.docs)? })
}

/// A sync request that passed [`decode_request`].
pub struct Decoded {
    pub cursor: Option<u64>,
    /// One per document, each id valid and named once, each message a decodable sync message.
    pub intents: Vec<DocIntent<Vec<u8>>>,
}

/// Checks the whole request before anything is merged, so malformed input
/// changes nothing.
fn validate(docs: Vec<DocMessage>) -> Result<Vec<DocIntent<Vec<u8>>>, ApiError> {
    if docs.len() > MAX_DOCS_PER_REQUEST {
        return Err(ApiError::invalid("docs", format!("at most {MAX_DOCS_PER_REQUEST} documents per request")));
    }
    let mut seen = HashSet::with_capacity(docs.len());
    let mut intents = Vec::with_capacity(docs.len());
    for DocMessage { doc_id, message, owner } in docs {
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

pub async fn handle(state: &Arc<AppState>, caller: Caller, request: Decoded) -> Result<SyncResponse, ApiError> {
    let Decoded { cursor, intents } = request;
    let cursor = i64::try_from(cursor.unwrap_or(0)).unwrap_or(i64::MAX);
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
    // The sequence number each answered document had when it was answered.
    let mut answered = HashMap::new();
    let mut stored = Vec::new();
    for m in merged {
        match m.value {
            Answer::Denied(id) => response.denied.push(id),
            Answer::Reply(id, message) => {
                answered.insert(id.clone(), m.seq);
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
    response.changed = still_changed(changed, &answered);
    Ok(response)
}

/// The changed documents to name beside the answers: all but those answered at (or after)
/// their latest change. A document answered in this request is named again when another
/// device's write landed between its merge and the query for changes: the cursor moves past
/// that write, so leaving the document out would hide the write from this device until the
/// document next changed.
fn still_changed(changed: Vec<(String, i64)>, answered: &HashMap<String, i64>) -> Vec<String> {
    changed.into_iter().filter(|(id, seq)| answered.get(id).is_none_or(|at| seq > at)).map(|(id, _)| id).collect()
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
    if let Some(saved) = &data {
        if let Some(whole) = answer_from_saved(&payload, saved) {
            // This device's state for the document would only restate what it just got; the
            // next message it sends starts a fresh one.
            peer.forget(&id);
            return Ok(Step { value: Answer::Reply(id, Some(whole)), store: None, readers: None });
        }
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

/// A device that holds nothing of a stored document gets it whole, straight from the stored
/// bytes: the answer Automerge would make, without loading the document (what a fresh device
/// asks of every document it may read).
fn answer_from_saved(payload: &[u8], saved: &[u8]) -> Option<Vec<u8>> {
    let message = automerge::sync::Message::decode(payload).ok()?;
    if !whole::asks_from_nothing(&message) {
        return None;
    }
    whole::whole_document_message(saved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use proptest::prelude::*;

    const JSON: Option<&str> = Some("application/json");

    /// A well-formed body: `docs` documents, each with a real first sync message.
    fn valid_body(docs: usize) -> Vec<u8> {
        let docs: Vec<DocMessage> = (0..docs)
            .map(|i| {
                let mut doc = Automerge::new();
                let mut tx = doc.transaction();
                tx.put(automerge::ROOT, "k", i as i64).unwrap_or_default();
                tx.commit();
                let id = format!("chat:{}", 1_000 + i);
                let message = Peer::default().outgoing(&id, &doc).unwrap_or_default();
                let owner = Some(vrooli_protocol::wire::Owner::User("7".into()));
                DocMessage { doc_id: id, message: encode_message(&message), owner }
            })
            .collect();
        serde_json::to_vec(&SyncRequest { cursor: Some(3), docs }).unwrap_or_default()
    }

    /// The decoder's contract on any input: no panic; an answer, or a 4xx.
    fn decodes_or_refuses(content_type: Option<&str>, body: &[u8]) -> Result<(), TestCaseError> {
        match decode_request(content_type, body) {
            Ok(decoded) => {
                let ids: HashSet<&str> = decoded.intents.iter().map(|d| d.id.as_str()).collect();
                prop_assert_eq!(ids.len(), decoded.intents.len(), "a document twice");
                for intent in &decoded.intents {
                    prop_assert!(is_valid_doc_id(&intent.id));
                    prop_assert!(automerge::sync::Message::decode(&intent.payload).is_ok());
                }
            }
            Err(e) => prop_assert!(e.status.is_client_error(), "{} for a bad request: {}", e.status, e.message),
        }
        Ok(())
    }

    #[test]
    fn a_well_formed_request_decodes() {
        let decoded = decode_request(JSON, &valid_body(3)).unwrap_or_else(|e| panic!("{}", e.message));
        assert_eq!((decoded.cursor, decoded.intents.len()), (Some(3), 3));
        let with_charset = decode_request(Some("application/json; charset=utf-8"), &valid_body(1));
        assert!(with_charset.is_ok());
    }

    #[test]
    fn only_json_is_read() {
        for content_type in [None, Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("")] {
            let error = decode_request(content_type, &valid_body(1)).err().map(|e| e.status);
            assert_eq!(error, Some(StatusCode::UNSUPPORTED_MEDIA_TYPE), "{content_type:?}");
        }
    }

    #[test]
    fn deep_json_is_refused_without_overflowing_the_stack() {
        for depth in [200, 10_000, 1_000_000] {
            for (open, close) in [("[", "]"), ("{\"docs\":", "}")] {
                let body = format!("{}{}", open.repeat(depth), close.repeat(depth));
                let status = decode_request(JSON, body.as_bytes()).err().map(|e| e.status);
                assert_eq!(status, Some(StatusCode::BAD_REQUEST), "depth {depth} of {open}");
            }
        }
    }

    proptest! {
        #[test]
        fn random_bytes_get_a_4xx(body in proptest::collection::vec(any::<u8>(), 0..4096)) {
            decodes_or_refuses(JSON, &body)?;
        }

        #[test]
        fn a_damaged_request_gets_an_answer_or_a_4xx(
            docs in 1usize..4,
            at in any::<prop::sample::Index>(),
            damage in 0u8..4,
            bytes in proptest::collection::vec(any::<u8>(), 1..64),
        ) {
            let mut body = valid_body(docs);
            let i = at.index(body.len());
            match damage {
                0 => body.truncate(i),
                1 => body[i] ^= bytes[0] | 1,
                2 => { body.splice(i..i, bytes); }
                _ => { body.drain(i..(i + bytes.len()).min(body.len())); }
            }
            decodes_or_refuses(JSON, &body)?;
        }

        #[test]
        fn a_truncated_sync_message_gets_an_answer_or_a_4xx(cut in any::<prop::sample::Index>(), doc_id in "[a-z]{0,9}:[0-9a-z:]{0,24}") {
            let mut doc = Automerge::new();
            let mut tx = doc.transaction();
            tx.put(automerge::ROOT, "text", "hello world").unwrap_or_default();
            tx.commit();
            let message = Peer::default().outgoing("chat:1", &doc).unwrap_or_default();
            let cut = cut.index(message.len());
            let body = serde_json::json!({ "docs": [{ "docId": doc_id, "message": encode_message(&message[..cut]) }] });
            decodes_or_refuses(JSON, body.to_string().as_bytes())?;
            // Some prefixes are whole sync messages to Automerge (its trailing fields are
            // optional): those pass here, and their merge answers 400 if they do not apply.
            let cut_short = serde_json::json!({ "docs": [{ "docId": "chat:1", "message": encode_message(&message[..cut]) }] });
            decodes_or_refuses(JSON, cut_short.to_string().as_bytes())?;
        }

        #[test]
        fn any_json_value_gets_an_answer_or_a_4xx(value in json_value()) {
            decodes_or_refuses(JSON, value.to_string().as_bytes())?;
            decodes_or_refuses(JSON, serde_json::json!({ "docs": [value] }).to_string().as_bytes())?;
        }
    }

    /// Arbitrary JSON, nested a few levels, with the request's own keys among the names.
    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let key = prop_oneof![
            Just("docs".to_owned()),
            Just("docId".to_owned()),
            Just("message".to_owned()),
            Just("cursor".to_owned()),
            Just("owner".to_owned()),
            "[a-z]{1,6}"
        ];
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_map(serde_json::Value::from),
            ".{0,40}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 64, 8, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::from),
                proptest::collection::btree_map(key.clone(), inner, 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    #[test]
    fn a_document_changed_after_its_answer_is_named_again() {
        let answered = HashMap::from([("chat:1".to_string(), 5), ("chat:2".to_string(), 9)]);
        let changed = vec![
            ("chat:1".to_string(), 5),  // the change its answer carried
            ("chat:2".to_string(), 12), // written by another device after the answer
            ("chat:3".to_string(), 7),  // not in this request
        ];
        assert_eq!(still_changed(changed, &answered), ["chat:2", "chat:3"]);
    }

    #[test]
    fn a_device_holding_nothing_is_answered_from_the_stored_bytes() {
        let mut doc = Automerge::new();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(automerge::ROOT, "k", 1).map(drop)).unwrap();
        let stored = doc.save();
        let from_nothing = Peer::default().outgoing("chat:1", &Automerge::new()).unwrap();
        let answer = answer_from_saved(&from_nothing, &stored).expect("answered without loading");
        assert_eq!(whole::whole_document(&answer).map(|(bytes, _)| bytes), Some(stored.clone()));

        // A device that holds something goes through the protocol.
        let from_heads = Peer::default().outgoing("chat:1", &doc).unwrap();
        assert!(answer_from_saved(&from_heads, &stored).is_none());
        assert!(answer_from_saved(b"not a message", &stored).is_none());
    }

    #[test]
    fn a_reader_changes_only_their_own_access() {
        assert!(!changes_others(&[2, 3], &[2, 3], 2), "nothing changed");
        assert!(!changes_others(&[2, 3], &[3], 2), "leaving, or declining one's invite");
        assert!(changes_others(&[2, 3], &[2], 2), "removing someone else");
        assert!(changes_others(&[2], &[2, 4], 2), "letting someone in");
    }
}
