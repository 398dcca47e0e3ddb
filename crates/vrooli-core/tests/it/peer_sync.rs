//! Devices syncing through the protocol's `Peer`, in process: what the
//! client does with the server, without the network.

use std::collections::BTreeSet;

use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT};
use vrooli_core::{DocId, Incoming};
use vrooli_model::entities::ChatMessage;
use vrooli_protocol::Peer;
use vrooli_store::ListQuery;

use crate::support::*;

/// Sync rounds over every document, both ways, until both sides are quiet.
fn sync_peers(a: &mut Device, to_b: &mut Peer, b: &mut Device, to_a: &mut Peer) {
    for _ in 0..20 {
        let ids: BTreeSet<DocId> = a.ws.documents().unwrap().into_iter().chain(b.ws.documents().unwrap()).collect();
        let mut quiet = true;
        for id in &ids {
            if let Some(message) = a.ws.sync_outgoing(to_b, id).unwrap() {
                b.ws.sync_incoming(to_a, id, &message).unwrap();
                quiet = false;
            }
            if let Some(message) = b.ws.sync_outgoing(to_a, id).unwrap() {
                a.ws.sync_incoming(to_b, id, &message).unwrap();
                quiet = false;
            }
        }
        if quiet {
            return;
        }
    }
    panic!("the devices were still exchanging messages after 20 rounds");
}

fn messages(d: &Device) -> usize {
    d.ws.store().list::<ChatMessage>(&ListQuery::default()).unwrap().items.len()
}

#[test]
fn a_device_new_to_documents_receives_them_whole_and_can_write_to_them() {
    let (mut a, mut b) = (device(), device());
    let chat = a.ws.create_chat("Plans", "en").unwrap().id;
    let first = a.ws.post_message(chat, "first", "en", None).unwrap();
    a.ws.post_message(chat, "second", "en", Some(first.id)).unwrap();
    let (mut to_b, mut to_a) = (Peer::default(), Peer::default());

    sync_peers(&mut a, &mut to_b, &mut b, &mut to_a);
    assert_eq!(messages(&b), 2);
    assert_eq!(b.ws.pending_documents().unwrap(), 0, "what came whole from the peer is shared with it");
    for id in b.ws.documents().unwrap() {
        assert!(b.ws.sync_outgoing(&mut to_a, &id).unwrap().is_none(), "{id}: nothing due after adopting it");
    }
    assert_converged(&a, &b);
    assert!(b.ws.doctor().unwrap().differences.is_empty(), "b's projection matches its documents");

    // The adopted documents share the genesis roots: b's post into the same bucket reaches a.
    let reply = b.ws.post_message(chat, "from b", "en", Some(first.id)).unwrap();
    b.ws.edit_message(first.id, "first, edited on b").unwrap();
    sync_peers(&mut a, &mut to_b, &mut b, &mut to_a);
    assert_eq!(message_text(&a, reply.id).as_deref(), Some("from b"));
    assert_eq!(message_text(&a, first.id).as_deref(), Some("first, edited on b"));
    assert_converged(&a, &b);
}

#[test]
fn a_document_that_does_not_start_from_genesis_is_refused_and_changes_nothing() {
    let mut b = device();
    let id = DocId::Chat(42);
    // A foreign document under a Vrooli id: its root maps come from another history.
    let mut foreign = Automerge::new();
    foreign.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "chat", "not ours").map(|_| ())).unwrap();
    let (mut to_foreign, mut to_b) = (Peer::default(), Peer::default());
    // b asks for the document it lacks; the other side answers with it whole.
    let ask = b.ws.sync_outgoing(&mut to_foreign, &id).unwrap().expect("b asks for what it lacks");
    let mut log = automerge::PatchLog::inactive();
    to_b.incoming(&id.to_string(), &mut foreign, &ask, &mut log).unwrap();
    let answer = to_b.outgoing(&id.to_string(), &foreign).expect("an answer with the document");

    let error = b.ws.sync_incoming(&mut to_foreign, &id, &answer).unwrap_err();
    assert!(error.to_string().contains("genesis"), "{error}");
    assert!(b.ws.documents().unwrap().is_empty(), "nothing was stored");
}

#[test]
fn answers_for_many_new_documents_apply_in_batches() {
    let (mut a, mut b) = (device(), device());
    let chats: Vec<i64> = (0..vrooli_core::INCOMING_BATCH + 20)
        .map(|i| a.ws.create_chat(&format!("chat {i}"), "en").unwrap().id)
        .collect();
    a.ws.post_message(chats[0], "in the first", "en", None).unwrap();
    let (mut to_b, mut to_a) = (Peer::default(), Peer::default());
    for _ in 0..10 {
        let ids: BTreeSet<DocId> = a.ws.documents().unwrap().into_iter().chain(b.ws.documents().unwrap()).collect();
        let mut quiet = true;
        for id in &ids {
            if let Some(message) = b.ws.sync_outgoing(&mut to_a, id).unwrap() {
                a.ws.sync_incoming(&mut to_b, id, &message).unwrap();
                quiet = false;
            }
        }
        let answers: Vec<Incoming> = ids
            .iter()
            .filter_map(|id| a.ws.sync_outgoing(&mut to_b, id).unwrap().map(|m| Incoming::prepared(*id, m)))
            .collect();
        quiet &= answers.is_empty();
        b.ws.sync_incoming_all(&mut to_a, answers).unwrap();
        if quiet {
            break;
        }
    }
    assert_eq!(b.ws.documents().unwrap().len(), chats.len() + 1, "every chat and the one bucket");
    assert_eq!(messages(&b), 1);
    assert_converged(&a, &b);
    assert_eq!(b.ws.pending_documents().unwrap(), 0);
}
