//! Migrations: a fresh database and a re-run agree, and a database written by
//! the previous migration set keeps its rows when upgraded.

use vrooli_model::SystemClock;
use vrooli_store::{applied_migrations, latest_migration, DataDir, Store};

use crate::support::*;

fn schema(store: &Store) -> Vec<(String, String)> {
    let mut stmt = store
        .connection()
        .prepare(
            "SELECT name, coalesce(sql, '') FROM sqlite_master WHERE name != 'refinery_schema_history' ORDER BY name",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap()
}

#[test]
fn reopening_changes_nothing_and_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&DataDir::at(dir.path())).unwrap();
    let first = schema(&store);
    let device = store.device_id().to_string();
    insert_valid(&mut store, "chat_message");
    let rows = store.row_counts().unwrap();
    drop(store);

    let store = Store::open(&DataDir::at(dir.path())).unwrap();
    assert_eq!(schema(&store), first);
    assert_eq!(store.row_counts().unwrap(), rows);
    assert_eq!(store.device_id(), device, "the device id survives reopening");
    assert_eq!(applied_migrations(store.connection()).unwrap(), (1..=latest_migration()).collect::<Vec<_>>());

    let (_other, fresh) = temp_store();
    assert_eq!(schema(&fresh), first, "a fresh database has the same schema");
}

#[test]
fn upgrading_from_the_previous_migration_set_keeps_rows_and_indexes_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vrooli.db");
    {
        // A database as the previous release (migration 1 only) left it.
        let _ = Store::open_with(&path, Box::new(SystemClock), Some(1));
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "INSERT INTO chat (id, publicId, updatedAt) VALUES (1, 'abcdefghijkl', '2025-01-01T00:00:00.000000Z');
             INSERT INTO chat_message (id, updatedAt, language, text, chatId)
                 VALUES (2, '2025-01-01T00:00:00.000000Z', 'en', 'written before the upgrade', 1);",
        )
        .unwrap();
    }
    let store = Store::open_path(&path).unwrap();
    assert_eq!(applied_migrations(store.connection()).unwrap().last().copied(), Some(latest_migration()));
    let chat = store.get_row("chat_message", 2).unwrap().expect("row kept");
    assert_eq!(chat[5].as_str(), Some("written before the upgrade"));
    let hits = store.search("upgrade", 10).unwrap();
    assert_eq!(hits.len(), 1, "rows from before the search migration are searchable");
    assert_eq!(hits[0].id, 2);
}

#[test]
fn a_database_from_a_newer_build_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vrooli.db");
    drop(Store::open_path(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'future', '', '0')",
        [],
    )
    .unwrap();
    drop(conn);
    let error = Store::open_path(&path).err().expect("refused");
    assert_eq!(error.code(), "schema_too_new");
    assert!(error.to_string().contains("newer version"), "{error}");
}
