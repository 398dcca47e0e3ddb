//! The desktop test harness: the real app, in a real window, on a real store.
//!
//! The app runs under Xvfb inside its own D-Bus session (the GTK accessibility helpers it
//! starts would otherwise outlive it) with an unlocked gnome-keyring in it (the app keeps its
//! sync token in the Secret Service) and a temporary HOME, driven over WebDriver by
//! tauri-driver and Debian's WebKitWebDriver, with a fresh `VROOLI_DATA_DIR` seeded through the
//! library crates before it starts (see `e2e::seed`). A real `vrooli-server` on 127.0.0.1 and
//! the `vrooli` CLI as a second device serve the sync scenarios (`online`). One app process runs every scenario of `e2e`, in order; each saves
//! a screenshot to `target/e2e-screenshots/`. After the app closed, the database is checked
//! directly, and the speed figures (startup, first paint, opening a 10,000-message chat,
//! resident memory) are printed — measured, not gated.

use std::{
    fs::{self, File},
    net::TcpListener,
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context, Result};

use crate::{desktop, e2e, online, process, webdriver, x11_screenshot::XDisplay};

const STARTUP: Duration = Duration::from_secs(60);

/// Run by `sh -c` inside the app's D-Bus session: unlock a new gnome-keyring there (HOME is a
/// temporary directory), then become tauri-driver (`"$@"`).
const UNLOCK_KEYRING_THEN: &str = "printf %s \"$VROOLI_E2E_KEYRING_PASSWORD\" | \
gnome-keyring-daemon --unlock --replace --components=secrets >/dev/null && exec \"$@\"";

pub fn run(root: &Path, profile: desktop::Profile) -> Result<()> {
    let binary = desktop::build(root, profile)?;
    let sync_binaries = online::build(root, profile)?;
    let driver = ensure_tauri_driver(root)?;
    // Holds the data dir, the app's log and Xvfb's auth file, so nothing is left behind in
    // /tmp: xvfb-run's own temporary directory would survive the signal that ends it.
    let scratch = tempfile::tempdir().context("cannot create a temporary directory")?;
    let data_dir = scratch.path().join("data");
    let auth_file = scratch.path().join("Xauthority");
    let log_path = scratch.path().join("app.log");
    let seeded = e2e::seed(&data_dir, &desktop::target_dir(root))?;
    let app_home = scratch.path().join("app-home");
    fs::create_dir_all(&app_home).context("cannot create the app's HOME")?;
    let server = online::Server::start(&sync_binaries.server, scratch.path())?;
    let cli_keyring = online::Keyring::start(&scratch.path().join("cli-home"))?;
    let devices = e2e::Devices {
        server_url: &server.url,
        me: online::CliDevice {
            binary: &sync_binaries.cli,
            data_dir: scratch.path().join("second-device"),
            keyring: &cli_keyring,
        },
        friend: online::CliDevice {
            binary: &sync_binaries.cli,
            data_dir: scratch.path().join("friend-device"),
            keyring: &cli_keyring,
        },
    };
    let (driver_group, port) = launch_driver(&driver, &data_dir, &app_home, &auth_file, &log_path)?;

    let screenshots = root.join("target/e2e-screenshots");
    fs::create_dir_all(&screenshots).with_context(|| format!("cannot create {}", screenshots.display()))?;
    let outcome = webdriver::wait_until_ready(port, STARTUP).and_then(|()| {
        let display = XDisplay::from_auth_file(&auth_file)?;
        let session = webdriver::Session::start(port, &binary.to_string_lossy())?;
        let ctx = e2e::Ctx {
            session: &session,
            group: driver_group.id(),
            screenshots: &screenshots,
            display: &display,
            seeded: &seeded,
            devices: &devices,
        };
        let ran = e2e::run_all(&ctx);
        let memory = ran.as_ref().ok().map(|_| e2e::resident_memory(driver_group.id(), e2e::APP_BINARY));
        let ended = session.end();
        ran.and_then(|figures| ended.map(|()| (figures, memory)))
    });
    drop(driver_group);
    let log_text = fs::read_to_string(&log_path).unwrap_or_default();
    let server_log = server.log();
    drop(devices);
    drop(cli_keyring);
    drop(server);
    let (figures, memory) = outcome.inspect_err(|_| {
        print_log_tail("the app's", &log_text);
        print_log_tail("the server's", &server_log);
    })?;
    e2e::check_database(&data_dir, &seeded)?;
    e2e::report(profile.name(), &figures, memory.as_deref().unwrap_or_default(), &log_text);
    eprintln!("desktop tests: ok (screenshots in {})", screenshots.display());
    Ok(())
}

/// Starts tauri-driver under Xvfb inside a D-Bus session of its own with an unlocked keyring,
/// ready to start the app on `data_dir` (with `HOME` at `app_home`, stderr to `log_path`);
/// returns the process group and the WebDriver port. Everything ends when the group drops.
pub fn launch_driver(
    driver: &Path,
    data_dir: &Path,
    app_home: &Path,
    auth_file: &Path,
    log_path: &Path,
) -> Result<(ProcessGroup, u16)> {
    let port = free_port()?;
    let native_port = free_port()?;
    let mut command = under_xvfb(auth_file, log_path)?;
    command
        .args(["sh", "-c", UNLOCK_KEYRING_THEN, "sh"])
        .arg(driver)
        .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
        .env("VROOLI_DATA_DIR", data_dir)
        .env("HOME", app_home)
        .env("VROOLI_E2E_KEYRING_PASSWORD", online::KEYRING_PASSWORD)
        .env_remove("VROOLI_TOKEN")
        // The startup figures are log lines at info.
        .env("RUST_LOG", "info");
    Ok((ProcessGroup::spawn(command)?, port))
}

/// `xvfb-run … dbus-run-session --`, to be followed by the program to run: on a virtual display
/// of its own (its auth file written to `auth_file`, which screenshots read) and in a D-Bus
/// session of its own (the helper daemons GTK starts end with it), stderr to `log_path`.
pub fn under_xvfb(auth_file: &Path, log_path: &Path) -> Result<Command> {
    // xvfb-run fills it in; it must exist first.
    fs::write(auth_file, b"").context("cannot create the X auth file")?;
    let log = File::create(log_path).context("cannot create the app's log file")?;
    let mut command = Command::new("xvfb-run");
    command
        .args(["-a", "--server-args=-screen 0 1280x800x24", "-f"])
        .arg(auth_file)
        .args(["dbus-run-session", "--"])
        .stderr(Stdio::from(log));
    Ok(command)
}

/// On a failure the app's own log (and the server's) says most; their last lines go to stderr.
fn print_log_tail(whose: &str, log: &str) {
    let lines: Vec<&str> = log.lines().collect();
    eprintln!("--- last lines of {whose} log ---");
    for line in &lines[lines.len().saturating_sub(40)..] {
        eprintln!("{line}");
    }
    eprintln!("--- end of {whose} log ---");
}

/// tauri-driver from PATH or cargo's bin dir, installed with `cargo install` when missing.
pub fn ensure_tauri_driver(root: &Path) -> Result<PathBuf> {
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
/// dbus-daemon, tauri-driver, WebKitWebDriver, the app and its WebKit processes) is ended
/// together on drop.
pub struct ProcessGroup {
    child: Child,
}

impl ProcessGroup {
    pub fn spawn(mut command: Command) -> Result<Self> {
        let line = process::describe(&command);
        eprintln!("$ {line} &");
        let child = command.process_group(0).spawn().with_context(|| format!("cannot start `{line}`"))?;
        Ok(Self { child })
    }

    /// The group's id (its leader's pid).
    pub fn id(&self) -> u32 {
        self.child.id()
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
