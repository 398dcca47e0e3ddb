//! The desktop scenarios, run in order in one app by the harness in `smoke`: the store's row
//! counts and settings; a chat (create, post, reply, Shift+Enter, delete, edit, find it with
//! search);
//! a resource with two versions (latest marked, time travel); a run through its transitions
//! (only legal moves offered); bad input (an over-long name shows the field's error and saves
//! nothing); a seeded 10,000-message chat, opened and scrolled; then, against a real
//! `vrooli-server`, the account (a bad URL and a wrong password shown in place, register, sign
//! out and in, "synced", the devices), teams (create, invite, a member who joins from another
//! device and is removed, an invite to me accepted) and a second device (the `vrooli` CLI on
//! the same account) whose message appears in the open chat without a reload. Each saves a
//! screenshot.

use std::{
    fs,
    path::Path,
    sync::atomic::{AtomicI64, Ordering},
    thread,
    time::{Duration, Instant},
};

use anyhow::{bail, ensure, Context, Result};
use serde_json::{json, Value};
use vrooli_core::Workspace;
use vrooli_model::entities::{Chat, ChatMessage, ChatTranslation, Resource, ResourceVersion, Run, Tag};
use vrooli_model::enums::RunStatus;
use vrooli_model::{Clock, SystemClock, Timestamp};
use vrooli_store::{DataDir, ListQuery, Store, MAX_PAGE_SIZE};

use crate::online::CliDevice;
use crate::webdriver::{keys, Element, Session};
use crate::x11_screenshot::XDisplay;

/// The main window's title (`tauri.conf.json`), to find it on the X display.
const WINDOW_TITLE: &str = "Vrooli";
/// The desktop binary's name, to tell its process from the test's.
pub const APP_BINARY: &str = "vrooli-desktop";

const WAIT: Duration = Duration::from_secs(20);
/// Written into the store before the app starts; the Settings screen must show their count.
const SEEDED_TAGS: &[&str] = &["smoke-alpha", "smoke-beta", "smoke-gamma"];
const BIG_CHAT: &str = "Ten thousand";
const BIG_CHAT_MESSAGES: usize = 10_000;
/// Sync scenarios wait longer: the first sync sends the seeded 10,000 messages to the server.
const SYNC_WAIT: Duration = Duration::from_secs(120);
const ME: &str = "me@e2e.test";
const FRIEND: &str = "friend@e2e.test";
const PASSWORD: &str = "correct horse battery staple";
const SYNCED_CHAT: &str = "Synced chat";

/// The server and the other devices of the sync scenarios.
pub struct Devices<'a> {
    pub server_url: &'a str,
    /// The CLI on another data dir, signed in to the window's account: a second device.
    pub me: CliDevice<'a>,
    /// The CLI as another account.
    pub friend: CliDevice<'a>,
}

/// What was written before the app started.
pub struct Seeded {
    pub big_chat_id: String,
}

pub struct Ctx<'a> {
    pub session: &'a Session,
    /// The process group of the app and its WebKit processes.
    pub group: u32,
    pub screenshots: &'a Path,
    /// The X display the window is on, where screenshots are read from.
    pub display: &'a XDisplay,
    pub seeded: &'a Seeded,
    pub devices: &'a Devices<'a>,
}

/// Figures measured in the window.
#[derive(Default)]
pub struct Figures {
    /// First contentful paint, milliseconds after the page started loading.
    pub first_paint_ms: Option<f64>,
    /// Clicking the 10,000-message chat to its first rows painted.
    pub big_chat_open_ms: Option<f64>,
    /// Message rows in the DOM once it opened (the virtual list's window).
    pub big_chat_rows: Option<u64>,
    /// Posting into the 10,000-message chat to the new row painted (a write, the event, and a
    /// reload of the whole thread).
    pub big_chat_post_ms: Option<f64>,
    /// Resident memory (kB) by process, idle on the first screen.
    pub memory_at_start: Vec<(String, u64)>,
}

/// Bump when [`seed_fresh`] writes something else, so a cached seed is not reused.
const SEED_VERSION: u32 = 4;

/// The seed's clock: it starts ten days ago and moves 10 s at every reading, so the seeded
/// chat spans days of message buckets like a real one (posting 10,000 messages within one
/// minute would put them all in one bucket, which every later post in those ten minutes loads).
struct SeedClock(AtomicI64);

impl SeedClock {
    const STEP_MICROS: i64 = 10_000_000;

    fn ten_days_ago() -> Self {
        let now = SystemClock.now().as_micros();
        Self(AtomicI64::new(now - 10 * 86_400 * 1_000_000))
    }
}

impl Clock for SeedClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_micros(self.0.fetch_add(Self::STEP_MICROS, Ordering::Relaxed))
    }
}

/// Seeds `dir`: a copy of the cached seed under `target/e2e-seed/` when one was made for this
/// seed and schema, else a fresh one (which is then cached). Posting 10,000 messages one
/// transaction each takes about a minute in a debug build; copying takes a moment.
pub fn seed(dir: &Path, target: &Path) -> Result<Seeded> {
    let cache = target.join(format!("e2e-seed/v{SEED_VERSION}-schema{}", vrooli_store::latest_migration()));
    let id_file = cache.join("big-chat-id");
    if let Ok(id) = fs::read_to_string(&id_file) {
        copy_dir(&cache.join("data"), dir)?;
        eprintln!("e2e: seeded from the cache in {}", cache.display());
        return Ok(Seeded { big_chat_id: id.trim().to_owned() });
    }
    let seeded = seed_fresh(dir)?;
    let _ = fs::remove_dir_all(&cache);
    copy_dir(dir, &cache.join("data"))?;
    fs::write(&id_file, &seeded.big_chat_id).with_context(|| format!("cannot write {}", id_file.display()))?;
    Ok(seeded)
}

pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            fs::copy(entry.path(), to.join(entry.file_name()))
                .with_context(|| format!("cannot copy {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Seeds tags through the store, then a chat of [`BIG_CHAT_MESSAGES`] through the workspace
/// (every tenth message a reply, so the thread branches), dated over the past days.
fn seed_fresh(dir: &Path) -> Result<Seeded> {
    let data_dir = DataDir::resolve(Some(dir.to_path_buf()))?;
    // The chat first: ids never go below the largest stored id, so rows written now with the
    // real clock would pull every seeded message into the current hour's bucket.
    let started = Instant::now();
    let mut workspace = Workspace::open_with_clock(&data_dir, Box::new(SeedClock::ten_days_ago()))?;
    let chat = workspace.create_chat(BIG_CHAT, "en")?;
    let mut last_root = None;
    for i in 0..BIG_CHAT_MESSAGES {
        let reply_to = if i % 10 == 9 { last_root } else { None };
        let text = format!("Seeded message {i}: the quick brown fox jumps over the lazy dog.");
        let message = workspace.post_message(chat.id, &text, "en", reply_to)?;
        if reply_to.is_none() {
            last_root = Some(message.id);
        }
    }
    drop(workspace);
    eprintln!("e2e: seeded {BIG_CHAT_MESSAGES} messages in {:.1}s", started.elapsed().as_secs_f64());
    let mut store = Store::open(&data_dir)?;
    for name in SEEDED_TAGS {
        store.insert(Tag { tag: (*name).to_owned(), ..Tag::default() })?;
    }
    Ok(Seeded { big_chat_id: chat.id.to_string() })
}

type Scenario = fn(&Ctx<'_>, &mut Figures) -> Result<()>;

/// Runs every scenario in order, saving `NAME.png` after each (`NAME-failed.png` on failure);
/// stops at the first failure.
pub fn run_all(ctx: &Ctx<'_>) -> Result<Figures> {
    let scenarios: &[(&str, Scenario)] = &[
        ("row-counts", settings_and_row_counts),
        ("chat", chat),
        ("resource", resource),
        ("run", run),
        ("bad-input", bad_input),
        ("big-chat", big_chat),
        ("keyboard", keyboard_only),
        ("account", account),
        ("teams", teams),
        ("second-device", second_device),
    ];
    let mut figures = Figures::default();
    for (name, scenario) in scenarios {
        eprintln!("e2e: {name}");
        let started = Instant::now();
        let result = scenario(ctx, &mut figures);
        let file = if result.is_ok() { format!("{name}.png") } else { format!("{name}-failed.png") };
        let shot = screenshot(ctx, &file);
        result.with_context(|| format!("scenario `{name}`"))?;
        eprintln!("e2e: {name}: ok in {:.1}s, screenshot {}", started.elapsed().as_secs_f64(), shot?.display());
    }
    Ok(figures)
}

fn screenshot(ctx: &Ctx<'_>, file: &str) -> Result<std::path::PathBuf> {
    // Wait for two more frames, so the window shows the DOM the scenario just checked.
    ctx.session.execute_async(
        "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(null)));",
        &[],
    )?;
    let path = ctx.screenshots.join(file);
    fs::write(&path, ctx.display.screenshot(WINDOW_TITLE)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// The whole app without a mouse: Tab reaches every screen of the rail and Enter opens it;
/// Tab reaches the big chat in the list, Enter opens it; Tab reaches the compose box, typing and
/// Enter post; the message then shows in the thread.
fn keyboard_only(ctx: &Ctx<'_>, _: &mut Figures) -> Result<()> {
    let s = ctx.session;
    s.execute("document.activeElement?.blur(); window.scrollTo(0, 0);", &[])?;
    for screen in ["resources", "runs", "teams", "account", "settings", "chats"] {
        tab_to(s, &format!("[data-testid=nav-{screen}]"))?;
        s.keys(keys::ENTER)?;
        s.wait_until(&format!("the {screen} screen"), WAIT, || {
            let current = s.find_all(&format!("[data-testid=nav-{screen}][aria-current=page]"))?;
            Ok(!current.is_empty())
        })?;
    }
    let big = &ctx.seeded.big_chat_id;
    tab_to(s, &format!("[data-testid=chat-item][data-chat-id=\"{big}\"]"))?;
    s.keys(keys::ENTER)?;
    s.wait_one(&format!("[data-testid=chat-thread][data-chat-id=\"{big}\"]"), WAIT)?;
    tab_to(s, "[data-testid=compose-text]")?;
    s.keys(&format!("Typed without a mouse{}", keys::ENTER))?;
    wait_message(s, "Typed without a mouse")?;
    Ok(())
}

/// Presses Tab until the focused element matches `css` (or gives up after 200 presses).
fn tab_to(s: &Session, css: &str) -> Result<()> {
    let focused = |script: &str| s.execute(script, &[json!(css)]);
    for _ in 0..200 {
        if focused("return document.activeElement?.matches(arguments[0]) ?? false;")?.as_bool() == Some(true) {
            return Ok(());
        }
        s.keys(keys::TAB)?;
    }
    let at = focused("return document.activeElement?.outerHTML?.slice(0, 120) ?? '';")?;
    bail!("Tab never reached {css} (focus ended on {at})")
}

// --- helpers over the page -------------------------------------------------------------------

fn click(s: &Session, css: &str) -> Result<()> {
    let element = s.wait_one(css, WAIT)?;
    s.click(&element)
}

fn type_in(s: &Session, css: &str, text: &str) -> Result<()> {
    let element = s.wait_one(css, WAIT)?;
    s.clear(&element)?;
    s.type_into(&element, text)
}

fn text_of(s: &Session, css: &str) -> Result<String> {
    let element = s.wait_one(css, WAIT)?;
    s.text(&element)
}

fn count(s: &Session, css: &str) -> Result<usize> {
    Ok(s.find_all(css)?.len())
}

/// The message rows whose text is exactly `text`.
fn messages_with_text(s: &Session, text: &str) -> Result<Vec<Element>> {
    let mut found = Vec::new();
    for row in s.find_all("[data-testid=message]")? {
        if let Some(body) = s.find_within(&row, "[data-testid=message-text]")?.first() {
            if s.text(body)? == text {
                found.push(row);
            }
        }
    }
    Ok(found)
}

/// Runs `f` again while it fails on an element the page re-rendered under it.
fn fresh<T>(mut f: impl FnMut() -> Result<T>) -> Result<T> {
    let deadline = Instant::now() + WAIT;
    loop {
        match f() {
            Err(error) if format!("{error:#}").contains("stale element") && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(100));
            }
            other => return other,
        }
    }
}

fn wait_message(s: &Session, text: &str) -> Result<Element> {
    s.wait_until(&format!("a message reading {text:?}"), WAIT, || {
        fresh(|| Ok(!messages_with_text(s, text)?.is_empty()))
    })?;
    fresh(|| messages_with_text(s, text)?.into_iter().next().context("the message vanished"))
}

/// Clicks the button `testid` of the message reading `text`.
fn message_button(s: &Session, text: &str, testid: &str) -> Result<()> {
    fresh(|| {
        let row = wait_message(s, text)?;
        let css = format!("[data-testid={testid}]");
        let button = s.find_within(&row, &css)?.into_iter().next().with_context(|| format!("no {testid} button"))?;
        s.click(&button)
    })
}

/// The `data-status` targets of the transition buttons on the open run.
fn offered_moves(s: &Session) -> Result<Vec<String>> {
    let mut moves = Vec::new();
    for button in s.find_all("[data-testid^=transition-]")? {
        let id = s.attribute(&button, "data-testid")?.unwrap_or_default();
        moves.push(id.trim_start_matches("transition-").to_owned());
    }
    Ok(moves)
}

fn wait_status(s: &Session, status: &str) -> Result<()> {
    s.wait_until(&format!("run status {status}"), WAIT, || {
        let badge = s.find_all("[data-testid=run-status]")?;
        Ok(match badge.first() {
            Some(b) => s.attribute(b, "data-status")?.as_deref() == Some(status),
            None => false,
        })
    })
}

// --- scenarios -------------------------------------------------------------------------------

fn settings_and_row_counts(ctx: &Ctx<'_>, figures: &mut Figures) -> Result<()> {
    let s = ctx.session;
    // The first screen: the chat list (seeded with one chat) answered through the commands.
    s.wait_one("[data-testid=chat-list]", WAIT)?;
    figures.first_paint_ms = first_paint_ms(s)?;
    figures.memory_at_start = resident_memory(ctx.group, APP_BINARY);

    // The CSP holds in the real window: no eval, no inline script.
    let csp = s.execute(
        "let evaluated = 'blocked'; try { eval('1'); evaluated = 'allowed'; } catch (e) {} \
         window.__inline = 'blocked'; const el = document.createElement('script'); \
         el.textContent = 'window.__inline = \"allowed\"'; document.head.append(el); \
         return [evaluated, window.__inline];",
        &[],
    )?;
    ensure!(csp == json!(["blocked", "blocked"]), "the CSP lets through [eval, inline script]: {csp}");

    click(s, "[data-testid=nav-settings]")?;
    let rows = s.wait_for("[data-testid=row-counts] tbody tr, [data-testid=load-error]", WAIT)?;
    if let Some(error) = s.find_all("[data-testid=load-error]")?.first() {
        bail!("the window shows an error: {}", s.text(error)?);
    }
    ensure!(!rows.is_empty(), "no row counts appeared");
    let names = s.find_all("[data-testid=row-counts] tbody th")?;
    let counts = s.find_all("[data-testid=row-counts] tbody td")?;
    ensure!(names.len() == rows.len() && counts.len() == rows.len(), "each row needs a table name and a count");
    let mut tags = None;
    for (name, count) in names.iter().zip(&counts) {
        let name = s.text(name)?;
        let count = s.text(count)?;
        // Digit grouping depends on the locale; the digits do not.
        let digits: String = count.chars().filter(char::is_ascii_digit).collect();
        let number: u64 = digits.parse().with_context(|| format!("row `{name}` shows `{count}`, not a number"))?;
        if name == "tag" {
            tags = Some(number);
        }
    }
    ensure!(
        tags == Some(SEEDED_TAGS.len() as u64),
        "table `tag` should show {} rows, shows {tags:?}",
        SEEDED_TAGS.len()
    );
    let data_dir = text_of(s, "[data-testid=data-dir]")?;
    ensure!(data_dir.ends_with("data"), "the data directory shown is {data_dir:?}");

    click(s, "[data-testid=theme-dark]")?;
    s.wait_until("the dark theme applied", WAIT, || {
        Ok(s.execute("return document.documentElement.dataset.theme || null", &[])?.as_str() == Some("dark"))
    })?;
    screenshot(ctx, "settings-dark.png")?;
    click(s, "[data-testid=theme-system]")?;
    s.wait_until("the system theme applied", WAIT, || {
        Ok(s.execute("return document.documentElement.dataset.theme || null", &[])?.is_null())
    })
}

fn chat(ctx: &Ctx<'_>, _: &mut Figures) -> Result<()> {
    let s = ctx.session;
    click(s, "[data-testid=nav-chats]")?;
    type_in(s, "[data-testid=new-chat-name]", "E2E planning")?;
    click(s, "[data-testid=create-chat]")?;
    s.wait_until("the new chat opened", WAIT, || Ok(text_of(s, "[data-testid=chat-title]")? == "E2E planning"))?;
    s.wait_one("[data-testid=no-messages]", WAIT)?;

    // Enter sends.
    type_in(s, "[data-testid=compose-text]", &format!("Hello from the e2e test{}", keys::ENTER))?;
    wait_message(s, "Hello from the e2e test")?;

    // A reply sits under its parent, one level deeper.
    message_button(s, "Hello from the e2e test", "reply")?;
    s.wait_one("[data-testid=replying-to]", WAIT)?;
    type_in(s, "[data-testid=compose-text]", &format!("A reply in a branch{}", keys::ENTER))?;
    let depth = fresh(|| s.attribute(&wait_message(s, "A reply in a branch")?, "data-depth"))?;
    ensure!(depth.as_deref() == Some("1"), "the reply is not one level deeper");

    // Shift+Enter is a new line; Enter then sends both lines as one message. (Modifiers stay
    // down until a send-keys command ends, so the two keys go in two commands.)
    type_in(s, "[data-testid=compose-text]", &format!("Line one{}{}", keys::SHIFT, keys::ENTER))?;
    s.type_into(&s.wait_one("[data-testid=compose-text]", WAIT)?, &format!("Line two{}", keys::ENTER))?;
    wait_message(s, "Line one\nLine two")?;

    // Delete, after a confirmation.
    type_in(s, "[data-testid=compose-text]", &format!("A message to delete{}", keys::ENTER))?;
    message_button(s, "A message to delete", "delete")?;
    message_button(s, "A message to delete", "confirm-delete")?;
    s.wait_until("the deleted message gone", WAIT, || {
        fresh(|| Ok(messages_with_text(s, "A message to delete")?.is_empty()))
    })?;

    // Edit in place.
    message_button(s, "Hello from the e2e test", "edit")?;
    type_in(s, "[data-testid=edit-text]", &format!("Hello, edited by the e2e test{}", keys::ENTER))?;
    let (marked, edited_id) = fresh(|| {
        let edited = wait_message(s, "Hello, edited by the e2e test")?;
        Ok((!s.find_within(&edited, "[data-testid=edited]")?.is_empty(), s.attribute(&edited, "data-message-id")?))
    })?;
    ensure!(marked, "the edit is not marked");
    let edited_id = edited_id.context("a message without its id")?;

    // React, and see the reaction counted and pressed as mine.
    message_button(s, "Hello, edited by the e2e test", "add-reaction")?;
    s.wait_until("the reaction counted as mine", WAIT, || {
        fresh(|| {
            let row = wait_message(s, "Hello, edited by the e2e test")?;
            let pressed = s.find_within(&row, "[data-testid=reaction][aria-pressed=true]")?;
            Ok(match pressed.first() {
                Some(button) => s.text(button)?.trim().ends_with('1'),
                None => false,
            })
        })
    })?;

    // Find it with search (Ctrl+K), highlighted, and open it with Enter.
    click(s, "[data-testid=nav-resources]")?;
    s.wait_one("[data-testid=new-resource]", WAIT)?;
    s.chord(&[keys::CONTROL, "k"])?;
    s.wait_until("the search dialog opened", WAIT, || {
        Ok(s.execute("return document.querySelector('[data-testid=search-dialog]').open", &[])?.as_bool() == Some(true))
    })?;
    type_in(s, "[data-testid=search-input]", "edited")?;
    let hit = s.wait_one("[data-testid=search-hit][data-kind=message]", WAIT)?;
    let marked = s.find_within(&hit, "mark")?;
    ensure!(!marked.is_empty(), "the hit has no highlighted match");
    ensure!(s.text(&marked[0])?.eq_ignore_ascii_case("edited"), "the highlight is not the matched word");
    screenshot(ctx, "search.png")?;
    s.type_into(&s.wait_one("[data-testid=search-input]", WAIT)?, keys::ENTER)?;
    s.wait_until("the hit's message opened and highlighted", WAIT, || {
        let css = format!("[data-testid=message].highlighted[data-message-id=\"{edited_id}\"]");
        Ok(count(s, &css)? == 1)
    })?;
    Ok(())
}

fn resource(ctx: &Ctx<'_>, _: &mut Figures) -> Result<()> {
    let s = ctx.session;
    click(s, "[data-testid=nav-resources]")?;
    type_in(s, "[data-testid=new-resource-type]", "Routine")?;
    type_in(s, "[data-testid=new-resource-name]", "Sorter")?;
    click(s, "[data-testid=create-resource]")?;
    s.wait_until("the new resource opened", WAIT, || Ok(text_of(s, "[data-testid=resource-title]")? == "Sorter"))?;
    ensure!(count(s, "[data-testid=version-row]")? == 1, "a new resource has one version");

    type_in(s, "[data-testid=version-label-input]", "1.1.0")?;
    type_in(s, "[data-testid=version-notes-input]", "Twice as fast")?;
    click(s, "[data-testid=add-version] input[type=checkbox]")?;
    click(s, "[data-testid=add-version-submit]")?;
    s.wait_until("two versions listed", WAIT, || Ok(count(s, "[data-testid=version-row]")? == 2))?;
    let latest: Vec<String> = s
        .find_all("[data-testid=version-row][data-latest=true] [data-testid=version-label]")?
        .iter()
        .map(|e| s.text(e))
        .collect::<Result<_>>()?;
    ensure!(latest == ["1.1.0"], "the latest marked is {latest:?}, not 1.1.0");
    ensure!(count(s, "[data-testid=latest-badge]")? == 1, "exactly one version is marked latest");
    screenshot(ctx, "resource-versions.png")?;

    // Time travel: 1.1.0 before its notes existed is the same version, as it was then.
    click(s, "[data-testid=version-row][data-latest=true] [data-testid=version-label]")?;
    s.wait_until("the history lists the changes", WAIT, || Ok(count(s, "[data-testid=history-change]")? >= 2))?;
    let changes = s.find_all("[data-testid=history-change]")?;
    let oldest = changes.last().context("no history")?;
    s.click(oldest)?;
    s.wait_until("the version as it was shows", WAIT, || {
        Ok(s.find_all("[data-testid=snapshot]")?
            .first()
            .map(|e| s.text(e))
            .transpose()?
            .is_some_and(|t| t.contains("did not exist yet") || t.contains("Label")))
    })?;
    let newest = s.find_all("[data-testid=history-change]")?.into_iter().next().context("no history")?;
    s.click(&newest)?;
    s.wait_until("the newest state shows its notes", WAIT, || {
        Ok(s.find_all("[data-testid=snapshot]")?
            .first()
            .map(|e| s.text(e))
            .transpose()?
            .is_some_and(|t| t.contains("Twice as fast")))
    })?;
    s.execute("document.querySelector('[data-testid=snapshot]').scrollIntoView({ block: 'end' }); return null;", &[])?;
    Ok(())
}

fn run(ctx: &Ctx<'_>, _: &mut Figures) -> Result<()> {
    let s = ctx.session;
    click(s, "[data-testid=nav-runs]")?;
    type_in(s, "[data-testid=new-run-name]", "Nightly import")?;
    click(s, "[data-testid=create-run]")?;
    wait_status(s, "Scheduled")?;
    ensure!(offered_moves(s)? == ["InProgress", "Cancelled"], "Scheduled offers {:?}", offered_moves(s)?);

    type_in(s, "[data-testid=step-name]", "Fetch the feed")?;
    click(s, "[data-testid=add-step-submit]")?;
    s.wait_until("the step is on the timeline", WAIT, || Ok(count(s, "[data-testid=step]")? == 1))?;

    for (to, then_offered) in [
        ("InProgress", &["Paused", "Completed", "Failed", "Cancelled"][..]),
        ("Paused", &["InProgress", "Cancelled"][..]),
        ("InProgress", &["Paused", "Completed", "Failed", "Cancelled"][..]),
        ("Completed", &[][..]),
    ] {
        click(s, &format!("[data-testid=transition-{to}]"))?;
        wait_status(s, to)?;
        s.wait_until(&format!("the moves offered from {to}"), WAIT, || Ok(offered_moves(s)? == then_offered))?;
    }
    ensure!(text_of(s, "[data-testid=run-completed]")? != "—", "a completed run shows when it ended");

    // The status filter.
    let filter = s.wait_one("[data-testid=run-status-filter]", WAIT)?;
    s.click(&filter)?;
    s.execute(
        "const f = document.querySelector('[data-testid=run-status-filter]'); f.value = 'Failed'; \
         f.dispatchEvent(new Event('change', { bubbles: true }));",
        &[],
    )?;
    s.wait_one("[data-testid=no-runs]", WAIT)?;
    s.execute(
        "const f = document.querySelector('[data-testid=run-status-filter]'); f.value = 'Completed'; \
         f.dispatchEvent(new Event('change', { bubbles: true }));",
        &[],
    )?;
    s.wait_until("the completed run listed", WAIT, || Ok(count(s, "[data-testid=run-item]")? == 1))
}

fn bad_input(ctx: &Ctx<'_>, _: &mut Figures) -> Result<()> {
    let s = ctx.session;
    click(s, "[data-testid=nav-chats]")?;
    s.wait_one("[data-testid=chat-list]", WAIT)?;
    let before = count(s, "[data-testid=chat-item]")?;
    type_in(s, "[data-testid=new-chat-name]", &"x".repeat(200))?;
    click(s, "[data-testid=create-chat]")?;
    let error = "[data-testid=field-error-new-chat-name-error]";
    s.wait_until("the name's error shows", WAIT, || Ok(s.text(&s.wait_one(error, WAIT)?)?.contains("128")))?;
    let input = s.wait_one("[data-testid=new-chat-name]", WAIT)?;
    ensure!(s.attribute(&input, "aria-invalid")?.as_deref() == Some("true"), "the input is not marked invalid");
    thread::sleep(Duration::from_millis(300));
    ensure!(count(s, "[data-testid=chat-item]")? == before, "a chat was added despite the error");
    Ok(())
}

fn big_chat(ctx: &Ctx<'_>, figures: &mut Figures) -> Result<()> {
    let s = ctx.session;
    click(s, "[data-testid=nav-chats]")?;
    let item = format!("[data-testid=chat-item][data-chat-id=\"{}\"]", ctx.seeded.big_chat_id);
    s.wait_one(&item, WAIT)?;
    let measured = s.execute_async(
        "const [css, chat, done] = arguments; \
         const t0 = performance.now(); \
         document.querySelector(css).click(); \
         const rows = `[data-testid=chat-thread][data-chat-id=\"${chat}\"] [data-testid=message]`; \
         (function poll() { \
           if (document.querySelector(rows)) { \
             requestAnimationFrame(() => done({ ms: performance.now() - t0, rows: document.querySelectorAll(rows).length })); \
           } else { requestAnimationFrame(poll); } \
         })();",
        &[json!(item), json!(ctx.seeded.big_chat_id)],
    )?;
    figures.big_chat_open_ms = measured["ms"].as_f64();
    figures.big_chat_rows = measured["rows"].as_u64();
    let rows = figures.big_chat_rows.unwrap_or_default();
    ensure!(rows > 0 && rows < 200, "{rows} message rows in the DOM: the list is not virtualised");

    // It opened with its newest page; load the rest, as a reader scrolling back would.
    let loaded = || -> Result<usize> {
        let value = s.execute(
            "const t = document.querySelector('[data-testid=chat-thread]'); return t ? t.dataset.loaded : null;",
            &[],
        )?;
        value.as_str().and_then(|v| v.parse().ok()).context("the thread does not say how many messages it holds")
    };
    let mut loads = 0;
    while !s.find_all("[data-testid=load-earlier]")?.is_empty() {
        ensure!(loads < 20, "still more to load after {loads} pages");
        let before = loaded()?;
        fresh(|| click(s, "[data-testid=load-earlier]"))?;
        loads += 1;
        // The next press once this page is in: the thread holds more messages than before.
        s.wait_until("an earlier page loaded", WAIT, || Ok(loaded()? > before))?;
    }
    ensure!(loaded()? == BIG_CHAT_MESSAGES, "the whole chat loaded {} of {BIG_CHAT_MESSAGES} messages", loaded()?);
    ensure!(loads > 0, "the 10,000-message chat opened whole, not with its newest page");

    // Scroll through the middle: still a window of rows, and they are the right ones.
    let seen = s.execute(
        "const list = document.querySelector('[data-testid=messages]'); list.scrollTop = list.scrollHeight / 2; \
         return null;",
        &[],
    )?;
    ensure!(seen.is_null(), "unexpected reply from scrolling");
    s.wait_until("rows from the middle of the chat", WAIT, || {
        let texts = s.execute(
            "return [...document.querySelectorAll('[data-testid=message-text]')].map(e => e.textContent);",
            &[],
        )?;
        Ok(texts.as_array().is_some_and(|t| {
            t.iter().filter_map(Value::as_str).any(|text| {
                text.split(':')
                    .next()
                    .and_then(|head| head.trim_start_matches("Seeded message ").parse::<usize>().ok())
                    .is_some_and(|n| (2_000..8_000).contains(&n))
            })
        }))
    })?;
    ensure!(count(s, "[data-testid=message]")? < 200, "scrolling rendered too many rows");

    // Post into it: the row appears once the event made the thread reload.
    let posted = s.execute_async(
        "const [done] = [arguments[0]]; \
         const box = document.querySelector('[data-testid=compose-text]'); \
         const text = 'Posted into ten thousand'; \
         box.value = text; box.dispatchEvent(new Event('input', { bubbles: true })); \
         const t0 = performance.now(); \
         document.querySelector('[data-testid=send]').click(); \
         (function poll() { \
           const hit = [...document.querySelectorAll('[data-testid=message-text]')].some(e => e.textContent === text); \
           if (hit) { requestAnimationFrame(() => done(performance.now() - t0)); } else { requestAnimationFrame(poll); } \
         })();",
        &[],
    )?;
    figures.big_chat_post_ms = posted.as_f64();
    Ok(())
}

// --- sync: the account, teams and a second device ----------------------------------------------

/// Waits until the always-visible sync indicator shows `state`.
fn wait_sync_state(s: &Session, state: &str, timeout: Duration) -> Result<()> {
    let indicator = "[data-testid=sync-status]";
    s.wait_until(&format!("the sync status is {state}"), timeout, || {
        Ok(s.attribute(&s.wait_one(indicator, WAIT)?, "data-state")?.as_deref() == Some(state))
    })
    .with_context(|| {
        format!(
            "the indicator says {:?}",
            s.find_all(indicator).ok().and_then(|e| e.first().and_then(|e| s.text(e).ok()))
        )
    })
}

fn sign_in_form(s: &Session, server: &str, email: &str, password: &str) -> Result<()> {
    s.wait_one("[data-testid=sign-in]", WAIT)?;
    type_in(s, "[data-testid=sign-in-server]", server)?;
    type_in(s, "[data-testid=sign-in-email]", email)?;
    type_in(s, "[data-testid=sign-in-password]", password)
}

fn field_error_shows(s: &Session, input: &str, error: &str) -> Result<()> {
    s.wait_until(&format!("{input}'s error shows"), WAIT, || {
        Ok(!s.text(&s.wait_one(&format!("[data-testid=field-error-{error}]"), WAIT)?)?.is_empty())
    })?;
    let element = s.wait_one(&format!("[data-testid={input}]"), WAIT)?;
    ensure!(s.attribute(&element, "aria-invalid")?.as_deref() == Some("true"), "{input} is not marked invalid");
    Ok(())
}

fn account(ctx: &Ctx<'_>, _: &mut Figures) -> Result<()> {
    let s = ctx.session;
    let server = ctx.devices.server_url;
    wait_sync_state(s, "signedOut", WAIT)?;
    click(s, "[data-testid=nav-account]")?;

    // Not a URL: refused by the shell, shown under the server's input.
    sign_in_form(s, "localhost:8787", ME, PASSWORD)?;
    click(s, "[data-testid=register-submit]")?;
    field_error_shows(s, "sign-in-server", "sign-in-server-error")?;

    // Register, and the first sync sends everything, seeded chat included.
    type_in(s, "[data-testid=sign-in-server]", server)?;
    click(s, "[data-testid=register-submit]")?;
    s.wait_until("signed in", WAIT, || Ok(text_of(s, "[data-testid=account-email]")? == ME))?;
    wait_sync_state(s, "synced", SYNC_WAIT)?;

    // Sign out, then a wrong password (401) shows under the password; the right one signs in.
    click(s, "[data-testid=sign-out]")?;
    wait_sync_state(s, "signedOut", WAIT)?;
    sign_in_form(s, server, ME, "not the password")?;
    click(s, "[data-testid=sign-in-submit]")?;
    field_error_shows(s, "sign-in-password", "sign-in-password-error")?;
    type_in(s, "[data-testid=sign-in-password]", PASSWORD)?;
    click(s, "[data-testid=sign-in-submit]")?;
    s.wait_until("signed in again", WAIT, || Ok(text_of(s, "[data-testid=account-email]")? == ME))?;
    wait_sync_state(s, "synced", SYNC_WAIT)?;
    let label = text_of(s, "[data-testid=sync-status-text]")?;
    ensure!(label.starts_with("Synced at "), "the indicator says {label:?}");

    // Two sessions of this device: the first signed out (revoked), this one marked.
    s.wait_until("the devices listed", WAIT, || Ok(count(s, "[data-testid=device]")? == 2))?;
    ensure!(count(s, "[data-testid=revoke-device]")? == 0, "only this device's sessions: nothing to revoke");
    let devices = text_of(s, "[data-testid=devices]")?;
    ensure!(devices.contains("this device") && devices.contains("revoked"), "the devices show {devices:?}");
    Ok(())
}

/// The team card named `name`, if shown.
fn team_card(s: &Session, name: &str) -> Result<Option<Element>> {
    for card in s.find_all("[data-testid=team]")? {
        if let Some(title) = s.find_within(&card, "[data-testid=team-name]")?.first() {
            if s.text(title)? == name {
                return Ok(Some(card));
            }
        }
    }
    Ok(None)
}

fn team_members(s: &Session, name: &str) -> Result<usize> {
    Ok(match team_card(s, name)? {
        Some(card) => s.find_within(&card, "[data-testid=team-member]")?.len(),
        None => 0,
    })
}

/// The id of the first entry of a CLI list whose `key` is `value`.
fn id_where(list: &Value, key: &str, value: &str, id: &str) -> Result<String> {
    list.as_array()
        .and_then(|items| items.iter().find(|item| item[key] == value))
        .and_then(|item| item[id].as_str())
        .map(str::to_owned)
        .with_context(|| format!("no {key} {value:?} in {list}"))
}

fn teams(ctx: &Ctx<'_>, _: &mut Figures) -> Result<()> {
    let s = ctx.session;
    let devices = ctx.devices;
    click(s, "[data-testid=nav-teams]")?;
    type_in(s, "[data-testid=new-team-name]", "E2E team")?;
    click(s, "[data-testid=create-team]")?;
    s.wait_until("the new team with me as its admin", WAIT, || {
        Ok(fresh(|| team_card(s, "E2E team"))?
            .map(|card| s.find_within(&card, "[data-testid=admin-badge]"))
            .transpose()?
            .is_some_and(|badges| badges.len() == 1))
    })?;
    type_in(s, "[data-testid=invite-email]", FRIEND)?;
    click(s, "[data-testid=invite-submit]")?;
    s.wait_until("the invite listed", WAIT, || {
        Ok(s.find_all("[data-testid=team-invites]")?
            .first()
            .map(|e| s.text(e))
            .transpose()?
            .is_some_and(|t| t.contains(FRIEND)))
    })?;

    // The friend, on their own device, joins and invites me to their team.
    devices.friend.sign_in("register", devices.server_url, FRIEND, PASSWORD)?;
    let invites = devices.friend.run(&["team", "invites"])?;
    let e2e_team = id_where(&invites, "teamName", "E2E team", "teamId")?;
    devices.friend.run(&["team", "accept", &e2e_team])?;
    let teams = devices.friend.run(&["team", "create", "--name", "Friends"])?;
    let friends_team = id_where(&teams, "name", "Friends", "id")?;
    devices.friend.run(&["team", "invite", &friends_team, "--email", ME])?;

    // Both show here without a reload (the server pushes, the app syncs, the list reloads).
    s.wait_until("the friend joined", SYNC_WAIT, || Ok(fresh(|| team_members(s, "E2E team"))? == 2))?;
    s.wait_until("the friend's invite arrived", SYNC_WAIT, || Ok(count(s, "[data-testid=my-invite]")? == 1))?;

    // An admin removes a member; I accept the invite and see its admin marked.
    let card = team_card(s, "E2E team")?.context("the team card")?;
    let remove = s.find_within(&card, "[data-testid=remove-member]")?;
    ensure!(remove.len() == 1, "remove is offered for {} members, not just the friend", remove.len());
    s.click(&remove[0])?;
    s.wait_until("the friend removed", WAIT, || Ok(fresh(|| team_members(s, "E2E team"))? == 1))?;
    click(s, "[data-testid=accept-invite]")?;
    s.wait_until("I joined the friend's team", WAIT, || Ok(fresh(|| team_members(s, "Friends"))? == 2))?;
    let card = team_card(s, "Friends")?.context("the Friends card")?;
    let admins = s.find_within(&card, "[data-testid=team-member][data-admin=true] [data-testid=member-email]")?;
    ensure!(admins.len() == 1 && s.text(&admins[0])? == FRIEND, "the friend is not the marked admin");
    ensure!(s.find_within(&card, "[data-testid=remove-member]")?.is_empty(), "a member may not remove others");
    Ok(())
}

fn second_device(ctx: &Ctx<'_>, _: &mut Figures) -> Result<()> {
    let s = ctx.session;
    let devices = ctx.devices;
    click(s, "[data-testid=nav-chats]")?;
    type_in(s, "[data-testid=new-chat-name]", SYNCED_CHAT)?;
    click(s, "[data-testid=create-chat]")?;
    s.wait_until("the new chat opened", WAIT, || Ok(text_of(s, "[data-testid=chat-title]")? == SYNCED_CHAT))?;
    type_in(s, "[data-testid=compose-text]", &format!("From the window{}", keys::ENTER))?;
    wait_message(s, "From the window")?;
    let thread = s.wait_one("[data-testid=chat-thread]", WAIT)?;
    let chat_id = s.attribute(&thread, "data-chat-id")?.context("the thread has no chat id")?;
    // Never "synced" before the server has the new chat.
    wait_sync_state(s, "synced", SYNC_WAIT)?;
    s.execute("window.__e2eSamePage = true; return null;", &[])?;

    // The second device: the CLI on its own data dir, signed in to the same account.
    devices.me.sign_in("login", devices.server_url, ME, PASSWORD)?;
    devices.me.run(&["sync"])?;
    devices.me.run(&["chat", "post", &chat_id, "--text", "From the second device"])?;
    devices.me.run(&["sync"])?;

    wait_message(s, "From the second device")?;
    let same_page = s.execute("return window.__e2eSamePage === true;", &[])?;
    ensure!(same_page.as_bool() == Some(true), "the window reloaded to show the message");
    wait_sync_state(s, "synced", SYNC_WAIT)?;
    Ok(())
}

// --- after the app closed --------------------------------------------------------------------

fn all<E: vrooli_model::Entity>(store: &Store) -> Result<Vec<E>> {
    let mut query = ListQuery::default().limit(MAX_PAGE_SIZE);
    let mut rows = Vec::new();
    loop {
        let page = store.list::<E>(&query)?;
        rows.extend(page.items);
        if !page.has_next_page {
            return Ok(rows);
        }
        query = query.after(page.next_cursor);
    }
}

/// What the scenarios wrote, read straight from the database: and nothing from the bad input.
pub fn check_database(dir: &Path, seeded: &Seeded) -> Result<()> {
    let store = Store::open(&DataDir::at(dir))?;
    let chats = all::<Chat>(&store)?;
    ensure!(chats.len() == 3, "expected the seeded, the e2e and the synced chat, found {} chats", chats.len());
    ensure!(chats.iter().any(|c| c.id.to_string() == seeded.big_chat_id), "the seeded chat is missing");
    let names = all::<ChatTranslation>(&store)?;
    ensure!(
        names.iter().all(|n| n.name.as_deref().is_none_or(|name| name.chars().count() <= 128)),
        "an over-long chat name was saved"
    );
    let messages = all::<ChatMessage>(&store)?;
    let texts_of = |chat_name: &str| -> Result<Vec<&str>> {
        let chat = names
            .iter()
            .find(|n| n.name.as_deref() == Some(chat_name))
            .with_context(|| format!("the chat {chat_name:?} is missing"))?;
        let mut texts: Vec<&str> =
            messages.iter().filter(|m| m.chat_id == chat.chat_id).map(|m| m.text.as_str()).collect();
        texts.sort_unstable();
        Ok(texts)
    };
    let texts = texts_of("E2E planning")?;
    ensure!(
        texts == ["A reply in a branch", "Hello, edited by the e2e test", "Line one\nLine two"],
        "the e2e chat holds {texts:?}"
    );
    ensure!(
        messages.iter().any(|m| m.text == "Typed without a mouse" && m.chat_id.to_string() == seeded.big_chat_id),
        "the message typed without a mouse is not in the seeded chat"
    );
    let texts = texts_of(SYNCED_CHAT)?;
    ensure!(texts == ["From the second device", "From the window"], "the synced chat holds {texts:?}");
    let resources = all::<Resource>(&store)?;
    ensure!(resources.len() == 1, "expected one resource, found {}", resources.len());
    let versions = all::<ResourceVersion>(&store)?;
    let latest: Vec<&str> = versions.iter().filter(|v| v.is_latest).map(|v| v.version_label.as_str()).collect();
    ensure!(latest == ["1.1.0"], "the stored latest version is {latest:?}");
    let runs = all::<Run>(&store)?;
    ensure!(
        runs.len() == 1 && runs[0].status == RunStatus::Completed,
        "expected one Completed run, found {:?}",
        runs.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    eprintln!("e2e: the database holds what the window showed");
    Ok(())
}

// --- figures ---------------------------------------------------------------------------------

/// Resident memory (kB) of each process of the app's process group, by name, after idling:
/// the app's own process (its binary named `app`) and its WebKit processes.
pub fn resident_memory(group: u32, app: &str) -> Vec<(String, u64)> {
    thread::sleep(Duration::from_secs(3));
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir("/proc") else { return found };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(stat) = fs::read_to_string(path.join("stat")) else { continue };
        // `pid (comm) state ppid pgrp …`; comm may hold spaces, so read after the last ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else { continue };
        let comm = head.split_once('(').map(|(_, c)| c).unwrap_or_default();
        let pgrp = rest.split_whitespace().nth(2).and_then(|p| p.parse::<u32>().ok());
        // WebKitWebDriver is the test's, not the app's.
        let ours = is_process_of(comm, app) || comm.starts_with("WebKitWebProces") || comm.starts_with("WebKitNetwork");
        if pgrp != Some(group) || !ours {
            continue;
        }
        let status = fs::read_to_string(path.join("status")).unwrap_or_default();
        let rss = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|kb| kb.parse().ok());
        if let Some(rss) = rss {
            found.push((comm.to_owned(), rss));
        }
    }
    found.sort();
    found
}

/// Whether a process named `comm` runs the binary named `binary` (the kernel cuts names to 15
/// bytes).
pub fn is_process_of(comm: &str, binary: &str) -> bool {
    !comm.is_empty() && binary.starts_with(comm)
}

/// The page's first contentful paint, milliseconds after its load started.
pub fn first_paint_ms(s: &Session) -> Result<Option<f64>> {
    let paint = s.execute(
        "const e = performance.getEntriesByType('paint').find(p => p.name === 'first-contentful-paint') \
         || performance.getEntriesByType('paint')[0]; return e ? e.startTime : null;",
        &[],
    )?;
    Ok(paint.as_f64())
}

/// When the app's page started loading, milliseconds after process start (from its log).
pub fn load_started_ms(log: &str) -> Option<f64> {
    log.lines()
        .find(|l| l.contains("page load") && l.contains("Started"))
        .and_then(|l| l.split("since_start_ms=").nth(1)?.split_whitespace().next()?.parse().ok())
}

/// `since_start_ms` of the first log line containing `message`.
pub fn logged_ms(log: &str, message: &str) -> Option<f64> {
    let line = log.lines().find(|l| l.contains(message))?;
    let value = line.split("since_start_ms=").nth(1)?.split_whitespace().next()?;
    value.parse().ok()
}

pub fn print_memory(memory: &[(String, u64)]) {
    for (name, kb) in memory {
        eprintln!("    {name:<16} {:>7.1} MiB", *kb as f64 / 1024.0);
    }
}

pub fn report(profile: &str, figures: &Figures, memory: &[(String, u64)], log: &str) {
    let ms = |v: Option<f64>| v.map_or_else(|| "not measured".to_owned(), |v| format!("{v:.0} ms"));
    let answered = logged_ms(log, "first workspace command answered");
    let load_started = load_started_ms(log);
    eprintln!("\nspeed figures ({profile} build, Xvfb, this machine):");
    eprintln!("  first screen's command answered after process start: {}", ms(answered));
    eprintln!("  page load started after process start:               {}", ms(load_started));
    eprintln!("  first contentful paint after page load started:      {}", ms(figures.first_paint_ms));
    if let (Some(a), Some(b)) = (load_started, figures.first_paint_ms) {
        eprintln!("  first paint after process start (sum):               {:.0} ms", a + b);
    }
    eprintln!(
        "  10,000-message chat, click to first rows painted:    {} ({} rows in the DOM)",
        ms(figures.big_chat_open_ms),
        figures.big_chat_rows.map_or_else(|| "?".to_owned(), |r| r.to_string())
    );
    eprintln!("  posting into it, click to the new row painted:       {}", ms(figures.big_chat_post_ms));
    eprintln!("  resident memory, idle on the first screen (3 s after it showed):");
    print_memory(&figures.memory_at_start);
    eprintln!("  resident memory, idle after all scenarios (the 10,000-message chat open):");
    print_memory(memory);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_name_cut_to_15_bytes_still_names_its_binary() {
        assert!(is_process_of("vrooli-desktop", APP_BINARY));
        assert!(is_process_of("WebKitWebProces", "WebKitWebProcess"));
        assert!(!is_process_of("WebKitWebDriver", APP_BINARY));
        assert!(!is_process_of("", APP_BINARY));
    }
}
