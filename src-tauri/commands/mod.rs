//! Tauri commands, one module per area. Each is an adapter: take transport input (ids as
//! strings), call one library function, announce what changed, convert the output and the
//! error. Transport types live in `crate::views` and here, at the edge, so the library types
//! stay free of `Serialize`/`specta::Type`.

pub mod account;
pub mod chat;
pub mod docs;
pub mod resource;
pub mod run;
pub mod search;
pub mod settings;
pub mod store;
pub mod teams;
