//! The rules of background sync, without I/O: what a session's outcome means
//! for the status a UI shows and for when the next session runs. Time and
//! randomness (the backoff's jitter) are passed in, so tests are exact.
//!
//! The status is never [`SyncStatus::Synced`] while this device holds
//! changes the server has not acknowledged: only a converged session that
//! leaves no pending document says "synced".

use std::time::{Duration, SystemTime};

use crate::api::ClientError;

/// What background sync is doing, as a UI shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncStatus {
    /// The server cannot be reached; the next attempt is in `retry_in`.
    Offline { retry_in: Duration },
    /// A session is exchanging documents: `done` of `total` settled, `bytes` moved.
    Syncing { done: usize, total: usize, bytes: usize },
    /// Everything this device holds is on the server, as of `at`.
    Synced { at: SystemTime },
    /// Sync failed for a reason other than the network; `code` is stable.
    Error { code: String, message: String },
}

impl SyncStatus {
    pub const STARTING: SyncStatus = SyncStatus::Syncing { done: 0, total: 0, bytes: 0 };
}

/// Exponential backoff with jitter: the n-th consecutive failure waits
/// between half and all of `first · 2ⁿ⁻¹`, capped at `max`, so many devices
/// that lost the same server do not come back in step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { first: Duration::from_secs(1), max: Duration::from_secs(120) }
    }
}

impl Backoff {
    /// The wait after `failures` consecutive failures (≥ 1); `jitter` in [0, 1).
    pub fn delay(&self, failures: u32, jitter: f64) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        let ceiling = self.first.saturating_mul(1u32 << doublings).min(self.max);
        ceiling.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0)).min(self.max)
    }
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Both sides had nothing left to send; `pending` documents still differ
    /// (changed during the session, or refused by the server).
    Converged {
        documents: usize,
        pending: usize,
        bytes: usize,
    },
    Failed(Failure),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The network or the server is down: retry with backoff, show offline.
    Unreachable,
    /// The device's session ended: nothing to retry until it signs in again.
    SignedOut { code: String, message: String },
    /// Anything else: show it, retry with backoff.
    Other { code: String, message: String },
}

impl Failure {
    pub fn of(error: &ClientError) -> Failure {
        match error {
            ClientError::Unreachable { .. } => Failure::Unreachable,
            ClientError::SignedOut => Failure::SignedOut { code: error.code().into(), message: error.to_string() },
            ClientError::Server { status: 401, .. } => {
                Failure::SignedOut { code: error.code().into(), message: error.to_string() }
            }
            // Overloaded or restarting: the same as unreachable for the user.
            ClientError::Server { status: 502..=504, .. } => Failure::Unreachable,
            _ => Failure::Other { code: error.code().into(), message: error.to_string() },
        }
    }
}

/// When the next session runs, unless something triggers one sooner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    In(Duration),
    /// No more sessions (signed out).
    Stop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub backoff: Backoff,
    /// Between sessions when all is well.
    pub period: Duration,
    /// How soon to try again when a converged session left pending documents.
    pub unsettled_retry: Duration,
    /// Sessions in a row that may leave pending documents before it is an error.
    pub max_unsettled: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            backoff: Backoff::default(),
            period: Duration::from_secs(60),
            unsettled_retry: Duration::from_millis(300),
            max_unsettled: 3,
        }
    }
}

/// The decision after a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub status: SyncStatus,
    pub next: Next,
}

/// Counts consecutive failures and unsettled sessions between sessions.
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    failures: u32,
    unsettled: u32,
}

impl Tracker {
    pub fn failures(&self) -> u32 {
        self.failures
    }

    pub fn after(&mut self, rules: &Rules, outcome: &Outcome, now: SystemTime, jitter: f64) -> Plan {
        match outcome {
            Outcome::Converged { pending: 0, .. } => {
                self.failures = 0;
                self.unsettled = 0;
                Plan { status: SyncStatus::Synced { at: now }, next: Next::In(rules.period) }
            }
            Outcome::Converged { documents, pending, bytes } => {
                self.failures = 0;
                self.unsettled += 1;
                if self.unsettled <= rules.max_unsettled {
                    let done = documents.saturating_sub(*pending);
                    let status = SyncStatus::Syncing { done, total: *documents, bytes: *bytes };
                    return Plan { status, next: Next::In(rules.unsettled_retry) };
                }
                let wait = rules.backoff.delay(self.unsettled - rules.max_unsettled, jitter);
                let status = SyncStatus::Error {
                    code: "unsettled".into(),
                    message: format!("{pending} document(s) have changes the server has not acknowledged"),
                };
                Plan { status, next: Next::In(wait.min(rules.period)) }
            }
            Outcome::Failed(Failure::Unreachable) => {
                self.failures += 1;
                let wait = rules.backoff.delay(self.failures, jitter);
                Plan { status: SyncStatus::Offline { retry_in: wait }, next: Next::In(wait) }
            }
            Outcome::Failed(Failure::SignedOut { code, message }) => {
                Plan { status: SyncStatus::Error { code: code.clone(), message: message.clone() }, next: Next::Stop }
            }
            Outcome::Failed(Failure::Other { code, message }) => {
                self.failures += 1;
                let wait = rules.backoff.delay(self.failures, jitter);
                Plan {
                    status: SyncStatus::Error { code: code.clone(), message: message.clone() },
                    next: Next::In(wait),
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let b = Backoff { first: S(1), max: S(60) };
        assert_eq!(b.delay(1, 0.0), Duration::from_millis(500));
        assert_eq!(b.delay(2, 0.0), S(1));
        assert_eq!(b.delay(3, 0.5), Duration::from_secs(3));
        for failures in 1..40 {
            let ceiling = S(1u64 << (failures - 1).min(20)).min(S(60));
            for jitter in [0.0, 0.25, 0.5, 0.99] {
                let d = b.delay(failures, jitter);
                assert!(d >= ceiling / 2 && d <= ceiling, "{failures} {jitter}: {d:?}");
            }
        }
        assert_eq!(b.delay(1000, 1.0), S(60), "capped, and no overflow");
        assert_eq!(b.delay(1, 7.0), S(1), "jitter is clamped");
    }

    #[test]
    fn offline_backs_off_and_a_success_resets() {
        let rules = Rules { backoff: Backoff { first: S(1), max: S(8) }, ..Rules::default() };
        let mut t = Tracker::default();
        let now = SystemTime::UNIX_EPOCH + S(1000);
        let waits: Vec<Duration> = (0..6)
            .map(|_| match t.after(&rules, &Outcome::Failed(Failure::Unreachable), now, 1.0) {
                Plan { status: SyncStatus::Offline { retry_in }, next: Next::In(wait) } => {
                    assert_eq!(retry_in, wait);
                    wait
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(waits, [S(1), S(2), S(4), S(8), S(8), S(8)]);
        let plan = t.after(&rules, &Outcome::Converged { documents: 3, pending: 0, bytes: 10 }, now, 0.0);
        assert_eq!(plan, Plan { status: SyncStatus::Synced { at: now }, next: Next::In(rules.period) });
        assert_eq!(t.failures(), 0);
        let plan = t.after(&rules, &Outcome::Failed(Failure::Unreachable), now, 1.0);
        assert_eq!(plan.next, Next::In(S(1)), "backoff starts over after a success");
    }

    #[test]
    fn never_synced_while_changes_are_pending() {
        let rules = Rules::default();
        let mut t = Tracker::default();
        let now = SystemTime::UNIX_EPOCH;
        for round in 1..=10 {
            let plan = t.after(&rules, &Outcome::Converged { documents: 5, pending: 2, bytes: 0 }, now, 0.5);
            assert!(!matches!(plan.status, SyncStatus::Synced { .. }), "round {round}: {plan:?}");
            if round <= rules.max_unsettled {
                assert_eq!(plan.status, SyncStatus::Syncing { done: 3, total: 5, bytes: 0 });
                assert_eq!(plan.next, Next::In(rules.unsettled_retry), "try again soon");
            } else {
                assert!(matches!(&plan.status, SyncStatus::Error { code, .. } if code == "unsettled"));
                let Next::In(wait) = plan.next else { panic!() };
                assert!(wait > rules.unsettled_retry && wait <= rules.period);
            }
        }
        let plan = t.after(&rules, &Outcome::Converged { documents: 5, pending: 0, bytes: 0 }, now, 0.5);
        assert_eq!(plan.status, SyncStatus::Synced { at: now });
    }

    #[test]
    fn signed_out_stops_and_other_errors_retry() {
        let rules = Rules::default();
        let mut t = Tracker::default();
        let now = SystemTime::UNIX_EPOCH;
        let unauthorized = ClientError::Server {
            status: 401,
            code: "unauthorized".into(),
            message: "sign in again".into(),
            field: None,
        };
        let plan = t.after(&rules, &Outcome::Failed(Failure::of(&unauthorized)), now, 0.0);
        assert_eq!(plan.next, Next::Stop);
        assert!(matches!(plan.status, SyncStatus::Error { ref code, .. } if code == "unauthorized"));

        let bad = ClientError::Decode("garbled".into());
        let plan = t.after(&rules, &Outcome::Failed(Failure::of(&bad)), now, 0.0);
        assert_eq!(plan.next, Next::In(rules.backoff.delay(1, 0.0)));
        assert!(matches!(plan.status, SyncStatus::Error { ref code, .. } if code == "bad_response"));

        let down = ClientError::Unreachable { server: "http://x".into(), reason: "refused".into() };
        assert_eq!(Failure::of(&down), Failure::Unreachable);
        let gateway = ClientError::Server { status: 503, code: "http".into(), message: "503".into(), field: None };
        assert_eq!(Failure::of(&gateway), Failure::Unreachable);
    }
}
