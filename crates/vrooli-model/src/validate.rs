//! Validation of a row before any write.
//!
//! Every rule is checked here first, so a bad write is refused with an error
//! naming the entity, the field and the rule, and nothing reaches the
//! database. The database's own CHECK constraints enforce the same rules as a
//! backstop for any other path.

use std::fmt;

use crate::catalogue::{ColumnType, TableDef};
use crate::value::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Insert,
    Update,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The column (or comma-separated columns) at fault, by catalogue name.
    pub field: String,
    /// A stable rule name: `required`, `type`, `max_length`, `enum`, `exclusive`…
    pub rule: &'static str,
    /// A sentence for people.
    pub message: String,
}

/// A refused write: every rule the row breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    pub entity: &'static str,
    pub violations: Vec<Violation>,
}

impl ValidationError {
    pub fn single(entity: &'static str, field: impl Into<String>, rule: &'static str, message: String) -> Self {
        ValidationError { entity, violations: vec![Violation { field: field.into(), rule, message }] }
    }

    /// The first violation: what an error line or a form shows first.
    pub fn first(&self) -> Option<&Violation> {
        self.violations.first()
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.violations.as_slice() {
            [] => write!(f, "{}: invalid row", self.entity),
            [first, rest @ ..] => {
                write!(f, "{}.{}: {}", self.entity, first.field, first.message)?;
                if !rest.is_empty() {
                    write!(f, " (and {} more problem{})", rest.len(), if rest.len() == 1 { "" } else { "s" })?;
                }
                Ok(())
            }
        }
    }
}

fn type_fits(ty: ColumnType, value: &Value) -> bool {
    matches!(
        (ty, value),
        (_, Value::Null)
            | (ColumnType::BigInt | ColumnType::Int | ColumnType::Boolean, Value::Integer(_))
            | (ColumnType::Float, Value::Real(_) | Value::Integer(_))
            | (ColumnType::String | ColumnType::DateTime | ColumnType::Json | ColumnType::Enum(_), Value::Text(_))
            | (ColumnType::Vector(_), Value::Blob(_))
    )
}

fn type_name(ty: ColumnType, list: bool) -> String {
    match ty {
        ColumnType::BigInt => "a 64-bit integer".into(),
        ColumnType::Int => "a 32-bit integer".into(),
        ColumnType::Float => "a number".into(),
        ColumnType::String if list => "a list of strings".into(),
        ColumnType::String => "text".into(),
        ColumnType::Boolean => "true or false".into(),
        ColumnType::DateTime => "a timestamp".into(),
        ColumnType::Json => "JSON".into(),
        ColumnType::Enum(e) => format!("a {} value", e.name),
        ColumnType::Vector(d) => format!("an embedding of {d} floats"),
    }
}

fn shown(value: &Value) -> String {
    match value {
        Value::Text(s) if s.chars().count() > 40 => format!("{} characters", s.chars().count()),
        Value::Text(s) => format!("{s:?}"),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Blob(b) => format!("{} bytes", b.len()),
        Value::Null => "nothing".into(),
    }
}

/// Checks `values` (in catalogue column order) against every rule of `table`.
pub fn validate_row(table: &'static TableDef, values: &[Value], op: Operation) -> Result<(), ValidationError> {
    let mut violations = Vec::new();
    if values.len() != table.columns.len() {
        violations.push(Violation {
            field: "*".into(),
            rule: "shape",
            message: format!("row has {} values but the table has {} columns", values.len(), table.columns.len()),
        });
        return Err(ValidationError { entity: table.name, violations });
    }
    for (column, value) in table.columns.iter().zip(values) {
        if value.is_null() {
            if !column.nullable {
                violations.push(Violation {
                    field: column.name.into(),
                    rule: "required",
                    message: "is required".into(),
                });
            }
            continue;
        }
        if !type_fits(column.ty, value) {
            violations.push(Violation {
                field: column.name.into(),
                rule: "type",
                message: format!("must be {}, got {}", type_name(column.ty, column.list), value.kind()),
            });
            continue;
        }
        if let Value::Text(text) = value {
            // SQLite's text functions stop at a NUL, so such text could slip
            // past the database's length checks: refuse it here.
            if text.contains('\0') {
                violations.push(Violation {
                    field: column.name.into(),
                    rule: "text",
                    message: "must not contain NUL characters".into(),
                });
                continue;
            }
        }
        if let Some(check) = column.checks.iter().find(|c| !c.holds(value)) {
            violations.push(Violation {
                field: column.name.into(),
                rule: check.rule(),
                message: format!("must be {} (got {})", check.describe(), shown(value)),
            });
        }
    }
    for group in table.exclusive {
        let set: Vec<&str> = group
            .columns
            .iter()
            .filter(|c| table.column_index(c).is_some_and(|i| !values[i].is_null()))
            .copied()
            .collect();
        let needs_one = group.required_on_create && op == Operation::Insert;
        if set.len() > 1 || (needs_one && set.is_empty()) {
            violations.push(Violation {
                field: group.columns.join(","),
                rule: "exclusive",
                message: if set.len() > 1 {
                    format!("only one of {} may be set (got {})", group.columns.join(", "), set.join(", "))
                } else {
                    format!("exactly one of {} must be set", group.columns.join(", "))
                },
            });
        }
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(ValidationError { entity: table.name, violations })
    }
}
