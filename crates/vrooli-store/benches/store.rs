//! Store benchmarks, each figure beside a raw-SQL baseline measured in the
//! same run on an identical database, so the ratio shows what the store's
//! typed, validating path costs over hand-written SQL.
//!
//! - bulk insert: 100k chat messages in one transaction, `Store::insert_all`
//!   against a prepared `INSERT` on a second fresh store's connection (same
//!   schema, so the same FTS triggers and foreign-key checks run);
//! - list: the 50 newest messages of one chat in a database of 1M messages
//!   over 100 chats (built with the raw path), `Store::list` against the same
//!   SQL the store issues, prepared by hand;
//! - get: one message by id, `Store::get` against a prepared `SELECT`.
//!
//! Timed reads of the two paths pick their keys independently, so neither
//! finds pages the other just pulled into SQLite's cache.
//!
//! Run with `cargo bench -p vrooli-store` (or `cargo xtask bench`). A plain
//! `main` rather than a harness: the figures are few, and each is meaningful
//! only beside its baseline.

use std::error::Error;
use std::path::Path;
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rusqlite::{params, Connection, Transaction, TransactionBehavior};
use vrooli_model::entities::{Chat, ChatMessage};
use vrooli_model::{Clock, DeviceNode, Entity, IdGenerator, SystemClock, Timestamp};
use vrooli_store::{DataDir, ListQuery, Store, Value};

type BenchResult<T> = Result<T, Box<dyn Error>>;

const BULK_ROWS: usize = 100_000;
const BIG_ROWS: usize = 1_000_000;
const BIG_CHATS: usize = 100;
/// Rows per transaction while building the 1M database: large enough to
/// amortise commits, small enough to keep the WAL from growing to the whole
/// database before a checkpoint.
const BUILD_BATCH: usize = 100_000;
const PAGE: u32 = 50;
const LIST_QUERIES: usize = 1_000;
const GETS: usize = 20_000;
/// Untimed queries first, so both paths start with warm caches.
const WARMUP: usize = 100;

/// The vocabulary of generated messages.
const WORDS: &str =
    "the agent routine runs every morning and posts a summary of open issues to team chat please review \
    draft before release I think we should split this into two steps can you check logs from yesterday deploy failed \
    on staging because migration timed out retry with smaller batch size thanks sure will do after lunch here is \
    updated plan budget for next quarter";

/// One result line: a figure for the store and the baseline, lower is better
/// unless the unit is a rate.
struct Row {
    name: String,
    store: f64,
    raw: f64,
    unit: &'static str,
    /// `store / raw` in time (for a rate, `raw / store`).
    ratio: f64,
    target: Option<Target>,
}

/// A goal for the store's figure, and whether this run met it.
struct Target {
    goal: &'static str,
    met: bool,
}

/// A chat message as a hand-written query reads it.
#[expect(dead_code, reason = "read to do the same work as the store, never inspected")]
struct RawMessage {
    id: i64,
    created_at: String,
    updated_at: String,
    language: String,
    config: Option<String>,
    text: String,
    score: i64,
    version_index: i64,
    parent_id: Option<i64>,
    user_id: Option<i64>,
    chat_id: i64,
}

impl RawMessage {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawMessage> {
        Ok(RawMessage {
            id: r.get(0)?,
            created_at: r.get(1)?,
            updated_at: r.get(2)?,
            language: r.get(3)?,
            config: r.get(4)?,
            text: r.get(5)?,
            score: r.get(6)?,
            version_index: r.get(7)?,
            parent_id: r.get(8)?,
            user_id: r.get(9)?,
            chat_id: r.get(10)?,
        })
    }
}

fn columns() -> String {
    ChatMessage::TABLE.columns.iter().map(|c| format!("\"{}\"", c.name)).collect::<Vec<_>>().join(", ")
}

fn insert_sql() -> String {
    let placeholders: Vec<String> = (1..=ChatMessage::TABLE.columns.len()).map(|i| format!("?{i}")).collect();
    format!("INSERT INTO \"chat_message\" ({}) VALUES ({})", columns(), placeholders.join(", "))
}

/// A message of 8–30 words.
fn message_text(rng: &mut SmallRng, words: &[&str]) -> String {
    let n = rng.random_range(8..=30);
    (0..n).map(|_| words[rng.random_range(0..words.len())]).collect::<Vec<_>>().join(" ")
}

fn vocabulary() -> Vec<&'static str> {
    WORDS.split_whitespace().collect()
}

fn open(dir: &Path) -> BenchResult<Store> {
    Ok(Store::open(&DataDir::at(dir))?)
}

/// Inserts rows by hand the way an app without the store would: a prepared
/// statement, an id from the device's generator and the timestamps made per
/// row, all in one immediate transaction.
fn raw_insert<'a>(
    conn: &Connection,
    ids: &mut IdGenerator,
    rows: impl Iterator<Item = (i64, &'a str)>,
    mut now: impl FnMut() -> Timestamp,
) -> BenchResult<()> {
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    {
        let mut insert = tx.prepare_cached(&insert_sql())?;
        for (chat_id, text) in rows {
            let now = now();
            let id = ids.next(now).get();
            let stamp = now.to_string();
            insert.execute(params![id, stamp, stamp, "en", "{}", text, 0, 0, None::<i64>, None::<i64>, chat_id])?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn bulk_insert(root: &Path, rng: &mut SmallRng) -> BenchResult<Row> {
    let words = vocabulary();
    let texts: Vec<String> = (0..BULK_ROWS).map(|_| message_text(rng, &words)).collect();

    let mut store = open(&root.join("bulk-store"))?;
    let chat = store.insert(Chat::default())?.id;
    let messages: Vec<ChatMessage> = texts
        .iter()
        .map(|text| ChatMessage { chat_id: chat, language: "en".into(), text: text.clone(), ..ChatMessage::default() })
        .collect();
    let started = Instant::now();
    let stored = store.insert_all(messages)?;
    let store_time = started.elapsed();
    if stored.len() != BULK_ROWS {
        return Err(format!("store inserted {} rows", stored.len()).into());
    }

    let mut raw = open(&root.join("bulk-raw"))?;
    let raw_chat = raw.insert(Chat::default())?.id;
    let mut ids = IdGenerator::new(DeviceNode::new(1).ok_or("node")?);
    let started = Instant::now();
    raw_insert(raw.connection(), &mut ids, texts.iter().map(|t| (raw_chat, t.as_str())), || SystemClock.now())?;
    let raw_time = started.elapsed();
    let counted: i64 = raw.connection().query_row("SELECT count(*) FROM chat_message", [], |r| r.get(0))?;
    if counted != BULK_ROWS as i64 {
        return Err(format!("raw path inserted {counted} rows").into());
    }

    let rate = |d: Duration| BULK_ROWS as f64 / d.as_secs_f64();
    let ratio = store_time.as_secs_f64() / raw_time.as_secs_f64();
    Ok(Row {
        name: format!("insert {}k messages, 1 tx", BULK_ROWS / 1000),
        store: rate(store_time),
        raw: rate(raw_time),
        unit: "rows/s",
        ratio,
        target: Some(Target { goal: "ratio <= 2", met: ratio <= 2.0 }),
    })
}

/// 1M messages over 100 chats, made over the past year in time order (so
/// ids and `createdAt` agree, as on one device), built with the raw path.
fn build_big(root: &Path, rng: &mut SmallRng) -> BenchResult<(Store, Vec<i64>, Duration)> {
    let started = Instant::now();
    let mut store = open(&root.join("big"))?;
    let chats: Vec<i64> = store.insert_all(vec![Chat::default(); BIG_CHATS])?.into_iter().map(|c| c.id).collect();
    // Distinct texts are costly to make; a pool of them still gives the FTS
    // index a realistic vocabulary and row size.
    let words = vocabulary();
    let pool: Vec<String> = (0..10_000).map(|_| message_text(rng, &words)).collect();
    let year_micros = 365 * 24 * 3600 * 1_000_000i64;
    let mut clock = SystemClock.now().as_micros() - year_micros;
    let step = year_micros / BIG_ROWS as i64;
    let mut ids = IdGenerator::new(DeviceNode::new(1).ok_or("node")?);
    // A large page cache while building only: the store is reopened with the
    // defaults before anything is measured.
    store.connection().pragma_update(None, "cache_size", -262_144)?;
    for _ in 0..BIG_ROWS / BUILD_BATCH {
        let rows: Vec<(i64, &str)> = (0..BUILD_BATCH)
            .map(|_| (chats[rng.random_range(0..chats.len())], pool[rng.random_range(0..pool.len())].as_str()))
            .collect();
        raw_insert(store.connection(), &mut ids, rows.into_iter(), || {
            clock += step;
            Timestamp::from_micros(clock)
        })?;
    }
    let mut stmt = store.connection().prepare("SELECT id FROM chat_message")?;
    let all_ids = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
    drop(stmt);
    if all_ids.len() != BIG_ROWS {
        return Err(format!("built {} rows", all_ids.len()).into());
    }
    // Reopen, as an app would, so the store's statement cache starts empty.
    let path = root.join("big");
    drop(store);
    Ok((open(&path)?, all_ids, started.elapsed()))
}

/// Median and 99th percentile.
fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort_unstable();
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    let at = |q: usize| micros(samples[(samples.len() * q / 100).min(samples.len() - 1)]);
    (at(50), at(99))
}

fn query_plan(conn: &Connection, sql: &str) -> BenchResult<String> {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
    let steps = stmt.query_map([1], |r| r.get::<_, String>(3))?.collect::<Result<Vec<_>, _>>()?;
    Ok(steps.join("; "))
}

fn list_newest(store: &Store, chats: &[i64], rng: &mut SmallRng) -> BenchResult<(Vec<Row>, Vec<String>)> {
    let conn = store.connection();
    // The statement `Store::list` issues (one row more than the page tells
    // whether another page follows; (createdAt, id) order, which the
    // (chatId, createdAt) index serves), and the same page ordered by id
    // alone, which needs a sort, for comparison.
    let same_sql = format!(
        "SELECT {} FROM \"chat_message\" WHERE \"chatId\" = ?1 ORDER BY \"createdAt\" DESC, \"id\" DESC LIMIT {}",
        columns(),
        PAGE + 1
    );
    let indexed_sql = format!(
        "SELECT {} FROM \"chat_message\" WHERE \"chatId\" = ?1 ORDER BY \"id\" DESC LIMIT {}",
        columns(),
        PAGE + 1
    );
    let plans = vec![
        format!("plan of the store's query: {}", query_plan(conn, &same_sql)?),
        format!("plan ordered by id alone:  {}", query_plan(conn, &indexed_sql)?),
    ];

    let (mut store_times, mut raw_times, mut indexed_times) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..WARMUP + LIST_QUERIES {
        let warming_up = i < WARMUP;
        // While warming up, all three read one chat and must agree. Timed,
        // each reads a chat of its own, so none finds the pages the one before
        // it just pulled into SQLite's cache.
        let mut pick = || chats[rng.random_range(0..chats.len())];
        let (chat, raw_chat, indexed_chat) = if warming_up {
            let chat = pick();
            (chat, chat, chat)
        } else {
            (pick(), pick(), pick())
        };

        let started = Instant::now();
        let page =
            store.list::<ChatMessage>(&ListQuery::default().filter("chatId", Value::Integer(chat)).limit(PAGE))?;
        let store_time = started.elapsed();

        let started = Instant::now();
        let raw: Vec<RawMessage> =
            conn.prepare_cached(&same_sql)?.query_map([raw_chat], RawMessage::read)?.collect::<Result<_, _>>()?;
        let raw_time = started.elapsed();

        let started = Instant::now();
        let indexed: Vec<RawMessage> = conn
            .prepare_cached(&indexed_sql)?
            .query_map([indexed_chat], RawMessage::read)?
            .collect::<Result<_, _>>()?;
        let indexed_time = started.elapsed();

        let full = page.items.len() == PAGE as usize
            && page.items.iter().all(|m| m.chat_id == chat)
            && raw.len() == PAGE as usize + 1
            && raw.iter().all(|m| m.chat_id == raw_chat)
            && indexed.len() == PAGE as usize + 1
            && indexed.iter().all(|m| m.chat_id == indexed_chat);
        let first = |m: Option<&RawMessage>| m.map(|m| m.id);
        let agree =
            page.items.first().map(|m| m.id) == first(raw.first()) && first(raw.first()) == first(indexed.first());
        if !full || (warming_up && !agree) {
            return Err(format!("query {i}: a page is short or the queries disagree").into());
        }
        if !warming_up {
            store_times.push(store_time);
            raw_times.push(raw_time);
            indexed_times.push(indexed_time);
        }
    }
    let (store_median, store_p99) = percentiles(store_times);
    let (raw_median, raw_p99) = percentiles(raw_times);
    let (indexed_median, indexed_p99) = percentiles(indexed_times);
    let name = format!("list {PAGE} newest of a chat, {}M rows", BIG_ROWS / 1_000_000);
    Ok((
        vec![
            Row {
                name: format!("{name}, median"),
                store: store_median,
                raw: raw_median,
                unit: "µs",
                ratio: store_median / raw_median,
                target: Some(Target { goal: "store <= 1000 µs", met: store_median <= 1000.0 }),
            },
            Row {
                name: format!("{name}, p99"),
                store: store_p99,
                raw: raw_p99,
                unit: "µs",
                ratio: store_p99 / raw_p99,
                target: None,
            },
            Row {
                name: "  same page ordered by id alone (raw, sorts), median".into(),
                store: store_median,
                raw: indexed_median,
                unit: "µs",
                ratio: store_median / indexed_median,
                target: None,
            },
            Row {
                name: "  same page ordered by id alone (raw, sorts), p99".into(),
                store: store_p99,
                raw: indexed_p99,
                unit: "µs",
                ratio: store_p99 / indexed_p99,
                target: None,
            },
        ],
        plans,
    ))
}

fn point_get(store: &Store, ids: &[i64], rng: &mut SmallRng) -> BenchResult<Vec<Row>> {
    let conn = store.connection();
    let sql = format!("SELECT {} FROM \"chat_message\" WHERE \"id\" = ?1", columns());
    let (mut store_times, mut raw_times) = (Vec::new(), Vec::new());
    for i in 0..WARMUP + GETS {
        // Each path reads its own random message, as in `list_newest`.
        let id = ids[rng.random_range(0..ids.len())];
        let raw_id = if i < WARMUP { id } else { ids[rng.random_range(0..ids.len())] };

        let started = Instant::now();
        let message = store.get::<ChatMessage>(id)?;
        let store_time = started.elapsed();

        let started = Instant::now();
        let raw = conn.prepare_cached(&sql)?.query_row([raw_id], RawMessage::read)?;
        let raw_time = started.elapsed();

        if message.map(|m| m.id) != Some(id) || raw.id != raw_id {
            return Err(format!("get {i}: a read returned the wrong message").into());
        }
        if i >= WARMUP {
            store_times.push(store_time);
            raw_times.push(raw_time);
        }
    }
    let (store_median, store_p99) = percentiles(store_times);
    let (raw_median, raw_p99) = percentiles(raw_times);
    Ok(vec![
        Row {
            name: "get a message by id, median".into(),
            store: store_median,
            raw: raw_median,
            unit: "µs",
            ratio: store_median / raw_median,
            target: Some(Target { goal: "store <= 50 µs", met: store_median <= 50.0 }),
        },
        Row {
            name: "get a message by id, p99".into(),
            store: store_p99,
            raw: raw_p99,
            unit: "µs",
            ratio: store_p99 / raw_p99,
            target: None,
        },
    ])
}

fn print_table(rows: &[Row]) {
    println!();
    println!("{:<44} {:>10} {:>10} {:>8}  {:<7} target", "benchmark", "store", "raw", "ratio", "unit");
    println!("{}", "-".repeat(106));
    for r in rows {
        let figure = |v: f64| if v >= 10_000.0 { format!("{v:.0}") } else { format!("{v:.1}") };
        let target = r
            .target
            .as_ref()
            .map_or(String::new(), |t| format!("{}: {}", t.goal, if t.met { "met" } else { "MISSED" }));
        println!(
            "{:<44} {:>10} {:>10} {:>7.2}×  {:<7} {target}",
            r.name,
            figure(r.store),
            figure(r.raw),
            r.ratio,
            r.unit
        );
    }
    println!();
    println!("ratio = store time / raw time (for rows/s: raw rate / store rate); below 1 the store was faster.");
}

fn main() -> BenchResult<()> {
    // `cargo bench` passes `--bench` and any filter; this binary runs everything.
    let mut rng = SmallRng::seed_from_u64(0x5eed);
    let root = tempfile::tempdir()?;
    let started = Instant::now();

    let mut rows = vec![bulk_insert(root.path(), &mut rng)?];
    let (store, ids, build_time) = build_big(root.path(), &mut rng)?;
    println!("built {}M messages over {BIG_CHATS} chats in {:.1} s", BIG_ROWS / 1_000_000, build_time.as_secs_f64());
    let chats: Vec<i64> =
        store.list::<Chat>(&ListQuery::default().limit(BIG_CHATS as u32))?.items.into_iter().map(|c| c.id).collect();
    let (list_rows, plans) = list_newest(&store, &chats, &mut rng)?;
    rows.extend(list_rows);
    rows.extend(point_get(&store, &ids, &mut rng)?);

    print_table(&rows);
    for plan in plans {
        println!("{plan}");
    }
    println!("total {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
