//! What the sync server is known to hold: per document, the version (a count
//! of stored changes, kept by a trigger on `doc_change`) and heads at which
//! the server last acknowledged it (`sync_state`, migration V5).
//!
//! A document is *pending* while its version is past that mark. Counting
//! pending documents reads one small table and never loads a document.
//! Marking reads the recorded heads of the documents that changed since their
//! last mark (loading only those whose heads are not recorded), in one write
//! transaction, and marks a document only if it is still at the
//! heads the server acknowledged: a change made in between — by this
//! process or by another one on the same database — keeps it pending.

use std::collections::HashSet;

use rusqlite::params;
use vrooli_protocol::Peer;

use crate::doc_id::DocId;
use crate::doc_store;
use crate::error::CoreError;
use crate::workspace::{Tx, Workspace};

/// Marks a document that just arrived whole from the server as shared at `heads`.
pub(crate) fn mark_adopted(t: &mut Tx<'_, '_>, id: &DocId, heads: &[automerge::ChangeHash]) -> Result<(), CoreError> {
    let text = doc_store::heads_text(heads);
    t.w.transaction()
        .prepare_cached("UPDATE sync_state SET sharedVersion = version, sharedHeads = ?2 WHERE docId = ?1")?
        .execute(params![id.to_string(), text])?;
    Ok(())
}

impl Workspace {
    /// How many documents hold changes the sync server has not
    /// acknowledged (including documents it has never seen).
    pub fn pending_documents(&self) -> Result<usize, CoreError> {
        let count: i64 = self.store.connection().query_row(
            "SELECT count(*) FROM doc d LEFT JOIN sync_state s ON s.docId = d.id
             WHERE s.sharedVersion IS NULL OR s.version > s.sharedVersion",
            [],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// Records that the server holds each of `ids` at the heads `peer` last
    /// sent it, for the documents still at those heads. Call it only when a
    /// sync session has converged (every document's [`Peer::outgoing`] is
    /// `None` after the server answered every request): then the server
    /// holds what was last sent. Returns how many documents were marked.
    pub fn mark_shared<'a>(
        &mut self,
        peer: &Peer,
        ids: impl IntoIterator<Item = &'a DocId>,
    ) -> Result<usize, CoreError> {
        let wanted: HashSet<DocId> = ids.into_iter().copied().collect();
        let Workspace { store, actor, .. } = self;
        store.write(|w| -> Result<usize, CoreError> {
            let tx = w.transaction();
            let changed: Vec<(String, i64, Option<String>)> = tx
                .prepare_cached(
                    "SELECT docId, version, heads FROM sync_state
                     WHERE sharedVersion IS NULL OR version > sharedVersion",
                )?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?;
            let mut marked = 0;
            for (key, version, heads) in changed {
                let Ok(id) = key.parse::<DocId>() else { continue };
                if !wanted.contains(&id) {
                    continue;
                }
                let Some(sent) = peer.sent_heads(&key) else { continue };
                // From the database, not the cache: another connection may have written since.
                // The recorded heads when there are some (loading a busy bucket cold took tens
                // of milliseconds, once per document of every session), else the document's.
                let text = match heads {
                    Some(text) => text,
                    None => match doc_store::load(tx, &id, actor)? {
                        Some(doc) => doc_store::heads_text(&doc.get_heads()),
                        None => continue,
                    },
                };
                if text != doc_store::heads_text(sent) {
                    continue;
                }
                tx.prepare_cached("UPDATE sync_state SET sharedVersion = ?2, sharedHeads = ?3 WHERE docId = ?1")?
                    .execute(params![key, version, text])?;
                marked += 1;
            }
            Ok(marked)
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use vrooli_store::DataDir;

    fn workspace(dir: &tempfile::TempDir) -> Workspace {
        Workspace::open(&DataDir::at(dir.path())).unwrap()
    }

    /// Syncs every document of `a` with `server` until both are quiet, as the
    /// client does with the sync server; returns the documents exchanged.
    fn converge(a: &mut Workspace, pa: &mut Peer, server: &mut Workspace, ps: &mut Peer) -> Vec<DocId> {
        let ids: Vec<DocId> = a.documents().unwrap();
        for _ in 0..20 {
            let mut quiet = true;
            for id in &ids {
                if let Some(m) = a.sync_outgoing(pa, id).unwrap() {
                    quiet = false;
                    server.sync_incoming(ps, id, &m).unwrap();
                    if let Some(answer) = server.sync_outgoing(ps, id).unwrap() {
                        a.sync_incoming(pa, id, &answer).unwrap();
                    }
                }
            }
            if quiet {
                return ids;
            }
        }
        panic!("did not converge");
    }

    #[test]
    fn documents_are_pending_until_the_server_holds_their_heads() {
        let (da, ds) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (mut a, mut server) = (workspace(&da), workspace(&ds));
        let chat = a.create_chat("Plans", "en").unwrap();
        assert_eq!(a.pending_documents().unwrap(), 1, "a new document is pending");

        let (mut pa, mut ps) = (Peer::default(), Peer::default());
        let ids = converge(&mut a, &mut pa, &mut server, &mut ps);
        assert_eq!(a.mark_shared(&pa, &ids).unwrap(), 1);
        assert_eq!(a.pending_documents().unwrap(), 0);
        assert_eq!(a.mark_shared(&pa, &ids).unwrap(), 0, "nothing changed since: nothing to load");

        a.set_chat_translation(chat.id, "en", "Plans for May", None).unwrap();
        assert_eq!(a.pending_documents().unwrap(), 1, "a local change is pending");
        assert_eq!(a.mark_shared(&pa, &ids).unwrap(), 0, "not sent yet: not marked");
        let ids = converge(&mut a, &mut pa, &mut server, &mut ps);
        a.mark_shared(&pa, &ids).unwrap();
        assert_eq!(a.pending_documents().unwrap(), 0);
    }

    #[test]
    fn a_change_from_another_connection_after_sending_stays_pending() {
        let (da, ds) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (mut a, mut server) = (workspace(&da), workspace(&ds));
        let chat = a.create_chat("Plans", "en").unwrap();
        let (mut pa, mut ps) = (Peer::default(), Peer::default());
        let ids = converge(&mut a, &mut pa, &mut server, &mut ps);

        // Another process writes to the same database before the mark.
        let mut other = workspace(&da);
        other.set_chat_translation(chat.id, "en", "Renamed elsewhere", None).unwrap();
        assert_eq!(a.mark_shared(&pa, &ids).unwrap(), 0, "the database is past the heads sent");
        assert_eq!(a.pending_documents().unwrap(), 1);
    }

    #[test]
    fn merged_changes_are_pending_until_a_session_confirms_them() {
        let (da, db, ds) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (mut a, mut b, mut server) = (workspace(&da), workspace(&db), workspace(&ds));
        let chat = a.create_chat("Plans", "en").unwrap();
        a.post_message(chat.id, "hello", "en", None).unwrap();
        let (mut pa, mut ps) = (Peer::default(), Peer::default());
        let ids = converge(&mut a, &mut pa, &mut server, &mut ps);
        a.mark_shared(&pa, &ids).unwrap();

        // b receives through the bundle path: the server is not known to hold b's copy yet.
        b.import_bundle(&a.export_bundle(None).unwrap()).unwrap();
        assert_eq!(b.pending_documents().unwrap(), 2);
        let (mut pb, mut psb) = (Peer::default(), Peer::default());
        let ids = converge(&mut b, &mut pb, &mut server, &mut psb);
        assert_eq!(b.mark_shared(&pb, &ids).unwrap(), 2);
        assert_eq!(b.pending_documents().unwrap(), 0);
    }

    /// Every document's recorded heads are the heads it loads with.
    fn assert_heads_recorded(ws: &Workspace) {
        for id in ws.documents().unwrap() {
            let loaded = doc_store::load(ws.store.connection(), &id, &ws.actor).unwrap().unwrap();
            let recorded = doc_store::stored_heads(ws.store.connection(), &id).unwrap();
            assert_eq!(recorded, Some(loaded.get_heads()), "{id}");
        }
    }

    #[test]
    fn every_kind_of_write_records_the_heads() {
        let (da, db, ds) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (mut a, mut b, mut server) = (workspace(&da), workspace(&db), workspace(&ds));
        let chat = a.create_chat("Plans", "en").unwrap();
        assert_heads_recorded(&a);
        // Past the compaction threshold: the snapshot path records them too.
        for i in 0..doc_store::COMPACT_AFTER + 5 {
            a.post_message(chat.id, &format!("message {i}"), "en", None).unwrap();
        }
        assert_heads_recorded(&a);
        // Arriving whole (adopted), then merged change by change.
        b.import_bundle(&a.export_bundle(None).unwrap()).unwrap();
        assert_heads_recorded(&b);
        b.post_message(chat.id, "from b", "en", None).unwrap();
        let (mut pb, mut ps) = (Peer::default(), Peer::default());
        converge(&mut b, &mut pb, &mut server, &mut ps);
        assert_heads_recorded(&server);
        a.import_bundle(&b.export_bundle(None).unwrap()).unwrap();
        assert_heads_recorded(&a);
    }

    #[test]
    fn a_document_without_recorded_heads_is_loaded_to_mark_it() {
        let (da, ds) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (mut a, mut server) = (workspace(&da), workspace(&ds));
        a.create_chat("Plans", "en").unwrap();
        let (mut pa, mut ps) = (Peer::default(), Peer::default());
        let ids = converge(&mut a, &mut pa, &mut server, &mut ps);
        // As stored by a build before migration V6.
        a.store.connection().execute("UPDATE sync_state SET heads = NULL", []).unwrap();
        assert_eq!(a.mark_shared(&pa, &ids).unwrap(), 1);
        assert_eq!(a.pending_documents().unwrap(), 0);
    }

    #[test]
    fn storing_a_change_row_alone_forgets_the_heads() {
        let da = tempfile::tempdir().unwrap();
        let mut a = workspace(&da);
        let chat = a.create_chat("Plans", "en").unwrap();
        let id = DocId::Chat(chat.id);
        assert!(doc_store::stored_heads(a.store.connection(), &id).unwrap().is_some());
        a.store
            .connection()
            .execute("INSERT INTO doc_change (docId, hash, data) VALUES (?1, 'x', x'00')", [id.to_string()])
            .unwrap();
        assert_eq!(doc_store::stored_heads(a.store.connection(), &id).unwrap(), None, "unknown, so loaded");
    }
}
