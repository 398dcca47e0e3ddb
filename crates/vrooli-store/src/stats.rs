//! Rows per table: what `vrooli stats` and the desktop's first screen show.

use crate::error::StoreError;
use crate::repository::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    pub table: &'static str,
    pub rows: u64,
}

impl Store {
    /// Every table of the model with its row count, in catalogue (name) order.
    pub fn row_counts(&self) -> Result<Vec<TableCount>, StoreError> {
        vrooli_model::TABLES
            .iter()
            .map(|t| {
                let rows: i64 = self
                    .connection()
                    .prepare_cached(&format!("SELECT count(*) FROM \"{}\"", t.name))?
                    .query_row([], |r| r.get(0))?;
                Ok(TableCount { table: t.name, rows: rows.max(0) as u64 })
            })
            .collect()
    }
}
