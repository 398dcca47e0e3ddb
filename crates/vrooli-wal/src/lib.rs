//! Moving the write-ahead log into the database off the write path, for
//! the devices' store and the server's SQLite database alike.
//!
//! In WAL mode SQLite's default is that the commit which pushes the log past
//! 1,000 pages copies the whole log into the database file and fsyncs it,
//! inside that commit: one write in a few hundred pays several milliseconds
//! for all the others, which is what set a post's p99. Here the writer's WAL
//! hook (which replaces SQLite's automatic checkpoint) tells a thread of its
//! own, with its own connection, after each commit; the thread waits for the
//! burst to settle and runs a passive checkpoint, which never blocks the
//! writer. Should the thread fall behind (the log reaches [`FALLBACK_PAGES`])
//! or be gone (the log reaches [`INLINE_PAGES`]), the writer checkpoints
//! itself, so the log stays bounded.
//!
//! Small and often beats large and rare here: nudging the thread only once the
//! log held 1,000 pages made the sync bench's 200-device delivery p99 2.5–2.8 s
//! against 0.2–0.33 s when nudged after every commit (same build otherwise,
//! two runs each): copying and syncing megabytes at once stalls everyone's I/O.
//!
//! Durability does not change: a commit is durable once it is in the log
//! (`synchronous = NORMAL` in WAL mode), whoever copies it onward and when.

use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::hooks::Wal;
use rusqlite::wal::CheckpointMode;
use rusqlite::{Connection, OpenFlags};

/// How long the thread waits after a nudge before checkpointing, so a burst
/// of writes costs one checkpoint rather than one each.
const SETTLE: Duration = Duration::from_millis(50);
/// The log size, in pages, at which the writer copies it itself while the
/// thread runs: only reached when the thread cannot keep up.
pub const FALLBACK_PAGES: i32 = 16_000;
/// The log size, in pages, at which the writer copies it itself once the
/// thread is gone: SQLite's own default.
pub const INLINE_PAGES: i32 = 1_000;

/// The checkpointing thread of one database. Dropping it runs a last checkpoint
/// and waits for the thread; the writer then checkpoints inline again.
pub struct Checkpointer {
    nudge: Option<Arc<SyncSender<()>>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread on its own connection to `path` and hands it `writer`'s
    /// checkpoints. `None` (with a warning) if the thread cannot be started: the
    /// writer keeps SQLite's own checkpoints.
    pub fn start(path: &Path, writer: &mut Connection) -> Option<Checkpointer> {
        let conn = match Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE) {
            Ok(conn) => conn,
            Err(error) => {
                tracing::warn!(%error, path = %path.display(), "no background checkpoints");
                return None;
            }
        };
        let (nudge, nudged) = mpsc::sync_channel(1);
        let nudge = Arc::new(nudge);
        let weak = Arc::downgrade(&nudge);
        if let Err(error) = writer.wal_hook(Some(move |wal: &mut Wal, pages| after_commit(&weak, wal, pages))) {
            tracing::warn!(%error, "no background checkpoints");
            return None;
        }
        let thread = std::thread::Builder::new()
            .name("vrooli-checkpoint".into())
            .spawn(move || run(&conn, &nudged))
            .map_err(|error| tracing::warn!(%error, "no background checkpoints: the writer checkpoints itself"))
            .ok()?;
        Some(Checkpointer { nudge: Some(nudge), thread: Some(thread) })
    }
}

/// The writer's WAL hook, after each of its commits with the log at `pages`.
fn after_commit(nudge: &Weak<SyncSender<()>>, wal: &mut Wal, pages: i32) -> rusqlite::Result<()> {
    let inline = match nudge.upgrade() {
        Some(nudge) => {
            // Full means a checkpoint is already due: nothing to add.
            let _ = nudge.try_send(());
            pages >= FALLBACK_PAGES
        }
        None => pages >= INLINE_PAGES,
    };
    // As SQLite's own hook does, but passive, so a reader never makes the writer wait; and
    // like it, whatever the checkpoint says is no error of the commit, which has happened
    // (an error from this hook would be reported to the writer as its commit failing).
    if inline {
        if let Err(error) = wal.checkpoint_v2(CheckpointMode::PASSIVE) {
            tracing::debug!(%error, pages, "inline checkpoint did not run");
        }
    }
    Ok(())
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.nudge.take();
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::warn!("checkpoint thread panicked");
            }
        }
    }
}

fn run(conn: &Connection, nudged: &Receiver<()>) {
    while nudged.recv().is_ok() {
        let open = settle(nudged);
        match checkpoint(conn) {
            Ok((log, copied)) => tracing::trace!(log, copied, "checkpointed"),
            Err(error) => tracing::warn!(%error, "background checkpoint failed"),
        }
        if !open {
            break;
        }
    }
    // The database is closing; whichever connection closes last checkpoints the rest.
}

/// Gathers the nudges of the next [`SETTLE`]; false once the checkpointer is being
/// dropped, which ends the wait at once so closing a database never sleeps.
fn settle(nudged: &Receiver<()>) -> bool {
    let deadline = Instant::now() + SETTLE;
    loop {
        match nudged.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(()) => continue,
            Err(RecvTimeoutError::Timeout) => return true,
            Err(RecvTimeoutError::Disconnected) => return false,
        }
    }
}

/// One passive checkpoint: the log's size and how much of it is now in the
/// database, in pages.
pub fn checkpoint(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.prepare_cached("PRAGMA wal_checkpoint(PASSIVE)")?.query_row([], |r| Ok((r.get(1)?, r.get(2)?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A writer in WAL mode on a new database with one table.
    fn writer(path: &Path) -> Result<Connection, Box<dyn std::error::Error>> {
        let writer = Connection::open(path)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        writer.execute_batch("CREATE TABLE t (x BLOB)")?;
        Ok(writer)
    }

    /// A database in a temporary directory, its writer, and a checkpointer started on it.
    fn started() -> Result<(tempfile::TempDir, PathBuf, Connection, Checkpointer), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("t.db");
        let mut writer = writer(&path)?;
        let checkpointer = Checkpointer::start(&path, &mut writer).ok_or("checkpointer did not start")?;
        Ok((dir, path, writer, checkpointer))
    }

    /// Inserts about `pages` pages of data, a commit each two pages.
    fn write_pages(writer: &Connection, pages: i32) -> rusqlite::Result<()> {
        for _ in 0..pages / 2 {
            writer.execute("INSERT INTO t VALUES (zeroblob(7000))", [])?;
        }
        Ok(())
    }

    #[test]
    fn commits_reach_the_database_soon_after_without_the_writer() -> Result<(), Box<dyn std::error::Error>> {
        let (_dir, path, writer, _checkpointer) = started()?;
        write_pages(&writer, 100)?;
        // Far below any size at which the writer would copy the log itself.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::fs::metadata(&path)?.len() < 50 * 4096 {
            assert!(Instant::now() < deadline, "nothing reached the database file");
            std::thread::sleep(SETTLE);
        }
        Ok(())
    }

    #[test]
    fn everything_is_copied_by_the_time_the_thread_stops() -> Result<(), Box<dyn std::error::Error>> {
        let (_dir, path, writer, checkpointer) = started()?;
        write_pages(&writer, INLINE_PAGES + 200)?;
        drop(checkpointer);
        // The thread copied the log into the database file (the writer's hook only nudges it).
        let size = std::fs::metadata(&path)?.len();
        assert!(size > u64::from(INLINE_PAGES.unsigned_abs()) * 4096, "the database file is {size} bytes");
        // And all of it: another passive checkpoint finds the log fully backfilled (log
        // size == copied), and the next write starts the log over.
        let (log, copied) = checkpoint(&writer)?;
        assert!(log > 0, "the writes went through the log ({log} pages)");
        assert_eq!(log, copied, "the thread copied the whole log into the database");
        writer.execute("INSERT INTO t VALUES (1)", [])?;
        assert!(checkpoint(&writer)?.0 < log, "the log restarted");
        Ok(())
    }

    #[test]
    fn without_the_thread_the_writer_checkpoints_itself() -> Result<(), Box<dyn std::error::Error>> {
        let (_dir, _path, writer, checkpointer) = started()?;
        drop(checkpointer);
        write_pages(&writer, INLINE_PAGES * 3)?;
        // The log restarts after each inline checkpoint, so it never holds all the writes.
        let (log, _) = checkpoint(&writer)?;
        assert!(log < i64::from(INLINE_PAGES) * 2, "the log was copied and restarted ({log} pages)");
        Ok(())
    }

    #[test]
    fn a_long_stream_of_commits_never_fails() -> Result<(), Box<dyn std::error::Error>> {
        let (_dir, _path, writer, _checkpointer) = started()?;
        // Past the fallback size if the thread never caught up: every commit still succeeds.
        write_pages(&writer, FALLBACK_PAGES + 2_000)?;
        let rows: i64 = writer.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?;
        assert_eq!(rows, i64::from((FALLBACK_PAGES + 2_000) / 2));
        Ok(())
    }

    #[test]
    fn a_missing_database_only_disables_background_checkpoints() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let mut writer = Connection::open_in_memory()?;
        assert!(Checkpointer::start(&dir.path().join("absent").join("t.db"), &mut writer).is_none());
        Ok(())
    }
}
