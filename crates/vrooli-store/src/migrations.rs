//! The schema, as refinery migrations embedded from `migrations/` at build
//! time (`build.rs` reruns when the folder changes). Migrations are
//! append-only: a shipped file never changes, and none drops user data.

use rusqlite::Connection;

use crate::error::StoreError;

mod embedded {
    refinery::embed_migrations!("../../migrations");
}

/// Brings the database to the newest schema (or to `target`, for tests that
/// need an older one). Each migration runs in its own transaction.
pub(crate) fn migrate(conn: &mut Connection, target: Option<i32>) -> Result<(), StoreError> {
    let mut runner = embedded::migrations::runner();
    if let Some(version) = target {
        runner = runner.set_target(refinery::Target::Version(version));
    }
    let report = runner.run(conn).map_err(|e| StoreError::Migration(Box::new(e)))?;
    for m in report.applied_migrations() {
        tracing::info!(version = m.version(), name = m.name(), "applied migration");
    }
    Ok(())
}

/// The newest migration this build knows.
pub fn latest_migration() -> i32 {
    embedded::migrations::runner().get_migrations().iter().map(|m| m.version()).max().unwrap_or(0)
}

/// The versions applied to an open database, oldest first.
pub fn applied_migrations(conn: &Connection) -> Result<Vec<i32>, StoreError> {
    let mut stmt = conn.prepare("SELECT version FROM refinery_schema_history ORDER BY version")?;
    let versions = stmt.query_map([], |r| r.get::<_, i32>(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(versions)
}
