//! The desktop's speed on a large workspace (`cargo xtask bench`, or alone with
//! `cargo xtask bench-desktop`): the release app, in a real window under Xvfb, started on a data
//! dir of a million messages (20 chats of 50,000, seeded through the real write path by
//! `crates/vrooli-core/examples/seed.rs` and cached under `target/bench-seed/`), beside the same
//! app started on an empty data dir in the same run.
//!
//! For each start: when the first screen's command was answered (the app logs it, measured
//! from process start), when the page started loading and its first contentful paint (from
//! the page's own performance entries), the resident memory of the app and its WebKit processes
//! idle on the first screen, and — on the large data dir — opening a 50,000-message chat to its
//! first rows painted. Each data dir is started [`STARTS`] times; medians are reported.
//!
//! Then the floor under those figures: the app on the large data dir and an empty Tauri app
//! (`bench/tauri-floor`, whose page asks one command that does nothing) started the same way,
//! alternately, without WebDriver: when each answered its first command and what each process
//! holds in memory. Whatever the empty app shows is Tauri's, GTK's and WebKit's.
//!
//! `VROOLI_BENCH_DESKTOP_MESSAGES` changes the size (default 1,000,000).

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
    thread,
    time::{Duration, Instant},
};

use anyhow::{ensure, Context, Result};
use serde_json::json;

use crate::{desktop, e2e, process, smoke, system_deps, ui, webdriver};

const STARTS: usize = 3;
/// Starts of each app in the comparison with the empty Tauri app (cheaper: no WebDriver).
const FLOOR_STARTS: usize = 5;
const CHATS: usize = 20;
const WAIT: Duration = Duration::from_secs(60);
/// Bump when the seed example writes something else, so a cached seed is not reused.
const SEED_VERSION: u32 = 1;

/// What one start of the app measured.
#[derive(Default)]
struct Start {
    answered_ms: Option<f64>,
    load_started_ms: Option<f64>,
    window_ms: Option<f64>,
    first_paint_ms: Option<f64>,
    open_chat_ms: Option<f64>,
    memory: Vec<(String, u64)>,
}

pub fn run(root: &Path) -> Result<()> {
    system_deps::ensure()?;
    ui::ensure_deps(root)?;
    ui::build(root)?;
    // One cargo run for both, so they share one build of Tauri (features unify per invocation).
    process::cargo(root, &["build", "--release", "--package", "vrooli-desktop", "--package", "tauri-floor"])?;
    let binary = desktop::build(root, desktop::Profile::Release)?;
    let floor_binary = desktop::target_dir(root).join("release/tauri-floor");
    let driver = smoke::ensure_tauri_driver(root)?;
    let messages: usize = match std::env::var("VROOLI_BENCH_DESKTOP_MESSAGES") {
        Ok(value) => value.parse().context("VROOLI_BENCH_DESKTOP_MESSAGES is not a number")?,
        Err(_) => 1_000_000,
    };
    let seeded = seed(root, messages)?;

    let scratch = tempfile::tempdir().context("cannot create a temporary directory")?;
    let empty = scratch.path().join("empty");
    let large = scratch.path().join("large");
    fs::create_dir_all(&empty)?;
    e2e::copy_dir(&seeded, &large)?;

    let baseline = measure(&binary, &driver, &empty, scratch.path(), false)?;
    let figures = measure(&binary, &driver, &large, scratch.path(), true)?;
    report(messages, &baseline, &figures);

    let (mut ours, mut floor) = (Vec::new(), Vec::new());
    for n in 0..FLOOR_STARTS {
        let (start, log) = bare_start(&binary, &large, &scratch.path().join(format!("bare-app-{n}")), &[])?;
        ours.push(start);
        // The empty app draws as the app chose to on this machine (see `linux_session`).
        let env: &[(&str, &str)] =
            if log.contains("renderer=Cpu") { &[("WEBKIT_DISABLE_COMPOSITING_MODE", "1")] } else { &[] };
        let nothing = scratch.path().join(format!("floor-data-{n}"));
        floor.push(bare_start(&floor_binary, &nothing, &scratch.path().join(format!("bare-floor-{n}")), env)?.0);
    }
    report_floor(messages, &ours, &floor);
    Ok(())
}

/// A data dir with `messages` messages, from the cache when it holds one.
fn seed(root: &Path, messages: usize) -> Result<PathBuf> {
    let target = desktop::target_dir(root);
    let cache =
        target.join(format!("bench-seed/v{SEED_VERSION}-schema{}-{messages}", vrooli_store::latest_migration()));
    let data = cache.join("data");
    let done = cache.join("done");
    if done.is_file() {
        eprintln!("desktop bench: seeded data dir from the cache in {}", cache.display());
        return Ok(data);
    }
    process::cargo(root, &["build", "--release", "--package", "vrooli-core", "--example", "seed"])?;
    let _ = fs::remove_dir_all(&cache);
    let started = Instant::now();
    // Half the chats each on two cores at once, then one merged into the other.
    let seed = target.join("release/examples/seed");
    let other = cache.join("other");
    let halves =
        [(&data, messages / 2, CHATS / 2, 1), (&other, messages - messages / 2, CHATS - CHATS / 2, CHATS / 2 + 1)];
    let mut children = Vec::new();
    for (dir, messages, chats, first) in halves {
        let mut command = Command::new(&seed);
        command.arg(dir).arg(messages.to_string()).arg(chats.to_string()).arg(first.to_string());
        eprintln!("$ {} &", process::describe(&command));
        children.push(command.spawn().with_context(|| format!("cannot start {}", seed.display()))?);
    }
    for mut child in children {
        let status = child.wait()?;
        ensure!(status.success(), "seeding failed: {status}");
    }
    process::run(Command::new(&seed).arg("merge").arg(&data).arg(&other))?;
    fs::remove_dir_all(&other).with_context(|| format!("cannot remove {}", other.display()))?;
    fs::write(&done, b"").with_context(|| format!("cannot write {}", done.display()))?;
    eprintln!("desktop bench: seeded {messages} messages in {:.0} s", started.elapsed().as_secs_f64());
    Ok(data)
}

/// Starts the app on `data_dir` [`STARTS`] times; each start measured on its own.
fn measure(binary: &Path, driver: &Path, data_dir: &Path, scratch: &Path, open_chat: bool) -> Result<Vec<Start>> {
    let mut starts = Vec::with_capacity(STARTS);
    for n in 0..STARTS {
        let dir = scratch.join(format!("start-{}-{n}", data_dir.file_name().and_then(|n| n.to_str()).unwrap_or("dir")));
        fs::create_dir_all(dir.join("home"))?;
        let auth_file = dir.join("Xauthority");
        let log_path = dir.join("app.log");
        let (group, port) = smoke::launch_driver(driver, data_dir, &dir.join("home"), &auth_file, &log_path)?;
        let measured = webdriver::wait_until_ready(port, WAIT).and_then(|()| {
            let session = webdriver::Session::start(port, &binary.to_string_lossy())?;
            let start = first_screen(&session, group.id(), open_chat);
            let ended = session.end();
            start.and_then(|start| ended.map(|()| start))
        });
        drop(group);
        let log = fs::read_to_string(&log_path).unwrap_or_default();
        let mut start = measured.with_context(|| format!("starting the app on {}", data_dir.display()))?;
        start.answered_ms = e2e::logged_ms(&log, "first workspace command answered");
        start.load_started_ms = e2e::load_started_ms(&log);
        starts.push(start);
    }
    Ok(starts)
}

/// Starts `binary` on `data_dir` the plain way (under Xvfb, in a D-Bus session of its own, no
/// WebDriver), waits for its first command to be answered, and reads its startup lines and,
/// once settled, the memory of its processes (the app's own under the name "app"); also
/// returns its log.
fn bare_start(binary: &Path, data_dir: &Path, dir: &Path, env: &[(&str, &str)]) -> Result<(Start, String)> {
    fs::create_dir_all(dir.join("home"))?;
    let log_path = dir.join("app.log");
    let mut command = smoke::under_xvfb(&dir.join("Xauthority"), &log_path)?;
    command
        .arg(binary)
        .env("VROOLI_DATA_DIR", data_dir)
        .env("HOME", dir.join("home"))
        .env("RUST_LOG", "info")
        .envs(env.iter().copied());
    let group = smoke::ProcessGroup::spawn(command)?;
    let deadline = Instant::now() + WAIT;
    while !fs::read_to_string(&log_path).unwrap_or_default().contains("command answered") {
        ensure!(Instant::now() < deadline, "{} answered no command within {WAIT:?}", binary.display());
        thread::sleep(Duration::from_millis(50));
    }
    let app = binary.file_name().and_then(|name| name.to_str()).unwrap_or_default();
    let memory = e2e::resident_memory(group.id(), app)
        .into_iter()
        .map(|(name, kb)| if e2e::is_process_of(&name, app) { ("app".to_owned(), kb) } else { (name, kb) })
        .collect();
    drop(group);
    let log = fs::read_to_string(&log_path).with_context(|| format!("cannot read {}", log_path.display()))?;
    let start = Start {
        answered_ms: e2e::logged_ms(&log, "command answered"),
        load_started_ms: e2e::load_started_ms(&log),
        window_ms: e2e::logged_ms(&log, "window created"),
        memory,
        ..Start::default()
    };
    Ok((start, log))
}

fn first_screen(s: &webdriver::Session, group: u32, open_chat: bool) -> Result<Start> {
    // The first screen with its data: the chat list, or on an empty data dir its empty state.
    s.wait_one("[data-testid=chat-list], [data-testid=no-chats]", WAIT)?;
    let first_paint_ms = e2e::first_paint_ms(s)?;
    let memory = e2e::resident_memory(group, e2e::APP_BINARY);
    let mut start = Start { first_paint_ms, memory, ..Start::default() };
    if open_chat {
        let item = s.wait_one("[data-testid=chat-item]", WAIT)?;
        let chat = s.attribute(&item, "data-chat-id")?.context("a chat item without data-chat-id")?;
        let measured = s.execute_async(
            "const [chat, done] = arguments; \
             const t0 = performance.now(); \
             document.querySelector(`[data-testid=chat-item][data-chat-id=\"${chat}\"]`).click(); \
             const rows = `[data-testid=chat-thread][data-chat-id=\"${chat}\"] [data-testid=message]`; \
             (function poll() { \
               if (document.querySelector(rows)) { requestAnimationFrame(() => done(performance.now() - t0)); } \
               else { requestAnimationFrame(poll); } \
             })();",
            &[json!(chat)],
        )?;
        ensure!(measured.is_number(), "opening chat {chat} measured nothing: {measured}");
        start.open_chat_ms = measured.as_f64();
    }
    Ok(start)
}

fn median(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let mut values: Vec<f64> = values.flatten().collect();
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

/// Median resident memory (MiB) of each process name over the starts.
fn memory(starts: &[Start]) -> Vec<(String, f64)> {
    let mut names: Vec<&str> = starts.iter().flat_map(|s| s.memory.iter().map(|(n, _)| n.as_str())).collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let kb = median(starts.iter().map(|s| {
                let total: u64 = s.memory.iter().filter(|(n, _)| n == name).map(|(_, kb)| kb).sum();
                (total > 0).then_some(total as f64)
            }))?;
            Some((name.to_owned(), kb / 1024.0))
        })
        .collect()
}

fn report(messages: usize, baseline: &[Start], large: &[Start]) {
    let ms = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| format!("{v:.0} ms"));
    let row = |name: &str, f: &dyn Fn(&Start) -> Option<f64>, target: &str| {
        let base = median(baseline.iter().map(f));
        let figure = median(large.iter().map(f));
        let ratio = match (figure, base) {
            (Some(f), Some(b)) if b > 0.0 => format!("{:.2}×", f / b),
            _ => "—".to_owned(),
        };
        eprintln!("  {name:<46} {:>9} {:>9} {ratio:>7}  {target}", ms(figure), ms(base));
    };
    eprintln!(
        "\ndesktop figures (release build, Xvfb, medians of {STARTS} starts): {messages} messages vs an empty data dir"
    );
    eprintln!("  {:<46} {:>9} {:>9} {:>7}", "", "large", "empty", "ratio");
    row("first screen's command answered (from start)", &|s| s.answered_ms, "target ≤ 200 ms");
    row("page load started (from start)", &|s| s.load_started_ms, "");
    row("first contentful paint (from page load)", &|s| s.first_paint_ms, "");
    row("first paint (from start)", &|s| Some(s.load_started_ms? + s.first_paint_ms?), "target ≤ 1,500 ms");
    let chat = format!("open a {}-message chat to first rows", messages.div_ceil(CHATS));
    row(&chat, &|s| s.open_chat_ms, "");
    eprintln!("  resident memory idle on the first screen (MiB), large / empty:");
    let empty = memory(baseline);
    for (name, mib) in memory(large) {
        let base = empty.iter().find(|(n, _)| *n == name).map_or_else(|| "—".to_owned(), |(_, b)| format!("{b:.1}"));
        eprintln!("    {name:<18} {mib:>7.1} / {base}");
    }
}

fn report_floor(messages: usize, ours: &[Start], floor: &[Start]) {
    let ms = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| format!("{v:.0} ms"));
    let ratio = |figure: Option<f64>, base: Option<f64>| match (figure, base) {
        (Some(f), Some(b)) if b > 0.0 => format!("{:.2}×", f / b),
        _ => "—".to_owned(),
    };
    eprintln!(
        "\nthe floor: the app on {messages} messages vs an empty Tauri app (bench/tauri-floor), both without \
         WebDriver, alternating, medians of {FLOOR_STARTS} starts"
    );
    eprintln!("  {:<46} {:>9} {:>11} {:>7}", "", "app", "empty Tauri", "ratio");
    type Figure = fn(&Start) -> Option<f64>;
    let rows: [(&str, Figure); 3] = [
        ("window created (from start)", |s| s.window_ms),
        ("page load started (from start)", |s| s.load_started_ms),
        ("first command answered (from start)", |s| s.answered_ms),
    ];
    for (name, f) in rows {
        let (figure, base) = (median(ours.iter().map(f)), median(floor.iter().map(f)));
        eprintln!("  {name:<46} {:>9} {:>11} {:>7}", ms(figure), ms(base), ratio(figure, base));
    }
    eprintln!("  resident memory idle (MiB), app / empty Tauri:");
    let empty = memory(floor);
    let mut totals = (0.0, 0.0);
    for (name, mib) in memory(ours) {
        let base = empty.iter().find(|(n, _)| *n == name).map(|(_, b)| *b);
        totals.0 += mib;
        totals.1 += base.unwrap_or_default();
        let base = base.map_or_else(|| "—".to_owned(), |b| format!("{b:.1}"));
        eprintln!("    {name:<18} {mib:>7.1} / {base}");
    }
    eprintln!("    {:<18} {:>7.1} / {:.1}", "all processes", totals.0, totals.1);
}
