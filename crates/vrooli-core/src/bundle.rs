//! Offline exchange by file: a bundle carries whole documents, so any device
//! can merge it whatever it already has; merging is idempotent.
//!
//! Layout (all integers little-endian):
//!
//! | bytes | what |
//! |---|---|
//! | 14 | `VROOLI-BUNDLE\0` |
//! | 1 | format version (1) |
//! | 4 | number of documents |
//! | per document: 2 + n | id length, id (`chat:…`, `messages:…`, …) |
//! | per document: 4 + n | data length, Automerge `save()` |
//! | 32 | SHA-256 of everything before it |
//!
//! A bundle is checked whole (magic, version, lengths, checksum) before
//! anything is merged, so a truncated, corrupted or foreign file changes nothing.

use sha2::{Digest, Sha256};

use crate::doc_id::DocId;
use crate::doc_store;
use crate::error::CoreError;
use crate::merge::MergeReport;
use crate::workspace::Workspace;

const MAGIC: &[u8; 14] = b"VROOLI-BUNDLE\0";
const VERSION: u8 = 1;
const CHECKSUM_LEN: usize = 32;
/// No document is this large; a length beyond it means a damaged file.
const MAX_DOC_BYTES: usize = 1 << 30;

pub fn encode(docs: &[(DocId, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + docs.iter().map(|(_, d)| d.len() + 32).sum::<usize>());
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&(docs.len() as u32).to_le_bytes());
    for (id, data) in docs {
        let id = id.to_string();
        out.extend_from_slice(&(id.len() as u16).to_le_bytes());
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
    }
    let checksum = Sha256::digest(&out);
    out.extend_from_slice(&checksum);
    out
}

/// Reads a bundle, refusing anything that is not exactly what [`encode`] wrote.
pub fn decode(bytes: &[u8]) -> Result<Vec<(DocId, Vec<u8>)>, CoreError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(CoreError::NotABundle("it does not start with the Vrooli bundle signature".into()));
    }
    if bytes.len() < MAGIC.len() + 1 + 4 + CHECKSUM_LEN {
        return Err(CoreError::CorruptBundle("the file is truncated".into()));
    }
    let (body, checksum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
    if Sha256::digest(body).as_slice() != checksum {
        return Err(CoreError::CorruptBundle("the checksum does not match (truncated or modified)".into()));
    }
    let mut r = Reader { bytes: body, at: MAGIC.len() };
    let version = r.take(1)?[0];
    if version != VERSION {
        return Err(CoreError::NotABundle(format!("format version {version}, this build reads {VERSION}")));
    }
    let count = r.u32()? as usize;
    let mut docs = Vec::with_capacity(count.min(1 << 16));
    for _ in 0..count {
        let id_len = usize::from(u16::from_le_bytes([r.take(1)?[0], r.take(1)?[0]]));
        let id = std::str::from_utf8(r.take(id_len)?)
            .map_err(|_| CoreError::CorruptBundle("a document id is not text".into()))?
            .parse::<DocId>()?;
        let len = r.u32()? as usize;
        if len > MAX_DOC_BYTES {
            return Err(CoreError::CorruptBundle(format!("document {id} claims {len} bytes")));
        }
        docs.push((id, r.take(len)?.to_vec()));
    }
    if r.at != body.len() {
        return Err(CoreError::CorruptBundle("unexpected bytes after the last document".into()));
    }
    Ok(docs)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], CoreError> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len());
        let end = end.ok_or_else(|| CoreError::CorruptBundle("a length runs past the end".into()))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u32(&mut self) -> Result<u32, CoreError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

impl Workspace {
    /// A bundle of every document, or of one.
    pub fn export_bundle(&self, only: Option<DocId>) -> Result<Vec<u8>, CoreError> {
        let ids = match only {
            Some(id) => vec![id],
            None => doc_store::all_ids(self.store.connection())?,
        };
        let mut docs = Vec::with_capacity(ids.len());
        for id in ids {
            let doc = doc_store::load(self.store.connection(), &id, &crate::genesis::genesis_actor())?
                .ok_or_else(|| CoreError::NotFound { entity: "document", id: id.to_string() })?;
            docs.push((id, doc.save()));
        }
        Ok(encode(&docs))
    }

    /// Merges a bundle; importing the same bundle again changes nothing.
    pub fn import_bundle(&mut self, bytes: &[u8]) -> Result<MergeReport, CoreError> {
        let docs = decode(bytes)?;
        self.merge(docs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_damage() {
        let docs = vec![(DocId::Chat(1), vec![1, 2, 3]), (DocId::Messages { chat: 1, bucket: 9 }, vec![])];
        let bytes = encode(&docs);
        assert_eq!(decode(&bytes).unwrap(), docs);
        assert_eq!(decode(&bytes[..bytes.len() - 1]).unwrap_err().code(), "corrupt_bundle");
        let mut flipped = bytes.clone();
        flipped[20] ^= 1;
        assert_eq!(decode(&flipped).unwrap_err().code(), "corrupt_bundle");
        assert_eq!(decode(b"PK\x03\x04 a zip file").unwrap_err().code(), "not_a_bundle");
    }
}
