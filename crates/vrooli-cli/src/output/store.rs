//! What `init`, `stats` and `search` print.

use std::fmt::{self, Display};

use serde::Serialize;
use vrooli_store::{SearchHit, TableCount};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitReport {
    pub path: String,
    pub created: bool,
    pub schema: i32,
    pub device_id: String,
}

impl Display for InitReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.created { "created" } else { "up to date" };
        writeln!(f, "{}", self.path)?;
        writeln!(f, "database {what} (schema {}, device {})", self.schema, self.device_id)
    }
}

#[derive(Serialize)]
pub struct StatsReport {
    pub tables: Vec<TableRows>,
    pub total: u64,
}

#[derive(Serialize)]
pub struct TableRows {
    pub table: &'static str,
    pub rows: u64,
}

impl From<Vec<TableCount>> for StatsReport {
    fn from(counts: Vec<TableCount>) -> Self {
        let total = counts.iter().map(|c| c.rows).sum();
        StatsReport { tables: counts.into_iter().map(|c| TableRows { table: c.table, rows: c.rows }).collect(), total }
    }
}

impl Display for StatsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.tables.iter().map(|t| t.table.len()).max().unwrap_or(5);
        for t in &self.tables {
            writeln!(f, "{:<width$}  {:>10}", t.table, t.rows)?;
        }
        writeln!(f, "{:<width$}  {:>10}", "total", self.total)
    }
}

#[derive(Serialize)]
pub struct SearchReport {
    pub hits: Vec<Hit>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hit {
    pub kind: &'static str,
    pub table: &'static str,
    pub id: String,
    pub parent_id: Option<String>,
    /// The snippet with matches in `[` `]`.
    pub snippet: String,
    /// The matched words, in order.
    pub matches: Vec<String>,
}

impl From<Vec<SearchHit>> for SearchReport {
    fn from(hits: Vec<SearchHit>) -> Self {
        SearchReport {
            hits: hits
                .into_iter()
                .map(|h| Hit {
                    kind: h.kind,
                    table: h.table,
                    id: h.id.to_string(),
                    parent_id: h.parent_id.map(|p| p.to_string()),
                    snippet: h.snippet_marked("[", "]"),
                    matches: h.snippet.iter().filter(|p| p.matched).map(|p| p.text.clone()).collect(),
                })
                .collect(),
        }
    }
}

impl Display for SearchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.hits.is_empty() {
            return writeln!(f, "no matches");
        }
        for h in &self.hits {
            let parent = h.parent_id.as_deref().unwrap_or("-");
            writeln!(f, "{:<8} {:>20}  in {:>20}  {}", h.kind, h.id, parent, h.snippet.replace('\n', " "))?;
        }
        Ok(())
    }
}
