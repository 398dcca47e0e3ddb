//! Integration tests of the store: one binary, one module per concern.

// Test helpers panic on failure by design: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod conformance;
mod crash;
mod migrations;
mod roundtrip;
mod search;
mod validation;
