//! The sync server: accounts and device sessions, and documents it stores
//! without reading them — only the access metadata it needs to authorise
//! every request (the owner of each document).
//!
//! - `db`: the storage (embedded SQLite), behind one small API;
//! - `auth`: passwords (argon2id), device tokens (random, stored hashed), lock-out;
//! - `limits`: per-client rate limits;
//! - `routes`: the HTTP API under `/v1` (axum);
//! - `sync`: merging and answering documents' sync messages.

mod auth;
mod db;
mod error;
mod limits;
mod routes;
mod sync;
mod teams;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

pub use db::Db;

/// Shared by every request.
pub struct AppState {
    pub db: Db,
    pub limiter: limits::Limiter,
    pub peers: sync::Peers,
}

/// Opens the database, binds, prints the address and serves until SIGTERM/Ctrl-C.
pub async fn serve(listen: &str, data_dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    let db = Db::open(&data_dir.join("server.db"))?;
    let state = Arc::new(AppState { db, limiter: limits::Limiter::default(), peers: sync::Peers::default() });
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("binding {listen}"))?;
    let addr = listener.local_addr()?;
    // The one line tests and scripts wait for.
    println!("vrooli-server listening on http://{addr}");
    tracing::info!(%addr, "listening");
    axum::serve(listener, routes::router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
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
