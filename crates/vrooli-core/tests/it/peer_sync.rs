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

/// One round from `a` to `b` as the client takes a server's answer: `a`'s messages for every
/// document into `b` through `sync_incoming_all`, then `b`'s replies one by one. `b` starts the
/// round with nothing loaded, so every merge loads its document. Returns how many messages
/// went either way.
fn round_into_b(a: &mut Device, to_b: &mut Peer, b: &mut Device, to_a: &mut Peer) -> usize {
    let ids: BTreeSet<DocId> = a.ws.documents().unwrap().into_iter().chain(b.ws.documents().unwrap()).collect();
    let answers: Vec<Incoming> =
        ids.iter().filter_map(|id| a.ws.sync_outgoing(to_b, id).unwrap().map(|m| Incoming::new(*id, m))).collect();
    let mut messages = answers.len();
    b.ws.clear_cache();
    b.ws.sync_incoming_all(to_a, answers).unwrap();
    for id in &ids {
        if let Some(message) = b.ws.sync_outgoing(to_a, id).unwrap() {
            a.ws.sync_incoming(to_b, id, &message).unwrap();
            messages += 1;
        }
    }
    messages
}

#[test]
fn answers_merging_into_many_stored_documents_converge() {
    let clock = TestClock::at(1_780_000_000_000_000);
    let (mut a, mut b) = (device_at(&clock), device_at(&clock));
    // More documents than one batch, so the work is shared across batches and past the
    // distance the helper thread may run ahead.
    let chats: Vec<i64> = (0..vrooli_core::INCOMING_BATCH + 30)
        .map(|i| a.ws.create_chat(&format!("chat {i}"), "en").unwrap().id)
        .collect();
    let firsts: Vec<i64> =
        chats.iter().map(|chat| a.ws.post_message(*chat, "first words", "en", None).unwrap().id).collect();
    let (mut to_b, mut to_a) = (Peer::default(), Peer::default());
    sync_peers(&mut a, &mut to_b, &mut b, &mut to_a);
    assert_converged(&a, &b);

    // Changes into documents b holds (edits and posts into the same buckets), and new buckets.
    for (chat, first) in chats.iter().zip(&firsts) {
        a.ws.edit_message(*first, "first words, edited on a").unwrap();
        a.ws.post_message(*chat, "a reply", "en", Some(*first)).unwrap();
    }
    clock.advance(3_600_000_000);
    for chat in chats.iter().step_by(7) {
        a.ws.post_message(*chat, "an hour later", "en", None).unwrap();
    }
    let mut messages = Vec::new();
    loop {
        let moved = round_into_b(&mut a, &mut to_b, &mut b, &mut to_a);
        if moved == 0 {
            break;
        }
        messages.push(moved);
        assert!(messages.len() < 10, "still exchanging after 10 rounds: {messages:?}");
    }
    assert_converged(&a, &b);
    assert_eq!(message_text(&b, firsts[0]).as_deref(), Some("first words, edited on a"));
    assert!(b.ws.doctor().unwrap().differences.is_empty(), "b's projection matches its documents");
    // The sync states went to the helper thread and back: the converged session marks every
    // document shared, which needs each one's last sent heads.
    let ids = b.ws.documents().unwrap();
    assert!(b.ws.pending_documents().unwrap() > 0, "merged changes wait to be marked shared");
    b.ws.mark_shared(&to_a, ids.iter()).unwrap();
    assert_eq!(b.ws.pending_documents().unwrap(), 0, "what b merged is what a has");
}

#[test]
fn a_document_named_twice_in_one_answer_merges_once() {
    let (mut a, mut b) = (device(), device());
    let chat = a.ws.create_chat("Twice", "en").unwrap().id;
    let first = a.ws.post_message(chat, "first", "en", None).unwrap().id;
    let (mut to_b, mut to_a) = (Peer::default(), Peer::default());
    sync_peers(&mut a, &mut to_b, &mut b, &mut to_a);
    a.ws.edit_message(first, "first, edited").unwrap();

    let ids = a.ws.documents().unwrap();
    let mut answers = Vec::new();
    for id in &ids {
        if let Some(message) = a.ws.sync_outgoing(&mut to_b, id).unwrap() {
            answers.push(Incoming::new(*id, message.clone()));
            answers.push(Incoming::new(*id, message));
        }
    }
    assert!(!answers.is_empty());
    b.ws.clear_cache();
    let gained = b.ws.sync_incoming_all(&mut to_a, answers).unwrap();
    assert_eq!(gained.len(), 1, "the second copy brought nothing new: {gained:?}");
    assert_eq!(message_text(&b, first).as_deref(), Some("first, edited"));
    sync_peers(&mut a, &mut to_b, &mut b, &mut to_a);
    assert_converged(&a, &b);
}

#[test]
fn a_damaged_message_rolls_back_its_whole_batch() {
    let (mut a, mut b) = (device(), device());
    let chats: Vec<i64> = (0..4).map(|i| a.ws.create_chat(&format!("chat {i}"), "en").unwrap().id).collect();
    let firsts: Vec<i64> = chats.iter().map(|c| a.ws.post_message(*c, "first", "en", None).unwrap().id).collect();
    let (mut to_b, mut to_a) = (Peer::default(), Peer::default());
    sync_peers(&mut a, &mut to_b, &mut b, &mut to_a);
    for first in &firsts {
        a.ws.edit_message(*first, "edited").unwrap();
    }
    let before = b.ws.export_json().unwrap();

    let ids = a.ws.documents().unwrap();
    let mut answers: Vec<Incoming> = Vec::new();
    let mut damaged = false;
    for id in &ids {
        if let Some(mut message) = a.ws.sync_outgoing(&mut to_b, id).unwrap() {
            // One bucket's message loses its tail: it no longer decodes.
            if matches!(id, DocId::Messages { .. }) && !damaged && answers.len() >= 2 {
                message.truncate(message.len() / 2);
                damaged = true;
            }
            answers.push(Incoming::new(*id, message));
        }
    }
    assert!(damaged, "a bucket's message was damaged");
    b.ws.clear_cache();
    let error = b.ws.sync_incoming_all(&mut to_a, answers).unwrap_err();
    assert!(error.to_string().contains("messages:"), "the error names the document: {error}");
    assert_eq!(b.ws.export_json().unwrap(), before, "nothing of the batch landed");
    assert!(b.ws.doctor().unwrap().differences.is_empty());

    // A fresh exchange (the client forgets the peer's state after an error) still converges.
    let (mut to_b, mut to_a) = (Peer::default(), Peer::default());
    sync_peers(&mut a, &mut to_b, &mut b, &mut to_a);
    assert_converged(&a, &b);
}
