//! The Vrooli entity model as Rust values: no I/O lives here.
//!
//! - [`catalogue`] describes the 66 tables (generated from `spec/entity-model.json`);
//! - [`entities`] and [`enums`] are the typed rows and enums (generated);
//! - [`rules`] holds the domain rules the catalogue alone does not state, and
//!   [`validate`] applies both to a row before any write;
//! - [`id`] and [`time`] are the device-generated ids and the timestamp format;
//! - [`permissions`] is the default permissions JSON of team members.
//!
//! Time and randomness are passed in by callers, so tests control them.

pub mod catalogue;
pub mod entity;
pub mod id;
pub mod permissions;
pub mod rules;
pub mod serde_ids;
pub mod time;
pub mod validate;
pub mod value;

mod generated;

pub use catalogue::{ColumnDef, ColumnType, EnumDef, ForeignKeyDef, IndexDef, OnDelete, TableDef};
pub use entity::Entity;
pub use generated::catalogue::{table, ENUMS, TABLES};
pub use generated::entities;
pub use generated::enums;
pub use id::{DeviceNode, Id, IdGenerator, PublicId};
pub use time::{Clock, SystemClock, Timestamp};
pub use validate::{Operation, ValidationError, Violation};
pub use value::{DecodeError, Value};
