//! Errors of document operations, classified like the store's (`code`, `field`).

use vrooli_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Store(#[from] StoreError),

    #[error("{entity} {id} does not exist")]
    NotFound { entity: &'static str, id: String },

    #[error("invalid document id {0:?}: expected chat:ID, messages:CHAT_ID:BUCKET, resource:ID or run:ID")]
    InvalidDocId(String),

    /// A document whose content contradicts its id or the model.
    #[error("document {doc} is inconsistent: {reason}")]
    Inconsistent { doc: String, reason: String },

    /// This user may not do this (e.g. change who takes part in a chat they do not own).
    #[error("{0}")]
    Forbidden(String),

    #[error("run {run}: cannot go from {from} to {to} (allowed: {allowed})")]
    IllegalTransition { run: i64, from: String, to: String, allowed: String },

    #[error("invalid heads {0:?}: expected comma-separated change hashes of this document")]
    InvalidHeads(String),

    #[error("not a Vrooli bundle: {0}")]
    NotABundle(String),

    #[error("the bundle is damaged: {0}")]
    CorruptBundle(String),

    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),

    #[error("reading or writing {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

impl CoreError {
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::Store(e) => e.code(),
            CoreError::NotFound { .. } => "not_found",
            CoreError::Forbidden(_) => "forbidden",
            CoreError::InvalidDocId(_) => "invalid_doc_id",
            CoreError::Inconsistent { .. } => "inconsistent_document",
            CoreError::IllegalTransition { .. } => "illegal_transition",
            CoreError::InvalidHeads(_) => "invalid_heads",
            CoreError::NotABundle(_) => "not_a_bundle",
            CoreError::CorruptBundle(_) => "corrupt_bundle",
            CoreError::Automerge(_) => "document",
            CoreError::Io { .. } => "io",
        }
    }

    pub fn field(&self) -> Option<String> {
        match self {
            CoreError::Store(e) => e.field(),
            CoreError::IllegalTransition { .. } => Some("status".into()),
            _ => None,
        }
    }
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        CoreError::Store(StoreError::from(e))
    }
}
