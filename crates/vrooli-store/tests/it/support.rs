//! Shared builders for the store's tests: a temporary store, and valid rows
//! for any table, built from the catalogue with their parents created first.

use std::sync::atomic::{AtomicU64, Ordering};

use vrooli_model::rules::Check;
use vrooli_model::{ColumnDef, ColumnType, TableDef, Timestamp, Value};
use vrooli_store::{DataDir, Store, StoreError, Writer};

pub fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&DataDir::at(dir.path())).unwrap();
    (dir, store)
}

pub fn table(name: &str) -> &'static TableDef {
    vrooli_model::table(name).unwrap_or_else(|| panic!("no table {name}"))
}

/// A number no other row in this test process has used, for unique values.
pub fn unique() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A valid value for a non-key column.
fn value_for(column: &ColumnDef, n: u64) -> Value {
    let has = |pred: fn(&Check) -> bool| column.checks.iter().any(pred);
    match column.ty {
        ColumnType::BigInt | ColumnType::Int if column.unique => Value::Integer(n as i64),
        ColumnType::BigInt | ColumnType::Int => Value::Integer(1),
        ColumnType::Float => Value::Real(1.5),
        ColumnType::Boolean => Value::Integer(0),
        ColumnType::Json => Value::Text(r#"{"k":1}"#.into()),
        ColumnType::Enum(e) => Value::Text(e.values[0].into()),
        ColumnType::Vector(d) => Value::Blob(vec![0; d as usize * 4]),
        // Distinct per row, so unique groups over timestamps hold.
        ColumnType::DateTime => Value::Text(Timestamp::from_micros(1_750_000_000_000_000 + n as i64).to_string()),
        ColumnType::String => {
            if has(|c| matches!(c, Check::Language)) {
                Value::Text("en".into())
            } else if has(|c| matches!(c, Check::LanguageList)) {
                Value::Text(r#"["en","de"]"#.into())
            } else if has(|c| matches!(c, Check::StringList)) {
                Value::Text(r#"["a","b"]"#.into())
            } else if has(|c| matches!(c, Check::PublicId)) {
                Value::Text(String::new())
            } else if has(|c| matches!(c, Check::Handle)) {
                Value::Text(format!("han{n}"))
            } else if has(|c| matches!(c, Check::Email)) {
                Value::Text(format!("user{n}@example.com"))
            } else if has(|c| matches!(c, Check::Phone)) {
                Value::Text(format!("+1{n:010}"))
            } else if has(|c| matches!(c, Check::Uuid)) {
                Value::Text(format!("00000000-0000-4000-8000-{n:012x}"))
            } else {
                let max = column.max_length.unwrap_or(64) as usize;
                let text = format!("{}{n}", &column.name[..1]);
                Value::Text(text.chars().rev().take(max).collect::<String>().chars().rev().collect())
            }
        }
    }
}

/// Builds a valid row of `table` (not inserted), creating every required
/// parent, and the parents of `set_fks` too (nullable foreign keys to fill).
pub fn build_row(
    w: &mut Writer<'_>,
    table: &'static TableDef,
    set_fks: &[&str],
    depth: usize,
) -> Result<Vec<Value>, StoreError> {
    assert!(depth < 12, "foreign keys of {} recurse too deep", table.name);
    let n = unique();
    // Nullable FKs to fill: the requested ones, plus the first of each exclusive
    // group that needs one and has none requested.
    let mut wanted: Vec<&str> = set_fks.to_vec();
    for group in table.exclusive {
        if group.required_on_create && !group.columns.iter().any(|c| wanted.contains(c)) {
            wanted.push(group.columns[0]);
        }
    }
    let mut values = Vec::with_capacity(table.columns.len());
    for column in table.columns {
        let value = if column.primary_key {
            Value::Integer(0)
        } else if let Some(fk) = table.foreign_key_of(column.name) {
            if column.nullable && !wanted.contains(&column.name) {
                Value::Null
            } else {
                let parent_table = self::table(fk.references_table);
                let parent = make_row(w, parent_table, &[], depth + 1)?;
                let i = parent_table.column_index(fk.references_columns[0]).unwrap();
                parent[i].clone()
            }
        } else if (column.default_now || column.auto_updated) && !column.nullable {
            Value::Null
        } else {
            value_for(column, n)
        };
        values.push(value);
    }
    Ok(values)
}

/// Inserts a valid row of `table` and returns it as stored.
pub fn make_row(
    w: &mut Writer<'_>,
    table: &'static TableDef,
    set_fks: &[&str],
    depth: usize,
) -> Result<Vec<Value>, StoreError> {
    let row = build_row(w, table, set_fks, depth)?;
    w.insert_row(table, row)
}

/// Inserts a valid row in its own transaction.
pub fn insert_valid(store: &mut Store, table_name: &str) -> Vec<Value> {
    let t = table(table_name);
    store.write(|w| make_row(w, t, &[], 0)).unwrap_or_else(|e| panic!("valid {table_name}: {e}"))
}

/// Every row of every table, for "nothing changed" assertions.
pub fn snapshot(store: &Store) -> Vec<(String, Vec<String>)> {
    vrooli_model::TABLES
        .iter()
        .map(|t| {
            let mut stmt = store.connection().prepare(&format!("SELECT * FROM \"{}\" ORDER BY id", t.name)).unwrap();
            let rows = stmt
                .query_map([], |r| {
                    let mut out = String::new();
                    for i in 0..t.columns.len() {
                        out.push_str(&format!("{:?}|", r.get_ref(i)?));
                    }
                    Ok(out)
                })
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            (t.name.to_string(), rows)
        })
        .collect()
}
