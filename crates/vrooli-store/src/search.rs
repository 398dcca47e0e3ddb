//! Full-text search over messages and translated names and descriptions.
//!
//! One FTS5 table per source (see `vrooli_model::rules::SEARCH_SOURCES`), kept
//! in step in the writing transaction: triggers queue each index write in
//! `search_queue`, and [`apply_queue`] makes them just before the commit
//! (migration V8 says why). A query is split into
//! words, each matched as a quoted token (so user text can never be FTS
//! syntax), the last one as a prefix so results follow typing.

use std::sync::OnceLock;

use rusqlite::Transaction;
use vrooli_model::rules::SEARCH_SOURCES;

use crate::error::StoreError;
use crate::repository::Store;

/// Marks a matched span inside snippets: control characters never typed in text.
const OPEN: &str = "\u{2}";
const CLOSE: &str = "\u{3}";

#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// `message`, `chat`, `resource`, `team` or `comment`.
    pub kind: &'static str,
    /// The table the hit row lives in.
    pub table: &'static str,
    /// The id of the matching row.
    pub id: i64,
    /// What a person opens for this hit: the chat, resource version, team or comment.
    pub parent_id: Option<i64>,
    /// The matching text around the hit, with matched words marked.
    pub snippet: Vec<SnippetPart>,
    /// bm25 rank: lower is better.
    pub rank: f64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetPart {
    pub text: String,
    pub matched: bool,
}

impl SearchHit {
    /// The snippet with matches wrapped in `open` and `close`.
    pub fn snippet_marked(&self, open: &str, close: &str) -> String {
        self.snippet
            .iter()
            .map(|p| if p.matched { format!("{open}{}{close}", p.text) } else { p.text.clone() })
            .collect()
    }
}

/// Builds an FTS5 query from what a person typed, or `None` when it has no words.
fn fts_query(input: &str) -> Option<String> {
    let words: Vec<&str> = input.split_whitespace().collect();
    let last = words.len().checked_sub(1)?;
    Some(
        words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let quoted = format!("\"{}\"", w.replace('"', "\"\""));
                if i == last {
                    format!("{quoted}*")
                } else {
                    quoted
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn split_snippet(marked: &str) -> Vec<SnippetPart> {
    let mut parts = Vec::new();
    let mut rest = marked;
    while let Some(start) = rest.find(OPEN) {
        if start > 0 {
            parts.push(SnippetPart { text: rest[..start].to_string(), matched: false });
        }
        let after = &rest[start + OPEN.len()..];
        let end = after.find(CLOSE).unwrap_or(after.len());
        parts.push(SnippetPart { text: after[..end].to_string(), matched: true });
        rest = after.get(end + CLOSE.len()..).unwrap_or("");
    }
    if !rest.is_empty() {
        parts.push(SnippetPart { text: rest.to_string(), matched: false });
    }
    parts
}

impl Store {
    /// The best `limit` hits across all sources, best first.
    pub fn search(&self, input: &str, limit: u32) -> Result<Vec<SearchHit>, StoreError> {
        let Some(query) = fts_query(input) else {
            return Err(StoreError::InvalidQuery("type at least one word".into()));
        };
        let limit = limit.clamp(1, 1000);
        let mut hits = Vec::new();
        for source in SEARCH_SOURCES {
            let fts = source.fts_table();
            let sql = format!(
                "SELECT s.\"id\", s.\"{parent}\", snippet(\"{fts}\", -1, '{OPEN}', '{CLOSE}', '…', 16), bm25(\"{fts}\") \
                 FROM \"{fts}\" JOIN \"{table}\" s ON s.\"id\" = \"{fts}\".rowid \
                 WHERE \"{fts}\" MATCH ?1 ORDER BY bm25(\"{fts}\") LIMIT ?2",
                parent = source.parent_column,
                table = source.table,
            );
            let mut stmt = self.connection().prepare_cached(&sql)?;
            let rows = stmt.query_map(rusqlite::params![query, limit], |r| {
                Ok(SearchHit {
                    kind: source.kind,
                    table: source.table,
                    id: r.get(0)?,
                    parent_id: r.get(1)?,
                    snippet: split_snippet(&r.get::<_, String>(2)?),
                    rank: r.get(3)?,
                })
            })?;
            for hit in rows {
                hits.push(hit?);
            }
        }
        hits.sort_by(|a, b| a.rank.total_cmp(&b.rank).then(b.id.cmp(&a.id)));
        hits.truncate(limit as usize);
        Ok(hits)
    }
}

/// Per index: its name, and the statement that makes the writes queued for it, in the order
/// they were queued.
fn apply_statements() -> &'static [(String, String)] {
    static SQL: OnceLock<Vec<(String, String)>> = OnceLock::new();
    SQL.get_or_init(|| {
        SEARCH_SOURCES
            .iter()
            .map(|source| {
                let fts = source.fts_table();
                let cols: Vec<String> = source.columns.iter().map(|c| format!("\"{c}\"")).collect();
                let slots = source.queue_slots().unwrap_or_default();
                let sql = format!(
                    "INSERT INTO \"{fts}\" (\"{fts}\", rowid, {}) SELECT \"op\", \"row\", {} FROM \"search_queue\" \
                     WHERE \"index\" = '{fts}' ORDER BY \"seq\"",
                    cols.join(", "),
                    slots.join(", ")
                );
                (fts, sql)
            })
            .collect()
    })
}

/// Makes the index writes the search triggers queued in this transaction, in order, and
/// empties the queue: one flush of each index per transaction rather than one per statement.
/// Indexes with nothing queued are not touched (opening one costs as much as a small write).
pub(crate) fn apply_queue(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let queued: Vec<String> = tx
        .prepare_cached("SELECT DISTINCT \"index\" FROM \"search_queue\"")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if queued.is_empty() {
        return Ok(());
    }
    for (fts, sql) in apply_statements() {
        if queued.contains(fts) {
            tx.prepare_cached(sql)?.execute([])?;
        }
    }
    tx.prepare_cached("DELETE FROM \"search_queue\"")?.execute([])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_quoted_and_the_last_word_is_a_prefix() {
        assert_eq!(fts_query("hello wor").as_deref(), Some("\"hello\" \"wor\"*"));
        assert_eq!(fts_query("say \"NEAR(\"").as_deref(), Some("\"say\" \"\"\"NEAR(\"\"\"*"));
        assert_eq!(fts_query("   "), None);
    }

    #[test]
    fn snippets_split_into_marked_parts() {
        let parts = split_snippet("a \u{2}b\u{3} c");
        assert_eq!(parts.len(), 3);
        assert!(parts[1].matched && parts[1].text == "b");
    }
}
