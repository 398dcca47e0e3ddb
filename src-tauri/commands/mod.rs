//! Tauri commands, one module per area. Each is an adapter: take transport input, call one
//! library function, convert the output and the error. Transport types are defined here, at
//! the edge, so the library types stay free of `Serialize`/`specta::Type`.

pub mod store;
