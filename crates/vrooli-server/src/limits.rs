//! Fixed-window rate limits per client and kind of request, in memory:
//! enough to slow password guessing and runaway clients on one node.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;

use crate::error::ApiError;

pub struct Limiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
    pub per_minute_auth: u32,
    pub per_minute_sync: u32,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter {
            windows: Mutex::new(HashMap::new()),
            per_minute_auth: env_u32("VROOLI_SERVER_AUTH_PER_MINUTE", 30),
            per_minute_sync: env_u32("VROOLI_SERVER_SYNC_PER_MINUTE", 600),
        }
    }
}

fn env_u32(name: &str, default: u32) -> u32 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

impl Limiter {
    /// Counts one request under `key`; refuses past `limit` a minute.
    pub fn check(&self, key: String, limit: u32) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let entry = windows.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= Duration::from_secs(60) {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > limit {
            let wait = 60u64.saturating_sub(now.duration_since(entry.0).as_secs());
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many requests; try again in {wait} s"),
            ));
        }
        Ok(())
    }
}
