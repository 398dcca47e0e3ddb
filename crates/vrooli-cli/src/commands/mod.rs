//! One function per verb: open the data dir, call one `vrooli-core` or store
//! function, print. Writes go through [`Workspace`] (documents and their
//! projection in one transaction); reads come from the projection (the
//! store's rows), never from loading documents — except `history` and
//! `show`, which are about the documents themselves.

pub mod account;
pub mod bundle;
pub mod chat;
pub mod docs;
pub mod resource;
pub mod run;
pub mod store;
pub mod team;

use std::path::PathBuf;

use vrooli_core::{CoreError, DocId, Workspace};
use vrooli_model::Entity;
use vrooli_store::{DataDir, ListQuery, Order, Store, StoreError, MAX_PAGE_SIZE};

/// What every verb gets from the global flags.
pub struct Context {
    pub data_dir: Option<PathBuf>,
    pub json: bool,
}

impl Context {
    pub fn dir(&self) -> Result<DataDir, StoreError> {
        DataDir::resolve(self.data_dir.clone())
    }

    pub fn store(&self) -> Result<Store, StoreError> {
        Store::open(&self.dir()?)
    }

    pub fn workspace(&self) -> Result<Workspace, CoreError> {
        Workspace::open(&self.dir()?)
    }
}

/// Every row of `E` matching `filters`, in `order`, page by page.
pub fn all<E: Entity>(
    store: &Store,
    filters: &[(&str, vrooli_model::Value)],
    order: Order,
) -> Result<Vec<E>, StoreError> {
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

/// The newest row of `E` matching `filters`, by creation time.
pub fn newest<E: Entity>(store: &Store, filters: &[(&str, vrooli_model::Value)]) -> Result<Option<E>, StoreError> {
    let mut query = ListQuery::default().order(Order::NewestFirst).limit(1);
    for (column, value) in filters {
        query = query.filter(column, value.clone());
    }
    Ok(store.list::<E>(&query)?.items.into_iter().next())
}

/// Fails with `not_found` when a row read from the projection is absent.
pub fn found<T>(row: Option<T>, entity: &'static str, id: i64) -> Result<T, StoreError> {
    row.ok_or(StoreError::NotFound { entity, id })
}

/// A document id argument, as clap parses it (a bad one is a usage error).
pub fn doc_id(text: &str) -> Result<DocId, CoreError> {
    text.parse()
}
