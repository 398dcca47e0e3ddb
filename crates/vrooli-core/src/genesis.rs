//! The first change of every document, identical on every device.
//!
//! If two devices each created a document's root maps themselves, merging
//! would leave two conflicting maps under one key and hide one device's
//! entries. So every document starts from the same change — a fixed actor,
//! time 0, the same operations, hence the same hash — and only then does the
//! device's own actor take over. Merging two such documents dedups the
//! genesis change and shares its maps.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, Automerge, AutomergeError, ObjType, ROOT};

use crate::doc_id::DocId;

/// The root maps of each kind of document.
pub(crate) fn root_keys(id: &DocId) -> &'static [&'static str] {
    match id {
        DocId::Chat(_) => &["chat", "translations", "participants", "invites"],
        DocId::Messages { .. } => &["messages"],
        DocId::Resource(_) => &["resource", "versions", "tags"],
        DocId::Run(_) => &["run", "steps", "io"],
    }
}

pub(crate) fn genesis_actor() -> ActorId {
    ActorId::from([0u8; 16])
}

/// A new document holding only the genesis change, with `actor` set for what follows.
pub(crate) fn genesis(id: &DocId, actor: &ActorId) -> Result<Automerge, AutomergeError> {
    let mut doc = Automerge::new().with_actor(genesis_actor());
    doc.transact_with(
        |_| CommitOptions::default().with_time(0),
        |tx| {
            for key in root_keys(id) {
                tx.put_object(ROOT, *key, ObjType::Map)?;
            }
            Ok::<_, AutomergeError>(())
        },
    )
    .map_err(|failure| failure.error)?;
    doc.set_actor(actor.clone());
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_device_makes_the_same_genesis() {
        let id = DocId::Messages { chat: 1, bucket: 2 };
        let a = genesis(&id, &ActorId::from([1u8; 8])).unwrap();
        let b = genesis(&id, &ActorId::from([2u8; 8])).unwrap();
        assert_eq!(a.get_heads(), b.get_heads());
    }
}
