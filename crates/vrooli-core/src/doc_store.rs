//! Documents in SQLite, and the cache of loaded ones.
//!
//! A document is its snapshot (`doc.snapshot`, a compacted `save()`, NULL
//! until the first compaction) plus the changes stored since
//! (`doc_change`). Changes are written in the same transaction as the
//! projection they produced. The change log grows about five times faster
//! than a snapshot, so after [`COMPACT_AFTER`] changes the document is saved
//! whole and its changes deleted. Reads never load documents: they read the
//! projection. Writes load the document they need, and a bounded cache keeps
//! the recently written ones.

use std::collections::HashMap;

use automerge::{ActorId, Automerge, Change, ChangeHash};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::doc_id::DocId;
use crate::error::CoreError;
use crate::genesis::genesis;

/// Changes kept beside the snapshot before it is rewritten: loading trades
/// against posting. A stored change applies at ~0.13 ms while the same change
/// inside a snapshot loads at ~0.05 ms, so a long tail slows a cold load
/// (~30 ms at 256); every compaction (a `save()`, ~3 ms for a 1,000-message
/// bucket, and a snapshot write) lands on one post. At 128 compactions are
/// under 1% of posts. The post p99 (12–16 ms in the documents bench) stayed
/// the same at 32 and at 128: it was SQLite's WAL checkpoint inside a commit,
/// now on the store's own thread (same bench binary: p99 15.2 ms without it,
/// 1.6 ms with it).
pub(crate) const COMPACT_AFTER: i64 = 128;
/// Documents kept loaded; a bucket of messages is well under a megabyte.
pub(crate) const CACHE_DOCS: usize = 64;

/// Whether this device holds the document, without loading it.
pub(crate) fn exists(tx: &rusqlite::Connection, id: &DocId) -> Result<bool, CoreError> {
    Ok(tx.prepare_cached("SELECT 1 FROM doc WHERE id = ?1")?.exists([id.to_string()])?)
}

/// Loads a stored document, or `None` if this device has never had it.
pub(crate) fn load(tx: &rusqlite::Connection, id: &DocId, actor: &ActorId) -> Result<Option<Automerge>, CoreError> {
    read(tx, id)?.map(|stored| stored.load(actor)).transpose()
}

/// A document's stored bytes, read but not loaded: loading is the slow part, and needs no
/// connection, so it can run on another thread (see `sync::merge_batch`).
pub(crate) struct Stored {
    key: String,
    snapshot: Option<Vec<u8>>,
    changes: Vec<Vec<u8>>,
}

/// Reads a stored document's snapshot and changes, or `None` if this device has never had it.
pub(crate) fn read(tx: &rusqlite::Connection, id: &DocId) -> Result<Option<Stored>, CoreError> {
    let key = id.to_string();
    let snapshot: Option<Option<Vec<u8>>> =
        tx.prepare_cached("SELECT snapshot FROM doc WHERE id = ?1")?.query_row([&key], |r| r.get(0)).optional()?;
    let Some(snapshot) = snapshot else { return Ok(None) };
    let changes = tx
        .prepare_cached("SELECT data FROM doc_change WHERE docId = ?1 ORDER BY seq")?
        .query_map([&key], |r| r.get::<_, Vec<u8>>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(Stored { key, snapshot, changes }))
}

impl Stored {
    /// The document, with `actor` writing its next changes.
    pub(crate) fn load(self, actor: &ActorId) -> Result<Automerge, CoreError> {
        let Stored { key, snapshot, changes } = self;
        let mut doc = match snapshot {
            Some(bytes) => Automerge::load(&bytes)?,
            None => Automerge::new(),
        };
        let changes = changes
            .into_iter()
            .map(|bytes| {
                Change::from_bytes(bytes)
                    .map_err(|e| CoreError::Inconsistent { doc: key.clone(), reason: e.to_string() })
            })
            .collect::<Result<Vec<_>, _>>()?;
        doc.apply_changes(changes)?;
        doc.set_actor(actor.clone());
        Ok(doc)
    }
}

/// Stores a new document's row and its genesis change.
pub(crate) fn create(tx: &Transaction<'_>, id: &DocId, actor: &ActorId) -> Result<Automerge, CoreError> {
    let doc = genesis(id, actor)?;
    tx.prepare_cached("INSERT INTO doc (id) VALUES (?1)")?.execute([id.to_string()])?;
    persist(tx, id, &doc, &[])?;
    Ok(doc)
}

/// Stores a document this device has never had, arriving whole: its data
/// becomes the snapshot (no change rows to write and then compact away).
pub(crate) fn create_from_snapshot(
    tx: &Transaction<'_>,
    id: &DocId,
    data: &[u8],
    heads: &[ChangeHash],
) -> Result<(), CoreError> {
    tx.prepare_cached("INSERT INTO doc (id, snapshot) VALUES (?1, ?2)")?.execute(params![id.to_string(), data])?;
    // Counted like stored changes, so sync knows the server may not have it yet.
    tx.prepare_cached("INSERT OR IGNORE INTO sync_state (docId, version, heads) VALUES (?1, 1, ?2)")?
        .execute(params![id.to_string(), heads_text(heads)])?;
    Ok(())
}

/// Stores the changes `doc` has beyond `before`, compacting when the log is long.
///
/// When the stored tail plus the new changes would pass [`COMPACT_AFTER`],
/// the snapshot is written at once instead of the changes: for a merge that
/// brought hundreds, rebuilding, inserting and then deleting each change cost
/// more than the save.
pub(crate) fn persist(
    tx: &Transaction<'_>,
    id: &DocId,
    doc: &Automerge,
    before: &[ChangeHash],
) -> Result<usize, CoreError> {
    let key = id.to_string();
    let new = doc.get_changes_meta(before).len();
    if new == 0 {
        return Ok(0);
    }
    let pending: i64 =
        tx.prepare_cached("SELECT pendingChanges FROM doc WHERE id = ?1")?.query_row([&key], |r| r.get(0))?;
    let added = if pending + new as i64 > COMPACT_AFTER {
        // No change row is inserted, so the version the sync state counts moves here instead.
        tx.prepare_cached("INSERT OR IGNORE INTO sync_state (docId) VALUES (?1)")?.execute([&key])?;
        tx.prepare_cached("UPDATE sync_state SET version = version + 1 WHERE docId = ?1")?.execute([&key])?;
        compact(tx, &key, doc)?;
        new
    } else {
        let mut insert =
            tx.prepare_cached("INSERT OR IGNORE INTO doc_change (docId, hash, data) VALUES (?1, ?2, ?3)")?;
        let mut added = 0;
        for change in doc.get_changes(before) {
            added += insert.execute(params![key, change.hash().to_string(), change.raw_bytes()])?;
        }
        tx.prepare_cached("UPDATE doc SET pendingChanges = pendingChanges + ?2 WHERE id = ?1")?
            .execute(params![key, added as i64])?;
        added
    };
    // After the change rows: inserting them cleared the heads (migration V7) and made sure the
    // row exists; the compaction path made it above. Not in `doc`: updating a row there
    // rewrites its snapshot.
    tx.prepare_cached("UPDATE sync_state SET heads = ?2 WHERE docId = ?1")?
        .execute(params![key, heads_text(&doc.get_heads())])?;
    Ok(added)
}

/// Heads as stored (`sync_state.heads` and `sharedHeads`): sorted, comma-separated.
pub(crate) fn heads_text(heads: &[ChangeHash]) -> String {
    let mut heads = heads.to_vec();
    heads.sort();
    heads.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

/// The heads a document is stored at, without loading it; `None` when the
/// document is not here or its heads were not recorded (see migration V7).
pub(crate) fn stored_heads(conn: &rusqlite::Connection, id: &DocId) -> Result<Option<Vec<ChangeHash>>, CoreError> {
    let text: Option<Option<String>> = conn
        .prepare_cached("SELECT heads FROM sync_state WHERE docId = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    let Some(text) = text.flatten() else { return Ok(None) };
    if text.is_empty() {
        return Ok(Some(Vec::new()));
    }
    // Unreadable heads are unknown heads: the caller loads the document instead.
    Ok(text.split(',').map(str::parse).collect::<Result<Vec<ChangeHash>, _>>().ok())
}

fn compact(tx: &Transaction<'_>, key: &str, doc: &Automerge) -> Result<(), CoreError> {
    tx.prepare_cached("UPDATE doc SET snapshot = ?2, pendingChanges = 0 WHERE id = ?1")?
        .execute(params![key, doc.save()])?;
    tx.prepare_cached("DELETE FROM doc_change WHERE docId = ?1")?.execute([key])?;
    tracing::debug!(doc = key, "compacted document");
    Ok(())
}

/// Every stored document id.
pub(crate) fn all_ids(conn: &rusqlite::Connection) -> Result<Vec<DocId>, CoreError> {
    let mut stmt = conn.prepare("SELECT id FROM doc ORDER BY id")?;
    let ids = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    ids.iter().map(|s| s.parse()).collect()
}

/// Recently used documents, at most [`CACHE_DOCS`]. A document is taken out
/// while a write uses it and put back only after that write committed, so
/// the cache never holds changes the database does not.
#[derive(Default)]
pub(crate) struct DocCache {
    docs: HashMap<DocId, (Automerge, u64)>,
    clock: u64,
    /// The heads of every document put back since the cache was last cleared, kept after the
    /// document itself is evicted: enough to tell, without loading it, that a sync peer
    /// already holds exactly this document.
    heads: HashMap<DocId, Vec<ChangeHash>>,
}

impl DocCache {
    pub fn contains(&self, id: &DocId) -> bool {
        self.docs.contains_key(id)
    }

    pub fn take(&mut self, id: &DocId) -> Option<Automerge> {
        self.docs.remove(id).map(|(doc, _)| doc)
    }

    pub fn put(&mut self, id: DocId, doc: Automerge) {
        self.heads.insert(id, doc.get_heads());
        self.clock += 1;
        if self.docs.len() >= CACHE_DOCS && !self.docs.contains_key(&id) {
            if let Some(oldest) = self.docs.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| *k) {
                self.docs.remove(&oldest);
            }
        }
        self.docs.insert(id, (doc, self.clock));
    }

    pub fn clear(&mut self) {
        self.docs.clear();
        self.heads.clear();
    }

    /// The document's heads as last put back, if it was since the last `clear`.
    pub fn heads(&self, id: &DocId) -> Option<&[ChangeHash]> {
        self.heads.get(id).map(Vec::as_slice)
    }
}
