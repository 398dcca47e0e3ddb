//! The workspace: the store plus the documents behind its aggregates.
//!
//! Every operation runs in one [`Tx`]: one SQLite transaction in which
//! documents are taken (from the cache, the database, or made from genesis),
//! changed, persisted and projected. Documents go back to the cache only
//! after the transaction committed; on any error they are dropped and the
//! next use reloads them from the database, so memory never runs ahead of
//! disk.

use std::collections::{HashMap, HashSet};

use automerge::transaction::{CommitOptions, Transaction};
use automerge::{ActorId, Automerge, ChangeHash, PatchLog};
use vrooli_model::{Timestamp, Value};
use vrooli_store::{DataDir, Store, Writer};

use crate::doc_id::DocId;
use crate::doc_store::{self, DocCache};
use crate::error::CoreError;

pub struct Workspace {
    pub(crate) store: Store,
    pub(crate) cache: DocCache,
    pub(crate) actor: ActorId,
}

impl Workspace {
    pub fn open(dir: &DataDir) -> Result<Workspace, CoreError> {
        Self::from_store(Store::open(dir)?)
    }

    /// Opens with a chosen clock (tests control time: buckets, history, run timing).
    pub fn open_with_clock(dir: &DataDir, clock: Box<dyn vrooli_model::Clock>) -> Result<Workspace, CoreError> {
        std::fs::create_dir_all(dir.path()).map_err(|source| {
            CoreError::Store(vrooli_store::StoreError::CreateDataDir { path: dir.path().to_path_buf(), source })
        })?;
        Self::from_store(Store::open_with(&dir.database_path(), clock, None)?)
    }

    /// Wraps an open store; this device's actor is its device id.
    pub fn from_store(store: Store) -> Result<Workspace, CoreError> {
        let actor = ActorId::try_from(store.device_id())
            .map_err(|_| CoreError::Inconsistent { doc: "local_meta".into(), reason: "device id is not hex".into() })?;
        Ok(Workspace { store, cache: DocCache::default(), actor })
    }

    /// The store, for this device's local state (`Store::set_local`).
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn device_id(&self) -> &str {
        self.store.device_id()
    }

    /// Forgets loaded documents (they reload from the database on next use).
    pub fn clear_cache(&mut self) {
        self.cache.clear();
    }

    /// Runs `f` in one SQLite transaction with access to documents.
    pub(crate) fn transact<T>(
        &mut self,
        f: impl FnOnce(&mut Tx<'_, '_>) -> Result<T, CoreError>,
    ) -> Result<T, CoreError> {
        let Workspace { store, cache, actor } = self;
        let mut finished = Vec::new();
        let result = store.write(|w| -> Result<T, CoreError> {
            let mut tx = Tx {
                w,
                cache: &mut *cache,
                actor: &*actor,
                taken: HashMap::new(),
                finished: Vec::new(),
                woken: Vec::new(),
                users: HashSet::new(),
            };
            let value = f(&mut tx)?;
            // Documents woken by rows this write brought are projected in it too.
            crate::merge::project_woken(&mut tx)?;
            finished = std::mem::take(&mut tx.finished);
            Ok(value)
        });
        if result.is_ok() {
            for (id, doc) in finished {
                cache.put(id, doc);
            }
        }
        result
    }
}

impl Workspace {
    /// Like [`Workspace::transact`], but always rolled back and caching nothing.
    pub(crate) fn rehearse<T>(
        &mut self,
        f: impl FnOnce(&mut Tx<'_, '_>) -> Result<T, CoreError>,
    ) -> Result<T, CoreError> {
        let Workspace { store, cache, actor } = self;
        let mut scratch = DocCache::default();
        let result = store.rehearse(|w| -> Result<T, CoreError> {
            let mut tx = Tx {
                w,
                cache: &mut scratch,
                actor: &*actor,
                taken: HashMap::new(),
                finished: Vec::new(),
                woken: Vec::new(),
                users: HashSet::new(),
            };
            f(&mut tx)
        });
        cache.clear();
        result
    }
}

/// One transaction's view: the store writer and the documents it changes.
pub(crate) struct Tx<'w, 'a> {
    pub w: &'w mut Writer<'a>,
    cache: &'w mut DocCache,
    actor: &'w ActorId,
    taken: HashMap<DocId, Vec<ChangeHash>>,
    finished: Vec<(DocId, Automerge)>,
    /// Documents to project again: a row they were waiting for arrived.
    woken: Vec<DocId>,
    /// Users known to have a row in this transaction ([`crate::refs::ensure_user`] asks once
    /// per author, not once per message).
    users: HashSet<i64>,
}

impl Tx<'_, '_> {
    pub fn now(&self) -> Timestamp {
        self.w.now()
    }

    /// Records that `user` has a row; returns whether this transaction knew already.
    pub(crate) fn user_known(&mut self, user: i64) -> bool {
        !self.users.insert(user)
    }

    pub fn next_id(&mut self) -> i64 {
        self.w.next_id().get()
    }

    /// Takes a document for changing: from the cache, the database, or (when
    /// `create`) a new one from genesis. `None` if it does not exist and
    /// `create` is false. Hand it back with [`Tx::put_doc`].
    pub fn take_doc(&mut self, id: &DocId, create: bool) -> Result<Option<Automerge>, CoreError> {
        let doc = match self.cache.take(id) {
            Some(doc) => Some(doc),
            None => match doc_store::load(self.w.transaction(), id, self.actor)? {
                Some(doc) => Some(doc),
                None if create => Some(doc_store::create(self.w.transaction(), id, self.actor)?),
                None => None,
            },
        };
        if let Some(doc) = &doc {
            self.taken.insert(*id, doc.get_heads());
        }
        Ok(doc)
    }

    /// Whether `id` is loaded already (taking it costs no load).
    pub(crate) fn is_loaded(&self, id: &DocId) -> bool {
        self.cache.contains(id)
    }

    /// Records that `id`, as stored at `heads`, was loaded elsewhere (another thread) and is
    /// being changed: [`Tx::put_doc`] then stores what it gained since.
    pub(crate) fn taken_at(&mut self, id: DocId, heads: Vec<ChangeHash>) {
        self.taken.insert(id, heads);
    }

    /// Whether this device holds `id`, without loading it.
    pub fn has_doc(&self, id: &DocId) -> Result<bool, CoreError> {
        doc_store::exists(self.w.transaction(), id)
    }

    /// A document created in this transaction without going through
    /// `take_doc` (already stored): it joins the cache when the transaction commits.
    pub fn adopt_doc(&mut self, id: DocId, doc: Automerge) {
        self.finished.push((id, doc));
    }

    pub fn actor(&self) -> &ActorId {
        self.actor
    }

    /// Stores what changed in `doc` since it was taken; it returns to the
    /// cache when the transaction commits.
    pub fn put_doc(&mut self, id: DocId, doc: Automerge) -> Result<(), CoreError> {
        let before = self.taken.remove(&id).unwrap_or_default();
        if doc.get_heads() != before {
            doc_store::persist(self.w.transaction(), &id, &doc, &before)?;
        }
        self.finished.push((id, doc));
        Ok(())
    }

    /// Merges raw Automerge data (a saved document or changes) into `id`,
    /// returning the patches, or `None` if it brought nothing new.
    pub fn merge(
        &mut self,
        id: &DocId,
        doc: &mut Automerge,
        data: &[u8],
    ) -> Result<Option<Vec<automerge::Patch>>, CoreError> {
        let before = doc.get_heads();
        let mut log = PatchLog::active();
        doc.load_incremental_log_patches(data, &mut log)?;
        if doc.get_heads() == before {
            return Ok(None);
        }
        tracing::debug!(doc = %id, "merged remote changes");
        Ok(Some(doc.make_patches(&mut log)))
    }

    /// Applies one local change, described by `message`, stamped with now.
    pub fn change<T>(
        &self,
        doc: &mut Automerge,
        message: String,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<T, CoreError>,
    ) -> Result<T, CoreError> {
        let time = self.now().as_millis();
        doc.transact_with(|_| CommitOptions::default().with_message(message).with_time(time), f)
            .map(|success| success.result)
            .map_err(|failure| failure.error)
    }

    /// Queues `id` to be projected again before the transaction ends.
    pub fn wake(&mut self, id: DocId) {
        if !self.woken.contains(&id) {
            self.woken.push(id);
        }
    }

    /// The documents woken since the last call.
    pub fn take_woken(&mut self) -> Vec<DocId> {
        std::mem::take(&mut self.woken)
    }

    /// Ids of the rows of `table` whose `column` is `value`.
    pub fn ids_where(&self, table: &str, column: &str, value: i64) -> Result<Vec<i64>, CoreError> {
        let sql = format!("SELECT id FROM \"{table}\" WHERE \"{column}\" = ?1");
        let mut stmt = self.w.transaction().prepare_cached(&sql)?;
        let ids = stmt.query_map([value], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
        Ok(ids)
    }
}

/// Reads an integer column of a row by name.
pub(crate) fn int(table: &vrooli_model::TableDef, row: &[Value], column: &str) -> Option<i64> {
    table.column_index(column).and_then(|i| row[i].as_i64())
}
