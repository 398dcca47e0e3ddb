//! Chats, resources and runs as Automerge documents.
//!
//! Every aggregate lives in documents that any device edits offline; its rows
//! in the store are a projection of them. A write validates, applies one
//! Automerge change with this device's actor, stores the change and updates
//! exactly the affected rows — all in one SQLite transaction
//! ([`Workspace`]). Remote changes (bundles now, the sync server later) merge
//! into the documents and re-project what their patches touched.
//!
//! - [`doc_id`]: which document holds what (a chat's messages go to ten-minute
//!   buckets named by the message's own id);
//! - `genesis`: the identical first change every device makes;
//! - `doc_store`: documents in SQLite (changes, compacted snapshots) and a
//!   bounded cache;
//! - `fields`: entity ↔ Automerge map, column by column;
//! - `chat`, `resource`, `run`: the aggregates' operations, merge rules and
//!   projections (`chat_people`: a chat's participants and invites);
//!   `refs`: their references to rows outside them (owners, tags, other
//!   documents' rows not here yet);
//! - [`bundle`], `history`, `export`, `doctor`.

mod account;
pub mod bundle;
mod chat;
mod chat_people;
mod chat_reactions;
pub mod doc_id;
mod doc_store;
mod doctor;
mod error;
mod export;
mod fields;
mod genesis;
mod history;
mod merge;
mod merge_work;
mod refs;
mod resource;
mod run;
mod sync;
mod sync_state;
mod workspace;

pub use account::Authorship;
pub use doc_id::{DocId, BUCKET_MILLIS};
pub use doctor::DoctorReport;
pub use error::CoreError;
pub use export::AGGREGATE_TABLES;
pub use history::ChangeInfo;
pub use merge::MergeReport;
pub use run::allowed_from as allowed_run_transitions;
pub use sync::{Incoming, INCOMING_BATCH};
pub use workspace::Workspace;
