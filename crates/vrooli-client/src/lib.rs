//! The device side of sync.
//!
//! - [`api`]: the server's HTTP API (reqwest, rustls);
//! - [`secret`]: the device token, kept in the OS keyring and never in a file
//!   or a log line;
//! - [`sync`]: exchange every document with the server until both sides
//!   have everything.

pub mod api;
pub mod secret;
pub mod sync;

pub use api::{Api, ClientError};
pub use secret::Token;
