//! Conversions between model values and SQLite values.

use rusqlite::types::{ToSqlOutput, ValueRef};
use vrooli_model::Value;

/// Binds a model value without copying it.
pub(crate) fn to_sql(value: &Value) -> ToSqlOutput<'_> {
    ToSqlOutput::Borrowed(match value {
        Value::Null => ValueRef::Null,
        Value::Integer(i) => ValueRef::Integer(*i),
        Value::Real(f) => ValueRef::Real(*f),
        Value::Text(s) => ValueRef::Text(s.as_bytes()),
        Value::Blob(b) => ValueRef::Blob(b),
    })
}

pub(crate) fn from_sql(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        // STRICT tables only store valid UTF-8 text through this store; a
        // foreign byte sequence is kept visible rather than dropped.
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// Reads all columns of a row selected in catalogue order.
pub(crate) fn read_row(row: &rusqlite::Row<'_>, columns: usize) -> rusqlite::Result<Vec<Value>> {
    (0..columns).map(|i| row.get_ref(i).map(from_sql)).collect()
}

/// Adapts a model value for rusqlite's parameter binding.
pub(crate) struct Param<'a>(pub &'a Value);

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(to_sql(self.0))
    }
}

/// Parses a catalogue default (already a SQL literal) into a value.
pub(crate) fn default_value(sql: &str) -> Value {
    if let Some(text) = sql.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return Value::Text(text.replace("''", "'"));
    }
    if let Ok(i) = sql.parse::<i64>() {
        return Value::Integer(i);
    }
    sql.parse::<f64>().map(Value::Real).unwrap_or(Value::Null)
}
