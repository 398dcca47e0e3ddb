//! A document's history and the document as it was at some heads (time travel).

use serde::Serialize;
use specta::Type;
use vrooli_core::{ChangeInfo, CoreError, DocId, Workspace};

use super::time;

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub hash: String,
    /// The device that made it, or `genesis`.
    pub device: String,
    /// When, by that device's clock.
    pub time: String,
    /// What changed, as the device described it.
    pub message: String,
    pub operations: u32,
}

impl From<ChangeInfo> for Change {
    fn from(c: ChangeInfo) -> Self {
        Change {
            hash: c.hash,
            device: c.device,
            time: time(c.time),
            message: c.message,
            operations: u32::try_from(c.operations).unwrap_or(u32::MAX),
        }
    }
}

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct History {
    pub doc_id: String,
    pub heads: Vec<String>,
    /// Oldest first.
    pub changes: Vec<Change>,
}

pub fn history(workspace: &Workspace, doc: &DocId) -> Result<History, CoreError> {
    Ok(History {
        doc_id: doc.to_string(),
        heads: workspace.heads(doc)?,
        changes: workspace.history(doc)?.into_iter().map(Change::from).collect(),
    })
}

/// The document as JSON text, now or as it was at `heads` (comma-separated change hashes).
pub fn document_at(workspace: &Workspace, doc: &DocId, heads: Option<&str>) -> Result<String, CoreError> {
    let value = workspace.show_document(doc, heads)?;
    Ok(value.to_string())
}
