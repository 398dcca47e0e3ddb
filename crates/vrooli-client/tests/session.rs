//! Sync sessions against a recording stand-in server: which requests a session makes, and
//! how a round's documents are split into requests.
//!
//! The stand-in speaks just enough HTTP/1.1 (keep-alive, `content-length` bodies) to answer
//! the three routes a session uses: no teams, no invites, and sync answers that acknowledge
//! nothing and name nothing changed. Everything a real server does is tested against real
//! `vrooli-server` processes in the CLI's tests and the server's own.
#![allow(clippy::unwrap_used)] // helpers outside #[test] too: a panic is a failed test

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use vrooli_client::sync::{sync_session, Link, PIPELINE_CHUNK, PIPELINE_DEPTH};
use vrooli_client::{Api, Token};
use vrooli_core::Workspace;
use vrooli_protocol::wire::SyncRequest;
use vrooli_store::DataDir;

/// What the stand-in was asked: `GET /v1/teams`, …, and for each sync request its documents.
#[derive(Default)]
struct Log {
    paths: Vec<String>,
    sync_docs: Vec<usize>,
    /// Sync requests received and not yet answered, and the most there were at once.
    sync_open: usize,
    sync_most_open: usize,
}

/// How long the stand-in holds the answer to a full chunk while it is the only open request,
/// so that a session that keeps several requests in flight is seen to (one that does not only
/// waits).
const HOLD_ALONE: std::time::Duration = std::time::Duration::from_secs(2);

async fn stand_in() -> (String, Arc<Mutex<Log>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Log::default()));
    let shared = log.clone();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let log = shared.clone();
            tokio::spawn(async move {
                let mut tcp = BufReader::new(tcp);
                loop {
                    let mut line = String::new();
                    if tcp.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let request = line.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
                    let mut length = 0;
                    loop {
                        let mut header = String::new();
                        tcp.read_line(&mut header).await.unwrap();
                        if header.trim().is_empty() {
                            break;
                        }
                        if let Some((name, value)) = header.split_once(':') {
                            if name.eq_ignore_ascii_case("content-length") {
                                length = value.trim().parse().unwrap();
                            }
                        }
                    }
                    let mut body = vec![0; length];
                    tcp.read_exact(&mut body).await.unwrap();
                    let answer = if request == "POST /v1/sync" {
                        let sync: SyncRequest = serde_json::from_slice(&body).unwrap();
                        {
                            let mut log = log.lock().unwrap();
                            log.sync_docs.push(sync.docs.len());
                            log.sync_open += 1;
                            log.sync_most_open = log.sync_most_open.max(log.sync_open);
                        }
                        let held = std::time::Instant::now();
                        // Only full chunks: a round's last request may have no companion left.
                        let full = sync.docs.len() == PIPELINE_CHUNK;
                        while full && log.lock().unwrap().sync_open < 2 && held.elapsed() < HOLD_ALONE {
                            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                        }
                        log.lock().unwrap().sync_open -= 1;
                        r#"{"docs":[],"changed":[],"denied":[],"cursor":1}"#
                    } else {
                        "[]"
                    };
                    log.lock().unwrap().paths.push(request);
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                        answer.len()
                    );
                    tcp.get_mut().write_all(head.as_bytes()).await.unwrap();
                    tcp.get_mut().write_all(answer.as_bytes()).await.unwrap();
                }
            });
        }
    });
    (url, log)
}

fn workspace(dir: &tempfile::TempDir) -> Mutex<Workspace> {
    let mut ws = Workspace::open(&DataDir::at(dir.path())).unwrap();
    ws.adopt_account(7, "me@example.com").unwrap();
    Mutex::new(ws)
}

fn teams_requests(log: &Mutex<Log>) -> usize {
    log.lock().unwrap().paths.iter().filter(|p| *p == "GET /v1/teams" || *p == "GET /v1/invites").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teams_are_fetched_once_until_they_may_have_changed() {
    let (url, log) = stand_in().await;
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(&dir);
    let (api, token) = (Api::new(&url).unwrap(), Token::new("t".into()));
    let mut link = Link::default();

    sync_session(&ws, &mut link, &api, &token, "7", |_| {}).await.unwrap();
    assert_eq!(teams_requests(&log), 2, "a new link fetches teams and invites");
    sync_session(&ws, &mut link, &api, &token, "7", |_| {}).await.unwrap();
    assert_eq!(teams_requests(&log), 2, "the next session trusts them");
    link.teams_changed();
    sync_session(&ws, &mut link, &api, &token, "7", |_| {}).await.unwrap();
    assert_eq!(teams_requests(&log), 4, "after a change they are fetched again");
    link.reset();
    sync_session(&ws, &mut link, &api, &token, "7", |_| {}).await.unwrap();
    assert_eq!(teams_requests(&log), 6, "a reset link starts over");
    let syncs = log.lock().unwrap().sync_docs.len();
    assert!(syncs >= 4, "every session still syncs ({syncs} requests)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_of_many_documents_goes_out_in_chunks() {
    let (url, log) = stand_in().await;
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(&dir);
    let chats = PIPELINE_CHUNK * 2 + 7;
    for i in 0..chats {
        vrooli_client::sync::lock(&ws).create_chat(&format!("chat {i}"), "en").unwrap();
    }
    let (api, token) = (Api::new(&url).unwrap(), Token::new("t".into()));
    let report = sync_session(&ws, &mut Link::default(), &api, &token, "7", |_| {}).await.unwrap();
    assert_eq!(report.documents, chats);
    let sent = log.lock().unwrap().sync_docs.clone();
    assert_eq!(sent.iter().sum::<usize>(), chats, "every document went out once: {sent:?}");
    assert_eq!(sent, [PIPELINE_CHUNK, PIPELINE_CHUNK, 7], "chunks of at most {PIPELINE_CHUNK}");
    let most_open = log.lock().unwrap().sync_most_open;
    assert_eq!(most_open, PIPELINE_DEPTH.min(sent.len()), "requests in flight at once");
}
