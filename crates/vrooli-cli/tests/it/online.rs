//! Fixtures for tests against a real sync server on 127.0.0.1 and a real
//! Secret Service: a private D-Bus session with gnome-keyring in a temporary
//! HOME, and a `vrooli-server` process; both stop when dropped.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// A D-Bus session bus with an unlocked gnome-keyring, for this test only.
pub struct Keyring {
    bus: Child,
    pub address: String,
    pub home: tempfile::TempDir,
}

impl Keyring {
    pub fn start() -> Keyring {
        let home = tempfile::tempdir().unwrap();
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (Debian package dbus; `cargo xtask test` installs it)");
        let mut address = String::new();
        BufReader::new(bus.stdout.take().unwrap()).read_line(&mut address).unwrap();
        let address = address.trim().to_string();
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--unlock", "--replace", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("HOME", home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon (Debian package gnome-keyring; `cargo xtask test` installs it)");
        // The keyring's password; a new login keyring is created with it.
        keyring.stdin.take().unwrap().write_all(b"vrooli-test").unwrap();
        assert!(keyring.wait().unwrap().success(), "gnome-keyring-daemon failed to start");
        Keyring { bus, address, home }
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        // gnome-keyring-daemon leaves when its bus goes away.
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

/// A `vrooli-server` on an ephemeral loopback port.
pub struct Server {
    child: Child,
    pub url: String,
    pub dir: tempfile::TempDir,
    log: PathBuf,
}

fn server_binary() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_vrooli")).with_file_name("vrooli-server");
    assert!(path.exists(), "{} is missing: build the workspace (cargo test --workspace does)", path.display());
    path
}

/// Starts the server on `listen` with its data in `dir`; returns it and its URL.
fn spawn_server(dir: &Path, log: &Path, listen: &str) -> (Child, String) {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    let mut child = Command::new(server_binary())
        .args(["--listen", listen, "--data-dir"])
        .arg(dir.join("data"))
        .env("RUST_LOG", "info")
        .env("VROOLI_SERVER_AUTH_PER_MINUTE", "1000")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap_or_default().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "server said {line:?}");
    (child, url)
}

impl Server {
    pub fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("server.log");
        let (child, url) = spawn_server(dir.path(), &log, "127.0.0.1:0");
        Server { child, url, dir, log }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn terminate(&mut self) -> bool {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        self.child.wait().unwrap().success()
    }

    /// Stops with SIGTERM and returns whether it exited cleanly.
    pub fn stop(mut self) -> bool {
        self.terminate()
    }

    /// Stops the server, runs `while_down`, and starts it again on the same
    /// data and port.
    pub fn down_while<T>(&mut self, while_down: impl FnOnce() -> T) -> T {
        assert!(self.terminate(), "the server stops cleanly on SIGTERM");
        let value = while_down();
        let listen = self.url.trim_start_matches("http://").to_string();
        let (child, url) = spawn_server(self.dir.path(), &self.log, &listen);
        assert_eq!(url, self.url, "same address after the restart");
        self.child = child;
        value
    }
}

impl Server {
    /// SIGKILLs the server (no chance to finish anything) and starts it again on the same data
    /// and port.
    pub fn kill_and_restart(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        let listen = self.url.trim_start_matches("http://").to_string();
        let (child, url) = spawn_server(self.dir.path(), &self.log, &listen);
        assert_eq!(url, self.url, "same address after the restart");
        self.child = child;
    }

    /// Documents the server has stored, read from its SQLite file (WAL: a reader beside it is fine).
    pub fn stored_documents(&self) -> i64 {
        let path = self.dir.path().join("data/server.db");
        let Ok(db) = rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY) else {
            return 0;
        };
        db.query_row("SELECT count(*) FROM document", [], |r| r.get(0)).unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `POST {server}{path}` with a JSON body over plain HTTP/1.1, for what the
/// CLI deliberately cannot do (e.g. obtain a token outside the keyring).
/// Returns the status and the JSON body.
pub fn post_json(server: &Server, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    use std::io::Read;
    let host = server.url.trim_start_matches("http://");
    let mut tcp = std::net::TcpStream::connect(host).unwrap();
    let body = body.to_string();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    tcp.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, serde_json::from_str(body).unwrap_or(serde_json::Value::Null))
}

/// A device (data dir) whose `vrooli` runs inside the keyring's session.
pub struct OnlineDevice {
    pub dir: tempfile::TempDir,
    bus: String,
    home: PathBuf,
}

impl OnlineDevice {
    pub fn new(keyring: &Keyring) -> OnlineDevice {
        OnlineDevice {
            dir: tempfile::tempdir().unwrap(),
            bus: keyring.address.clone(),
            home: keyring.home.path().to_path_buf(),
        }
    }

    pub fn command(&self) -> Command {
        let mut c = crate::support::command(self.dir.path());
        c.env("DBUS_SESSION_BUS_ADDRESS", &self.bus).env("HOME", &self.home).env_remove("VROOLI_TOKEN");
        c
    }

    pub fn raw(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    pub fn run(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        crate::support::json(&self.raw(&all))
    }

    /// `account register|login … --password-stdin` with `password` on stdin.
    pub fn sign_in(&self, verb: &str, server: &Server, email: &str, password: &str) -> Output {
        let mut child = self
            .command()
            .args(["account", verb, "--server", &server.url, "--email", email, "--password-stdin", "--json"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    pub fn export(&self) -> String {
        crate::support::stdout(&self.raw(&["export", "--json"]))
    }

    /// Starts `vrooli ARGS` in the background (e.g. `sync --watch`), its
    /// output going to files.
    pub fn spawn(&self, args: &[&str]) -> Background {
        let out = tempfile::NamedTempFile::new().unwrap();
        let err = tempfile::NamedTempFile::new().unwrap();
        let child = self
            .command()
            .args(args)
            .stdin(Stdio::null())
            .stdout(out.reopen().unwrap())
            .stderr(err.reopen().unwrap())
            .spawn()
            .unwrap();
        Background { child, out, err }
    }
}

/// A `vrooli` process running in the background; killed when dropped.
pub struct Background {
    child: Child,
    out: tempfile::NamedTempFile,
    err: tempfile::NamedTempFile,
}

impl Background {
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(self.out.path()).unwrap()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.err.path()).unwrap()
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Sends SIGINT (as Ctrl-C does) and waits up to `limit` for the exit code.
    pub fn interrupt(&mut self, limit: std::time::Duration) -> Option<i32> {
        assert!(self.is_running(), "already ended");
        Command::new("kill").args(["-INT", &self.child.id().to_string()]).status().unwrap();
        self.exit_code(limit)
    }

    /// Waits up to `limit` for the process to end; its exit code.
    pub fn exit_code(&mut self, limit: std::time::Duration) -> Option<i32> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `check` every 100 ms until it holds or `limit` passes; returns whether it held.
pub fn eventually(limit: std::time::Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if check() {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Every file below `dir` that contains `needle`.
pub fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read(&path).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle)) {
                found.push(path);
            }
        }
    }
    found
}
