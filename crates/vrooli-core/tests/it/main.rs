//! Integration tests of the documents: devices are workspaces in temporary
//! data dirs that exchange bundles.

// Test helpers panic on failure by design: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod chat_merge;
mod chat_people;
mod convergence;
mod peer_sync;
mod resource_merge;
mod run_merge;
