//! The store's errors, with a stable `code` and the field at fault so a UI can
//! show them in place and a CLI on one line.

use std::path::PathBuf;

use vrooli_model::{DecodeError, ValidationError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row breaks a rule; nothing was written.
    #[error(transparent)]
    Invalid(#[from] ValidationError),

    #[error("{entity} {id} does not exist")]
    NotFound { entity: &'static str, id: i64 },

    /// A referenced row is missing (a foreign key's parent).
    #[error("{entity}.{field}: no {parent} with id {id}")]
    MissingParent { entity: &'static str, field: String, parent: &'static str, id: String },

    /// Another row already holds these unique values.
    #[error("{entity}: another row already has the same {}", fields.join(", "))]
    Conflict { entity: &'static str, fields: Vec<String> },

    #[error("unknown table {0:?}")]
    UnknownTable(String),

    #[error("{table} has no column {column:?}")]
    UnknownColumn { table: &'static str, column: String },

    #[error("invalid cursor {0:?}: pass the nextCursor of the previous page")]
    InvalidCursor(String),

    #[error("invalid search query: {0}")]
    InvalidQuery(String),

    #[error("no per-user data directory could be determined; pass --data-dir or set VROOLI_DATA_DIR")]
    NoDataDir,

    #[error("cannot create data directory {path}: {source}")]
    CreateDataDir { path: PathBuf, source: std::io::Error },

    #[error("{path} was written by a newer version of Vrooli (schema {found}, this build knows up to {known}); update the app")]
    SchemaTooNew { path: PathBuf, found: i32, known: i32 },

    #[error("migrating the database failed: {0}")]
    Migration(Box<refinery::Error>),

    #[error("a stored row could not be read: {0}")]
    Corrupt(#[from] DecodeError),

    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    /// A stable, machine-readable code; UIs match on this, never on the text.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Invalid(_) => "invalid",
            StoreError::NotFound { .. } => "not_found",
            StoreError::MissingParent { .. } => "missing_parent",
            StoreError::Conflict { .. } => "conflict",
            StoreError::UnknownTable(_) => "unknown_table",
            StoreError::UnknownColumn { .. } => "unknown_column",
            StoreError::InvalidCursor(_) => "invalid_cursor",
            StoreError::InvalidQuery(_) => "invalid_query",
            StoreError::NoDataDir | StoreError::CreateDataDir { .. } => "data_dir",
            StoreError::SchemaTooNew { .. } => "schema_too_new",
            StoreError::Migration(_) => "migration",
            StoreError::Corrupt(_) => "corrupt",
            StoreError::Sqlite(e) if is_busy(e) => "busy",
            StoreError::Sqlite(_) => "database",
        }
    }

    /// The field at fault, when one is.
    pub fn field(&self) -> Option<String> {
        match self {
            StoreError::Invalid(v) => v.first().map(|v| v.field.clone()),
            StoreError::MissingParent { field, .. } => Some(field.clone()),
            StoreError::Conflict { fields, .. } => Some(fields.join(",")),
            StoreError::UnknownColumn { column, .. } => Some(column.clone()),
            _ => None,
        }
    }

    /// The rule broken, for `invalid` errors (`max_length`, `enum`, `required`…).
    pub fn rule(&self) -> Option<&'static str> {
        match self {
            StoreError::Invalid(v) => v.first().map(|v| v.rule),
            StoreError::MissingParent { .. } => Some("foreign_key"),
            StoreError::Conflict { .. } => Some("unique"),
            _ => None,
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}
