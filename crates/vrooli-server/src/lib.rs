//! The sync server: accounts and device sessions, and documents it stores
//! without reading them — only the access metadata it needs to authorise
//! every request (the owner of each document).
//!
//! - `db`: the storage behind one small API — an embedded SQLite file, or
//!   PostgreSQL shared by several server processes;
//! - `auth`: passwords (argon2id), device tokens (random, stored hashed), lock-out;
//! - `limits`: per-client rate limits;
//! - `routes`: the HTTP API under `/v1` (axum);
//! - `sync`: merging and answering documents' sync messages;
//! - `teams`: teams, members and invites;
//! - `workers`: threads of their own for blocking work (the SQLite connection, passwords);
//! - `events`: the WebSocket that tells devices at once what changed,
//!   across nodes through PostgreSQL's LISTEN/NOTIFY.

mod auth;
mod db;
mod doc_cache;
mod error;
mod events;
mod limits;
mod routes;
mod sync;
mod teams;
mod workers;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

pub use db::Db;

/// Sign-ins and registrations that may wait for a hashing thread. A hash takes ~25 ms of a core
/// (a hash and a verify, `workers::tests::a_hash_made_on_the_threads_verifies`: 0.05 s on the
/// 2-core machine of 2026-12-06), so the last of 64 waits ~0.8 s on two cores; past that a
/// client is better told at once (503 `busy`) than left waiting while a burst drains.
const HASHES_WAITING: usize = 64;

/// Shared by every request.
pub struct AppState {
    pub db: Db,
    pub limiter: limits::Limiter,
    pub peers: sync::Peers,
    pub hub: events::Hub,
    /// Documents already parsed (see `doc_cache`).
    pub docs: Arc<doc_cache::DocCache>,
    /// Where passwords are hashed and verified (see `workers`).
    pub hashing: workers::Workers,
}

/// Where the server keeps its data.
pub enum Storage {
    /// `server.db` in this directory (created if missing).
    Sqlite(PathBuf),
    /// A `postgres://` URL; several servers may share the database.
    Postgres(String),
}

/// Opens the database, binds, prints the address and serves until SIGTERM/Ctrl-C.
/// Runs on tokio's multi-threaded runtime (the PostgreSQL backend merges
/// documents with `block_in_place`).
pub async fn serve(listen: &str, storage: Storage) -> anyhow::Result<()> {
    let db = match storage {
        Storage::Sqlite(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            tracing::info!(dir = %dir.display(), "storage: SQLite");
            Db::open_sqlite(&dir.join("server.db"))?
        }
        Storage::Postgres(url) => {
            // The URL may hold a password: it is never logged.
            tracing::info!("storage: PostgreSQL");
            Db::connect_postgres(&url).await.context("connecting to PostgreSQL")?
        }
    };
    // Listening starts before the server takes requests, so no change made
    // through another node after this line goes unheard.
    let listener = db.listen().await.context("listening for other nodes' notifications")?;
    let state = Arc::new(AppState {
        db,
        limiter: limits::Limiter::default(),
        peers: sync::Peers::default(),
        hub: events::Hub::default(),
        docs: Arc::default(),
        hashing: workers::Workers::per_core("argon2")
            .context("starting the password hashing threads")?
            .with_queue_limit(HASHES_WAITING),
    });
    if let Some(listener) = listener {
        tokio::spawn(events::relay(state.clone(), listener));
    }
    let tcp = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("binding {listen}"))?;
    let addr = tcp.local_addr()?;
    // The one line tests and scripts wait for.
    println!("vrooli-server listening on http://{addr}");
    tracing::info!(%addr, "listening");
    let hub_state = state.clone();
    axum::serve(tcp, routes::router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            // Upgraded sockets are not requests in flight: close them ourselves.
            hub_state.hub.close_all();
        })
        .await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
