//! Documents already parsed, keyed by the exact bytes they were parsed from.
//!
//! Every sync request reads each named document from the database and, before
//! this cache, parsed it again: 40 ms for a bucket of a thousand messages, paid
//! several times per message delivered. The database stays the truth: an entry
//! is used only when the stored bytes read for this request are the very bytes
//! it was made from (length and SHA-256), so a write by another server node, or
//! a transaction that rolled back after the entry was made, simply misses.

use std::collections::HashMap;
use std::sync::Mutex;

use automerge::{Automerge, AutomergeError};
use sha2::{Digest, Sha256};

/// Documents kept; the least recently used goes first.
const CAPACITY: usize = 128;
/// Stored bytes of the kept documents, at most; a larger document is not kept.
const MAX_BYTES: usize = 32 << 20;

type Fingerprint = (usize, [u8; 32]);

fn fingerprint(bytes: &[u8]) -> Fingerprint {
    (bytes.len(), Sha256::digest(bytes).into())
}

struct Entry {
    fingerprint: Fingerprint,
    doc: Automerge,
    used: u64,
}

#[derive(Default)]
struct Inner {
    docs: HashMap<String, Entry>,
    bytes: usize,
    clock: u64,
}

#[derive(Default)]
pub struct DocCache {
    inner: Mutex<Inner>,
}

impl DocCache {
    /// The document stored as `bytes`: a copy of the kept one when it was made from the
    /// same bytes, else parsed.
    pub fn load(&self, id: &str, bytes: &[u8]) -> Result<Automerge, AutomergeError> {
        let wanted = fingerprint(bytes);
        if let Ok(mut inner) = self.inner.lock() {
            inner.clock += 1;
            let now = inner.clock;
            if let Some(entry) = inner.docs.get_mut(id).filter(|e| e.fingerprint == wanted) {
                entry.used = now;
                return Ok(entry.doc.clone());
            }
        }
        Automerge::load(bytes)
    }

    /// Keeps `doc`, which `bytes` (what was stored, or is about to be) hold.
    pub fn keep(&self, id: &str, bytes: &[u8], doc: Automerge) {
        if bytes.len() > MAX_BYTES / 4 {
            return;
        }
        // A poisoned lock only means another request panicked mid-update: caching is optional.
        let Ok(mut inner) = self.inner.lock() else { return };
        inner.clock += 1;
        let used = inner.clock;
        if let Some(old) = inner.docs.insert(id.to_string(), Entry { fingerprint: fingerprint(bytes), doc, used }) {
            inner.bytes -= old.fingerprint.0;
        }
        inner.bytes += bytes.len();
        while inner.docs.len() > CAPACITY || inner.bytes > MAX_BYTES {
            let Some(oldest) = inner.docs.iter().min_by_key(|(_, e)| e.used).map(|(k, _)| k.clone()) else { break };
            if let Some(gone) = inner.docs.remove(&oldest) {
                inner.bytes -= gone.fingerprint.0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{ReadDoc, ROOT};

    fn doc_with(value: i64) -> Automerge {
        let mut doc = Automerge::new();
        doc.transact::<_, _, AutomergeError>(|tx| tx.put(ROOT, "x", value).map(drop)).unwrap();
        doc
    }

    #[test]
    fn a_kept_document_serves_only_the_bytes_it_was_made_from() {
        let cache = DocCache::default();
        let one = doc_with(1);
        let bytes = one.save();
        cache.keep("d", &bytes, one);
        let again = cache.load("d", &bytes).unwrap();
        assert_eq!(again.get(ROOT, "x").unwrap().unwrap().0.as_i64(), Some(1));

        // Another node stored something else under the same id: the cache misses and parses.
        let other = doc_with(2).save();
        let fresh = cache.load("d", &other).unwrap();
        assert_eq!(fresh.get(ROOT, "x").unwrap().unwrap().0.as_i64(), Some(2));
    }

    #[test]
    fn it_holds_at_most_its_capacity() {
        let cache = DocCache::default();
        for i in 0..(CAPACITY + 10) {
            let doc = doc_with(i as i64);
            let bytes = doc.save();
            cache.keep(&format!("d{i}"), &bytes, doc);
        }
        let inner = cache.inner.lock().unwrap();
        assert_eq!(inner.docs.len(), CAPACITY);
        assert!(!inner.docs.contains_key("d0"), "the least recently used went first");
        assert_eq!(inner.bytes, inner.docs.values().map(|e| e.fingerprint.0).sum::<usize>());
    }
}
