//! The `vrooli` binary end to end, on temporary data dirs: one test binary,
//! a module per area.

// Test helpers panic on failure by design: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod online;
mod support;

mod bad_input;
mod chat;
mod crash;
mod docs;
mod exchange;
mod resource;
mod run;
mod store;
mod sync;
