//! Crash safety: a write the store acknowledged survives the process being
//! killed at any moment, and the database stays intact.
//!
//! The writer runs in a child process: this test binary re-executed with a
//! filter that selects only [`child_writes_until_killed`], which does nothing
//! unless [`CHILD_DB_ENV`] names a data dir. The child inserts one chat message
//! per transaction and prints `ack <id>` only after the insert returned `Ok`.
//! The parent kills it with SIGKILL at a random moment, many times over the
//! same database, so every run after the first also recovers from the last
//! kill. After each kill it reopens the database and checks it.

#![cfg(unix)]

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use vrooli_model::entities::{Chat, ChatMessage};
use vrooli_store::{DataDir, Store};

/// The data dir the child writes to; unset in a normal test run.
const CHILD_DB_ENV: &str = "VROOLI_CRASH_CHILD_DB";
/// The chat the child's messages belong to.
const CHILD_CHAT_ENV: &str = "VROOLI_CRASH_CHILD_CHAT";
/// The child's test name, as libtest filters it with `--exact`.
const CHILD_TEST: &str = "crash::child_writes_until_killed";
const KILLS: usize = 24;
/// A child the parent failed to kill stops by itself after this long.
const CHILD_LIFETIME: Duration = Duration::from_secs(30);
const SIGKILL: i32 = 9;

/// The child's side; passes trivially unless run by [`acknowledged_writes_survive_sigkill`].
#[test]
fn child_writes_until_killed() {
    let Some(dir) = std::env::var_os(CHILD_DB_ENV) else {
        return;
    };
    let chat_id: i64 = std::env::var(CHILD_CHAT_ENV).unwrap().parse().unwrap();
    let mut store = Store::open(&DataDir::at(dir)).unwrap();
    // Locked once: `ack` lines go straight to the pipe, past libtest's capture.
    let mut out = std::io::stdout().lock();
    // libtest has printed `test <name> ... ` with no newline; end that line so
    // every `ack` starts its own.
    writeln!(out).unwrap();
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < CHILD_LIFETIME {
        n += 1;
        let message = ChatMessage {
            chat_id,
            language: "en".into(),
            text: format!("message {n} of a writer that is about to be killed"),
            ..ChatMessage::default()
        };
        let stored = store.insert(message).unwrap();
        writeln!(out, "ack {}", stored.id).unwrap();
        out.flush().unwrap();
    }
}

/// Kills the child if the test fails before it does.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What one run of the child acknowledged before it was killed.
struct Run {
    acked: Vec<i64>,
    early: bool,
}

/// Starts a writer and kills it: an early run within 30 ms of spawn
/// (the child needs about 15 ms in a debug build to open the store and
/// acknowledge its first write, so these often land during the open and its
/// recovery of the last kill), a late one up to 150 ms after the first
/// acknowledged write, in the middle of writing.
fn write_and_kill(dir: &Path, chat_id: i64, early: bool, rng: &mut SmallRng) -> Run {
    let mut child = KillOnDrop(
        Command::new(std::env::current_exe().unwrap())
            .args([CHILD_TEST, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_DB_ENV, dir)
            .env(CHILD_CHAT_ENV, chat_id.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = thread::spawn(move || {
        let mut lines = BufReader::new(stdout);
        let mut line = String::new();
        // A line cut short by the kill has no newline and acknowledges nothing.
        while lines.read_line(&mut line).unwrap_or(0) > 0 && line.ends_with('\n') {
            if let Some(id) = line.strip_prefix("ack ") {
                let _ = tx.send(id.trim_end().parse::<i64>().unwrap());
            }
            line.clear();
        }
    });

    let mut acked = Vec::new();
    if early {
        thread::sleep(Duration::from_millis(rng.random_range(0..=30)));
    } else {
        let first = rx.recv_timeout(Duration::from_secs(20)).expect("the child acknowledged no write within 20 s");
        acked.push(first);
        thread::sleep(Duration::from_micros(rng.random_range(0..=150_000)));
    }
    if let Some(status) = child.0.try_wait().unwrap() {
        panic!("the child exited by itself ({status}) before it was killed");
    }
    child.0.kill().unwrap();
    let status = child.0.wait().unwrap();
    assert_eq!(status.signal(), Some(SIGKILL), "{status}");
    reader.join().unwrap();
    acked.extend(rx.try_iter());
    Run { acked, early }
}

/// Reopens the database after a kill and checks it is whole.
fn check_after_kill(dir: &Path, acked: &HashSet<i64>, kills: usize, context: &str) {
    let store = Store::open(&DataDir::at(dir)).unwrap_or_else(|e| panic!("{context}: reopening failed: {e}"));
    let conn = store.connection();

    let integrity: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(integrity, ["ok"], "{context}");
    let dangling: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
    assert_eq!(dangling, 0, "{context}: rows with a missing parent");
    // The full-text index is written by triggers in the same transaction, so
    // it must match its content table exactly.
    conn.execute(r#"INSERT INTO "fts_chat_message" ("fts_chat_message") VALUES ('integrity-check')"#, [])
        .unwrap_or_else(|e| panic!("{context}: full-text index out of step: {e}"));

    let stored: HashSet<i64> = conn
        .prepare(r#"SELECT "id" FROM "chat_message""#)
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let lost: Vec<&i64> = acked.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{context}: {} acknowledged messages lost, e.g. {:?}",
        lost.len(),
        &lost[..lost.len().min(5)]
    );
    // A kill between a commit and its `ack` leaves at most one message stored
    // but never acknowledged, per kill.
    let unacknowledged = stored.len() - acked.len();
    assert!(unacknowledged <= kills, "{context}: {unacknowledged} messages stored but never acknowledged");
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let seed: u64 = rand::rng().random();
    let mut rng = SmallRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let chat_id = Store::open(&DataDir::at(dir.path())).unwrap().insert(Chat::default()).unwrap().id;

    let mut acked = HashSet::new();
    let mut killed_while_writing = 0;
    for kill in 1..=KILLS {
        // Every fourth run is early, a fixed share, so the check below
        // cannot fail by an unlucky draw.
        let run = write_and_kill(dir.path(), chat_id, kill % 4 == 1, &mut rng);
        if !run.acked.is_empty() {
            killed_while_writing += 1;
        }
        let context = format!(
            "seed {seed}, kill {kill} ({} run, {} acknowledged)",
            if run.early { "early" } else { "writing" },
            run.acked.len()
        );
        for id in run.acked {
            assert!(acked.insert(id), "{context}: id {id} acknowledged twice");
        }
        check_after_kill(dir.path(), &acked, kill, &context);
    }
    // Most kills must land while writing, or the test proves little.
    assert!(killed_while_writing >= KILLS / 2, "seed {seed}: only {killed_while_writing} kills landed mid-write");
}
