//! A column value as SQLite stores it, and the conversions between typed
//! fields and stored values.
//!
//! Rows travel between the typed entities and the store as `Vec<Value>` in
//! catalogue column order; booleans are integers, timestamps, enums, JSON and
//! lists are text, embeddings are blobs.

use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Integer(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The SQLite storage class name, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Integer(_) => "integer",
            Value::Real(_) => "real",
            Value::Text(_) => "text",
            Value::Blob(_) => "blob",
        }
    }
}

/// A stored value that does not fit the field it is read into.
#[derive(Debug, thiserror::Error)]
#[error("column {column}: cannot read {found} as {expected}")]
pub struct DecodeError {
    pub column: &'static str,
    pub expected: &'static str,
    pub found: String,
}

impl DecodeError {
    fn new(expected: &'static str, found: &Value) -> Self {
        DecodeError { column: "", expected, found: found.kind().to_string() }
    }

    pub fn in_column(mut self, column: &'static str) -> Self {
        self.column = column;
        self
    }
}

/// A Rust type that a column value converts to and from.
pub trait ColumnValue: Sized {
    fn into_value(self) -> Value;
    fn from_value(value: Value) -> Result<Self, DecodeError>;
}

impl ColumnValue for i64 {
    fn into_value(self) -> Value {
        Value::Integer(self)
    }
    fn from_value(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Integer(i) => Ok(i),
            other => Err(DecodeError::new("integer", &other)),
        }
    }
}

impl ColumnValue for i32 {
    fn into_value(self) -> Value {
        Value::Integer(self.into())
    }
    fn from_value(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Integer(i) => i32::try_from(i).map_err(|_| DecodeError {
                column: "",
                expected: "32-bit integer",
                found: i.to_string(),
            }),
            other => Err(DecodeError::new("integer", &other)),
        }
    }
}

impl ColumnValue for f64 {
    fn into_value(self) -> Value {
        Value::Real(self)
    }
    fn from_value(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Real(f) => Ok(f),
            Value::Integer(i) => Ok(i as f64),
            other => Err(DecodeError::new("real", &other)),
        }
    }
}

impl ColumnValue for bool {
    fn into_value(self) -> Value {
        Value::Integer(self.into())
    }
    fn from_value(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Integer(0) => Ok(false),
            Value::Integer(1) => Ok(true),
            other => Err(DecodeError::new("boolean", &other)),
        }
    }
}

impl ColumnValue for String {
    fn into_value(self) -> Value {
        Value::Text(self)
    }
    fn from_value(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Text(s) => Ok(s),
            other => Err(DecodeError::new("text", &other)),
        }
    }
}

impl ColumnValue for Timestamp {
    fn into_value(self) -> Value {
        Value::Text(self.to_string())
    }
    fn from_value(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Text(s) => Timestamp::parse(&s).ok_or(DecodeError { column: "", expected: "timestamp", found: s }),
            other => Err(DecodeError::new("timestamp", &other)),
        }
    }
}

/// JSON columns hold JSON text.
impl ColumnValue for serde_json::Value {
    fn into_value(self) -> Value {
        Value::Text(self.to_string())
    }
    fn from_value(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Text(s) => serde_json::from_str(&s).map_err(|_| DecodeError {
                column: "",
                expected: "JSON",
                found: "invalid JSON text".into(),
            }),
            other => Err(DecodeError::new("JSON text", &other)),
        }
    }
}

/// List columns hold a JSON array of strings.
impl ColumnValue for Vec<String> {
    fn into_value(self) -> Value {
        Value::Text(serde_json::Value::from(self).to_string())
    }
    fn from_value(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Text(s) => serde_json::from_str(&s).map_err(|_| DecodeError {
                column: "",
                expected: "JSON array of strings",
                found: "other text".into(),
            }),
            other => Err(DecodeError::new("JSON array text", &other)),
        }
    }
}

/// Embeddings are little-endian f32 blobs.
impl ColumnValue for Vec<f32> {
    fn into_value(self) -> Value {
        Value::Blob(self.iter().flat_map(|f| f.to_le_bytes()).collect())
    }
    fn from_value(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Blob(b) if b.len() % 4 == 0 => {
                Ok(b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
            }
            other => Err(DecodeError::new("f32 blob", &other)),
        }
    }
}

impl<T: ColumnValue> ColumnValue for Option<T> {
    fn into_value(self) -> Value {
        match self {
            Some(v) => v.into_value(),
            None => Value::Null,
        }
    }
    fn from_value(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// Implements [`ColumnValue`] for a generated enum through its text form.
#[macro_export]
macro_rules! enum_column_value {
    ($ty:ty) => {
        impl $crate::value::ColumnValue for $ty {
            fn into_value(self) -> $crate::value::Value {
                $crate::value::Value::Text(self.as_str().to_string())
            }
            fn from_value(value: $crate::value::Value) -> Result<Self, $crate::value::DecodeError> {
                match value {
                    $crate::value::Value::Text(s) => s.parse().map_err(|_| $crate::value::DecodeError {
                        column: "",
                        expected: stringify!($ty),
                        found: s,
                    }),
                    other => Err($crate::value::DecodeError {
                        column: "",
                        expected: stringify!($ty),
                        found: other.kind().to_string(),
                    }),
                }
            }
        }
    };
}
