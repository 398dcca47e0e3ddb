//! `export --json`: every aggregate's projected rows as canonical JSON —
//! tables in a fixed order, rows by id, keys sorted, 64-bit integers as
//! strings — so two devices can be compared byte for byte.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde_json::Value as Json;
use vrooli_model::{ColumnType, TableDef};

use crate::error::CoreError;
use crate::workspace::Workspace;

/// The tables whose rows are projections of documents, parents first.
pub const AGGREGATE_TABLES: &[&str] = &[
    "chat",
    "chat_translation",
    "chat_participants",
    "chat_invite",
    "chat_message",
    "reaction",
    "reaction_summary",
    "resource",
    "resource_version",
    "resource_translation",
    "resource_version_relation",
    "resource_tag",
    "run",
    "run_step",
    "run_io",
];

/// Rows by table, each row a sorted map of column to value.
pub(crate) type Export = BTreeMap<&'static str, Vec<BTreeMap<&'static str, Json>>>;

fn cell(table: &TableDef, i: usize, value: rusqlite::types::ValueRef<'_>) -> Json {
    use rusqlite::types::ValueRef;
    let ty = table.columns[i].ty;
    match value {
        ValueRef::Null => Json::Null,
        ValueRef::Integer(n) => match ty {
            ColumnType::Boolean => Json::Bool(n != 0),
            ColumnType::BigInt => Json::String(n.to_string()),
            _ => Json::from(n),
        },
        ValueRef::Real(f) => Json::from(f),
        ValueRef::Text(t) => Json::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Json::String(b.iter().map(|x| format!("{x:02x}")).collect()),
    }
}

/// The canonical export, read through `conn` (a plain connection or an open transaction).
pub(crate) fn export(conn: &Connection) -> Result<Export, CoreError> {
    let mut out = BTreeMap::new();
    for name in AGGREGATE_TABLES {
        let table =
            vrooli_model::table(name).ok_or_else(|| CoreError::NotFound { entity: "table", id: name.to_string() })?;
        let columns: Vec<String> = table.columns.iter().map(|c| format!("\"{}\"", c.name)).collect();
        let sql = format!("SELECT {} FROM \"{name}\" ORDER BY id", columns.join(", "));
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt
            .query_map([], |r| {
                let mut row = BTreeMap::new();
                for (i, column) in table.columns.iter().enumerate() {
                    row.insert(column.name, cell(table, i, r.get_ref(i)?));
                }
                Ok(row)
            })?
            .collect::<Result<Vec<_>, _>>()?;
        out.insert(table.name, rows);
    }
    Ok(out)
}

impl Workspace {
    /// Every aggregate's rows as canonical, pretty-printed JSON.
    pub fn export_json(&self) -> Result<String, CoreError> {
        let export = export(self.store.connection())?;
        serde_json::to_string_pretty(&export)
            .map_err(|e| CoreError::Inconsistent { doc: "export".into(), reason: e.to_string() })
    }
}
