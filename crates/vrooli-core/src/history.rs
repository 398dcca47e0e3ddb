//! A document's history: its changes (device, time, what changed), and the
//! document as it was at any heads (time travel).

use std::str::FromStr;

use automerge::{AutoSerde, ChangeHash, ReadDoc};
use vrooli_model::Timestamp;

use crate::doc_id::DocId;
use crate::doc_store;
use crate::error::CoreError;
use crate::genesis::genesis_actor;
use crate::workspace::Workspace;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeInfo {
    pub hash: String,
    /// The device that made it (its actor id), or `genesis`.
    pub device: String,
    pub seq: u64,
    /// When the device made it (its own clock).
    pub time: Timestamp,
    /// What changed, as the device described it (e.g. `post message 123`).
    pub message: String,
    pub operations: usize,
    /// The changes it follows.
    pub deps: Vec<String>,
}

impl Workspace {
    fn load_for_reading(&self, id: &DocId) -> Result<automerge::Automerge, CoreError> {
        doc_store::load(self.store.connection(), id, &genesis_actor())?
            .ok_or_else(|| CoreError::NotFound { entity: "document", id: id.to_string() })
    }

    /// Every change of a document, oldest first.
    pub fn history(&self, id: &DocId) -> Result<Vec<ChangeInfo>, CoreError> {
        let doc = self.load_for_reading(id)?;
        let genesis = genesis_actor();
        Ok(doc
            .get_changes(&[])
            .into_iter()
            .map(|c| ChangeInfo {
                hash: c.hash().to_string(),
                device: if c.actor_id() == &genesis { "genesis".into() } else { c.actor_id().to_hex_string() },
                seq: c.seq(),
                time: Timestamp::from_micros(c.timestamp().saturating_mul(1000)),
                message: c.message().map(str::to_string).unwrap_or_else(|| "genesis".into()),
                operations: c.len(),
                deps: c.deps().iter().map(ToString::to_string).collect(),
            })
            .collect())
    }

    /// The current heads of a document.
    pub fn heads(&self, id: &DocId) -> Result<Vec<String>, CoreError> {
        Ok(self.load_for_reading(id)?.get_heads().iter().map(ToString::to_string).collect())
    }

    /// The document as JSON, now or as it was at `at` (comma-separated change hashes).
    pub fn show_document(&self, id: &DocId, at: Option<&str>) -> Result<serde_json::Value, CoreError> {
        let doc = self.load_for_reading(id)?;
        let doc = match at {
            None => doc,
            Some(text) => {
                let heads = text
                    .split(',')
                    .map(|h| ChangeHash::from_str(h.trim()).map_err(|_| CoreError::InvalidHeads(text.to_string())))
                    .collect::<Result<Vec<_>, _>>()?;
                if heads.is_empty() || heads.iter().any(|h| doc.get_change_by_hash(h).is_none()) {
                    return Err(CoreError::InvalidHeads(text.to_string()));
                }
                doc.fork_at(&heads)?
            }
        };
        serde_json::to_value(AutoSerde::from(&doc))
            .map_err(|e| CoreError::Inconsistent { doc: id.to_string(), reason: e.to_string() })
    }
}
