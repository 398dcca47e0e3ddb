//! An entity as an Automerge map: one key per catalogue column.
//!
//! Scalars are plain values; text the model lets people edit (message text,
//! names, descriptions, notes) is Automerge text, edited with a character
//! diff so concurrent edits both survive. Counters (a message's versionIndex)
//! add up across devices. Reading turns the map back into a row in catalogue
//! column order, so projection is one function for every table.

use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, Value as AmValue, ROOT};
use vrooli_model::validate::validate_row;
use vrooli_model::{Entity, Operation, TableDef, Value};

use crate::doc_id::DocId;
use crate::error::CoreError;

/// Checks a row against every rule of its table before anything is written.
pub(crate) fn validate(table: &'static TableDef, values: &[Value], op: Operation) -> Result<(), CoreError> {
    validate_row(table, values, op).map_err(|e| CoreError::Store(e.into()))
}

/// A refused write that breaks a rule the catalogue cannot state.
pub(crate) fn invalid(entity: &'static str, field: &str, rule: &'static str, message: impl Into<String>) -> CoreError {
    CoreError::Store(vrooli_model::ValidationError::single(entity, field, rule, message.into()).into())
}

pub(crate) fn inconsistent(doc: &DocId, reason: impl Into<String>) -> CoreError {
    CoreError::Inconsistent { doc: doc.to_string(), reason: reason.into() }
}

/// One of the root maps every document of its kind has from genesis.
pub(crate) fn collection<D: ReadDoc>(doc: &D, id: &DocId, key: &str) -> Result<ObjId, CoreError> {
    map_at(doc, &ROOT, key)?.ok_or_else(|| inconsistent(id, format!("no {key} map")))
}

/// A row read from a document as its entity. Derived columns the caller has
/// not filled yet read as 0 (false) so the row decodes; a row that does not
/// decode means the document breaks the model.
pub(crate) fn decode<E: Entity>(id: &DocId, layout: &Layout, mut row: Vec<Value>) -> Result<E, CoreError> {
    for (column, value) in layout.table.columns.iter().zip(row.iter_mut()) {
        if value.is_null() && !column.nullable && layout.derived.contains(&column.name) {
            *value = Value::Integer(0);
        }
    }
    E::from_values(row).map_err(|e| inconsistent(id, format!("a {} does not fit the model: {e}", layout.table.name)))
}

/// How a document keeps one column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Scalar,
    Text,
    Counter,
}

/// The layout of one table's entities: which columns are text or counters,
/// and which are derived at projection (never stored in the document).
pub(crate) struct Layout {
    pub table: &'static TableDef,
    pub text: &'static [&'static str],
    pub counters: &'static [&'static str],
    pub derived: &'static [&'static str],
}

impl Layout {
    fn kind(&self, column: &str) -> Kind {
        if self.text.contains(&column) {
            Kind::Text
        } else if self.counters.contains(&column) {
            Kind::Counter
        } else {
            Kind::Scalar
        }
    }
}

pub(crate) fn map_at<D: ReadDoc>(doc: &D, parent: &ObjId, key: &str) -> Result<Option<ObjId>, CoreError> {
    Ok(match doc.get(parent, key)? {
        Some((AmValue::Object(ObjType::Map), id)) => Some(id),
        _ => None,
    })
}

fn to_value<D: ReadDoc>(doc: &D, value: AmValue<'_>, id: &ObjId) -> Result<Value, CoreError> {
    Ok(match value {
        AmValue::Object(ObjType::Text) => Value::Text(doc.text(id)?),
        AmValue::Object(_) => Value::Null,
        AmValue::Scalar(s) => match s.as_ref() {
            ScalarValue::Int(i) | ScalarValue::Timestamp(i) => Value::Integer(*i),
            ScalarValue::Uint(u) => Value::Integer(i64::try_from(*u).unwrap_or(i64::MAX)),
            ScalarValue::Counter(c) => Value::Integer(i64::from(c)),
            ScalarValue::F64(f) => Value::Real(*f),
            ScalarValue::Boolean(b) => Value::Integer(i64::from(*b)),
            ScalarValue::Str(s) => Value::Text(s.to_string()),
            ScalarValue::Bytes(b) => Value::Blob(b.clone()),
            ScalarValue::Null | ScalarValue::Unknown { .. } => Value::Null,
        },
    })
}

/// What an empty merged text that must not be empty shows.
pub(crate) const EMPTY_TEXT: &str = "…";

/// Fits merged text to its column's length rules. Each device's edit is
/// valid, but two concurrent edits can merge into text no single edit could
/// write: two renames that each delete part of a name leave it empty, two
/// long ones add up past the limit. Refusing such a row would stop the
/// devices from ever exchanging that document again, so the projection shows
/// the text fitted — cut to the limit, or `…` when it must not be empty —
/// the same on every device; the document keeps the merged text, and the
/// next edit replaces it.
fn fit_text(column: &vrooli_model::ColumnDef, text: String) -> String {
    use vrooli_model::rules::Check;
    let mut text = text;
    for check in column.checks {
        match check {
            Check::MaxLength(n) if text.chars().count() > *n as usize => {
                text = text.chars().take(*n as usize).collect();
            }
            Check::MinLength(n) if text.chars().count() < *n as usize => {
                text = EMPTY_TEXT.repeat(*n as usize);
            }
            _ => {}
        }
    }
    text
}

/// The entity at `obj` as a row; derived and missing columns are NULL.
///
/// The map is read in one pass: a `get` per column seeks from the start of
/// the document's operations each time, which made projecting a merged
/// bucket of a thousand messages several times slower.
pub(crate) fn read_row<D: ReadDoc>(doc: &D, obj: &ObjId, layout: &Layout) -> Result<Vec<Value>, CoreError> {
    Ok(read_row_and_other_keys(doc, obj, layout)?.0)
}

/// [`read_row`], and the keys of the map that are no column of the table (a message keeps its
/// reactions beside its columns): one walk of the map for both.
pub(crate) fn read_row_and_other_keys<D: ReadDoc>(
    doc: &D,
    obj: &ObjId,
    layout: &Layout,
) -> Result<(Vec<Value>, Vec<String>), CoreError> {
    let mut entries: Vec<(String, AmValue<'static>, ObjId)> = Vec::new();
    let mut others = Vec::new();
    for item in doc.map_range(obj, ..) {
        if layout.table.columns.iter().any(|c| c.name == item.key) {
            let id = item.id();
            entries.push((item.key.to_string(), item.value.into(), id));
        } else {
            others.push(item.key.to_string());
        }
    }
    let mut row = Vec::with_capacity(layout.table.columns.len());
    for column in layout.table.columns {
        if layout.derived.contains(&column.name) {
            row.push(Value::Null);
            continue;
        }
        let value = match entries.iter().find(|(key, _, _)| key == column.name) {
            Some((_, value, id)) => to_value(doc, value.clone(), id)?,
            None => Value::Null,
        };
        row.push(match (layout.kind(column.name), value) {
            (Kind::Text, Value::Text(text)) => Value::Text(fit_text(column, text)),
            (_, value) => value,
        });
    }
    Ok((row, others))
}

fn scalar(value: &Value) -> ScalarValue {
    match value {
        Value::Null => ScalarValue::Null,
        Value::Integer(i) => ScalarValue::Int(*i),
        Value::Real(f) => ScalarValue::F64(*f),
        Value::Text(s) => ScalarValue::Str(s.as_str().into()),
        Value::Blob(b) => ScalarValue::Bytes(b.clone()),
    }
}

/// Writes `values` into the entity at `obj`, touching only what differs from
/// what the document holds: fewer operations, fewer needless conflicts.
pub(crate) fn write_row<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    layout: &Layout,
    values: &[Value],
) -> Result<(), CoreError> {
    for (column, value) in layout.table.columns.iter().zip(values) {
        if layout.derived.contains(&column.name) {
            continue;
        }
        let current = tx.get(obj, column.name)?;
        match layout.kind(column.name) {
            Kind::Text => match (value, current) {
                (Value::Text(text), Some((AmValue::Object(ObjType::Text), id))) => tx.update_text(&id, text)?,
                (Value::Text(text), _) => {
                    let id = tx.put_object(obj, column.name, ObjType::Text)?;
                    tx.update_text(&id, text)?;
                }
                (_, Some(_)) => tx.delete(obj, column.name)?,
                (_, None) => {}
            },
            Kind::Counter => {
                let target = value.as_i64().unwrap_or_default();
                match current {
                    Some((AmValue::Scalar(s), _)) => {
                        if let ScalarValue::Counter(c) = s.as_ref() {
                            let delta = target - i64::from(c);
                            if delta != 0 {
                                tx.increment(obj, column.name, delta)?;
                            }
                        } else {
                            tx.put(obj, column.name, ScalarValue::counter(target))?;
                        }
                    }
                    _ => tx.put(obj, column.name, ScalarValue::counter(target))?,
                }
            }
            Kind::Scalar => {
                let new = scalar(value);
                let same = matches!(&current, Some((AmValue::Scalar(s), _)) if s.as_ref() == &new);
                if !same {
                    tx.put(obj, column.name, new)?;
                }
            }
        }
    }
    Ok(())
}
