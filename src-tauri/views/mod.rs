//! What the UI reads: transport types built explicitly from domain values, and the reads of
//! the projection (the store's rows) that assemble them. Reads never load documents, except
//! the history views, which are about the documents themselves.
//!
//! The CLI assembles the same views in `crates/vrooli-cli/src/output`; these mirror them
//! (thread order, latest version, run timeline) until they move into a library both share.
//! Ids are strings, so 64-bit values survive JavaScript; times are the stored UTC text.

pub mod account;
pub mod chat;
pub mod docs;
pub mod resource;
pub mod run;
pub mod search;

use vrooli_model::{Entity, Timestamp, Value};
use vrooli_store::{ListQuery, Order, Store, StoreError, MAX_PAGE_SIZE};

/// Every row of `E` matching `filters`, in `order`, page by page.
pub fn all<E: Entity>(store: &Store, filters: &[(&str, Value)], order: Order) -> Result<Vec<E>, StoreError> {
    let mut query = ListQuery::default().order(order).limit(MAX_PAGE_SIZE);
    for (column, value) in filters {
        query = query.filter(column, value.clone());
    }
    let mut rows = Vec::new();
    loop {
        let page = store.list::<E>(&query)?;
        rows.extend(page.items);
        if !page.has_next_page {
            return Ok(rows);
        }
        query = query.after(page.next_cursor);
    }
}

/// The first `limit` rows of `E` matching `filters`, in `order`.
pub fn first<E: Entity>(
    store: &Store,
    filters: &[(&str, Value)],
    order: Order,
    limit: u32,
) -> Result<Vec<E>, StoreError> {
    let mut query = ListQuery::default().order(order).limit(limit);
    for (column, value) in filters {
        query = query.filter(column, value.clone());
    }
    Ok(store.list::<E>(&query)?.items)
}

/// Fails with `not_found` when a row read from the projection is absent.
pub fn found<T>(row: Option<T>, entity: &'static str, id: i64) -> Result<T, StoreError> {
    row.ok_or(StoreError::NotFound { entity, id })
}

pub fn time(at: Timestamp) -> String {
    at.to_string()
}

pub fn id(id: i64) -> String {
    id.to_string()
}
