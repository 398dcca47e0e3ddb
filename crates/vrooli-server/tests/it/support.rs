//! Shared fixtures: real `vrooli-server` processes on 127.0.0.1, a private
//! PostgreSQL cluster in a temporary directory, and a device's view of the
//! HTTP and WebSocket API. Everything started here stops when dropped.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{Automerge, PatchLog, ReadDoc, ROOT};
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite;
use vrooli_protocol::wire::{
    decode_message, encode_message, DocMessage, ErrorBody, Event, Owner, Session, SyncRequest, SyncResponse,
    EVENTS_PATH,
};
use vrooli_protocol::Peer;

pub const PASSWORD: &str = "correct horse battery";

// --- PostgreSQL ------------------------------------------------------------

/// A PostgreSQL cluster of our own: `initdb` in a temporary directory, a
/// free loopback port, no Unix socket, fsync off. PostgreSQL refuses to run
/// as root, so as root it runs as the `postgres` user the Debian package
/// creates. Tests share one while any holds it; the last one out stops it.
pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    databases: AtomicU32,
}

static CLUSTER: Mutex<Weak<Cluster>> = Mutex::new(Weak::new());

fn postgres_bin() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin): &(u32, PathBuf)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .expect("PostgreSQL's initdb under /usr/lib/postgresql/<version>/bin (Debian package postgresql; `cargo xtask test` installs it)")
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Cluster {
    pub fn shared() -> Arc<Cluster> {
        let mut slot = CLUSTER.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(cluster) = slot.upgrade() {
            return cluster;
        }
        let cluster = Arc::new(Cluster::start());
        *slot = Arc::downgrade(&cluster);
        cluster
    }

    /// `bin/tool args…`, as the `postgres` user when we are root.
    fn command(&self, tool: &str) -> Command {
        let path = self.bin.join(tool);
        if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn start() -> Cluster {
        let dir = tempfile::Builder::new().prefix("vrooli-pg-").tempdir().unwrap();
        let cluster = Cluster { dir, bin: postgres_bin(), port: free_port(), databases: AtomicU32::new(0) };
        let data = cluster.data();
        std::fs::create_dir(&data).unwrap();
        if is_root() {
            // The postgres user must reach and own its data directory.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(cluster.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            let status = Command::new("chown").arg("postgres:").arg(&data).status().unwrap();
            assert!(status.success(), "chown postgres {}", data.display());
        }
        let out = cluster
            .command("initdb")
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "-D"])
            .arg(&data)
            .output()
            .unwrap();
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
            cluster.port
        );
        let out = cluster
            .command("pg_ctl")
            .args(["start", "-w", "-t", "30", "-D"])
            .arg(&data)
            .arg("-l")
            .arg(data.join("server.log"))
            .args(["-o", &options])
            .output()
            .unwrap();
        let log = std::fs::read_to_string(data.join("server.log")).unwrap_or_default();
        assert!(out.status.success(), "pg_ctl start: {}\n{log}", String::from_utf8_lossy(&out.stderr));
        cluster
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// A new, empty database on this cluster.
    pub async fn database(&self) -> String {
        let name = format!("t{}_{}", std::process::id(), self.databases.fetch_add(1, Ordering::Relaxed));
        let (client, connection) = tokio_postgres::connect(&self.url("postgres"), tokio_postgres::NoTls).await.unwrap();
        let task = tokio::spawn(connection);
        client.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
        drop(client);
        let _ = task.await;
        self.url(&name)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.command("pg_ctl").args(["stop", "-m", "immediate", "-w", "-D"]).arg(self.data()).output();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

// --- servers -----------------------------------------------------------------

/// Where a test's servers keep their data.
pub enum Backend {
    Sqlite(tempfile::TempDir),
    Postgres { url: String, _cluster: Arc<Cluster> },
}

impl Backend {
    pub fn sqlite() -> Backend {
        Backend::Sqlite(tempfile::tempdir().unwrap())
    }

    /// A fresh database on the shared cluster.
    pub async fn postgres() -> Backend {
        let cluster = Cluster::shared();
        let url = cluster.database().await;
        Backend::Postgres { url, _cluster: cluster }
    }

    pub fn server(&self) -> Server {
        self.server_with(&[])
    }

    pub fn server_with(&self, env: &[(&str, &str)]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_vrooli-server"));
        command.args(["--listen", "127.0.0.1:0"]);
        match self {
            Backend::Sqlite(dir) => command.arg("--data-dir").arg(dir.path()),
            Backend::Postgres { url, .. } => command.args(["--database-url", url]),
        };
        command.env("RUST_LOG", "info").env("VROOLI_SERVER_AUTH_PER_MINUTE", "1000");
        for (k, v) in env {
            command.env(k, v);
        }
        Server::spawn(command)
    }

    /// Ends a device's session in the database itself, as time would.
    pub async fn expire_device(&self, device: &str) {
        let device: i64 = device.parse().unwrap();
        match self {
            Backend::Sqlite(dir) => {
                let conn = rusqlite::Connection::open(dir.path().join("server.db")).unwrap();
                conn.busy_timeout(Duration::from_secs(5)).unwrap();
                let n = conn.execute("UPDATE device SET expires_at = 1 WHERE id = ?1", [device]).unwrap();
                assert_eq!(n, 1);
            }
            Backend::Postgres { url, .. } => {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
                tokio::spawn(connection);
                let n = client.execute("UPDATE device SET expires_at = 1 WHERE id = $1", &[&device]).await.unwrap();
                assert_eq!(n, 1);
            }
        }
    }
}

/// A `vrooli-server` process; killed when dropped unless stopped.
pub struct Server {
    child: Child,
    pub url: String,
    log: tempfile::NamedTempFile,
}

impl Server {
    fn spawn(mut command: Command) -> Server {
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut child =
            command.stdout(Stdio::piped()).stderr(log.reopen().unwrap()).stdin(Stdio::null()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().rsplit(' ').next().unwrap_or_default().to_string();
        let server = Server { child, url, log };
        assert!(server.url.starts_with("http://127.0.0.1:"), "server said {line:?}; log:\n{}", server.log());
        server
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Stops with SIGTERM; whether it exited cleanly within 10 s.
    pub fn stop(mut self) -> bool {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    pub fn ws_url(&self) -> String {
        format!("{}{EVENTS_PATH}", self.url.replacen("http://", "ws://", 1))
    }

    pub async fn health(&self) -> (StatusCode, String) {
        let response = reqwest::get(format!("{}/healthz", self.url)).await.unwrap();
        (response.status(), response.text().await.unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// --- a device ------------------------------------------------------------------

/// A signed-in device talking to one server.
pub struct Device {
    pub http: reqwest::Client,
    pub base: String,
    pub session: Session,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    pub fn error(&self) -> ErrorBody {
        serde_json::from_value(self.body.clone()).unwrap_or_else(|e| panic!("not an ErrorBody ({e}): {}", self.body))
    }
}

/// POSTs JSON, answering the status and the JSON body (`Null` if none).
pub async fn post(http: &reqwest::Client, url: &str, token: Option<&str>, body: &Value) -> Reply {
    let mut request = http.post(url).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    reply(request.send().await.unwrap()).await
}

pub async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let text = response.text().await.unwrap();
    Reply { status, body: serde_json::from_str(&text).unwrap_or(Value::Null) }
}

fn credentials(email: &str, password: &str) -> Value {
    json!({ "email": email, "password": password, "deviceName": "test device" })
}

pub async fn sign_in(server: &Server, verb: &str, email: &str, password: &str) -> Reply {
    post(&reqwest::Client::new(), &format!("{}/v1/accounts/{verb}", server.url), None, &credentials(email, password))
        .await
}

impl Device {
    pub async fn register(server: &Server, email: &str) -> Device {
        Device::session(server, "register", email).await
    }

    pub async fn login(server: &Server, email: &str) -> Device {
        Device::session(server, "login", email).await
    }

    async fn session(server: &Server, verb: &str, email: &str) -> Device {
        let r = sign_in(server, verb, email, PASSWORD).await;
        assert!(r.status.is_success(), "{verb}: {} {}", r.status, r.body);
        Device {
            http: reqwest::Client::new(),
            base: server.url.clone(),
            session: serde_json::from_value(r.body).unwrap(),
        }
    }

    /// The same session, through another server (node).
    pub fn via(&self, server: &Server) -> Device {
        Device { http: self.http.clone(), base: server.url.clone(), session: self.session.clone() }
    }

    pub fn token(&self) -> &str {
        &self.session.token
    }

    pub async fn get(&self, path: &str) -> Reply {
        reply(self.http.get(format!("{}{path}", self.base)).bearer_auth(self.token()).send().await.unwrap()).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        post(&self.http, &format!("{}{path}", self.base), Some(self.token()), body).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        reply(self.http.delete(format!("{}{path}", self.base)).bearer_auth(self.token()).send().await.unwrap()).await
    }

    /// One `POST /v1/sync` round.
    pub async fn sync_raw(&self, request: &SyncRequest) -> Reply {
        self.post("/v1/sync", &serde_json::to_value(request).unwrap()).await
    }

    pub async fn sync_ok(&self, request: &SyncRequest) -> SyncResponse {
        let r = self.sync_raw(request).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        serde_json::from_value(r.body).unwrap()
    }

    /// Syncs documents with the server until both sides are quiet; the
    /// responses of every round.
    pub async fn sync_docs(&self, docs: &mut [(&str, &mut Automerge)], owner: Option<Owner>) -> Vec<SyncResponse> {
        let mut peer = Peer::default();
        let mut responses = Vec::new();
        for _ in 0..vrooli_protocol::limits::MAX_ROUNDS {
            let messages: Vec<DocMessage> = docs
                .iter_mut()
                .filter_map(|(id, doc)| {
                    peer.outgoing(id, doc).map(|m| DocMessage {
                        doc_id: id.to_string(),
                        message: encode_message(&m),
                        owner: owner.clone(),
                    })
                })
                .collect();
            let response = self.sync_ok(&SyncRequest { cursor: None, docs: messages.clone() }).await;
            for answer in &response.docs {
                let (_, doc) = docs.iter_mut().find(|(id, _)| *id == answer.doc_id).unwrap();
                let bytes = decode_message(&answer.message).unwrap();
                peer.incoming(&answer.doc_id, doc, &bytes, &mut PatchLog::inactive()).unwrap();
            }
            let quiet = messages.is_empty() && response.docs.is_empty();
            responses.push(response);
            if quiet {
                return responses;
            }
        }
        panic!("sync did not settle in {} rounds", vrooli_protocol::limits::MAX_ROUNDS);
    }

    /// Syncs one document; the responses of every round.
    pub async fn sync_doc(&self, id: &str, doc: &mut Automerge, owner: Option<Owner>) -> Vec<SyncResponse> {
        self.sync_docs(&mut [(id, doc)], owner).await
    }

    /// Fetches a document from the server into an empty one.
    pub async fn fetch(&self, id: &str) -> (Automerge, Vec<SyncResponse>) {
        let mut doc = Automerge::new();
        let responses = self.sync_doc(id, &mut doc, None).await;
        (doc, responses)
    }

    pub async fn events(&self) -> Events {
        Events::connect(&self.base, self.token()).await.unwrap_or_else(|e| panic!("events socket: {e}"))
    }
}

/// A document with `key = value` at its root, written by a fresh actor.
pub fn doc_with(key: &str, value: &str) -> Automerge {
    let mut doc = Automerge::new();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(ROOT, key, value)?;
        Ok(())
    })
    .unwrap();
    doc
}

pub fn put(doc: &mut Automerge, key: &str, value: &str) {
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(ROOT, key, value)?;
        Ok(())
    })
    .unwrap();
}

pub fn get(doc: &Automerge, key: &str) -> Option<String> {
    doc.get(ROOT, key).unwrap().map(|(v, _)| v.as_str().unwrap_or_default().to_string())
}

// --- the events socket -----------------------------------------------------------

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct Events {
    socket: Socket,
}

impl Events {
    /// Connects with `Authorization: Bearer token`; the handshake error otherwise.
    pub async fn connect(base: &str, token: &str) -> Result<Events, tungstenite::Error> {
        use tungstenite::client::IntoClientRequest;
        let url = format!("{}{EVENTS_PATH}", base.replacen("http://", "ws://", 1));
        let mut request = url.into_client_request()?;
        request.headers_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
        let (socket, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Events { socket })
    }

    /// The next event within `wait`; `None` on time-out or a closed socket.
    pub async fn next(&mut self, wait: Duration) -> Option<Event> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let message = tokio::time::timeout_at(deadline, self.socket.next()).await.ok()??;
            match message.ok()? {
                tungstenite::Message::Text(text) => return Some(serde_json::from_str(&text).unwrap()),
                tungstenite::Message::Close(_) => return None,
                _ => {}
            }
        }
    }

    /// Waits for an event that `pick` accepts, skipping others.
    pub async fn wait_for(&mut self, wait: Duration, pick: impl Fn(&Event) -> bool) -> Option<Event> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let event = self.next(left).await?;
            if pick(&event) {
                return Some(event);
            }
        }
    }

    /// Whether the server closes the socket within `wait` (after any events).
    pub async fn closes(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return false,
                Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(tungstenite::Message::Close(_)))) => return true,
                Ok(Some(Ok(_))) => {}
            }
        }
    }
}

/// Whether a document id is among a `Changed` event's.
pub fn changed(event: &Event, id: &str) -> bool {
    matches!(event, Event::Changed { docs, .. } if docs.iter().any(|d| d == id))
}

/// A unique chat document id for this test run.
pub fn chat_id() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    format!("chat:{}{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}
