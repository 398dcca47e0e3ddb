//! Embedded SQLite storage of the Vrooli entity model.
//!
//! [`Store`] opens (creating and migrating) `DIR/vrooli.db` in WAL mode with
//! foreign keys on, and offers create / get / update / delete / list for any
//! table, typed ([`Entity`](vrooli_model::Entity)) or by catalogue name. Every
//! write is validated first and runs in one transaction ([`Store::write`]);
//! full-text search and `updatedAt` are kept in step by triggers inside that
//! same transaction.

mod data_dir;
mod error;
mod migrations;
mod open;
mod repository;
mod row;
mod search;
mod stats;

pub use data_dir::DataDir;
pub use error::StoreError;
pub use migrations::{applied_migrations, latest_migration};
pub use repository::{ListQuery, Order, Page, Store, Writer, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
pub use search::{SearchHit, SnippetPart};
pub use stats::TableCount;
pub use vrooli_model::Value;
