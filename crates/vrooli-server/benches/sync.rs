//! Sync benchmarks: the real `vrooli-server` binary on 127.0.0.1 (its own
//! process, SQLite storage in a temporary directory) and real devices
//! (`vrooli-core` workspaces on temporary data dirs, synced by
//! `vrooli-client`), each figure beside a baseline measured in the same run.
//!
//! - **fresh pull**: one device posts 100k messages into 1,000 documents
//!   (10 chats, each a header and 99 ten-minute buckets of ~101 messages) and
//!   syncs them up (untimed); then a fresh device signs in to the same
//!   account and pulls everything with `sync_once`, its progress printed.
//!   Baselines: reading the same documents' bytes from the server's
//!   database (`SELECT data FROM document`), and one plain HTTP GET of those
//!   bytes over loopback (axum, a fresh connection).
//! - **automerge-repo**: the same documents (the server's saved bytes) served
//!   by an automerge-repo sync server (WebSocket + NodeFS storage, Node; all
//!   documents loaded before it listens) and pulled by a fresh automerge-repo
//!   client with NodeFS storage (`bench/automerge-repo/peer.mjs`); ours /
//!   theirs is the ratio.
//! - **live**: devices A and B of one account both run the background sync
//!   task (`spawn_sync`, events socket open). A posts a message and asks its
//!   task to sync now, as a "send" does; the time runs from the post until
//!   the message's row is in B's projection, for 1,000 messages one after
//!   another (the next once both devices' sessions ended, 20 ms later). Baseline: a raw WebSocket round trip (a small frame to an echo
//!   server on loopback and back).
//! - **load**: 200 watching devices in accounts of 2 devices (each account
//!   one chat), every device posting one message a second at its own phase
//!   for 30 s; delivery is from a post until the row is in each other
//!   device's projection of its account. The server's CPU (utime + stime
//!   from `/proc/PID/stat` over the posting window) and memory (VmRSS,
//!   VmHWM from `/proc/PID/status`) are reported. Baseline: 200 raw
//!   WebSocket sockets, each making one echo round trip a second.
//!
//! A device is checked for a message when its sync status changes (the
//! client publishes progress after each round it applied, and "synced" at
//! the end of a session), or every 50 ms, whichever comes first.
//!
//! The server runs with its rate limits raised (`VROOLI_SERVER_*_PER_MINUTE`):
//! the bench signs in hundreds of devices from one address and syncs far
//! more often a minute than a person would.
//!
//! Scale (defaults are the issue's): `VROOLI_BENCH_DOCS` (1000),
//! `VROOLI_BENCH_MESSAGES` (100000), `VROOLI_BENCH_LIVE` (1000),
//! `VROOLI_BENCH_CLIENTS` (200), `VROOLI_BENCH_GROUP` (devices per account,
//! 2), `VROOLI_BENCH_SECONDS` (30); `VROOLI_BENCH_QUICK=1` shrinks all of
//! them for a quick run; `VROOLI_BENCH_PEER=0` skips automerge-repo;
//! `VROOLI_BENCH_ONLY=pull,live,load` runs only the named parts;
//! `VROOLI_BENCH_LOG` (an env-filter, e.g. `vrooli_client=info`) prints the
//! devices' logs; `VROOLI_BENCH_SEEDED=DIR` keeps the fresh pull's server
//! directory in DIR and, once seeded at this scale, reuses it (minutes saved
//! when profiling the pull).
//!
//! Run with `cargo bench -p vrooli-server --bench sync` (or `cargo xtask
//! bench`, which also runs `npm ci` in `bench/automerge-repo`). A plain
//! `main` rather than a harness, like the other benches.

use std::error::Error;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use vrooli_client::sync::{lock, sync_once, Progress};
use vrooli_client::{spawn_sync, Account, Api, SyncConfig, SyncHandle, SyncStatus, Token};
use vrooli_core::Workspace;
use vrooli_model::{Clock, Timestamp};
use vrooli_protocol::wire::{Credentials, Session};
use vrooli_store::DataDir;

type BenchError = Box<dyn Error + Send + Sync>;
type BenchResult<T> = Result<T, BenchError>;

/// A message bucket's window, in microseconds.
const BUCKET: i64 = vrooli_core::BUCKET_MILLIS * 1_000;
const PASSWORD: &str = "bench password 1";
/// Pause between two live messages, after both devices' sessions ended.
const LIVE_GAP: Duration = Duration::from_millis(20);
/// How often a device is checked for a message when its status says nothing.
const CHECK_EVERY: Duration = Duration::from_millis(50);
/// How long a posted message may take before it counts as lost.
const DELIVERY_LIMIT: Duration = Duration::from_secs(15);

const WORDS: &str =
    "the agent routine runs every morning and posts a summary of open issues to team chat please review \
    draft before release I think we should split this into two steps can you check logs from yesterday deploy failed \
    on staging because migration timed out retry with smaller batch size thanks sure will do after lunch here is \
    updated plan budget for next quarter";

// --- scale -------------------------------------------------------------------

struct Scale {
    docs: usize,
    messages: usize,
    live: usize,
    clients: usize,
    group: usize,
    seconds: u64,
    peer: bool,
    only: Option<Vec<String>>,
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

impl Scale {
    fn from_env() -> Scale {
        let quick = std::env::var("VROOLI_BENCH_QUICK").is_ok_and(|v| v == "1");
        let (docs, messages, live, clients, seconds) =
            if quick { (100, 5_000, 100, 20, 5) } else { (1_000, 100_000, 1_000, 200, 30) };
        Scale {
            docs: env_usize("VROOLI_BENCH_DOCS", docs).max(2),
            messages: env_usize("VROOLI_BENCH_MESSAGES", messages).max(1),
            live: env_usize("VROOLI_BENCH_LIVE", live).max(1),
            clients: env_usize("VROOLI_BENCH_CLIENTS", clients).max(2),
            group: env_usize("VROOLI_BENCH_GROUP", 2).max(2),
            seconds: env_usize("VROOLI_BENCH_SECONDS", seconds as usize).max(1) as u64,
            peer: std::env::var("VROOLI_BENCH_PEER").map_or(true, |v| v != "0"),
            only: std::env::var("VROOLI_BENCH_ONLY")
                .ok()
                .map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()),
        }
    }

    fn runs(&self, part: &str) -> bool {
        self.only.as_ref().is_none_or(|only| only.iter().any(|p| p == part))
    }
}

// --- results -----------------------------------------------------------------

/// One result line: our figure beside its baseline (lower is better).
struct Row {
    name: String,
    figure: f64,
    baseline: f64,
    baseline_name: &'static str,
    unit: &'static str,
    target: Option<(String, bool)>,
}

fn at_most(value: f64, limit: f64, unit: &str) -> Option<(String, bool)> {
    Some((format!("<= {limit} {unit}"), value <= limit))
}

fn print_table(rows: &[Row]) {
    println!();
    println!(
        "{:<46} {:>10} {:>10} {:>9}  {:<4} {:<26} target",
        "benchmark", "vrooli", "baseline", "ratio", "unit", "baseline is"
    );
    println!("{}", "-".repeat(130));
    for r in rows {
        let figure = |v: f64| if v >= 100.0 { format!("{v:.0}") } else { format!("{v:.3}") };
        let target = r
            .target
            .as_ref()
            .map_or(String::new(), |(goal, met)| format!("{goal}: {}", if *met { "met" } else { "MISSED" }));
        println!(
            "{:<46} {:>10} {:>10} {:>8.2}×  {:<4} {:<26} {target}",
            r.name,
            figure(r.figure),
            figure(r.baseline),
            r.figure / r.baseline,
            r.unit,
            r.baseline_name
        );
    }
    println!();
    println!("ratio = vrooli / baseline; every baseline was measured in this run, on this machine, at this load.");
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// (p50, p99, max) in ms.
fn percentiles(samples: &mut [f64]) -> (f64, f64, f64) {
    if samples.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    samples.sort_unstable_by(f64::total_cmp);
    let at = |q: usize| samples[(samples.len() * q / 100).min(samples.len() - 1)];
    (at(50), at(99), samples[samples.len() - 1])
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

// --- processes -------------------------------------------------------------------

/// Kernel clock ticks a second, the unit of `/proc/PID/stat`'s times.
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// CPU seconds (user + system) a process has used so far.
fn cpu_seconds(pid: &str, ticks: f64) -> BenchResult<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name may hold spaces: the fields that follow it start after its ')'.
    let rest = stat.rsplit_once(')').ok_or("malformed /proc stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of stat, so 12 and 13 after the name.
    let utime: f64 = fields.get(11).ok_or("no utime")?.parse()?;
    let stime: f64 = fields.get(12).ok_or("no stime")?.parse()?;
    Ok((utime + stime) / ticks)
}

/// VmRSS and VmHWM of a process, in MB.
fn memory_mb(pid: &str) -> BenchResult<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> BenchResult<f64> {
        let line = status.lines().find(|l| l.starts_with(name)).ok_or(format!("no {name} in /proc/{pid}/status"))?;
        let kb: f64 = line.split_whitespace().nth(1).ok_or("malformed status line")?.parse()?;
        Ok(kb / 1024.0)
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// A child process killed when dropped.
struct Spawned(Child);

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Spawned {
    fn pid(&self) -> String {
        self.0.id().to_string()
    }

    /// Waits for the first line of stdout and returns its last word (the address).
    fn address(&mut self) -> BenchResult<String> {
        let stdout = self.0.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        Ok(line.trim().rsplit(' ').next().unwrap_or_default().to_string())
    }
}

/// The `vrooli-server` binary on 127.0.0.1:0 with its data in `dir`.
struct Server {
    process: Spawned,
    url: String,
    dir: PathBuf,
}

fn start_server(dir: PathBuf) -> BenchResult<Server> {
    let child = Command::new(env!("CARGO_BIN_EXE_vrooli-server"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .env("RUST_LOG", "warn")
        .env("VROOLI_SERVER_AUTH_PER_MINUTE", "1000000")
        .env("VROOLI_SERVER_SYNC_PER_MINUTE", "1000000")
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()?;
    let mut process = Spawned(child);
    let url = process.address()?;
    if !url.starts_with("http://127.0.0.1:") {
        return Err(format!("the server said {url:?}").into());
    }
    Ok(Server { process, url, dir })
}

// --- devices -------------------------------------------------------------------

/// A clock the seeding device moves by hand, so messages land in chosen buckets.
#[derive(Clone)]
struct SeedClock(Arc<AtomicI64>);

impl Clock for SeedClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_micros(self.0.load(Ordering::SeqCst))
    }
}

fn now_micros() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as i64)
}

/// A message of 8–30 words.
fn message_text(rng: &mut SmallRng, words: &[&str]) -> String {
    let n = rng.random_range(8..=30);
    (0..n).map(|_| words[rng.random_range(0..words.len())]).collect::<Vec<_>>().join(" ")
}

async fn sign_in(api: &Api, email: &str, register: bool, device: &str) -> BenchResult<Session> {
    let credentials = Credentials { email: email.into(), password: PASSWORD.into(), device_name: device.into() };
    Ok(if register { api.register(&credentials).await? } else { api.login(&credentials).await? })
}

/// A signed-in device on its own data dir; the token is passed in, as
/// `VROOLI_TOKEN` would, never through a keyring.
struct Device {
    ws: Arc<Mutex<Workspace>>,
    account: Account,
    _dir: tempfile::TempDir,
}

fn open_device(root: &Path, api: &Api, session: &Session, clock: Option<SeedClock>) -> BenchResult<Device> {
    let dir = tempfile::tempdir_in(root)?;
    let data = DataDir::at(dir.path());
    let mut ws = match clock {
        Some(clock) => Workspace::open_with_clock(&data, Box::new(clock))?,
        None => Workspace::open(&data)?,
    };
    ws.adopt_account(session.user_id.parse()?, &session.email)?;
    let account = Account { api: api.clone(), token: Token::new(session.token.clone()), user: session.user_id.clone() };
    Ok(Device { ws: Arc::new(Mutex::new(ws)), account, _dir: dir })
}

impl Device {
    async fn sync(&self) -> BenchResult<()> {
        let a = &self.account;
        sync_once(&self.ws, &a.api, &a.token, &a.user, |_| {}).await?;
        Ok(())
    }

    fn messages(&self) -> BenchResult<i64> {
        Ok(lock(&self.ws).store().connection().query_row("SELECT count(*) FROM chat_message", [], |r| r.get(0))?)
    }
}

fn has_message(ws: &Mutex<Workspace>, id: i64) -> bool {
    lock(ws).store().connection().query_row("SELECT 1 FROM chat_message WHERE id = ?1", [id], |_| Ok(())).is_ok()
}

/// Waits until a status says "synced" (the first session after start converged).
async fn until_synced(status: &mut watch::Receiver<SyncStatus>, limit: Duration) -> BenchResult<()> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if matches!(*status.borrow_and_update(), SyncStatus::Synced { .. }) {
            return Ok(());
        }
        match tokio::time::timeout_at(deadline, status.changed()).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return Err("the sync task ended".into()),
            Err(_) => return Err(format!("not synced after {limit:?}: {:?}", *status.borrow()).into()),
        }
    }
}

// --- fresh pull ------------------------------------------------------------------

/// The documents as the server stores them: (id, saved bytes).
fn server_documents(server: &Server) -> BenchResult<Vec<(String, Vec<u8>)>> {
    let conn = rusqlite::Connection::open_with_flags(
        server.dir.join("server.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let mut stmt = conn.prepare("SELECT id, data FROM document ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One GET of `payload` from an axum server on loopback, with a fresh client.
async fn http_transfer(payload: Vec<u8>) -> BenchResult<Duration> {
    let payload = axum::body::Bytes::from(payload);
    let expected = payload.len();
    let app = axum::Router::new().route("/blob", axum::routing::get(move || std::future::ready(payload.clone())));
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/blob", tcp.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(tcp, app).await });
    let started = Instant::now();
    let body = reqwest::Client::new().get(&url).send().await?.bytes().await?;
    let elapsed = started.elapsed();
    server.abort();
    if body.len() != expected {
        return Err(format!("HTTP baseline got {} of {expected} bytes", body.len()).into());
    }
    Ok(elapsed)
}

struct Pulled {
    rows: Vec<Row>,
    notes: Vec<String>,
    docs: Vec<(String, Vec<u8>)>,
    seconds: f64,
}

/// One device posts `scale.messages` into `scale.docs` documents and syncs them up;
/// returns how long posting and uploading took.
async fn seed(root: &Path, api: &Api, email: &str, scale: &Scale) -> BenchResult<(Duration, Duration)> {
    let session = sign_in(api, email, true, "seeder").await?;

    // The layout: ~1% of the documents are chat headers, the rest message buckets.
    let chats = (scale.docs / 100).max(1);
    let buckets = scale.docs - chats;
    let per_chat: Vec<usize> = (0..chats).map(|c| buckets / chats + usize::from(c < buckets % chats)).collect();
    let windows = per_chat.iter().copied().max().unwrap_or(0) as i64;
    let window_now = now_micros().div_euclid(BUCKET) * BUCKET;
    let base = window_now - (windows + 2) * BUCKET;
    let clock = SeedClock(Arc::new(AtomicI64::new(base - 60_000_000)));
    let seeder = open_device(root, api, &session, Some(clock.clone()))?;
    let mut rng = SmallRng::seed_from_u64(0x5eed);
    let words: Vec<&str> = WORDS.split_whitespace().collect();

    eprintln!(
        "fresh pull: seeding {} messages into {chats} chats × up to {windows} buckets ({} documents)…",
        scale.messages, scale.docs
    );
    let started = Instant::now();
    let chat_ids: Vec<i64> = {
        let mut ws = lock(&seeder.ws);
        (0..chats)
            .map(|c| ws.create_chat(&format!("bench chat {c}"), "en").map(|chat| chat.id))
            .collect::<Result<_, _>>()?
    };
    // Windows outer, chats inner: the clock only moves forward (ids never go back).
    let slot = BUCKET / chats as i64;
    let mut bucket = 0usize;
    let mut posted = 0usize;
    for window in 0..windows {
        for (c, &chat) in chat_ids.iter().enumerate() {
            if window >= per_chat[c] as i64 {
                continue;
            }
            let n = scale.messages / buckets + usize::from(bucket < scale.messages % buckets);
            bucket += 1;
            let start = base + window * BUCKET + c as i64 * slot;
            let mut ws = lock(&seeder.ws);
            for j in 0..n {
                clock.0.store(start + (j as i64 + 1) * (slot / (n as i64 + 2)), Ordering::SeqCst);
                ws.post_message(chat, &message_text(&mut rng, &words), "en", None)?;
            }
            posted += n;
        }
        if window % 10 == 9 {
            eprintln!("fresh pull: seeded {posted} messages ({:.0} s)", started.elapsed().as_secs_f64());
        }
    }
    let seeding = started.elapsed();
    let started = Instant::now();
    seeder.sync().await?;
    Ok((seeding, started.elapsed()))
}

async fn fresh_pull(root: &Path, scale: &Scale) -> BenchResult<Pulled> {
    // A kept server directory that was seeded before (same scale) skips the seeding.
    let kept = std::env::var_os("VROOLI_BENCH_SEEDED").map(PathBuf::from);
    let server_dir = kept.clone().unwrap_or_else(|| root.join("pull-server"));
    let marker = server_dir.join(format!("seeded-{}-{}", scale.docs, scale.messages));
    let reuse = kept.is_some() && marker.exists();
    if kept.is_some() && !reuse && server_dir.exists() {
        // Seeded at another scale, or cut off while seeding.
        std::fs::remove_dir_all(&server_dir)?;
    }
    let server = start_server(server_dir)?;
    let api = Api::new(&server.url)?;
    let email = "pull@bench.example";
    let (seeding, upload) = if reuse {
        eprintln!("fresh pull: reusing the documents seeded in {}", server.dir.display());
        (Duration::ZERO, Duration::ZERO)
    } else {
        let seeded = seed(root, &api, email, scale).await?;
        if kept.is_some() {
            std::fs::write(&marker, b"")?;
        }
        seeded
    };

    // Baselines first: the server's database and the same bytes over plain HTTP.
    let started = Instant::now();
    let docs = server_documents(&server)?;
    let db_read = started.elapsed();
    let total_bytes: usize = docs.iter().map(|(_, d)| d.len()).sum();
    if docs.len() != scale.docs {
        return Err(format!("the server holds {} documents, expected {}", docs.len(), scale.docs).into());
    }
    let http = http_transfer(docs.iter().flat_map(|(_, d)| d.iter().copied()).collect()).await?;

    // The fresh device.
    let session = sign_in(&api, email, false, "fresh device").await?;
    let fresh = open_device(root, &api, &session, None)?;
    let a = &fresh.account;
    let load = load_average();
    let started = Instant::now();
    let report = sync_once(&fresh.ws, &a.api, &a.token, &a.user, |p: Progress| {
        eprintln!(
            "fresh pull: round {} · {}/{} documents settled · {:.1} MB down · {:.2} s",
            p.round,
            p.done,
            p.total,
            p.bytes_received as f64 / 1e6,
            started.elapsed().as_secs_f64()
        );
    })
    .await?;
    let pull = started.elapsed();
    let got = fresh.messages()?;
    if got != scale.messages as i64 || report.documents != scale.docs {
        return Err(format!(
            "the fresh device has {got} messages in {} documents, expected {} in {}",
            report.documents, scale.messages, scale.docs
        )
        .into());
    }
    let (server_rss, server_peak) = memory_mb(&server.process.pid())?;
    let seconds = pull.as_secs_f64();
    let label = format!("fresh pull: {} docs, {}k msgs", scale.docs, scale.messages / 1000);
    let rows = vec![
        Row {
            name: label.clone(),
            figure: seconds,
            baseline: http.as_secs_f64(),
            baseline_name: "HTTP GET of the same bytes",
            unit: "s",
            target: at_most(seconds, 5.0, "s"),
        },
        Row {
            name: format!("{label} (vs DB read)"),
            figure: seconds,
            baseline: db_read.as_secs_f64(),
            baseline_name: "SELECT from server.db",
            unit: "s",
            target: None,
        },
    ];
    let notes = vec![
        if reuse {
            format!(
                "fresh pull: {} messages seeded by an earlier run (VROOLI_BENCH_SEEDED); the server holds {} documents, {:.1} MB saved",
                scale.messages,
                docs.len(),
                total_bytes as f64 / 1e6
            )
        } else {
            format!(
                "fresh pull: seeded {} messages by post_message in {:.1} s, uploaded in {:.1} s; the server holds {} documents, {:.1} MB saved",
                scale.messages,
                seeding.as_secs_f64(),
                upload.as_secs_f64(),
                docs.len(),
                total_bytes as f64 / 1e6
            )
        },
        format!(
            "fresh pull: {:.2} s in {} rounds, {:.1} MB down, {:.1} KB up, {got} message rows projected; server VmRSS {server_rss:.0} MB (peak {server_peak:.0} MB); load average {load} at start",
            seconds,
            report.rounds,
            report.bytes_received as f64 / 1e6,
            report.bytes_sent as f64 / 1e3
        ),
    ];
    Ok(Pulled { rows, notes, docs, seconds })
}

// --- automerge-repo --------------------------------------------------------------

fn peer_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/automerge-repo")
}

#[derive(serde::Deserialize)]
struct PeerReport {
    documents: usize,
    messages: usize,
    seconds: f64,
    found_seconds: f64,
    rss_mb: f64,
}

/// The same documents through automerge-repo; `Err` says why it could not run.
fn automerge_repo(root: &Path, docs: &[(String, Vec<u8>)]) -> BenchResult<(PeerReport, String)> {
    let dir = peer_dir();
    let node = Command::new("node").arg("--version").output();
    let version = match node {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        _ => return Err("node is not on PATH".into()),
    };
    if !dir.join("node_modules/@automerge/automerge-repo").exists() {
        return Err(format!(
            "{}/node_modules is missing: `cargo xtask bench` installs it (npm ci), or run `npm ci` there",
            dir.display()
        )
        .into());
    }
    let work = tempfile::tempdir_in(root)?;
    let docs_dir = work.path().join("docs");
    std::fs::create_dir(&docs_dir)?;
    for (i, (_, data)) in docs.iter().enumerate() {
        std::fs::write(docs_dir.join(format!("{i:06}.automerge")), data)?;
    }
    let (server_store, client_store, ids) =
        (work.path().join("server-store"), work.path().join("client-store"), work.path().join("ids.json"));
    eprintln!("automerge-repo: importing {} documents into the server's storage (untimed)…", docs.len());
    let status = Command::new("node")
        .current_dir(&dir)
        .arg("peer.mjs")
        .arg("seed")
        .args([&docs_dir, &server_store, &ids])
        .stdout(Stdio::null())
        .status()?;
    if !status.success() {
        return Err(format!("`node peer.mjs seed` failed ({status})").into());
    }
    let mut server = Spawned(
        Command::new("node")
            .current_dir(&dir)
            .arg("peer.mjs")
            .arg("server")
            .args([&server_store, &ids])
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()?,
    );
    let url = server.address()?;
    if !url.starts_with("ws://127.0.0.1:") {
        return Err(format!("the automerge-repo server said {url:?}").into());
    }
    let out = Command::new("node")
        .current_dir(&dir)
        .arg("peer.mjs")
        .arg("client")
        .arg(&url)
        .args([&ids, &client_store])
        .stderr(Stdio::inherit())
        .output()?;
    drop(server);
    if !out.status.success() {
        return Err(format!("`node peer.mjs client` failed ({})", out.status).into());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().ok_or("the automerge-repo client said nothing")?;
    Ok((serde_json::from_str(line)?, version))
}

// --- raw WebSocket baseline ------------------------------------------------------

/// A WebSocket echo server on loopback; returns its URL.
async fn echo_server() -> BenchResult<String> {
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("ws://{}", tcp.local_addr()?);
    tokio::spawn(async move {
        while let Ok((stream, _)) = tcp.accept().await {
            tokio::spawn(async move {
                let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else { return };
                while let Some(Ok(frame)) = socket.next().await {
                    if (frame.is_text() || frame.is_binary()) && socket.send(frame).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok(url)
}

/// Round trips (ms) of `count` small frames on one socket, one every
/// `every` (after `phase`), each waiting for its echo.
async fn echo_round_trips(url: String, count: usize, every: Duration, phase: Duration) -> BenchResult<Vec<f64>> {
    let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str()).await?;
    let frame = r#"{"type":"changed","docs":["messages:123456789012345678:487654"],"cursor":123456}"#;
    let start = tokio::time::Instant::now() + phase;
    let mut rtts = Vec::with_capacity(count);
    for i in 0..count {
        tokio::time::sleep_until(start + every * i as u32).await;
        let sent = Instant::now();
        socket.send(Message::Text(frame.into())).await?;
        loop {
            match socket.next().await {
                Some(Ok(m)) if m.is_text() => break,
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => return Err("the echo socket closed".into()),
            }
        }
        rtts.push(millis(sent.elapsed()));
    }
    Ok(rtts)
}

// --- live ---------------------------------------------------------------------

/// A watching device: its sync task and status stream.
struct Watching {
    device: Device,
    handle: SyncHandle,
    status: watch::Receiver<SyncStatus>,
}

fn watch_device(device: Device) -> Watching {
    let handle = spawn_sync(device.ws.clone(), device.account.clone(), SyncConfig::default());
    let status = handle.status();
    Watching { device, handle, status }
}

/// Waits until message `id` is in `ws`'s projection; checks on every status change.
async fn arrival(ws: &Mutex<Workspace>, status: &mut watch::Receiver<SyncStatus>, id: i64) -> BenchResult<Instant> {
    let deadline = tokio::time::Instant::now() + DELIVERY_LIMIT;
    loop {
        if has_message(ws, id) {
            return Ok(Instant::now());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("message {id} not delivered within {DELIVERY_LIMIT:?}").into());
        }
        tokio::select! {
            changed = status.changed() => if changed.is_err() { return Err("the sync task ended".into()) },
            () = tokio::time::sleep(CHECK_EVERY) => {}
        }
    }
}

async fn live(root: &Path, scale: &Scale) -> BenchResult<(Vec<Row>, Vec<String>)> {
    let server = start_server(root.join("live-server"))?;
    let api = Api::new(&server.url)?;
    let email = "live@bench.example";
    let a = open_device(root, &api, &sign_in(&api, email, true, "A").await?, None)?;
    let b = open_device(root, &api, &sign_in(&api, email, false, "B").await?, None)?;
    let chat = lock(&a.ws).create_chat("live", "en")?.id;
    a.sync().await?;
    b.sync().await?;
    let (mut a, mut b) = (watch_device(a), watch_device(b));
    until_synced(&mut a.status, Duration::from_secs(30)).await?;
    until_synced(&mut b.status, Duration::from_secs(30)).await?;
    let mut rng = SmallRng::seed_from_u64(0x11fe);
    let words: Vec<&str> = WORDS.split_whitespace().collect();

    let load = load_average();
    let mut latencies = Vec::with_capacity(scale.live);
    for i in 0..scale.live {
        let text = message_text(&mut rng, &words);
        let posted = Instant::now();
        let id = lock(&a.device.ws).post_message(chat, &text, "en", None)?.id;
        a.handle.sync_now();
        let arrived = arrival(&b.device.ws, &mut b.status, id).await?;
        latencies.push(millis(arrived - posted));
        if (i + 1) % 250 == 0 {
            eprintln!("live: {} of {} messages delivered", i + 1, scale.live);
        }
        // The next message starts from settled devices: both sessions over, then a pause.
        until_synced(&mut a.status, DELIVERY_LIMIT).await?;
        until_synced(&mut b.status, DELIVERY_LIMIT).await?;
        tokio::time::sleep(LIVE_GAP).await;
    }
    let (p50, p99, max) = percentiles(&mut latencies);
    let echo = echo_server().await?;
    let mut rtts = echo_round_trips(echo, scale.live, LIVE_GAP, Duration::ZERO).await?;
    let (raw50, raw99, _) = percentiles(&mut rtts);
    a.handle.stop().await;
    b.handle.stop().await;
    let n = scale.live;
    let rows = vec![
        Row {
            name: format!("live A→B delivery p99 ({n} msgs)"),
            figure: p99,
            baseline: raw99,
            baseline_name: "raw WebSocket RTT p99",
            unit: "ms",
            target: at_most(p99, 50.0, "ms"),
        },
        Row {
            name: format!("live A→B delivery p50 ({n} msgs)"),
            figure: p50,
            baseline: raw50,
            baseline_name: "raw WebSocket RTT p50",
            unit: "ms",
            target: None,
        },
    ];
    let notes = vec![format!(
        "live: {n} messages, each {} ms after both devices settled: p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms; load average {load} at start",
        LIVE_GAP.as_millis()
    )];
    Ok((rows, notes))
}

// --- load -----------------------------------------------------------------------

struct Outstanding {
    id: i64,
    posted: Instant,
}

async fn many_clients(root: &Path, scale: &Scale) -> BenchResult<(Vec<Row>, Vec<String>)> {
    let server = start_server(root.join("load-server"))?;
    let api = Api::new(&server.url)?;
    let (clients, group) = (scale.clients, scale.group);
    let groups = clients.div_ceil(group);
    eprintln!("load: signing in {clients} devices in {groups} accounts…");
    let mut devices = Vec::with_capacity(clients);
    let mut group_of = Vec::with_capacity(clients);
    let mut chats = Vec::with_capacity(groups);
    for g in 0..groups {
        let email = format!("load{g}@bench.example");
        let members = group.min(clients - g * group);
        let first = devices.len();
        for m in 0..members {
            let session = sign_in(&api, &email, m == 0, &format!("device {m}")).await?;
            devices.push(open_device(root, &api, &session, None)?);
            group_of.push(g);
        }
        let chat = lock(&devices[first].ws).create_chat(&format!("load {g}"), "en")?.id;
        devices[first].sync().await?;
        for d in &devices[first + 1..] {
            d.sync().await?;
        }
        chats.push(chat);
    }
    let members: Vec<Vec<usize>> = (0..groups).map(|g| (0..clients).filter(|&d| group_of[d] == g).collect()).collect();
    let mut watching: Vec<Watching> = devices.into_iter().map(watch_device).collect();
    for w in &mut watching {
        until_synced(&mut w.status, Duration::from_secs(120)).await?;
    }
    eprintln!("load: {clients} devices watching; posting for {} s…", scale.seconds);

    let inboxes: Arc<Vec<Mutex<Vec<Outstanding>>>> = Arc::new((0..clients).map(|_| Mutex::new(Vec::new())).collect());
    let latencies = Arc::new(Mutex::new(Vec::<f64>::new()));
    let (stop_tx, stop_rx) = watch::channel(false);
    let ticks = clock_ticks();
    let pid = server.process.pid();
    let load = load_average();
    let (server_cpu0, own_cpu0) = (cpu_seconds(&pid, ticks)?, cpu_seconds("self", ticks)?);
    let window_start = tokio::time::Instant::now();
    let window = Duration::from_secs(scale.seconds);

    // Receivers: check what is outstanding whenever the status changes.
    let mut receivers = Vec::new();
    for (d, w) in watching.iter().enumerate() {
        let (ws, mut status, mut stop) = (w.device.ws.clone(), w.status.clone(), stop_rx.clone());
        let (inboxes, latencies) = (inboxes.clone(), latencies.clone());
        receivers.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    changed = status.changed() => if changed.is_err() { return },
                    () = tokio::time::sleep(CHECK_EVERY) => {}
                    _ = stop.changed() => return,
                }
                let waiting: Vec<(i64, Instant)> = {
                    let inbox = inboxes[d].lock().unwrap_or_else(|p| p.into_inner());
                    inbox.iter().map(|o| (o.id, o.posted)).collect()
                };
                if waiting.is_empty() {
                    continue;
                }
                let arrived: Vec<(i64, Instant)> =
                    waiting.into_iter().filter(|(id, _)| has_message(&ws, *id)).collect();
                if arrived.is_empty() {
                    continue;
                }
                let now = Instant::now();
                inboxes[d]
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .retain(|o| !arrived.iter().any(|(id, _)| *id == o.id));
                let mut all = latencies.lock().unwrap_or_else(|p| p.into_inner());
                all.extend(arrived.iter().map(|(_, posted)| millis(now - *posted)));
            }
        }));
    }

    // Posters: one message a second each, at its own phase.
    let mut handles: Vec<Arc<SyncHandle>> = Vec::new();
    let mut posters = Vec::new();
    let mut rng = SmallRng::seed_from_u64(0x10ad);
    let words: Arc<Vec<&'static str>> = Arc::new(WORDS.split_whitespace().collect());
    for (d, w) in watching.into_iter().enumerate() {
        let Watching { device, handle, .. } = w;
        let handle = Arc::new(handle);
        handles.push(handle.clone());
        let phase = Duration::from_millis(rng.random_range(0..1000));
        let others: Vec<usize> = members[group_of[d]].iter().copied().filter(|&o| o != d).collect();
        let (chat, inboxes, words) = (chats[group_of[d]], inboxes.clone(), words.clone());
        let mut rng = SmallRng::seed_from_u64(d as u64);
        posters.push(tokio::spawn(async move {
            let mut posted = 0usize;
            let mut next = window_start + phase;
            while next < window_start + window {
                tokio::time::sleep_until(next).await;
                let text = message_text(&mut rng, &words);
                let started = Instant::now();
                let message = lock(&device.ws).post_message(chat, &text, "en", None);
                let Ok(message) = message else { return (posted, device) };
                for &o in &others {
                    inboxes[o]
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(Outstanding { id: message.id, posted: started });
                }
                handle.sync_now();
                posted += 1;
                next += Duration::from_secs(1);
            }
            (posted, device)
        }));
    }
    let mut posted = 0;
    let mut kept = Vec::new();
    for p in posters {
        let (n, device) = p.await?;
        posted += n;
        kept.push(device);
    }
    let elapsed = window_start.elapsed().as_secs_f64();
    let (server_cpu1, own_cpu1) = (cpu_seconds(&pid, ticks)?, cpu_seconds("self", ticks)?);
    let (rss, peak) = memory_mb(&pid)?;
    let load_end = load_average();

    // Let the last messages arrive.
    let deadline = tokio::time::Instant::now() + DELIVERY_LIMIT;
    while tokio::time::Instant::now() < deadline
        && inboxes.iter().any(|i| !i.lock().unwrap_or_else(|p| p.into_inner()).is_empty())
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = stop_tx.send(true);
    for r in receivers {
        r.await?;
    }
    let lost: usize = inboxes.iter().map(|i| i.lock().unwrap_or_else(|p| p.into_inner()).len()).sum();
    let mut samples = std::mem::take(&mut *latencies.lock().unwrap_or_else(|p| p.into_inner()));
    let deliveries = samples.len();
    let (p50, p99, max) = percentiles(&mut samples);
    for h in handles {
        if let Ok(h) = Arc::try_unwrap(h) {
            h.stop().await;
        }
    }
    drop(kept);

    // Baseline: as many raw sockets, one echo round trip a second each.
    let echo = echo_server().await?;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let phase = Duration::from_millis(rng.random_range(0..1000));
        tasks.push(tokio::spawn(echo_round_trips(echo.clone(), scale.seconds as usize, Duration::from_secs(1), phase)));
    }
    let mut rtts = Vec::new();
    for t in tasks {
        rtts.extend(t.await??);
    }
    let (raw50, raw99, _) = percentiles(&mut rtts);

    let server_cpu = (server_cpu1 - server_cpu0) / elapsed * 100.0;
    let own_cpu = (own_cpu1 - own_cpu0) / elapsed * 100.0;
    let rows = vec![
        Row {
            name: format!("{clients} clients × 1 msg/s: delivery p99"),
            figure: p99,
            baseline: raw99,
            baseline_name: "raw WebSocket RTT p99",
            unit: "ms",
            target: at_most(p99, 200.0, "ms"),
        },
        Row {
            name: format!("{clients} clients × 1 msg/s: delivery p50"),
            figure: p50,
            baseline: raw50,
            baseline_name: "raw WebSocket RTT p50",
            unit: "ms",
            target: None,
        },
    ];
    let notes = vec![
        format!(
            "load: {clients} devices in {groups} accounts of {group}, {posted} messages in {elapsed:.1} s, {deliveries} deliveries (p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms), {lost} not delivered within {DELIVERY_LIMIT:?}"
        ),
        format!(
            "load: server process CPU {server_cpu:.0}% of one core, VmRSS {rss:.0} MB (peak VmHWM {peak:.0} MB); the {clients} clients' process (this bench) {own_cpu:.0}%; load average {load} at start, {load_end} at end"
        ),
    ];
    Ok((rows, notes))
}

// --- main -----------------------------------------------------------------------

fn main() -> BenchResult<()> {
    // `cargo bench` passes `--bench` and any filter; this binary runs everything.
    // The devices' logs, when asked for (e.g. `VROOLI_BENCH_LOG=vrooli_client=info`).
    let filter = tracing_subscriber::EnvFilter::try_from_env("VROOLI_BENCH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let scale = Scale::from_env();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let root = tempfile::Builder::new().prefix("vrooli-sync-bench-").tempdir()?;
    let started = Instant::now();
    println!("sync bench on {} (load average {})", std::env::consts::ARCH, load_average());
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    if scale.runs("pull") {
        let pulled = runtime.block_on(fresh_pull(root.path(), &scale))?;
        rows.extend(pulled.rows);
        notes.extend(pulled.notes);
        if scale.peer {
            match automerge_repo(root.path(), &pulled.docs) {
                Ok((theirs, node)) => {
                    if theirs.documents != scale.docs || theirs.messages != scale.messages {
                        return Err(format!(
                            "automerge-repo pulled {} messages in {} documents, expected {} in {}",
                            theirs.messages, theirs.documents, scale.messages, scale.docs
                        )
                        .into());
                    }
                    rows.push(Row {
                        name: format!("fresh pull vs automerge-repo ({} docs)", scale.docs),
                        figure: pulled.seconds,
                        baseline: theirs.seconds,
                        baseline_name: "automerge-repo 2.5.6 pull",
                        unit: "s",
                        target: Some(("<= 0.33× (3× faster)".into(), pulled.seconds * 3.0 <= theirs.seconds)),
                    });
                    notes.push(format!(
                        "automerge-repo (Node {node}): {:.2} s to ready and flushed ({:.2} s to ready), client RSS {:.0} MB",
                        theirs.seconds, theirs.found_seconds, theirs.rss_mb
                    ));
                }
                Err(why) => notes.push(format!("automerge-repo: not run: {why}")),
            }
        }
    }
    if scale.runs("live") {
        let (r, n) = runtime.block_on(live(root.path(), &scale))?;
        rows.extend(r);
        notes.extend(n);
    }
    if scale.runs("load") {
        let (r, n) = runtime.block_on(many_clients(root.path(), &scale))?;
        rows.extend(r);
        notes.extend(n);
    }
    print_table(&rows);
    println!();
    for note in notes {
        println!("{note}");
    }
    println!("total {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
