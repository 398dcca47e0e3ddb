//! The desktop smoke test: the real app, in a real window, showing data from the real store.
//!
//! The app runs under Xvfb inside its own D-Bus session (the GTK accessibility helpers it
//! starts would otherwise outlive it), driven over WebDriver by tauri-driver and Debian's
//! WebKitWebDriver, with a fresh `VROOLI_DATA_DIR`. It passes when the window lists the store's
//! tables with a row count each, `user` among them, and the database was created in that
//! directory. A screenshot is saved to `target/e2e-screenshots/row-counts.png`.

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

use crate::{desktop, process, webdriver};

/// Every Vrooli entity model has a `user` table (`spec/entity-model.json`).
const KNOWN_TABLE: &str = "user";
const STARTUP: Duration = Duration::from_secs(60);

pub fn run(root: &Path) -> Result<()> {
    let binary = desktop::build(root)?;
    let driver = ensure_tauri_driver(root)?;
    let data_dir = tempfile::tempdir().context("cannot create a temporary data dir")?;
    let port = free_port()?;
    let native_port = free_port()?;

    let mut command = Command::new("xvfb-run");
    command
        .args([
            "-a",
            "--server-args=-screen 0 1280x800x24",
            "dbus-run-session",
            "--",
        ])
        .arg(&driver)
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("VROOLI_DATA_DIR", data_dir.path());
    let driver_group = ProcessGroup::spawn(command)?;

    webdriver::wait_until_ready(port, STARTUP)?;
    let application = binary.to_string_lossy();
    let session = webdriver::Session::start(port, &application)?;
    let checked = check_window(&session, root);
    let ended = session.end();
    drop(driver_group);
    checked?;
    ended?;

    let database = data_dir.path().join("vrooli.db");
    ensure!(
        database.is_file(),
        "the app did not create {} in VROOLI_DATA_DIR",
        database.display()
    );
    eprintln!("smoke test: ok");
    Ok(())
}

fn check_window(session: &webdriver::Session, root: &Path) -> Result<()> {
    let rows = session.wait_for(
        "[data-testid=row-counts] tbody tr, [data-testid=load-error]",
        STARTUP,
    )?;
    let screenshot = save_screenshot(session, root);

    if let Some(error) = session.find_all("[data-testid=load-error]")?.first() {
        bail!("the window shows an error: {}", session.text(error)?);
    }
    ensure!(
        !rows.is_empty(),
        "no row counts appeared within {STARTUP:?}"
    );

    let names = session.find_all("[data-testid=row-counts] tbody th")?;
    let counts = session.find_all("[data-testid=row-counts] tbody td")?;
    ensure!(
        names.len() == rows.len() && counts.len() == rows.len(),
        "each row should have one table name and one count"
    );
    let mut found_known = false;
    for (name, count) in names.iter().zip(&counts) {
        let name = session.text(name)?;
        let count = session.text(count)?;
        let digits: String = count.chars().filter(char::is_ascii_digit).collect();
        ensure!(
            !name.is_empty() && !digits.is_empty(),
            "row `{name}` shows `{count}`, not a table name and a number"
        );
        found_known |= name == KNOWN_TABLE;
    }
    ensure!(
        found_known,
        "table `{KNOWN_TABLE}` is not among the {} rows shown",
        rows.len()
    );
    eprintln!("smoke test: the window lists {} tables", rows.len());
    screenshot.map(|path| eprintln!("smoke test: screenshot at {}", path.display()))
}

fn save_screenshot(session: &webdriver::Session, root: &Path) -> Result<PathBuf> {
    let dir = root.join("target/e2e-screenshots");
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join("row-counts.png");
    fs::write(&path, session.screenshot()?)
        .with_context(|| format!("cannot write {}", path.display()))?;
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
    process::cargo(
        root,
        &["install", "tauri-driver", "--version", "^2", "--locked"],
    )?;
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
        let child = command
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start `{line}`"))?;
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
