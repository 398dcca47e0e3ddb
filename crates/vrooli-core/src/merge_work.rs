//! The two threads of merging a sync answer (see `sync::merge_batch`): the work on a message
//! that needs no transaction — loading the stored document it merges into and receiving the
//! message there, or loading a whole document that arrived — is shared by the merging thread
//! and one helper, each taking the next job in batch order; results wait until the merge, which
//! projects and stores on its own thread in batch order, reaches their message.

use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use automerge::{sync, ActorId, Automerge, ChangeHash, Patch, PatchLog};

use crate::doc_id::DocId;
use crate::doc_store;
use crate::sync::Whole;

/// How far past the message being projected the helper thread may work: it keeps both cores
/// busy without holding a whole batch of loaded documents at once.
pub(crate) const WORK_AHEAD: usize = 16;

/// Work on one message of a batch that needs no transaction, so either thread may do it.
pub(crate) enum Job<'m> {
    /// Load the stored document the message merges into, and receive the message.
    Merge { stored: doc_store::Stored, state: Box<sync::State>, message: &'m [u8] },
    /// Load the whole document the message carries: this device does not have it.
    Whole(&'m [u8]),
}

pub(crate) enum Done {
    /// The document as stored (`before`) with the message received: the patches when it
    /// gained changes. Its sync state goes back to the peer.
    Merged {
        doc: Automerge,
        before: Vec<ChangeHash>,
        patches: Option<Vec<Patch>>,
        state: Box<sync::State>,
    },
    /// The message would not apply: the transaction fails with this reason.
    Refused {
        state: Box<sync::State>,
        reason: String,
    },
    /// The stored document did not load; merged the usual way, which reports why.
    NotLoaded {
        state: Box<sync::State>,
    },
    Whole(Option<Whole>),
}

impl Job<'_> {
    pub(crate) fn run(self, id: &DocId, actor: &ActorId) -> Done {
        match self {
            Job::Merge { stored, mut state, message } => {
                let Ok(mut doc) = stored.load(actor) else { return Done::NotLoaded { state } };
                let before = doc.get_heads();
                let mut log = PatchLog::active();
                if let Err(e) = vrooli_protocol::receive(&mut state, &id.to_string(), &mut doc, message, &mut log) {
                    return Done::Refused { state, reason: e.to_string() };
                }
                let patches = (doc.get_heads() != before).then(|| doc.make_patches(&mut log));
                Done::Merged { doc, before, patches, state }
            }
            Job::Whole(message) => Done::Whole(Whole::of(message)),
        }
    }
}

/// A batch's jobs, shared by the merging thread and its helper: either takes the next job in
/// batch order; results wait in `done` until the merge reaches their message.
pub(crate) struct Work<'m> {
    queue: Mutex<VecDeque<(usize, DocId, Job<'m>)>>,
    done: Mutex<HashMap<usize, Done>>,
    /// Signalled with `done`: a result arrived.
    finished: Condvar,
    /// The message the merge is at, and whether it stopped (at an error).
    at: Mutex<(usize, bool)>,
    /// Signalled with `at`: the merge moved on or stopped.
    progressed: Condvar,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic on the other thread leaves nothing half-written here: each value is replaced whole.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<'m> Work<'m> {
    pub(crate) fn new(queue: VecDeque<(usize, DocId, Job<'m>)>) -> Self {
        Work {
            queue: Mutex::new(queue),
            done: Mutex::new(HashMap::new()),
            finished: Condvar::new(),
            at: Mutex::new((0, false)),
            progressed: Condvar::new(),
        }
    }

    /// The next job, unless it is more than [`WORK_AHEAD`] past `limit_from` (then `None`).
    fn claim(&self, limit_from: usize) -> Option<(usize, DocId, Job<'m>)> {
        let mut queue = lock(&self.queue);
        if queue.front().is_some_and(|(i, _, _)| *i > limit_from + WORK_AHEAD) {
            return None;
        }
        queue.pop_front()
    }

    fn finish(&self, i: usize, done: Done) {
        lock(&self.done).insert(i, done);
        self.finished.notify_all();
    }

    /// The helper thread: jobs in order, never too far ahead of the merge, until none is left
    /// or the merge stopped.
    pub(crate) fn help(&self, actor: &ActorId) {
        loop {
            let (at, stopped) = *lock(&self.at);
            if stopped {
                return;
            }
            match self.claim(at) {
                Some((i, id, job)) => self.finish(i, job.run(&id, actor)),
                None if lock(&self.queue).is_empty() => return,
                None => {
                    // Too far ahead: wait until the merge moves on.
                    let guard = lock(&self.at);
                    if guard.0 == at && !guard.1 {
                        drop(self.progressed.wait(guard));
                    }
                }
            }
        }
    }

    /// The result for message `i` (which has a job): done already, done here now, or waited for.
    pub(crate) fn result(&self, i: usize, actor: &ActorId) -> Option<Done> {
        {
            let mut at = lock(&self.at);
            at.0 = i;
        }
        self.progressed.notify_all();
        loop {
            if let Some(done) = lock(&self.done).remove(&i) {
                return Some(done);
            }
            if let Some((j, id, job)) = self.claim(i) {
                let done = job.run(&id, actor);
                if j == i {
                    return Some(done);
                }
                self.finish(j, done);
                continue;
            }
            let done = lock(&self.done);
            if done.contains_key(&i) {
                continue;
            }
            // Job `i` is on the helper thread.
            drop(self.finished.wait(done));
        }
    }

    pub(crate) fn stop(&self) {
        lock(&self.at).1 = true;
        self.progressed.notify_all();
    }
}
