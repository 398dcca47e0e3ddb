//! Opening a database: pragmas on every connection, migration, device identity.

use std::path::Path;

use rand::Rng;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use vrooli_model::{DeviceNode, Id};

use crate::error::StoreError;
use crate::migrations::{applied_migrations, latest_migration, migrate};

/// Opens a connection with the settings every connection must have.
///
/// WAL with `synchronous = NORMAL` keeps every committed transaction through a
/// process crash (a power loss may drop the last few); foreign keys are off by
/// default in SQLite and must be switched on per connection.
pub(crate) fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.set_prepared_statement_cache_capacity(256);
    Ok(conn)
}

/// Migrates, refusing a database from a newer build rather than guessing.
pub(crate) fn prepare_schema(conn: &mut Connection, path: &Path, target: Option<i32>) -> Result<(), StoreError> {
    let has_history: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'refinery_schema_history')",
        [],
        |r| r.get(0),
    )?;
    if has_history {
        let known = latest_migration();
        if let Some(found) = applied_migrations(conn)?.into_iter().max().filter(|v| *v > known) {
            return Err(StoreError::SchemaTooNew { path: path.to_path_buf(), found, known });
        }
    }
    migrate(conn, target)
}

/// This device's identity, created on first open and kept in `local_meta`.
pub(crate) struct DeviceIdentity {
    pub device_id: String,
    pub node: DeviceNode,
}

pub(crate) fn device_identity(conn: &Connection) -> Result<DeviceIdentity, StoreError> {
    let get = |key: &str| -> Result<Option<String>, StoreError> {
        Ok(conn.query_row("SELECT value FROM local_meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    };
    let mut rng = rand::rng();
    let device_id = match get("device_id")? {
        Some(id) => id,
        None => {
            let id = format!("{:016x}", rng.random::<u64>());
            conn.execute("INSERT OR IGNORE INTO local_meta (key, value) VALUES ('device_id', ?1)", [&id])?;
            get("device_id")?.unwrap_or(id)
        }
    };
    let node = match get("id_node")?.and_then(|n| n.parse::<u16>().ok()).and_then(DeviceNode::new) {
        Some(node) => node,
        None => {
            let node = DeviceNode::random(&mut rng);
            conn.execute(
                "INSERT OR REPLACE INTO local_meta (key, value) VALUES ('id_node', ?1)",
                [node.get().to_string()],
            )?;
            node
        }
    };
    Ok(DeviceIdentity { device_id, node })
}

/// The largest id stored in any table, so new ids stay above it even if the
/// clock went back since the last run.
pub(crate) fn largest_id(conn: &Connection) -> Result<Id, StoreError> {
    let mut largest = 0i64;
    for table in vrooli_model::TABLES {
        let max: Option<i64> =
            conn.query_row(&format!("SELECT max(\"id\") FROM \"{}\"", table.name), [], |r| r.get(0))?;
        largest = largest.max(max.unwrap_or(0));
    }
    Ok(Id::new(largest))
}
