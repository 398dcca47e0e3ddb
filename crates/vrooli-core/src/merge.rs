//! Merging documents from elsewhere (a bundle file now, the sync server
//! later) and re-projecting what changed, all in one transaction.

use crate::doc_id::DocId;
use crate::error::CoreError;
use crate::genesis::genesis_actor;
use crate::workspace::{Tx, Workspace};
use crate::{chat, doc_store, resource, run};

/// What a merge did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// Documents offered.
    pub documents: usize,
    /// Documents that gained changes.
    pub changed: usize,
}

impl Workspace {
    /// Merges each document's data (a `save()` or changes). All of it lands,
    /// or — on any invalid or inconsistent document — none of it.
    pub fn merge(&mut self, mut docs: Vec<(DocId, Vec<u8>)>) -> Result<MergeReport, CoreError> {
        // Headers first, so messages and runs find the rows they point at.
        docs.sort_by_key(|(id, _)| (id.merge_rank(), *id));
        self.transact(|t| {
            let mut report = MergeReport { documents: docs.len(), changed: 0 };
            for (id, data) in &docs {
                if merge_one(t, id, data)? {
                    report.changed += 1;
                }
            }
            // `transact` projects the documents these merges woke.
            Ok(report)
        })
    }
}

fn merge_one(t: &mut Tx<'_, '_>, id: &DocId, data: &[u8]) -> Result<bool, CoreError> {
    let Some(mut doc) = t.take_doc(id, false)? else {
        return adopt_new(t, id, data);
    };
    let Some(patches) = t.merge(id, &mut doc, data)? else {
        t.put_doc(*id, doc)?;
        return Ok(false);
    };
    project_patches(t, id, &doc, &patches)?;
    t.put_doc(*id, doc)?;
    Ok(true)
}

/// A document this device has never had: loaded whole, which is several
/// times faster than merging it into a fresh genesis document, then
/// projected in full.
fn adopt_new(t: &mut Tx<'_, '_>, id: &DocId, data: &[u8]) -> Result<bool, CoreError> {
    let doc = automerge::Automerge::load(data)?;
    adopt(t, id, doc, data)?;
    Ok(true)
}

/// Stores and projects a document that arrived whole; `data` is its saved
/// form. It must start from this kind of document's genesis change, or
/// later local writes would create conflicting root maps.
pub(crate) fn adopt(
    t: &mut Tx<'_, '_>,
    id: &DocId,
    mut doc: automerge::Automerge,
    data: &[u8],
) -> Result<(), CoreError> {
    use automerge::ReadDoc;
    let genesis = crate::genesis::genesis(id, t.actor())?;
    if genesis.get_heads().iter().any(|h| doc.get_change_by_hash(h).is_none()) {
        return Err(CoreError::Inconsistent {
            doc: id.to_string(),
            reason: "it does not start from Vrooli's genesis change".into(),
        });
    }
    doc.set_actor(t.actor().clone());
    doc_store::create_from_snapshot(t.w.transaction(), id, data, &doc.get_heads())?;
    project_all(t, id, &doc)?;
    t.adopt_doc(*id, doc);
    Ok(())
}

/// Re-projects what a merge's patches touched: the messages named in them
/// for a bucket, the whole (small) aggregate otherwise.
pub(crate) fn project_patches(
    t: &mut Tx<'_, '_>,
    id: &DocId,
    doc: &automerge::Automerge,
    patches: &[automerge::Patch],
) -> Result<(), CoreError> {
    match id {
        DocId::Chat(chat) => chat::project_header(t, id, doc, *chat),
        DocId::Messages { .. } => chat::project_messages(t, id, doc, &chat::touched_messages(patches)),
        DocId::Resource(resource) => resource::project(t, id, doc, *resource),
        DocId::Run(run) => run::project(t, id, doc, *run),
    }
}

/// Re-projects a whole document, as `doctor` and tests compare against.
pub(crate) fn project_all(t: &mut Tx<'_, '_>, id: &DocId, doc: &automerge::Automerge) -> Result<(), CoreError> {
    match id {
        DocId::Chat(chat) => chat::project_header(t, id, doc, *chat),
        DocId::Messages { .. } => chat::project_messages(t, id, doc, &chat::all_messages(doc, id)?),
        DocId::Resource(resource) => resource::project(t, id, doc, *resource),
        DocId::Run(run) => run::project(t, id, doc, *run),
    }
}

/// Projects again the documents woken because a row they waited for arrived
/// (see `refs`), until none is left. Each round only re-projects documents
/// whose rows already exist but for the references now resolved, so it ends.
pub(crate) fn project_woken(t: &mut Tx<'_, '_>) -> Result<(), CoreError> {
    loop {
        let woken = t.take_woken();
        if woken.is_empty() {
            return Ok(());
        }
        for id in woken {
            // The database holds every change of this transaction so far.
            if let Some(doc) = doc_store::load(t.w.transaction(), &id, &genesis_actor())? {
                project_all(t, &id, &doc)?;
            }
        }
    }
}
