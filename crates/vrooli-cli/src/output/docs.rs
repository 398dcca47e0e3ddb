//! What `history`, `bundle` and `doctor` print.

use std::fmt::{self, Display};

use serde::Serialize;
use vrooli_core::{ChangeInfo, DocId, DoctorReport, MergeReport};
use vrooli_model::Timestamp;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub hash: String,
    /// The device (actor) that made it, or `genesis`.
    pub device: String,
    pub seq: u64,
    pub time: Timestamp,
    pub message: String,
    pub operations: usize,
    pub deps: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct History {
    pub doc_id: String,
    /// Pass to `vrooli show DOC --at` (comma-separated) for the document now.
    pub heads: Vec<String>,
    /// Oldest first.
    pub changes: Vec<Change>,
}

impl History {
    pub fn new(doc: &DocId, heads: Vec<String>, changes: Vec<ChangeInfo>) -> Self {
        History {
            doc_id: doc.to_string(),
            heads,
            changes: changes
                .into_iter()
                .map(|c| Change {
                    hash: c.hash,
                    device: c.device,
                    seq: c.seq,
                    time: c.time,
                    message: c.message,
                    operations: c.operations,
                    deps: c.deps,
                })
                .collect(),
        }
    }
}

impl Display for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {} change(s), heads {}", self.doc_id, self.changes.len(), self.heads.join(","))?;
        for c in &self.changes {
            let device: String = c.device.chars().take(12).collect();
            writeln!(
                f,
                "{}  {:<12} #{:<4} {}  ({} op(s))  {}",
                c.time,
                device,
                c.seq,
                super::one_line(&c.message, 80),
                c.operations,
                c.hash
            )?;
        }
        Ok(())
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleExported {
    pub path: String,
    pub bytes: usize,
    pub only: Option<String>,
}

impl Display for BundleExported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = self.only.as_deref().map_or_else(|| "every document".to_string(), |d| format!("document {d}"));
        writeln!(f, "wrote {} ({} bytes, {what})", self.path, self.bytes)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleImported {
    pub path: String,
    /// Documents the bundle offered.
    pub documents: usize,
    /// Documents that gained changes; 0 when everything was already here.
    pub changed: usize,
}

impl BundleImported {
    pub fn new(path: String, report: MergeReport) -> Self {
        BundleImported { path, documents: report.documents, changed: report.changed }
    }
}

impl Display for BundleImported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {} document(s) offered, {} changed", self.path, self.documents, self.changed)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DoctorOutput {
    pub documents: usize,
    pub healthy: bool,
    /// One line per table whose rows differ from a fresh projection of the documents.
    pub differences: Vec<String>,
}

impl From<DoctorReport> for DoctorOutput {
    fn from(r: DoctorReport) -> Self {
        DoctorOutput { documents: r.documents, healthy: r.differences.is_empty(), differences: r.differences }
    }
}

impl Display for DoctorOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.healthy {
            return writeln!(f, "{} document(s) re-projected: no differences", self.documents);
        }
        writeln!(f, "{} document(s) re-projected: {} difference(s)", self.documents, self.differences.len())?;
        for d in &self.differences {
            writeln!(f, "  {d}")?;
        }
        Ok(())
    }
}
