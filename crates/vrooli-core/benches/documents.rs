//! Document benchmarks: the write, merge and read paths of chats kept as
//! Automerge documents, each figure beside a baseline measured in the same
//! run, so the ratio shows what the documents cost over the plain store.
//!
//! - a chat of 100k messages, posted through `Workspace::post_message` with a
//!   clock spread over many hours (20–1,000 messages an hour, a few idle
//!   hours between, as a real chat), then: posting into it (baseline: posting
//!   into a new chat), the process's memory (VmRSS/VmHWM), opening it (the
//!   newest 50 rows through `Store::list`; baseline: the same query prepared
//!   by hand), loading its newest bucket for a write with a cold cache
//!   (baseline: the same edit with the bucket cached) and editing texts;
//! - posting one message into a new chat (baseline: `Store::insert` of a
//!   `ChatMessage` on a second fresh store);
//! - editing a message's text (baseline: `Store::update` of a `ChatMessage`);
//! - bulk import: device B posts 10k messages, device A imports B's bundle
//!   in one `import_bundle` (baseline: `Store::insert_all` of 10k messages,
//!   one transaction);
//! - merging 10k remote changes: A, B and C share those 10k messages, B
//!   makes 5k posts and 5k edits; C receives them as devices do, through the
//!   sync protocol (`Peer` messages, only the changes C lacks; in process,
//!   no network; the figure is C's time receiving — merging and
//!   re-projecting — and the whole exchange, B's side included, is printed
//!   beside it), and A by importing B's bundle of whole documents (the
//!   file exchange, which must unpack each whole document). Baseline: the
//!   same 5k inserts and 5k updates through the store in one transaction.
//!   Afterwards all three exports must be identical.
//!
//! Run with `cargo bench -p vrooli-core --bench documents` (or `cargo xtask
//! bench`). A plain `main` rather than a harness, like the store's bench.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rusqlite::Connection;
use vrooli_core::{DocId, Incoming, Workspace};
use vrooli_model::entities::{Chat, ChatMessage};
use vrooli_model::{Clock, Entity, SystemClock, Timestamp};
use vrooli_protocol::Peer;
use vrooli_store::{DataDir, ListQuery, Store, Value};

type BenchResult<T> = Result<T, Box<dyn Error>>;

const HOUR: i64 = 3_600_000_000;
const BIG_MESSAGES: usize = 100_000;
/// Messages an hour while building the big chat.
const BIG_RATE: std::ops::RangeInclusive<usize> = 20..=1_000;
const POSTS: usize = 1_000;
const EDITS: usize = 500;
const COLD_LOADS: usize = 30;
const OPENS: usize = 500;
const BULK: usize = 10_000;
/// Untimed operations first, so both paths start warm.
const WARMUP: usize = 20;
const PAGE: u32 = 50;
const MEMORY_LIMIT_MB: f64 = 150.0;

const WORDS: &str =
    "the agent routine runs every morning and posts a summary of open issues to team chat please review \
    draft before release I think we should split this into two steps can you check logs from yesterday deploy failed \
    on staging because migration timed out retry with smaller batch size thanks sure will do after lunch here is \
    updated plan budget for next quarter";

/// A clock the bench moves by hand; clones share the time.
#[derive(Clone)]
struct BenchClock(Arc<AtomicI64>);

impl BenchClock {
    fn at(micros: i64) -> Self {
        BenchClock(Arc::new(AtomicI64::new(micros)))
    }

    fn set(&self, micros: i64) {
        self.0.store(micros, Ordering::SeqCst);
    }

    fn advance(&self, micros: i64) {
        self.0.fetch_add(micros, Ordering::SeqCst);
    }

    fn micros(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl Clock for BenchClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_micros(self.0.load(Ordering::SeqCst))
    }
}

/// One result line: the documents' figure beside its baseline.
struct Row {
    name: String,
    figure: f64,
    baseline: f64,
    unit: &'static str,
    target: Option<Target>,
}

impl Row {
    /// Time over baseline time (for a rate: baseline rate over rate), so
    /// above 1 the documents cost more.
    fn ratio(&self) -> f64 {
        if self.unit.ends_with("/s") {
            self.baseline / self.figure
        } else {
            self.figure / self.baseline
        }
    }
}

struct Target {
    goal: String,
    met: bool,
}

fn at_most(value: f64, limit: f64, unit: &str) -> Option<Target> {
    Some(Target { goal: format!("<= {limit} {unit}"), met: value <= limit })
}

fn at_least(value: f64, limit: f64, unit: &str) -> Option<Target> {
    Some(Target { goal: format!(">= {limit} {unit}"), met: value >= limit })
}

fn vocabulary() -> Vec<&'static str> {
    WORDS.split_whitespace().collect()
}

/// A message of 8–30 words.
fn message_text(rng: &mut SmallRng, words: &[&str]) -> String {
    let n = rng.random_range(8..=30);
    (0..n).map(|_| words[rng.random_range(0..words.len())]).collect::<Vec<_>>().join(" ")
}

/// The text after a small edit: a word replaced, as people fix typos.
fn edited(rng: &mut SmallRng, words: &[&str], text: &str) -> String {
    let mut parts: Vec<&str> = text.split(' ').collect();
    let i = rng.random_range(0..parts.len());
    parts[i] = words[rng.random_range(0..words.len())];
    let new = parts.join(" ");
    if new == text {
        format!("{text} again")
    } else {
        new
    }
}

fn workspace(dir: &Path, clock: &BenchClock) -> BenchResult<Workspace> {
    Ok(Workspace::open_with_clock(&DataDir::at(dir), Box::new(clock.clone()))?)
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Median and 99th percentile, in milliseconds.
fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort_unstable();
    let at = |q: usize| millis(samples[(samples.len() * q / 100).min(samples.len() - 1)]);
    (at(50), at(99))
}

/// Resident and peak resident memory of this process, in MB.
fn memory_mb() -> BenchResult<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let field = |name: &str| -> BenchResult<f64> {
        let line = status.lines().find(|l| l.starts_with(name)).ok_or(format!("no {name} in /proc/self/status"))?;
        let kb: f64 = line.split_whitespace().nth(1).ok_or("malformed status line")?.parse()?;
        Ok(kb / 1024.0)
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// Posts `count` messages into `chat`, `per_hour` of them spread evenly over
/// each hour from the clock's current hour on, with idle hours between.
fn post_over_hours(
    ws: &mut Workspace,
    clock: &BenchClock,
    chat: i64,
    count: usize,
    per_hour: impl Fn(&mut SmallRng) -> usize,
    rng: &mut SmallRng,
    words: &[&str],
) -> BenchResult<Vec<i64>> {
    let mut ids = Vec::with_capacity(count);
    let mut hour = clock.micros().div_euclid(HOUR) * HOUR;
    while ids.len() < count {
        let n = per_hour(rng).min(count - ids.len());
        let step = HOUR / n as i64;
        for k in 0..n as i64 {
            clock.set(hour + k * step);
            ids.push(ws.post_message(chat, &message_text(rng, words), "en", None)?.id);
        }
        hour += HOUR * rng.random_range(1..=3);
    }
    clock.set(hour);
    Ok(ids)
}

/// Times `POSTS` posts into `chat` at one message every 3.5 s (a busy hour:
/// each ten-minute bucket fills to ~170), after `WARMUP` untimed ones.
fn timed_posts(
    ws: &mut Workspace,
    clock: &BenchClock,
    chat: i64,
    rng: &mut SmallRng,
    words: &[&str],
) -> BenchResult<Vec<Duration>> {
    clock.set(clock.micros().div_euclid(HOUR) * HOUR + HOUR);
    let mut samples = Vec::with_capacity(POSTS);
    for i in 0..WARMUP + POSTS {
        let text = message_text(rng, words);
        clock.advance(HOUR / (WARMUP + POSTS) as i64);
        let started = Instant::now();
        ws.post_message(chat, &text, "en", None)?;
        if i >= WARMUP {
            samples.push(started.elapsed());
        }
    }
    Ok(samples)
}

/// The newest-first page query `Store::list` issues, prepared by hand.
fn newest_page_sql() -> String {
    let columns: Vec<String> = ChatMessage::TABLE.columns.iter().map(|c| format!("\"{}\"", c.name)).collect();
    format!(
        "SELECT {} FROM \"chat_message\" WHERE \"chatId\" = ?1 ORDER BY \"createdAt\" DESC, \"id\" DESC LIMIT {}",
        columns.join(", "),
        PAGE + 1
    )
}

fn raw_page(conn: &Connection, sql: &str, chat: i64) -> BenchResult<usize> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([chat], |r| {
        let id: i64 = r.get(0)?;
        let text: String = r.get(5)?;
        Ok((id, text))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?.len())
}

/// What the baselines measure, from the store side.
struct Baselines {
    post_median: f64,
    post_p99: f64,
    edit_median: f64,
}

/// `Store::insert` and `Store::update` of chat messages on a fresh store.
fn store_baselines(root: &Path, rng: &mut SmallRng, words: &[&str]) -> BenchResult<Baselines> {
    let mut store = Store::open(&DataDir::at(root.join("raw-post")))?;
    let chat = store.insert(Chat::default())?.id;
    let mut inserts = Vec::with_capacity(POSTS);
    let mut ids = Vec::with_capacity(WARMUP + POSTS);
    for i in 0..WARMUP + POSTS {
        let message =
            ChatMessage { chat_id: chat, language: "en".into(), text: message_text(rng, words), ..Default::default() };
        let started = Instant::now();
        ids.push(store.insert(message)?.id);
        if i >= WARMUP {
            inserts.push(started.elapsed());
        }
    }
    let mut updates = Vec::with_capacity(EDITS);
    for i in 0..WARMUP + EDITS {
        let id = ids[ids.len() - 1 - rng.random_range(0..PAGE as usize)];
        let mut message = store.get::<ChatMessage>(id)?.ok_or("message vanished")?;
        message.text = edited(rng, words, &message.text);
        message.version_index += 1;
        let started = Instant::now();
        store.update(message)?;
        if i >= WARMUP {
            updates.push(started.elapsed());
        }
    }
    let (post_median, post_p99) = percentiles(inserts);
    let (edit_median, _) = percentiles(updates);
    Ok(Baselines { post_median, post_p99, edit_median })
}

/// Posting into a new chat, against `Store::insert`.
fn post_new_chat(
    root: &Path,
    rng: &mut SmallRng,
    words: &[&str],
    base: &Baselines,
) -> BenchResult<(Vec<Row>, (f64, f64))> {
    let clock = BenchClock::at(SystemClock.now().as_micros());
    let mut ws = workspace(&root.join("post"), &clock)?;
    let chat = ws.create_chat("Standup", "en")?.id;
    let (median, p99) = percentiles(timed_posts(&mut ws, &clock, chat, rng, words)?);
    Ok((
        vec![
            Row {
                name: "post a message (new chat), median".into(),
                figure: median,
                baseline: base.post_median,
                unit: "ms",
                target: at_most(median, 1.0, "ms"),
            },
            Row {
                name: "post a message (new chat), p99".into(),
                figure: p99,
                baseline: base.post_p99,
                unit: "ms",
                target: at_most(p99, 5.0, "ms"),
            },
        ],
        (median, p99),
    ))
}

/// The 100k-message chat: build, post, memory, open, cold load, edits.
fn big_chat(
    root: &Path,
    rng: &mut SmallRng,
    words: &[&str],
    base: &Baselines,
    new_chat_post: (f64, f64),
) -> BenchResult<(Vec<Row>, Vec<String>)> {
    let mut notes = Vec::new();
    let start = SystemClock.now().as_micros() - 400 * 24 * HOUR;
    let clock = BenchClock::at(start);
    let mut ws = workspace(&root.join("big"), &clock)?;
    let chat = ws.create_chat("Company", "en")?.id;

    let started = Instant::now();
    let ids = post_over_hours(&mut ws, &clock, chat, BIG_MESSAGES, |r| r.random_range(BIG_RATE), rng, words)?;
    let build = started.elapsed();
    let mut per_bucket: BTreeMap<i64, usize> = BTreeMap::new();
    for id in &ids {
        *per_bucket.entry(DocId::bucket_of(*id)).or_default() += 1;
    }
    let (fewest, most) = (per_bucket.values().min().copied(), per_bucket.values().max().copied());
    let (rss_built, _) = memory_mb()?;
    notes.push(format!(
        "built the 100k chat with post_message in {:.1} s ({:.0} posts/s): {} buckets of {}–{} messages; VmRSS {rss_built:.0} MB",
        build.as_secs_f64(),
        BIG_MESSAGES as f64 / build.as_secs_f64(),
        per_bucket.len(),
        fewest.unwrap_or(0),
        most.unwrap_or(0)
    ));

    let mut rows = Vec::new();
    let (median, p99) = percentiles(timed_posts(&mut ws, &clock, chat, rng, words)?);
    rows.push(Row {
        name: "post into a 100k chat, median".into(),
        figure: median,
        baseline: new_chat_post.0,
        unit: "ms",
        target: at_most(median, 1.0, "ms"),
    });
    rows.push(Row {
        name: "post into a 100k chat, p99".into(),
        figure: p99,
        baseline: new_chat_post.1,
        unit: "ms",
        target: None,
    });
    let (rss, hwm) = memory_mb()?;
    rows.push(Row {
        name: "memory with the 100k chat open (VmRSS)".into(),
        figure: rss,
        baseline: rss_built,
        unit: "MB",
        target: at_most(rss, MEMORY_LIMIT_MB, "MB"),
    });
    rows.push(Row {
        name: "  peak memory so far (VmHWM)".into(),
        figure: hwm,
        baseline: rss_built,
        unit: "MB",
        target: at_most(hwm, MEMORY_LIMIT_MB, "MB"),
    });

    // Opening the chat reads the projection only.
    let sql = newest_page_sql();
    let query = ListQuery::default().filter("chatId", Value::Integer(chat)).limit(PAGE);
    let (mut opens, mut raws) = (Vec::with_capacity(OPENS), Vec::with_capacity(OPENS));
    for i in 0..WARMUP + OPENS {
        let started = Instant::now();
        let page = ws.store().list::<ChatMessage>(&query)?;
        let open = started.elapsed();
        let started = Instant::now();
        let raw = raw_page(ws.store().connection(), &sql, chat)?;
        let raw_time = started.elapsed();
        if page.items.len() != PAGE as usize || raw != PAGE as usize + 1 {
            return Err("a page of the big chat is short".into());
        }
        if i >= WARMUP {
            opens.push(open);
            raws.push(raw_time);
        }
    }
    let (open_median, _) = percentiles(opens);
    let (raw_median, _) = percentiles(raws);
    rows.push(Row {
        name: "open the 100k chat (newest 50), median".into(),
        figure: open_median,
        baseline: raw_median,
        unit: "ms",
        target: at_most(open_median, 5.0, "ms"),
    });

    // The newest messages, as the open chat shows them.
    let newest: Vec<i64> = ws.store().list::<ChatMessage>(&query)?.items.into_iter().map(|m| m.id).collect();
    let edit = |ws: &mut Workspace, rng: &mut SmallRng, id: i64| -> BenchResult<Duration> {
        let text = ws.store().get::<ChatMessage>(id)?.ok_or("message vanished")?.text;
        let text = edited(rng, words, &text);
        clock.advance(1_000_000);
        let started = Instant::now();
        ws.edit_message(id, &text)?;
        Ok(started.elapsed())
    };

    let (mut cold, mut warm) = (Vec::with_capacity(COLD_LOADS), Vec::with_capacity(COLD_LOADS));
    for _ in 0..COLD_LOADS {
        let id = newest[rng.random_range(0..newest.len())];
        ws.clear_cache();
        cold.push(edit(&mut ws, rng, id)?);
        warm.push(edit(&mut ws, rng, id)?);
    }
    let (cold_median, cold_p99) = percentiles(cold);
    let (warm_median, _) = percentiles(warm);
    rows.push(Row {
        name: "load the newest bucket + edit (cold), median".into(),
        figure: cold_median,
        baseline: warm_median,
        unit: "ms",
        target: at_most(cold_median, 50.0, "ms"),
    });
    rows.push(Row {
        name: "load the newest bucket + edit (cold), p99".into(),
        figure: cold_p99,
        baseline: warm_median,
        unit: "ms",
        target: None,
    });

    let mut recent = Vec::with_capacity(EDITS);
    for i in 0..WARMUP + EDITS {
        let id = newest[rng.random_range(0..newest.len())];
        let sample = edit(&mut ws, rng, id)?;
        if i >= WARMUP {
            recent.push(sample);
        }
    }
    let (recent_median, recent_p99) = percentiles(recent);
    rows.push(Row {
        name: "edit a message's text (newest 50), median".into(),
        figure: recent_median,
        baseline: base.edit_median,
        unit: "ms",
        target: at_most(recent_median, 5.0, "ms"),
    });
    rows.push(Row {
        name: "edit a message's text (newest 50), p99".into(),
        figure: recent_p99,
        baseline: base.edit_median,
        unit: "ms",
        target: None,
    });

    // Anywhere in the history: mostly buckets not in the cache.
    let mut anywhere = Vec::with_capacity(EDITS);
    for _ in 0..EDITS {
        let id = ids[rng.random_range(0..ids.len())];
        anywhere.push(edit(&mut ws, rng, id)?);
    }
    let (any_median, any_p99) = percentiles(anywhere);
    rows.push(Row {
        name: "edit a message's text (any of 100k), median".into(),
        figure: any_median,
        baseline: base.edit_median,
        unit: "ms",
        target: at_most(any_median, 5.0, "ms"),
    });
    rows.push(Row {
        name: "edit a message's text (any of 100k), p99".into(),
        figure: any_p99,
        baseline: base.edit_median,
        unit: "ms",
        target: None,
    });
    let (rss, hwm) = memory_mb()?;
    notes.push(format!("after the 100k chat's edits: VmRSS {rss:.0} MB, VmHWM {hwm:.0} MB"));
    Ok((rows, notes))
}

/// `Store::insert_all` of `n` messages in one transaction: messages per second.
fn store_bulk_rate(root: &Path, rng: &mut SmallRng, words: &[&str], n: usize) -> BenchResult<f64> {
    let mut store = Store::open(&DataDir::at(root.join("raw-bulk")))?;
    let chat = store.insert(Chat::default())?.id;
    let messages: Vec<ChatMessage> = (0..n)
        .map(|_| ChatMessage {
            chat_id: chat,
            language: "en".into(),
            text: message_text(rng, words),
            ..Default::default()
        })
        .collect();
    let started = Instant::now();
    store.insert_all(messages)?;
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// The same writes a merge of 5k posts and 5k edits makes, through the
/// store in one transaction.
fn store_mixed_write(root: &Path, rng: &mut SmallRng, words: &[&str], n: usize) -> BenchResult<Duration> {
    let mut store = Store::open(&DataDir::at(root.join("raw-mixed")))?;
    let chat = store.insert(Chat::default())?.id;
    let existing: Vec<ChatMessage> = store.insert_all(
        (0..n)
            .map(|_| ChatMessage {
                chat_id: chat,
                language: "en".into(),
                text: message_text(rng, words),
                ..Default::default()
            })
            .collect(),
    )?;
    let new: Vec<ChatMessage> = (0..n / 2)
        .map(|_| ChatMessage {
            chat_id: chat,
            language: "en".into(),
            text: message_text(rng, words),
            ..Default::default()
        })
        .collect();
    let changed: Vec<ChatMessage> = existing
        .into_iter()
        .take(n / 2)
        .map(|m| ChatMessage { text: edited(rng, words, &m.text), version_index: m.version_index + 1, ..m })
        .collect();
    let started = Instant::now();
    store.write(|w| -> Result<(), vrooli_store::StoreError> {
        for m in new {
            w.insert(m)?;
        }
        for m in changed {
            w.update(m)?;
        }
        Ok(())
    })?;
    Ok(started.elapsed())
}

/// Bulk import and merging 10k remote changes, between two devices.
fn exchange(root: &Path, rng: &mut SmallRng, words: &[&str]) -> BenchResult<(Vec<Row>, Vec<String>)> {
    let mut notes = Vec::new();
    let clock = BenchClock::at(SystemClock.now().as_micros() - 30 * 24 * HOUR);
    let mut b = workspace(&root.join("b"), &clock)?;
    let mut a = workspace(&root.join("a"), &clock)?;
    let chat = b.create_chat("Imports", "en")?.id;

    let started = Instant::now();
    let ids = post_over_hours(&mut b, &clock, chat, BULK, |_| 500, rng, words)?;
    let posting = started.elapsed();
    let bundle = b.export_bundle(None)?;
    let started = Instant::now();
    let report = a.import_bundle(&bundle)?;
    let import = started.elapsed();
    if a.store().list::<ChatMessage>(&ListQuery::default().filter("chatId", Value::Integer(chat)))?.items.is_empty() {
        return Err("the import brought no messages".into());
    }
    let import_rate = BULK as f64 / import.as_secs_f64();
    let store_rate = store_bulk_rate(root, rng, words, BULK)?;
    notes.push(format!(
        "bulk import: B posted {BULK} messages one by one in {:.2} s ({:.0} posts/s, 500 an hour); B's bundle is {:.1} MB of {} documents; A imported it in {:.2} s",
        posting.as_secs_f64(),
        BULK as f64 / posting.as_secs_f64(),
        bundle.len() as f64 / 1e6,
        report.documents,
        import.as_secs_f64()
    ));
    let mut rows = vec![Row {
        name: format!("bulk import: {}k messages, one bundle", BULK / 1000),
        figure: import_rate,
        baseline: store_rate,
        unit: "msgs/s",
        target: at_least(import_rate, 5_000.0, "msgs/s"),
    }];
    rows.push(Row {
        name: format!("  {}k posts one by one (post_message)", BULK / 1000),
        figure: BULK as f64 / posting.as_secs_f64(),
        baseline: store_rate,
        unit: "msgs/s",
        target: None,
    });

    // C gets the same start as A, and a sync session with B that has settled.
    let mut c = workspace(&root.join("c"), &clock)?;
    c.import_bundle(&b.export_bundle(None)?)?;
    let (mut to_b, mut to_c) = (Peer::default(), Peer::default());
    sync_pair(&mut c, &mut to_b, &mut b, &mut to_c)?;

    // B makes 10k changes A and C have not seen: 5k posts, then 5k edits of the shared messages.
    clock.advance(HOUR);
    post_over_hours(&mut b, &clock, chat, BULK / 2, |_| 500, rng, words)?;
    for &id in ids.iter().take(BULK / 2) {
        let text = b.store().get::<ChatMessage>(id)?.ok_or("message vanished")?.text;
        clock.advance(1_000);
        b.edit_message(id, &edited(rng, words, &text))?;
    }
    let started = Instant::now();
    let (messages, received) = sync_pair(&mut c, &mut to_b, &mut b, &mut to_c)?;
    let synced = started.elapsed();
    let bundle = b.export_bundle(None)?;
    let started = Instant::now();
    let report = a.import_bundle(&bundle)?;
    let merge = started.elapsed();
    let baseline = store_mixed_write(root, rng, words, BULK)?;
    let expected = b.export_json()?;
    if a.export_json()? != expected || c.export_json()? != expected {
        return Err("after the merge, the devices' rows differ".into());
    }
    notes.push(format!(
        "merge: sync took {messages} messages both ways; the bundle changed {} of {} documents; the three exports are identical afterwards",
        report.changed, report.documents
    ));
    rows.push(Row {
        name: format!("merge {}k remote changes + re-project (sync)", BULK / 1000),
        figure: received.as_secs_f64(),
        baseline: baseline.as_secs_f64(),
        unit: "s",
        target: at_most(received.as_secs_f64(), 1.5, "s"),
    });
    rows.push(Row {
        name: "  the whole exchange, both sides in process".into(),
        figure: synced.as_secs_f64(),
        baseline: baseline.as_secs_f64(),
        unit: "s",
        target: None,
    });
    rows.push(Row {
        name: "  the same from a bundle of whole documents".into(),
        figure: merge.as_secs_f64(),
        baseline: baseline.as_secs_f64(),
        unit: "s",
        target: None,
    });
    Ok((rows, notes))
}

/// Runs sync rounds between two devices, as the client does with the server
/// (every document each round, both directions), until neither has anything
/// to send. Returns the number of messages exchanged.
///
/// Also returns the time `x` spent receiving (merging what `y` sent and
/// re-projecting it): `y`'s side — finding and encoding the changes `x`
/// lacks — is the sync server's work when devices sync. Like the client with
/// a server's answer, `x` takes each round's messages for all documents at
/// once ([`Workspace::sync_incoming_all`]).
fn sync_pair(
    x: &mut Workspace,
    x_peer: &mut Peer,
    y: &mut Workspace,
    y_peer: &mut Peer,
) -> BenchResult<(usize, Duration)> {
    let mut messages = 0;
    let mut receiving = Duration::ZERO;
    loop {
        let ids: BTreeSet<DocId> = x.documents()?.into_iter().chain(y.documents()?).collect();
        let before = messages;
        let mut answer = Vec::new();
        for id in &ids {
            if let Some(message) = y.sync_outgoing(y_peer, id)? {
                answer.push(Incoming::new(*id, message));
            }
        }
        messages += answer.len();
        let started = Instant::now();
        x.sync_incoming_all(x_peer, answer)?;
        receiving += started.elapsed();
        for id in &ids {
            if let Some(message) = x.sync_outgoing(x_peer, id)? {
                y.sync_incoming(y_peer, id, &message)?;
                messages += 1;
            }
        }
        if messages == before {
            return Ok((messages, receiving));
        }
    }
}

fn print_table(rows: &[Row]) {
    println!();
    println!("{:<48} {:>10} {:>10} {:>9}  {:<7} target", "benchmark", "documents", "baseline", "ratio", "unit");
    println!("{}", "-".repeat(112));
    for r in rows {
        let figure = |v: f64| {
            if v >= 10_000.0 {
                format!("{v:.0}")
            } else if v >= 10.0 {
                format!("{v:.1}")
            } else {
                format!("{v:.3}")
            }
        };
        let target = r
            .target
            .as_ref()
            .map_or(String::new(), |t| format!("{}: {}", t.goal, if t.met { "met" } else { "MISSED" }));
        println!(
            "{:<48} {:>10} {:>10} {:>8.2}×  {:<7} {target}",
            r.name,
            figure(r.figure),
            figure(r.baseline),
            r.ratio(),
            r.unit
        );
    }
    println!();
    println!("baselines: post → Store::insert of a ChatMessage on a fresh store; post into the 100k chat →");
    println!("posting into a new chat; memory → VmRSS right after building; open → the same query prepared by");
    println!("hand; cold load → the same edit with the bucket cached; edit → Store::update of a ChatMessage; bulk");
    println!("import and posts → Store::insert_all in one transaction; merge → the same 5k inserts + 5k updates");
    println!("through the store in one transaction. ratio = time / baseline time (rates: baseline / rate); above 1");
    println!("the documents cost more.");
}

fn main() -> BenchResult<()> {
    // `cargo bench` passes `--bench` and any filter; this binary runs everything.
    let mut rng = SmallRng::seed_from_u64(0xd0c5);
    let words = vocabulary();
    let root = tempfile::tempdir()?;
    let started = Instant::now();

    // `VROOLI_BENCH_ONLY=exchange` skips the rest, for profiling the merge path alone.
    let only_exchange = std::env::var("VROOLI_BENCH_ONLY").is_ok_and(|v| v == "exchange");
    let (mut rows, mut notes) = (Vec::new(), Vec::new());
    if !only_exchange {
        let base = store_baselines(root.path(), &mut rng, &words)?;
        let (post_rows, new_chat_post) = post_new_chat(root.path(), &mut rng, &words, &base)?;
        let (big_rows, big_notes) = big_chat(root.path(), &mut rng, &words, &base, new_chat_post)?;
        rows.extend(post_rows);
        rows.extend(big_rows);
        notes.extend(big_notes);
    }
    let (exchange_rows, exchange_notes) = exchange(root.path(), &mut rng, &words)?;
    rows.extend(exchange_rows);
    notes.extend(exchange_notes);

    print_table(&rows);
    println!();
    for note in notes {
        println!("{note}");
    }
    println!("total {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
