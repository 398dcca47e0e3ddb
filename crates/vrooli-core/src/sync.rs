//! Syncing documents with a peer (the sync server) through the protocol's
//! [`Peer`]: the transport is the caller's; this module only turns documents
//! into sync messages and incoming messages into merged, projected documents.

use std::collections::{HashMap, VecDeque};

use automerge::{ActorId, Automerge, Patch, PatchLog};
use vrooli_protocol::Peer;

use crate::doc_id::DocId;
use crate::doc_store;
use crate::error::CoreError;
use crate::merge::{adopt, project_patches};
use crate::merge_work::{Done, Job, Work};
use crate::workspace::{Tx, Workspace};

impl Workspace {
    /// Every document this device holds.
    pub fn documents(&self) -> Result<Vec<DocId>, CoreError> {
        doc_store::all_ids(self.store.connection())
    }

    /// The sync message for `id`, or `None` when the peer has everything.
    /// A document this device lacks syncs from empty, so the peer sends it whole.
    ///
    /// A document the peer is known to hold exactly as it is here is not even loaded: a sync
    /// round walks every document, and loading hundreds of settled ones was most of its cost.
    pub fn sync_outgoing(&mut self, peer: &mut Peer, id: &DocId) -> Result<Option<Vec<u8>>, CoreError> {
        let settled = match self.cache.heads(id) {
            Some(heads) => peer.settled(&id.to_string(), heads),
            // Not written since the cache was cleared (e.g. another process wrote): the
            // recorded heads say the same without a load.
            None => doc_store::stored_heads(self.store.connection(), id)?
                .is_some_and(|heads| peer.settled(&id.to_string(), &heads)),
        };
        if settled {
            return Ok(None);
        }
        let doc = match self.cache.take(id) {
            Some(doc) => doc,
            None => match doc_store::load(self.store.connection(), id, &self.actor)? {
                Some(doc) => doc,
                None => return Ok(peer.outgoing(&id.to_string(), &Automerge::new())),
            },
        };
        let message = peer.outgoing(&id.to_string(), &doc);
        self.cache.put(*id, doc);
        Ok(message)
    }

    /// Applies the peer's message for `id`: merge, re-project what it
    /// touched, store the new changes — one transaction. Returns whether the
    /// document gained changes.
    pub fn sync_incoming(&mut self, peer: &mut Peer, id: &DocId, message: &[u8]) -> Result<bool, CoreError> {
        self.transact(|t| incoming(t, peer, id, message))
    }

    /// Applies many of the peer's messages, [`INCOMING_BATCH`] documents to a
    /// transaction: a fresh device takes a thousand documents in one answer,
    /// and committing each alone made SQLite's full-text index flush and
    /// merge its segments a thousand times. Returns the documents that gained
    /// changes. On an error, the batch it happened in is rolled back (the
    /// caller must then forget `peer`'s state, which believes it arrived).
    ///
    /// Loading documents and receiving messages into them is shared with a second thread
    /// (see `merge_batch`).
    pub fn sync_incoming_all(
        &mut self,
        peer: &mut Peer,
        messages: impl IntoIterator<Item = Incoming>,
    ) -> Result<Vec<DocId>, CoreError> {
        let mut gained = Vec::new();
        let mut messages = messages.into_iter().peekable();
        while messages.peek().is_some() {
            let batch: Vec<Incoming> = messages.by_ref().take(INCOMING_BATCH).collect();
            gained.extend(self.transact(|t| merge_batch(t, peer, batch))?);
        }
        Ok(gained)
    }
}

/// Documents merged in one transaction by [`Workspace::sync_incoming_all`]:
/// enough to spread the index flush thin, few enough that the documents
/// waiting for the commit stay small in memory.
pub const INCOMING_BATCH: usize = 100;

/// The peer's message for one document, ready for [`Workspace::sync_incoming_all`].
pub struct Incoming {
    pub id: DocId,
    message: Vec<u8>,
    whole: Option<Whole>,
}

/// A whole document a message carried, loaded.
pub(crate) struct Whole {
    doc: Automerge,
    saved: Vec<u8>,
}

impl Whole {
    /// The whole document `message` carries (the answer to asking from nothing), loaded; `None`
    /// when it carries something else or does not load (the workspace then reports why).
    pub(crate) fn of(message: &[u8]) -> Option<Whole> {
        let (saved, _) = vrooli_protocol::whole::whole_document(message)?;
        Some(Whole { doc: Automerge::load(&saved).ok()?, saved })
    }
}

impl Incoming {
    /// The message as it came: the workspace does all the work.
    pub fn new(id: DocId, message: Vec<u8>) -> Incoming {
        Incoming { id, message, whole: None }
    }

    /// The message, and the whole document it carries (the answer to asking from nothing)
    /// already loaded, so the workspace only stores and projects it. Loading is most of what a
    /// fresh device spends and needs no workspace: call this on another thread while the
    /// workspace merges other documents. A document that does not load is left to the
    /// workspace, which reports why.
    pub fn prepared(id: DocId, message: Vec<u8>) -> Incoming {
        let whole = Whole::of(&message);
        Incoming { id, message, whole }
    }
}

/// Merges one batch in the caller's transaction, two threads sharing the work that needs no
/// transaction: loading each stored document a message merges into and receiving the message
/// there, or loading a whole document that arrived. That work is most of a merge; projecting
/// and storing stay on this thread, in batch order. The stored bytes are read here, inside the
/// transaction, so what is loaded is what the merge would have loaded. A document that fails to
/// load there is merged the usual way, which reports why; a document named twice in a batch
/// is left to the usual way too.
fn merge_batch(t: &mut Tx<'_, '_>, peer: &mut Peer, mut batch: Vec<Incoming>) -> Result<Vec<DocId>, CoreError> {
    let mut wholes: Vec<Option<Whole>> = batch.iter_mut().map(|m| m.whole.take()).collect();
    let mut named = HashMap::<DocId, usize>::new();
    for message in &batch {
        *named.entry(message.id).or_default() += 1;
    }
    let mut queue = VecDeque::new();
    for (i, message) in batch.iter().enumerate() {
        if wholes[i].is_some() || named[&message.id] > 1 || t.is_loaded(&message.id) {
            continue;
        }
        let job = match doc_store::read(t.w.transaction(), &message.id)? {
            Some(stored) => Job::Merge {
                stored,
                state: Box::new(peer.take_state(&message.id.to_string())),
                message: &message.message,
            },
            None => Job::Whole(&message.message),
        };
        queue.push_back((i, message.id, job));
    }
    let mut has_job = vec![false; batch.len()];
    for (i, _, _) in &queue {
        has_job[*i] = true;
    }
    let work = Work::new(queue);
    let actor = t.actor().clone();
    std::thread::scope(|scope| {
        scope.spawn(|| work.help(&actor));
        let merged = merge_in_order(t, peer, &batch, &mut wholes, &has_job, &work, &actor);
        work.stop();
        merged
    })
}

fn merge_in_order(
    t: &mut Tx<'_, '_>,
    peer: &mut Peer,
    batch: &[Incoming],
    wholes: &mut [Option<Whole>],
    has_job: &[bool],
    work: &Work<'_>,
    actor: &ActorId,
) -> Result<Vec<DocId>, CoreError> {
    let mut gained = Vec::new();
    for (i, message) in batch.iter().enumerate() {
        let id = message.id;
        let key = id.to_string();
        let mut whole = wholes[i].take();
        let done = if has_job[i] { work.result(i, actor) } else { None };
        let changed = match done {
            Some(Done::Merged { doc, before, patches, state }) => {
                peer.restore(&key, *state);
                t.taken_at(id, before);
                finish_merge(t, &id, doc, patches)?
            }
            Some(Done::Refused { state, reason }) => {
                peer.restore(&key, *state);
                return Err(CoreError::Inconsistent { doc: key, reason });
            }
            Some(Done::NotLoaded { state }) => {
                peer.restore(&key, *state);
                incoming(t, peer, &id, &message.message)?
            }
            Some(Done::Whole(loaded)) => {
                whole = loaded;
                incoming_ready(t, peer, &id, &message.message, whole)?
            }
            None => incoming_ready(t, peer, &id, &message.message, whole)?,
        };
        if changed {
            gained.push(id);
        }
    }
    Ok(gained)
}

fn incoming_ready(
    t: &mut Tx<'_, '_>,
    peer: &mut Peer,
    id: &DocId,
    message: &[u8],
    whole: Option<Whole>,
) -> Result<bool, CoreError> {
    match whole {
        // Stored as the peer saved it: no second save, no second load.
        Some(Whole { doc, saved }) if !t.has_doc(id)? => adopt_whole(t, peer, id, doc, &saved),
        _ => incoming(t, peer, id, message),
    }
}

fn incoming(t: &mut Tx<'_, '_>, peer: &mut Peer, id: &DocId, message: &[u8]) -> Result<bool, CoreError> {
    let Some(mut doc) = t.take_doc(id, false)? else {
        return adopt_synced(t, peer, id, message);
    };
    let before = doc.get_heads();
    let mut log = PatchLog::active();
    peer.incoming(&id.to_string(), &mut doc, message, &mut log)
        .map_err(|e| CoreError::Inconsistent { doc: id.to_string(), reason: e.to_string() })?;
    let patches = (doc.get_heads() != before).then(|| doc.make_patches(&mut log));
    finish_merge(t, id, doc, patches)
}

/// Projects what a received message changed (`patches`, `None` when it changed nothing) and
/// hands the document back to the transaction. Returns whether it changed.
fn finish_merge(
    t: &mut Tx<'_, '_>,
    id: &DocId,
    doc: Automerge,
    patches: Option<Vec<Patch>>,
) -> Result<bool, CoreError> {
    let Some(patches) = patches else {
        t.put_doc(*id, doc)?;
        return Ok(false);
    };
    project_patches(t, id, &doc, &patches)?;
    t.put_doc(*id, doc)?;
    Ok(true)
}

/// A document this device does not have yet. It told the peer it holds
/// nothing (see `sync_outgoing`), so the peer answers with the whole
/// document; received into an empty one, Automerge loads it in one pass,
/// several times faster than applying its changes one by one onto a
/// genesis document. A message without changes (only the peer's heads)
/// leaves nothing to store.
fn adopt_synced(t: &mut Tx<'_, '_>, peer: &mut Peer, id: &DocId, message: &[u8]) -> Result<bool, CoreError> {
    let mut doc = Automerge::new().with_actor(t.actor().clone());
    peer.incoming(&id.to_string(), &mut doc, message, &mut PatchLog::inactive())
        .map_err(|e| CoreError::Inconsistent { doc: id.to_string(), reason: e.to_string() })?;
    if doc.get_heads().is_empty() {
        return Ok(false);
    }
    let data = doc.save();
    adopt_whole(t, peer, id, doc, &data)
}

/// Stores and projects a whole document from the peer, `saved` being its saved form. It came
/// from the server whole: the server holds it exactly as stored here, so neither the next
/// round nor marking what is shared needs to load it again.
fn adopt_whole(
    t: &mut Tx<'_, '_>,
    peer: &mut Peer,
    id: &DocId,
    doc: Automerge,
    saved: &[u8],
) -> Result<bool, CoreError> {
    let heads = doc.get_heads();
    adopt(t, id, doc, saved)?;
    peer.adopted(&id.to_string(), &heads);
    crate::sync_state::mark_adopted(t, id, &heads)?;
    Ok(true)
}
