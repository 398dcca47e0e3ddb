//! Where a cold load of a message bucket spends its time: the stored
//! snapshot, the changes stored after it, applying them, and — for
//! comparison — loading a fresh `save()` of the same document and the cost of
//! that save. Behind the choice of `doc_store::COMPACT_AFTER`.
//!
//! `cargo run --release -p vrooli-core --example prof_load -- [MESSAGES]`
//! (default 1,000, all posted within seconds of one bucket's start, so into one
//! bucket, however large: this measures size, not the bucket width).

use std::error::Error;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use automerge::{Automerge, Change};
use vrooli_core::Workspace;
use vrooli_model::{Clock, SystemClock, Timestamp};
use vrooli_store::DataDir;

const HOUR: i64 = 3_600_000_000;
const BUCKET: i64 = vrooli_core::BUCKET_MILLIS * 1_000;

/// Moves a millisecond at each reading: a thousand posts stay within one bucket.
struct StepClock(AtomicI64);

impl Clock for StepClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_micros(self.0.fetch_add(1_000, Ordering::Relaxed))
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let messages: usize = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(1_000);
    let dir = tempfile::tempdir()?;
    let start = SystemClock.now().as_micros() - 100 * HOUR;
    let start = start - start.rem_euclid(BUCKET);
    let data_dir = DataDir::resolve(Some(dir.path().to_path_buf()))?;
    let mut ws = Workspace::open_with_clock(&data_dir, Box::new(StepClock(AtomicI64::new(start))))?;
    let chat = ws.create_chat("Profile", "en")?;
    let started = Instant::now();
    let mut last = None;
    for i in 0..messages {
        let text = format!("message {i}: the agent routine runs every morning and posts a summary of open");
        last = Some(ws.post_message(chat.id, &text, "en", None)?.id);
    }
    println!("posted {messages} in {:.0} ms", started.elapsed().as_secs_f64() * 1000.0);

    let conn = ws.store().connection();
    let (id, snapshot): (String, Option<Vec<u8>>) = conn.query_row(
        "SELECT id, snapshot FROM doc WHERE id LIKE 'messages:%' ORDER BY length(snapshot) DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let changes: Vec<Vec<u8>> = conn
        .prepare("SELECT data FROM doc_change WHERE docId = ?1 ORDER BY seq")?
        .query_map([&id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    println!(
        "{id}: snapshot {} bytes, {} stored changes ({} bytes)",
        snapshot.as_ref().map_or(0, Vec::len),
        changes.len(),
        changes.iter().map(Vec::len).sum::<usize>()
    );
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1000.0;
    for _ in 0..3 {
        let t = Instant::now();
        let mut doc = match &snapshot {
            Some(bytes) => Automerge::load(bytes)?,
            None => Automerge::new(),
        };
        let load = ms(t);
        let t = Instant::now();
        let parsed = changes.iter().map(|b| Change::from_bytes(b.clone())).collect::<Result<Vec<_>, _>>()?;
        let parse = ms(t);
        let t = Instant::now();
        doc.apply_changes(parsed)?;
        let apply = ms(t);
        let t = Instant::now();
        let saved = doc.save();
        let save = ms(t);
        let t = Instant::now();
        Automerge::load(&saved)?;
        let fresh = ms(t);
        let t = Instant::now();
        Automerge::load_with_options(
            &saved,
            automerge::LoadOptions::new().verification_mode(automerge::VerificationMode::DontCheck),
        )?;
        let unverified = ms(t);
        println!(
            "snapshot load {load:.1} ms + parse {parse:.1} ms + apply {apply:.1} ms; save {save:.1} ms; load of that save ({} bytes) {fresh:.1} ms, without verifying heads {unverified:.1} ms",
            saved.len()
        );
    }
    if let Some(id) = last {
        for _ in 0..3 {
            ws.clear_cache();
            let t = Instant::now();
            ws.edit_message(id, "an edited text of the newest message")?;
            println!("cold edit through the workspace: {:.1} ms", ms(t));
        }
    }
    Ok(())
}
