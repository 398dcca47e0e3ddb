//! The device side of sync.
//!
//! - [`account`]: the data dir's account (server, email, ids) and signing
//!   in and out, shared by the CLI and the desktop app;
//! - [`api`]: the server's HTTP API (reqwest, rustls), including the
//!   upgrade to the events WebSocket;
//! - [`secret`]: the device token, kept in the OS keyring and never in a file
//!   or a log line;
//! - [`sync`]: one session: exchange every document with the server until
//!   both sides have everything, then record what the server holds;
//! - [`events`]: the events socket, reconnecting with backoff;
//! - [`background`]: the sync task (after local changes, on push,
//!   periodically) and its status stream;
//! - [`status`]: the rules of that task — status, backoff, when to retry —
//!   without I/O.

pub mod account;
pub mod api;
pub mod background;
pub mod events;
pub mod secret;
pub mod status;
pub mod sync;

pub use api::{Api, ClientError};
pub use background::{spawn_sync, Account, SyncConfig, SyncHandle};
pub use secret::Token;
pub use status::SyncStatus;
