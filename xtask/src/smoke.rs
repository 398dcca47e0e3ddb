//! The desktop smoke test: the real app, in a real window, showing data from the real store.
//!
//! The app runs under Xvfb inside its own D-Bus session (the GTK accessibility helpers it
//! starts would otherwise outlive it), driven over WebDriver by tauri-driver and Debian's
//! WebKitWebDriver, with a fresh `VROOLI_DATA_DIR` into which a few tags were written through
//! `vrooli-store`. It passes when the window lists the store's tables with a row count each and
//! shows `tag` with exactly the number seeded, so the numbers can only have come from that
//! database through the Rust command. A screenshot is saved to
//! `target/e2e-screenshots/row-counts.png`.

use std::{
    fs,
    net::TcpListener,
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command},
    thread,
    time::{Duration, Instant},
};

use anyhow::{bail, ensure, Context, Result};

use vrooli_model::entities::Tag;
use vrooli_store::{DataDir, Store};

use crate::{desktop, process, webdriver};

/// Written into the temporary store before the app starts; the window must show their count.
const SEEDED_TAGS: &[&str] = &["smoke-alpha", "smoke-beta", "smoke-gamma"];
const SEEDED_TABLE: &str = "tag";
const STARTUP: Duration = Duration::from_secs(60);

pub fn run(root: &Path) -> Result<()> {
    let binary = desktop::build(root)?;
    let driver = ensure_tauri_driver(root)?;
    // Holds the data dir and Xvfb's auth file, so nothing is left behind in /tmp: xvfb-run's
    // own temporary directory would survive the signal that ends it.
    let scratch = tempfile::tempdir().context("cannot create a temporary directory")?;
    let data_dir = scratch.path().join("data");
    let auth_file = scratch.path().join("Xauthority");
    fs::write(&auth_file, b"").context("cannot create the X auth file")?;
    seed(&data_dir)?;
    let port = free_port()?;
    let native_port = free_port()?;

    let mut command = Command::new("xvfb-run");
    command
        .args(["-a", "--server-args=-screen 0 1280x800x24", "-f"])
        .arg(&auth_file)
        .args(["dbus-run-session", "--"])
        .arg(&driver)
        .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
        .env("VROOLI_DATA_DIR", &data_dir);
    let driver_group = ProcessGroup::spawn(command)?;

    webdriver::wait_until_ready(port, STARTUP)?;
    let application = binary.to_string_lossy();
    let session = webdriver::Session::start(port, &application)?;
    let checked = check_window(&session, root);
    let ended = session.end();
    drop(driver_group);
    checked?;
    ended?;
    eprintln!("smoke test: ok");
    Ok(())
}

fn seed(dir: &Path) -> Result<()> {
    let data_dir = DataDir::resolve(Some(dir.to_path_buf()))?;
    let mut store = Store::open(&data_dir)?;
    for name in SEEDED_TAGS {
        store.insert(Tag { tag: (*name).to_owned(), ..Tag::default() })?;
    }
    Ok(())
}

fn check_window(session: &webdriver::Session, root: &Path) -> Result<()> {
    let rows = session.wait_for("[data-testid=row-counts] tbody tr, [data-testid=load-error]", STARTUP)?;
    let screenshot = save_screenshot(session, root);

    if let Some(error) = session.find_all("[data-testid=load-error]")?.first() {
        bail!("the window shows an error: {}", session.text(error)?);
    }
    ensure!(!rows.is_empty(), "no row counts appeared within {STARTUP:?}");

    let names = session.find_all("[data-testid=row-counts] tbody th")?;
    let counts = session.find_all("[data-testid=row-counts] tbody td")?;
    ensure!(
        names.len() == rows.len() && counts.len() == rows.len(),
        "each row should have one table name and one count"
    );
    let mut seeded_rows = None;
    for (name, count) in names.iter().zip(&counts) {
        let name = session.text(name)?;
        let count = session.text(count)?;
        ensure!(!name.is_empty(), "a row shows a count but no table name");
        // Digit grouping depends on the locale; the digits do not.
        let digits: String = count.chars().filter(char::is_ascii_digit).collect();
        let number: u64 = digits.parse().with_context(|| format!("row `{name}` shows `{count}`, not a number"))?;
        if name == SEEDED_TABLE {
            seeded_rows = Some(number);
        }
    }
    let expected = SEEDED_TAGS.len() as u64;
    ensure!(seeded_rows == Some(expected), "table `{SEEDED_TABLE}` should show {expected} rows, shows {seeded_rows:?}");
    eprintln!("smoke test: the window lists {} tables", rows.len());
    screenshot.map(|path| eprintln!("smoke test: screenshot at {}", path.display()))
}

fn save_screenshot(session: &webdriver::Session, root: &Path) -> Result<PathBuf> {
    let dir = root.join("target/e2e-screenshots");
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join("row-counts.png");
    fs::write(&path, session.screenshot()?).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// tauri-driver from PATH or cargo's bin dir, installed with `cargo install` when missing.
fn ensure_tauri_driver(root: &Path) -> Result<PathBuf> {
    let find = || {
        process::which("tauri-driver").or_else(|| {
            std::env::var_os("CARGO_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
                .map(|home| home.join("bin/tauri-driver"))
                .filter(|path| path.is_file())
        })
    };
    if let Some(path) = find() {
        return Ok(path);
    }
    process::cargo(root, &["install", "tauri-driver", "--version", "^2", "--locked"])?;
    find().context("tauri-driver was installed but is neither on PATH nor in cargo's bin dir")
}

/// A port the OS just handed out on loopback; free again once the listener drops.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot bind a loopback port")?;
    Ok(listener.local_addr()?.port())
}

/// A command started in a process group of its own, so that everything it starts (Xvfb,
/// dbus-daemon, tauri-driver, WebKitWebDriver, the app) is ended together on drop.
struct ProcessGroup {
    child: Child,
}

impl ProcessGroup {
    fn spawn(mut command: Command) -> Result<Self> {
        let line = process::describe(&command);
        eprintln!("$ {line} &");
        let child = command.process_group(0).spawn().with_context(|| format!("cannot start `{line}`"))?;
        Ok(Self { child })
    }

    fn signal(&self, signal: &str) {
        let group = format!("-{}", self.child.id());
        let _ = process::output(Command::new("kill").args([signal, "--", &group]));
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.signal("-TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                // The leader is gone; make sure no member of its group lingers either.
                self.signal("-KILL");
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
        self.signal("-KILL");
        let _ = self.child.wait();
    }
}
