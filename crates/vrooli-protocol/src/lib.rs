//! The sync protocol between devices and `vrooli-server`.
//!
//! Wire types ([`wire`]) are plain serde structs under a versioned path
//! ([`API`]); [`Peer`] holds one side's Automerge sync state per document and
//! turns (state, incoming message) into (state, outgoing message) without any
//! I/O, so the client, the server and tests share one implementation. The
//! server stores documents opaquely, with the access metadata it needs to
//! authorise; the one thing it reads inside them is who a chat header lets
//! in ([`docs::chat_readers`]).

pub mod docs;
pub mod limits;
mod peer;
pub mod whole;
pub mod wire;

pub use peer::{receive, Peer, PeerError};

/// The path prefix of this protocol version. A breaking change gets `/v2`.
pub const API: &str = "/v1";
