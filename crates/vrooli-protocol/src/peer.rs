//! One side of syncing many documents: an Automerge sync state per document.
//!
//! States live as long as a connection (or a `vrooli sync` run); losing them
//! costs bandwidth, never correctness: the next exchange starts from heads.

use std::collections::HashMap;

use automerge::sync::{Message, State, SyncDoc};
use automerge::{Automerge, ChangeHash, PatchLog};

#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    #[error("document {doc}: malformed sync message: {reason}")]
    Malformed { doc: String, reason: String },
    #[error("document {doc}: {source}")]
    Automerge { doc: String, source: Box<automerge::AutomergeError> },
}

#[derive(Default)]
pub struct Peer {
    states: HashMap<String, State>,
}

impl Peer {
    /// The message to send for `doc`, or `None` when the other side is known
    /// to have everything.
    pub fn outgoing(&mut self, doc_id: &str, doc: &Automerge) -> Option<Vec<u8>> {
        let state = self.states.entry(doc_id.to_string()).or_default();
        doc.generate_sync_message(state).map(Message::encode)
    }

    /// Whether [`Peer::outgoing`] would surely return `None` for a document whose heads are
    /// `heads`: the other side answered, holds exactly these heads, and was last sent them —
    /// the same test Automerge makes, answerable without the document.
    pub fn settled(&self, doc_id: &str, heads: &[ChangeHash]) -> bool {
        self.states
            .get(doc_id)
            .is_some_and(|s| s.have_responded && s.last_sent_heads == heads && s.their_heads.as_deref() == Some(heads))
    }

    /// Records that both sides hold exactly `heads` of `doc_id`, as after this side took the
    /// whole document from the other: nothing is due until either side changes it, so the next
    /// round need not load the document only to say so.
    pub fn adopted(&mut self, doc_id: &str, heads: &[ChangeHash]) {
        let state = self.states.entry(doc_id.to_string()).or_default();
        state.shared_heads = heads.to_vec();
        state.last_sent_heads = heads.to_vec();
        state.their_heads = Some(heads.to_vec());
        state.their_need = None;
        state.have_responded = true;
        state.in_flight = false;
    }

    /// Applies a message from the other side, logging patches into `log`.
    pub fn incoming(
        &mut self,
        doc_id: &str,
        doc: &mut Automerge,
        message: &[u8],
        log: &mut PatchLog,
    ) -> Result<(), PeerError> {
        let state = self.states.entry(doc_id.to_string()).or_default();
        receive(state, doc_id, doc, message, log)
    }

    /// Takes a document's state out, so that its message can be received elsewhere (on another
    /// thread) with [`receive`]; hand it back with [`Peer::restore`]. A state never handed back
    /// is a lost state: the next exchange of that document starts from heads.
    pub fn take_state(&mut self, doc_id: &str) -> State {
        self.states.remove(doc_id).unwrap_or_default()
    }

    /// Hands back a state taken with [`Peer::take_state`].
    pub fn restore(&mut self, doc_id: &str, state: State) {
        self.states.insert(doc_id.to_string(), state);
    }

    /// Forgets a document's state (e.g. after access to it was lost).
    pub fn forget(&mut self, doc_id: &str) {
        self.states.remove(doc_id);
    }

    /// The heads this side last sent for `doc`, if it sent anything.
    ///
    /// Once [`Peer::outgoing`] returns `None` after the other side answered
    /// every message it was sent, the other side holds exactly these heads
    /// or more: it either said it has them, or stayed silent on receiving
    /// them, which the protocol does only when both sides' heads are equal.
    pub fn sent_heads(&self, doc_id: &str) -> Option<&[ChangeHash]> {
        self.states.get(doc_id).filter(|s| s.have_responded).map(|s| s.last_sent_heads.as_slice())
    }
}

/// Applies a message from the other side to `doc` with its sync `state` (see
/// [`Peer::take_state`]), logging patches into `log`.
pub fn receive(
    state: &mut State,
    doc_id: &str,
    doc: &mut Automerge,
    message: &[u8],
    log: &mut PatchLog,
) -> Result<(), PeerError> {
    let message = Message::decode(message)
        .map_err(|e| PeerError::Malformed { doc: doc_id.to_string(), reason: e.to_string() })?;
    doc.receive_sync_message_log_patches(state, message, log)
        .map_err(|source| PeerError::Automerge { doc: doc_id.to_string(), source: Box::new(source) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::ROOT;

    #[test]
    fn settled_agrees_with_outgoing() {
        let mut a = Automerge::new();
        a.transact(|tx| tx.put(ROOT, "x", 1)).unwrap();
        let mut b = Automerge::new();
        let (mut pa, mut pb) = (Peer::default(), Peer::default());
        assert!(!pa.settled("d", &a.get_heads()), "nothing exchanged yet");
        for _ in 0..10 {
            let before = pa.settled("d", &a.get_heads());
            let message = pa.outgoing("d", &a);
            if before {
                assert!(message.is_none(), "settled, yet a message was due");
            }
            if let Some(m) = message {
                pb.incoming("d", &mut b, &m, &mut PatchLog::inactive()).unwrap();
            }
            if let Some(m) = pb.outgoing("d", &b) {
                pa.incoming("d", &mut a, &m, &mut PatchLog::inactive()).unwrap();
            }
        }
        assert!(pa.settled("d", &a.get_heads()), "after converging");
        a.transact(|tx| tx.put(ROOT, "y", 2)).unwrap();
        assert!(!pa.settled("d", &a.get_heads()), "a new local change is due");
    }

    #[test]
    fn an_adopted_document_is_settled_until_either_side_changes_it() {
        let mut server = Automerge::new();
        server.transact(|tx| tx.put(ROOT, "x", 1)).unwrap();
        let (mut client_side, mut server_side) = (Peer::default(), Peer::default());
        // The client asks from nothing; the server answers with the whole document.
        let ask = client_side.outgoing("d", &Automerge::new()).unwrap();
        server_side.incoming("d", &mut server.clone(), &ask, &mut PatchLog::inactive()).unwrap();
        let whole = server_side.outgoing("d", &server).unwrap();
        let mut client = Automerge::new();
        client_side.incoming("d", &mut client, &whole, &mut PatchLog::inactive()).unwrap();
        assert_eq!(client.get_heads(), server.get_heads());

        client_side.adopted("d", &client.get_heads());
        assert!(client_side.settled("d", &client.get_heads()));
        assert!(client_side.outgoing("d", &client).is_none(), "Automerge agrees nothing is due");
        client.transact(|tx| tx.put(ROOT, "y", 2)).unwrap();
        let change = client_side.outgoing("d", &client).expect("a local change is sent");
        server_side.incoming("d", &mut server, &change, &mut PatchLog::inactive()).unwrap();
        // The server may still need a round to ask for the change; run the exchange out.
        for _ in 0..5 {
            if let Some(m) = server_side.outgoing("d", &server) {
                client_side.incoming("d", &mut client, &m, &mut PatchLog::inactive()).unwrap();
            }
            if let Some(m) = client_side.outgoing("d", &client) {
                server_side.incoming("d", &mut server, &m, &mut PatchLog::inactive()).unwrap();
            }
        }
        assert_eq!(server.get_heads(), client.get_heads(), "the change reached the server");
    }

    #[test]
    fn two_peers_converge_in_a_few_rounds() {
        let mut a = Automerge::new();
        a.transact(|tx| tx.put(ROOT, "x", 1)).unwrap();
        let mut b = Automerge::new();
        b.transact(|tx| tx.put(ROOT, "y", 2)).unwrap();
        let (mut pa, mut pb) = (Peer::default(), Peer::default());
        for _ in 0..10 {
            let mut quiet = true;
            if let Some(m) = pa.outgoing("d", &a) {
                pb.incoming("d", &mut b, &m, &mut PatchLog::inactive()).unwrap();
                quiet = false;
            }
            if let Some(m) = pb.outgoing("d", &b) {
                pa.incoming("d", &mut a, &m, &mut PatchLog::inactive()).unwrap();
                quiet = false;
            }
            if quiet {
                break;
            }
        }
        assert_eq!(a.get_heads(), b.get_heads());
    }

    #[test]
    fn sent_heads_are_the_heads_of_the_last_message() {
        let mut a = Automerge::new();
        a.transact(|tx| tx.put(ROOT, "x", 1)).unwrap();
        let mut pa = Peer::default();
        assert_eq!(pa.sent_heads("d"), None, "nothing sent yet");
        assert!(pa.outgoing("d", &a).is_some());
        assert_eq!(pa.sent_heads("d"), Some(a.get_heads().as_slice()));
        a.transact(|tx| tx.put(ROOT, "x", 2)).unwrap();
        assert_ne!(pa.sent_heads("d"), Some(a.get_heads().as_slice()), "a change not sent yet");
        pa.forget("d");
        assert_eq!(pa.sent_heads("d"), None);
    }

    #[test]
    fn garbage_is_refused() {
        let mut doc = Automerge::new();
        let err = Peer::default().incoming("d", &mut doc, b"\x00garbage", &mut PatchLog::inactive()).unwrap_err();
        assert!(matches!(err, PeerError::Malformed { .. }));
    }
}
