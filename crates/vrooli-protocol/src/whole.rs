//! Whole documents in sync messages, without loading them.
//!
//! A peer that holds nothing of a document asks with empty heads, and
//! Automerge answers with the whole document: its `save()`, in one message.
//! The server stores exactly that `save()`, so it can answer such a request
//! from the stored bytes, and the receiver can take those bytes as its own
//! snapshot. Loading a document costs far more than sending it (a bucket of
//! 100 messages: about 8 ms to load against microseconds to copy), and a
//! fresh device asks this for every document it may read.
//!
//! The heads come from the saved document's header (the Automerge binary
//! format: magic bytes, checksum, chunk type, length, then the actors and
//! the heads, both uncompressed), so no document is loaded to learn them.

use automerge::sync::{ChunkList, Message, MessageFlags, MessageVersion};
use automerge::ChangeHash;

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const DOCUMENT_CHUNK: u8 = 0;

fn uleb(input: &mut &[u8]) -> Option<u64> {
    leb128::read::unsigned(input).ok()
}

fn take<'a>(input: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    let (taken, rest) = input.split_at_checked(n)?;
    *input = rest;
    Some(taken)
}

/// The heads a saved document (`Automerge::save`) records in its header, or `None` when the
/// bytes do not start with a document chunk. Nothing past the heads is read or checked:
/// whoever loads the bytes verifies them.
pub fn saved_heads(saved: &[u8]) -> Option<Vec<ChangeHash>> {
    let mut input = saved;
    if take(&mut input, 4)? != MAGIC {
        return None;
    }
    take(&mut input, 4)?; // checksum
    if take(&mut input, 1)? != [DOCUMENT_CHUNK] {
        return None;
    }
    let length = usize::try_from(uleb(&mut input)?).ok()?;
    let mut chunk = take(&mut input, length)?;
    let actors = uleb(&mut chunk)?;
    for _ in 0..actors {
        let len = usize::try_from(uleb(&mut chunk)?).ok()?;
        take(&mut chunk, len)?;
    }
    let count = usize::try_from(uleb(&mut chunk)?).ok()?;
    let mut heads = Vec::with_capacity(count.min(64));
    for _ in 0..count {
        heads.push(ChangeHash::try_from(take(&mut chunk, 32)?).ok()?);
    }
    Some(heads)
}

/// Whether `message` says its sender holds nothing of the document and takes whole documents
/// (Automerge's V2 messages, which every sender of flags supports), so the answer is the whole
/// document.
pub fn asks_from_nothing(message: &Message) -> bool {
    message.heads.is_empty()
        && message.need.is_empty()
        && message.changes.is_empty()
        && message.have.iter().all(|have| have.last_sync.is_empty())
        && message.flags.is_some_and(|flags| !flags.contains(MessageFlags::READ_ONLY))
}

/// The message carrying the whole of a document saved as `saved`, as Automerge answers a
/// sender that holds nothing of it; `None` when `saved` is not a saved document.
///
/// It states no `have`: the receiver then sends only what is asked of it, which is nothing,
/// since it held nothing.
pub fn whole_document_message(saved: &[u8]) -> Option<Vec<u8>> {
    let heads = saved_heads(saved)?;
    if heads.is_empty() {
        return None;
    }
    let mut flags = MessageFlags::new();
    flags.set(MessageFlags::SUPPORTS_SYNC_RESET);
    let message = Message {
        heads,
        need: Vec::new(),
        have: Vec::new(),
        changes: ChunkList::from(saved.to_vec()),
        flags: Some(flags),
        version: MessageVersion::V2,
    };
    Some(message.encode())
}

/// A received message that carries one whole saved document and nothing else a receiver
/// holding nothing would need: the document's bytes and the heads the message states (the
/// header's own, or the message is not taken as whole).
pub fn whole_document(message: &[u8]) -> Option<(Vec<u8>, Vec<ChangeHash>)> {
    let message = Message::decode(message).ok()?;
    if message.changes.len() != 1 || !message.need.is_empty() {
        return None;
    }
    let saved = message.changes.iter().next()?;
    let heads = saved_heads(saved)?;
    let mut stated = message.heads.clone();
    stated.sort();
    let mut recorded = heads.clone();
    recorded.sort();
    (!heads.is_empty() && stated == recorded).then(|| (saved.to_vec(), heads))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Peer;
    use automerge::transaction::Transactable;
    use automerge::{ActorId, Automerge, PatchLog, ReadDoc, ROOT};
    use proptest::prelude::*;

    /// A document edited by `actors` actors, `edits` changes each, text included.
    fn document(actors: u8, edits: u8) -> Automerge {
        let mut docs: Vec<Automerge> =
            (0..actors).map(|a| Automerge::new().with_actor(ActorId::from(vec![a + 1; 16]))).collect();
        for (a, doc) in docs.iter_mut().enumerate() {
            for e in 0..edits {
                let mut tx = doc.transaction();
                let text = tx.put_object(ROOT, format!("t{a}.{e}"), automerge::ObjType::Text).unwrap();
                tx.splice_text(&text, 0, 0, &"words ".repeat(usize::from(e) + 1)).unwrap();
                tx.put(ROOT, "last", i64::from(e)).unwrap();
                tx.commit();
            }
        }
        let mut merged = Automerge::new();
        for doc in &mut docs {
            merged.merge(doc).unwrap();
        }
        merged
    }

    proptest! {
        #[test]
        fn the_header_records_the_documents_heads(actors in 1u8..5, edits in 1u8..6) {
            let doc = document(actors, edits);
            let mut expected = doc.get_heads();
            expected.sort();
            let mut read = saved_heads(&doc.save()).expect("a saved document");
            read.sort();
            prop_assert_eq!(read, expected);
        }

        #[test]
        fn damaged_bytes_give_heads_or_nothing_never_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200), cut in any::<prop::sample::Index>()) {
            let _ = saved_heads(&bytes);
            let saved = document(2, 2).save();
            let _ = saved_heads(&saved[..cut.index(saved.len())]);
            let _ = whole_document(&bytes);
        }
    }

    #[test]
    fn not_a_document_is_not_read_as_one() {
        let mut doc = Automerge::new();
        doc.transact(|tx| tx.put(ROOT, "x", 1)).unwrap();
        let change = doc.get_last_local_change().unwrap().raw_bytes().to_vec();
        assert_eq!(saved_heads(&change), None, "a change chunk");
        assert_eq!(saved_heads(b""), None);
        assert_eq!(whole_document_message(&Automerge::new().save()), None, "an empty document");
    }

    /// The answer made from saved bytes brings a peer that held nothing to the same document
    /// as Automerge's own answer, and the two sides then agree there is nothing left to send.
    #[test]
    fn a_peer_asking_from_nothing_gets_the_document_from_its_saved_bytes() {
        let server_doc = document(3, 4);
        let saved = server_doc.save();
        let (mut client_side, mut server_side) = (Peer::default(), Peer::default());
        let ask = client_side.outgoing("d", &Automerge::new()).unwrap();
        assert!(asks_from_nothing(&Message::decode(&ask).unwrap()));

        let answer = whole_document_message(&saved).unwrap();
        let (bytes, heads) = whole_document(&answer).expect("the answer carries the whole document");
        assert_eq!(bytes, saved);
        let mut client = Automerge::new();
        client_side.incoming("d", &mut client, &answer, &mut PatchLog::inactive()).unwrap();
        assert_eq!(client.get_heads(), server_doc.get_heads());
        let (mut h1, mut h2) = (heads, server_doc.get_heads());
        h1.sort();
        h2.sort();
        assert_eq!(h1, h2);
        assert_eq!(client.get(ROOT, "last").unwrap().map(|(v, _)| v.to_string()), Some("3".into()));

        // Automerge's own answer to the same question holds the same document.
        let mut server = server_doc.clone();
        server_side.incoming("d", &mut server, &ask, &mut PatchLog::inactive()).unwrap();
        let automerge_answer = server_side.outgoing("d", &server).unwrap();
        let (theirs, _) = whole_document(&automerge_answer).expect("Automerge answers with the whole document");
        assert_eq!(Automerge::load(&theirs).unwrap().get_heads(), client.get_heads());

        // The server kept no state for the answer it made from bytes: the exchange runs out.
        let mut server_side = Peer::default();
        for _ in 0..4 {
            if let Some(m) = client_side.outgoing("d", &client) {
                server_side.incoming("d", &mut server, &m, &mut PatchLog::inactive()).unwrap();
            }
            if let Some(m) = server_side.outgoing("d", &server) {
                client_side.incoming("d", &mut client, &m, &mut PatchLog::inactive()).unwrap();
            }
        }
        assert!(client_side.outgoing("d", &client).is_none());
        assert!(server_side.outgoing("d", &server).is_none());
        assert_eq!(client.get_heads(), server.get_heads());
    }

    #[test]
    fn only_a_peer_holding_nothing_asks_from_nothing() {
        let doc = document(1, 2);
        let ask = Peer::default().outgoing("d", &doc).unwrap();
        assert!(!asks_from_nothing(&Message::decode(&ask).unwrap()), "a peer with heads");
        let empty = Peer::default().outgoing("d", &Automerge::new()).unwrap();
        let mut old = Message::decode(&empty).unwrap();
        old.flags = None;
        assert!(!asks_from_nothing(&old), "a peer that may not take whole documents");
    }
}
