//! Integration tests of the store: one binary, one module per concern.

mod support;

mod conformance;
mod crash;
mod migrations;
mod roundtrip;
mod search;
mod validation;
