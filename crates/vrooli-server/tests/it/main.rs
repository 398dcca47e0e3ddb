//! The `vrooli-server` binary end to end: real processes on 127.0.0.1, over
//! HTTP and WebSocket, on both storage backends (an embedded SQLite file and
//! a private PostgreSQL cluster). One test binary, a module per area.

// Test helpers panic on failure by design: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// For each `async fn name(backend: Backend)`, the tests `name::sqlite` and
/// `name::postgres`: the same scenario on each backend.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(crate::support::Backend::sqlite()).await
            }

            #[tokio::test]
            async fn postgres() {
                super::$name(crate::support::Backend::postgres().await).await
            }
        }
    )*};
}

mod support;

mod access;
mod accounts;
mod chat_access;
mod events;
mod hardening;
mod nodes;
