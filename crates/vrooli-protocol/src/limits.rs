//! Sizes and counts both sides enforce, so neither can be made to buffer
//! without bound.

/// Largest sync request or response body.
pub const MAX_SYNC_BODY: usize = 32 * 1024 * 1024;
/// Largest body of any other request (accounts, teams).
pub const MAX_SMALL_BODY: usize = 16 * 1024;
/// Documents one sync request may carry; a client with more sends several.
pub const MAX_DOCS_PER_REQUEST: usize = 2_000;
/// Rounds of one sync session before the client stops and reports an error.
pub const MAX_ROUNDS: usize = 64;
/// Password length, in characters.
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 8..=256;
