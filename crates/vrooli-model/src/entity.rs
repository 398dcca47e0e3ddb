//! The link between a typed row and its table.

use crate::catalogue::TableDef;
use crate::value::{DecodeError, Value};

/// A row type of one table. Generated for all 66 tables.
pub trait Entity: Sized {
    const TABLE: &'static TableDef;

    fn id(&self) -> i64;

    /// The row's values in catalogue column order.
    fn into_values(self) -> Vec<Value>;

    /// Builds the row from values in catalogue column order.
    fn from_values(values: Vec<Value>) -> Result<Self, DecodeError>;
}
