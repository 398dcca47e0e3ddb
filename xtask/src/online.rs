//! What the sync scenarios of the desktop tests need besides the app: a real `vrooli-server` on
//! 127.0.0.1, and a second device, the `vrooli` CLI on its own data dir with its own Secret
//! Service (a private D-Bus session bus with an unlocked gnome-keyring in a temporary HOME).
//! Everything stops when dropped; nothing is left in the user's keyring or data dir.

use std::{
    io::{BufRead, BufReader, Write},
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;

use crate::{desktop, process};

/// The password of the temporary keyrings (a new login keyring is created with it).
pub const KEYRING_PASSWORD: &str = "vrooli-e2e";

/// Builds the server and the CLI the scenarios run, with the desktop's profile.
pub fn build(root: &Path, profile: desktop::Profile) -> Result<Binaries> {
    let mut args = vec!["build", "--package", "vrooli-server", "--package", "vrooli-cli"];
    if profile == desktop::Profile::Release {
        args.push("--release");
    }
    process::cargo(root, &args)?;
    let dir = desktop::target_dir(root).join(profile.name());
    Ok(Binaries { server: dir.join("vrooli-server"), cli: dir.join("vrooli") })
}

pub struct Binaries {
    pub server: PathBuf,
    pub cli: PathBuf,
}

/// Ends a whole process group, politely first.
fn end_group(leader: &mut Child) {
    let group = format!("-{}", leader.id());
    let _ = process::output(Command::new("kill").args(["-TERM", "--", &group]));
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if matches!(leader.try_wait(), Ok(Some(_))) {
            break;
        }
        thread::sleep(Duration::from_millis(50));
    }
    let _ = process::output(Command::new("kill").args(["-KILL", "--", &group]));
    let _ = leader.wait();
}

/// A `vrooli-server` on an ephemeral loopback port, its data and log in `dir`.
pub struct Server {
    child: Child,
    pub url: String,
    log: PathBuf,
}

impl Server {
    pub fn start(binary: &Path, dir: &Path) -> Result<Self> {
        let log = dir.join("server.log");
        let log_file = std::fs::File::create(&log).context("cannot create the server's log")?;
        let mut command = Command::new(binary);
        command
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.join("server-data"))
            .env("RUST_LOG", "info")
            // The scenarios sign in several accounts quickly from one address.
            .env("VROOLI_SERVER_AUTH_PER_MINUTE", "1000")
            .stdout(Stdio::piped())
            .stderr(log_file)
            .process_group(0);
        eprintln!("$ {} &", process::describe(&command));
        let mut child = command.spawn().with_context(|| format!("cannot start {}", binary.display()))?;
        let mut line = String::new();
        let stdout = child.stdout.take().context("the server's stdout")?;
        BufReader::new(stdout).read_line(&mut line).context("cannot read the server's address")?;
        let url = line.trim().rsplit(' ').next().unwrap_or_default().to_owned();
        let mut server = Self { child, url, log };
        if !server.url.starts_with("http://127.0.0.1:") {
            end_group(&mut server.child);
            bail!("the server did not say where it listens (it said {line:?})");
        }
        Ok(server)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        end_group(&mut self.child);
    }
}

/// A D-Bus session bus with an unlocked gnome-keyring, in a temporary HOME.
pub struct Keyring {
    bus: Child,
    pub address: String,
    pub home: PathBuf,
}

impl Keyring {
    pub fn start(home: &Path) -> Result<Self> {
        std::fs::create_dir_all(home).with_context(|| format!("cannot create {}", home.display()))?;
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .context("cannot start dbus-daemon (Debian package dbus-daemon)")?;
        let mut address = String::new();
        let stdout = bus.stdout.take().context("dbus-daemon's stdout")?;
        BufReader::new(stdout).read_line(&mut address).context("cannot read the bus address")?;
        let mut keyring = Self { address: address.trim().to_owned(), home: home.to_path_buf(), bus };
        // In the bus's process group, so dropping the bus ends it too.
        let mut daemon = Command::new("gnome-keyring-daemon")
            .args(["--unlock", "--replace", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &keyring.address)
            .env("HOME", home)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(i32::try_from(keyring.bus.id()).unwrap_or(0))
            .spawn()
            .context("cannot start gnome-keyring-daemon (Debian package gnome-keyring)")?;
        daemon.stdin.take().context("the keyring's stdin")?.write_all(KEYRING_PASSWORD.as_bytes())?;
        let status = daemon.wait()?;
        if !status.success() {
            end_group(&mut keyring.bus);
            bail!("gnome-keyring-daemon failed to start ({status})");
        }
        Ok(keyring)
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        // gnome-keyring-daemon also leaves when its bus goes away.
        end_group(&mut self.bus);
    }
}

/// The `vrooli` CLI on one data dir, using `keyring`.
pub struct CliDevice<'a> {
    pub binary: &'a Path,
    pub data_dir: PathBuf,
    pub keyring: &'a Keyring,
}

impl CliDevice<'_> {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(self.binary);
        command
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(args)
            .arg("--json")
            .env("DBUS_SESSION_BUS_ADDRESS", &self.keyring.address)
            .env("HOME", &self.keyring.home)
            .env_remove("VROOLI_TOKEN")
            .env("RUST_LOG", "warn");
        command
    }

    /// `vrooli ARGS --json`, its output parsed; a failure carries its stderr.
    pub fn run(&self, args: &[&str]) -> Result<Value> {
        self.run_with_stdin(args, None)
    }

    /// `vrooli account register|login` with `password` on stdin.
    pub fn sign_in(&self, verb: &str, server: &str, email: &str, password: &str) -> Result<Value> {
        let args = ["account", verb, "--server", server, "--email", email, "--password-stdin"];
        self.run_with_stdin(&args, Some(&format!("{password}\n")))
    }

    fn run_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> Result<Value> {
        let mut command = self.command(args);
        let line = format!("vrooli --data-dir {} {} --json", self.data_dir.display(), args.join(" "));
        eprintln!("$ {line}");
        command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start `{line}`"))?;
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes())?;
        }
        let output = child.wait_with_output()?;
        ensure!(
            output.status.success(),
            "`{line}` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        if stdout.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(stdout.trim()).with_context(|| format!("`{line}` printed {stdout:?}, not JSON"))
    }
}
