//! Moving the write-ahead log into the database off the write path, for
//! the devices' store and the server's SQLite database alike.
//!
//! In WAL mode SQLite's default is that the commit which pushes the log past
//! 1,000 pages copies the whole log into the database file and fsyncs it,
//! inside that commit: one write in a few hundred pays several milliseconds
//! for all the others, which is what set a post's p99. Here a thread with its
//! own connection runs a passive checkpoint shortly after writes instead;
//! passive never blocks the writer, and the writer's own automatic
//! checkpoint stays on at a much larger size ([`FALLBACK_PAGES`]) so the log
//! stays bounded even if this thread falls behind.
//!
//! Durability does not change: a commit is durable once it is in the log
//! (`synchronous = NORMAL` in WAL mode), whoever copies it onward and when.

use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

/// How long the thread waits after a write before checkpointing, so a burst
/// of writes costs one checkpoint rather than one each.
const SETTLE: Duration = Duration::from_millis(50);
/// The writer's own checkpoint threshold, in pages: only reached when this
/// thread cannot keep up. Set it on the writing connection
/// (`PRAGMA wal_autocheckpoint`) with [`hand_over`].
pub const FALLBACK_PAGES: u32 = 16_000;

/// Makes `writer` leave checkpoints to a [`Checkpointer`] but for the
/// fallback size.
pub fn hand_over(writer: &Connection) -> rusqlite::Result<()> {
    writer.pragma_update(None, "wal_autocheckpoint", FALLBACK_PAGES)
}

/// The checkpointing thread of one database. Dropping it runs a last checkpoint
/// and waits for the thread.
pub struct Checkpointer {
    nudge: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread on its own connection to `path`. `None` (with a
    /// warning) if that cannot be done: the writer's own checkpoints still
    /// keep the log bounded, only slower.
    pub fn start(path: &Path) -> Option<Checkpointer> {
        let conn = match Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE) {
            Ok(conn) => conn,
            Err(error) => {
                tracing::warn!(%error, path = %path.display(), "no background checkpoints");
                return None;
            }
        };
        let (nudge, nudged) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("vrooli-checkpoint".into())
            .spawn(move || run(&conn, &nudged))
            .map_err(|error| tracing::warn!(%error, "no background checkpoints"))
            .ok()?;
        Some(Checkpointer { nudge: Some(nudge), thread: Some(thread) })
    }

    /// Tells the thread a write committed. Never blocks.
    pub fn nudge(&self) {
        if let Some(nudge) = &self.nudge {
            // Full means a checkpoint is already due: nothing to add.
            let _ = nudge.try_send(());
        }
    }
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
    // The store is gone; whichever connection closes last checkpoints the rest.
}

/// Gathers the writes of the next [`SETTLE`]; false once the store has gone,
/// which ends the wait at once so closing a store never sleeps.
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
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get(1)?, r.get(2)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wal_pages(conn: &Connection) -> i64 {
        // A passive checkpoint that copies nothing new reports the log's size.
        checkpoint(conn).map(|(log, _)| log).unwrap_or(-1)
    }

    #[test]
    fn writes_reach_the_database_without_the_writer_checkpointing() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("t.db");
        let writer = Connection::open(&path)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        writer.execute_batch("CREATE TABLE t (x BLOB)")?;
        let checkpointer = Checkpointer::start(&path).ok_or("checkpointer did not start")?;
        for _ in 0..50 {
            writer.execute("INSERT INTO t VALUES (zeroblob(8000))", [])?;
            checkpointer.nudge();
        }
        drop(checkpointer);
        // Everything logged was copied: another passive checkpoint finds the
        // log fully backfilled (log size == copied).
        let (log, copied) = checkpoint(&writer)?;
        assert!(log > 50, "the writes went through the log ({log} pages)");
        assert_eq!(log, copied, "the thread copied the whole log into the database");
        // And the next write starts the log over instead of growing it.
        writer.execute("INSERT INTO t VALUES (1)", [])?;
        assert!(wal_pages(&writer) < log, "the log restarted after the background checkpoint");
        Ok(())
    }

    #[test]
    fn a_missing_database_only_disables_background_checkpoints() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(Checkpointer::start(&dir.path().join("absent").join("t.db")).is_none());
    }
}
