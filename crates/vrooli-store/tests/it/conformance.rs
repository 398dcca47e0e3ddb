//! The migrated database against every fact of `spec/entity-model.json`,
//! read back through SQLite's own introspection (PRAGMA), not our catalogue.

use std::collections::BTreeSet;

use rusqlite::Connection;
use serde_json::Value as Json;

use crate::support::*;

fn spec() -> Json {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/entity-model.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn strs(v: &Json) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

struct PragmaColumn {
    name: String,
    ty: String,
    notnull: bool,
    default: Option<String>,
    pk: bool,
}

fn columns(conn: &Connection, table: &str) -> Vec<PragmaColumn> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info(\"{table}\")")).unwrap();
    stmt.query_map([], |r| {
        Ok(PragmaColumn {
            name: r.get(1)?,
            ty: r.get(2)?,
            notnull: r.get::<_, i64>(3)? == 1,
            default: r.get(4)?,
            pk: r.get::<_, i64>(5)? > 0,
        })
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// (name, unique, columns) of every index on the table.
fn indexes(conn: &Connection, table: &str) -> Vec<(String, bool, Vec<String>)> {
    let mut stmt = conn.prepare(&format!("PRAGMA index_list(\"{table}\")")).unwrap();
    let list: Vec<(String, bool)> = stmt
        .query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, i64>(2)? == 1)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    list.into_iter()
        .map(|(name, unique)| {
            let mut info = conn.prepare(&format!("PRAGMA index_info(\"{name}\")")).unwrap();
            let cols = info.query_map([], |r| r.get::<_, String>(2)).unwrap().collect::<Result<_, _>>().unwrap();
            (name, unique, cols)
        })
        .collect()
}

fn expected_type(column: &Json) -> &'static str {
    match column["type"].as_str().unwrap() {
        "BigInt" | "Int" | "Boolean" => "INTEGER",
        "Float" => "REAL",
        "Vector" => "BLOB",
        _ => "TEXT",
    }
}

/// The SQL default the catalogue's default must become, derived here independently.
fn expected_default(column: &Json) -> Option<String> {
    let d = column["default"].as_str()?;
    Some(match (column["type"].as_str().unwrap(), d) {
        (_, "now()") => "strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')".into(),
        ("Boolean", "true") => "1".into(),
        ("Boolean", "false") => "0".into(),
        ("Enum", v) => format!("'{v}'"),
        ("String", v) if column["list"] == Json::Bool(true) => format!("'{v}'"),
        ("String" | "Json", v) => format!("'{}'", serde_json::from_str::<String>(v).unwrap()),
        (_, v) => v.to_string(),
    })
}

#[test]
fn every_table_column_key_and_default_matches_the_catalogue() {
    let (_dir, store) = temp_store();
    let conn = store.connection();
    let spec = spec();
    let models = spec["models"].as_object().unwrap();
    assert_eq!(models.len(), 66);
    for (table, model) in models {
        let actual = columns(conn, table);
        let expected = model["columns"].as_array().unwrap();
        let names: Vec<&str> = actual.iter().map(|c| c.name.as_str()).collect();
        let want: Vec<&str> = expected.iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, want, "{table}: columns");
        for (col, spec_col) in actual.iter().zip(expected) {
            let what = format!("{table}.{}", col.name);
            assert_eq!(col.ty, expected_type(spec_col), "{what}: type");
            assert_eq!(col.notnull, !spec_col["nullable"].as_bool().unwrap(), "{what}: NOT NULL");
            assert_eq!(col.pk, spec_col["primary_key"] == Json::Bool(true), "{what}: primary key");
            let default = col.default.as_deref().map(|d| match d.strip_prefix('(').and_then(|d| d.strip_suffix(')')) {
                Some(inner) => inner.to_string(),
                None => d.to_string(),
            });
            assert_eq!(default, expected_default(spec_col), "{what}: default");
        }
    }
}

#[test]
fn every_foreign_key_has_its_on_delete_rule() {
    let (_dir, store) = temp_store();
    let conn = store.connection();
    for (table, model) in spec()["models"].as_object().unwrap() {
        let mut stmt = conn.prepare(&format!("PRAGMA foreign_key_list(\"{table}\")")).unwrap();
        let actual: BTreeSet<(String, String, String, String)> = stmt
            .query_map([], |r| Ok((r.get(3)?, r.get(2)?, r.get(4)?, r.get(6)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let expected: BTreeSet<(String, String, String, String)> = model["foreign_keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|fk| {
                let rule = match fk["on_delete"].as_str().unwrap() {
                    "Cascade" => "CASCADE",
                    "SetNull" => "SET NULL",
                    "Restrict" => "RESTRICT",
                    other => panic!("{other}"),
                };
                (
                    strs(&fk["columns"]).join(","),
                    fk["references_table"].as_str().unwrap().to_string(),
                    strs(&fk["references_columns"]).join(","),
                    rule.to_string(),
                )
            })
            .collect();
        assert_eq!(actual, expected, "{table}: foreign keys");
    }
}

#[test]
fn every_unique_and_index_exists_under_its_name() {
    let (_dir, store) = temp_store();
    let conn = store.connection();
    for (table, model) in spec()["models"].as_object().unwrap() {
        let actual = indexes(conn, table);
        let has_unique = |cols: &[String]| actual.iter().any(|(_, unique, c)| *unique && c == cols);
        for column in model["columns"].as_array().unwrap() {
            if column["unique"] == Json::Bool(true) {
                let cols = vec![column["name"].as_str().unwrap().to_string()];
                assert!(has_unique(&cols), "{table}: unique {cols:?}");
            }
        }
        for group in model["unique"].as_array().unwrap() {
            let cols = strs(&group["columns"]);
            assert!(has_unique(&cols), "{table}: unique group {cols:?}");
            if let Some(name) = group["name"].as_str() {
                assert!(actual.iter().any(|(n, u, c)| n == name && *u && *c == cols), "{table}: unique {name}");
            }
        }
        for index in model["indexes"].as_array().unwrap() {
            let cols = strs(&index["columns"]);
            let found = match index["name"].as_str() {
                Some(name) => actual.iter().any(|(n, _, c)| n == name && *c == cols),
                None => actual.iter().any(|(_, _, c)| *c == cols),
            };
            assert!(found, "{table}: index {:?} on {cols:?}", index["name"]);
        }
    }
}

#[test]
fn every_connection_enforces_foreign_keys_in_wal_mode_on_strict_tables() {
    let (_dir, store) = temp_store();
    let conn = store.connection();
    let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
    assert_eq!(fk, 1);
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    for t in vrooli_model::TABLES {
        let strict: i64 =
            conn.query_row("SELECT strict FROM pragma_table_list WHERE name = ?1", [t.name], |r| r.get(0)).unwrap();
        assert_eq!(strict, 1, "{} is STRICT", t.name);
    }
}

/// Writes `value` into one column of a valid row with raw SQL, bypassing the
/// store's validation, and tells whether the database accepted it.
fn raw_update_accepted(
    store: &vrooli_store::Store,
    table: &str,
    id: i64,
    column: &str,
    value: rusqlite::types::Value,
) -> bool {
    let sql = format!("UPDATE \"{table}\" SET \"{column}\" = ?1 WHERE id = ?2");
    match store.connection().execute(&sql, rusqlite::params![value, id]) {
        Ok(n) => {
            assert_eq!(n, 1);
            true
        }
        Err(e) => {
            let text = e.to_string();
            assert!(
                text.contains("constraint failed")
                    || text.contains("cannot store")
                    || text.contains("datatype mismatch"),
                "{table}.{column}: {text}"
            );
            false
        }
    }
}

/// Every CHECK the catalogue implies, tried against the database directly:
/// enums, max lengths, booleans, JSON, lists, vectors and timestamps.
#[test]
fn database_checks_refuse_invalid_values_on_any_path() {
    use rusqlite::types::Value as V;
    let (_dir, mut store) = temp_store();
    let spec = spec();
    let mut tried = 0;
    for (table, model) in spec["models"].as_object().unwrap() {
        let row = insert_valid(&mut store, table);
        let id = row[0].as_i64().unwrap();
        for column in model["columns"].as_array().unwrap() {
            let name = column["name"].as_str().unwrap();
            let ty = column["type"].as_str().unwrap();
            let mut bad: Vec<V> = Vec::new();
            if let Some(n) = column["max_length"].as_u64() {
                bad.push(V::Text("x".repeat(n as usize + 1)));
            }
            match ty {
                "Enum" => bad.push(V::Text("NotAVariant".into())),
                "Boolean" => bad.push(V::Integer(2)),
                "Json" => bad.push(V::Text("{not json".into())),
                "DateTime" => bad.push(V::Text("2025-01-01 12:00:00".into())),
                "Vector" => bad.push(V::Blob(vec![0; 12])),
                "Int" => bad.push(V::Integer(i64::from(i32::MAX) + 1)),
                "BigInt" | "Float" => bad.push(V::Text("not a number".into())),
                "String" if column["list"] == Json::Bool(true) => bad.push(V::Text("\"not an array\"".into())),
                _ => {}
            }
            for value in bad {
                assert!(
                    !raw_update_accepted(&store, table, id, name, value.clone()),
                    "{table}.{name} accepted {value:?}"
                );
                tried += 1;
            }
        }
    }
    assert!(tried > 300, "tried {tried}");
}
