//! Seeds a data dir with chats of many messages through the real write path
//! (`Workspace::post_message`), for the desktop's startup figures on a large
//! workspace (`cargo xtask bench`, which builds this in release and caches
//! its output under `target/`).
//!
//! `cargo run --release -p vrooli-core --example seed -- DIR MESSAGES [CHATS [FIRST_CHAT]]`
//! `cargo run --release -p vrooli-core --example seed -- merge DIR FROM_DIR`
//!
//! The second form merges everything FROM_DIR holds into DIR (a bundle, as
//! two devices exchanging files would), so two seeds made at once on two
//! cores become one data dir.
//!
//! The messages are spread evenly over CHATS chats (default 20) and dated
//! over the past weeks, a few hundred an hour, so each chat spans many hourly
//! buckets as a real one does; every tenth message replies to an earlier one.

use std::error::Error;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use vrooli_core::Workspace;
use vrooli_model::{Clock, SystemClock, Timestamp};
use vrooli_store::DataDir;

/// How far the clock moves at each reading: a post reads it a few times, so a
/// chat gets a few hundred messages an hour.
const STEP_MICROS: i64 = 3_000_000;

struct SeedClock(AtomicI64);

impl Clock for SeedClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_micros(self.0.fetch_add(STEP_MICROS, Ordering::Relaxed))
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1).peekable();
    let usage = "usage: seed DIR MESSAGES [CHATS [FIRST_CHAT]] | seed merge DIR FROM_DIR";
    if args.peek().map(String::as_str) == Some("merge") {
        let into = PathBuf::from(args.nth(1).ok_or(usage)?);
        let from = PathBuf::from(args.next().ok_or(usage)?);
        return merge(into, from);
    }
    let dir = PathBuf::from(args.next().ok_or(usage)?);
    let messages: usize = args.next().ok_or(usage)?.parse()?;
    let chats: usize = args.next().map(|c| c.parse()).transpose()?.unwrap_or(20).max(1);
    // Where the chats' numbering starts, so two seeds merged into one name their chats apart.
    let first: usize = args.next().map(|c| c.parse()).transpose()?.unwrap_or(1);

    // Every reading moves the clock, so start far enough back for all of them to stay in the past.
    let readings = i64::try_from(messages * 4 + chats * 8)?;
    let start = SystemClock.now().as_micros() - readings * STEP_MICROS;
    let data_dir = DataDir::resolve(Some(dir))?;
    let mut workspace = Workspace::open_with_clock(&data_dir, Box::new(SeedClock(AtomicI64::new(start))))?;
    let started = Instant::now();
    let per_chat = messages.div_ceil(chats);
    let mut posted = 0;
    for c in 0..chats {
        let chat = workspace.create_chat(&format!("Seeded chat {}", first + c), "en")?;
        let mut last_root = None;
        for i in 0..per_chat.min(messages - posted) {
            let reply_to = if i % 10 == 9 { last_root } else { None };
            let text =
                format!("Seeded message {i} of chat {}: the quick brown fox jumps over the lazy dog.", first + c);
            let message = workspace.post_message(chat.id, &text, "en", reply_to)?;
            if reply_to.is_none() {
                last_root = Some(message.id);
            }
            posted += 1;
            if posted % 50_000 == 0 {
                let seconds = started.elapsed().as_secs_f64();
                eprintln!("seed: {posted} of {messages} messages ({:.0}/s)", posted as f64 / seconds);
            }
        }
    }
    eprintln!("seed: {posted} messages in {chats} chats in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

fn merge(into: PathBuf, from: PathBuf) -> Result<(), Box<dyn Error>> {
    let started = Instant::now();
    let bundle = Workspace::open(&DataDir::resolve(Some(from))?)?.export_bundle(None)?;
    let report = Workspace::open(&DataDir::resolve(Some(into))?)?.import_bundle(&bundle)?;
    eprintln!(
        "seed: merged {} documents ({:.0} MB) in {:.1}s",
        report.documents,
        bundle.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
