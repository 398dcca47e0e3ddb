//! Background sync: a tokio task that runs sync sessions when something
//! may have changed, and publishes a typed [`SyncStatus`] stream.
//!
//! A session runs
//! - at start;
//! - after a local change ([`SyncHandle::local_change`]), debounced, so a
//!   burst of edits makes one session;
//! - at once when the server pushes `Changed` or `TeamsChanged`, and when
//!   the events socket (re)connects, since pushes made while it was closed
//!   are lost;
//! - periodically (every minute, or more often while there is no socket:
//!   an old server, or the socket is down);
//! - with exponential backoff and jitter after a failure.
//!
//! The status is `Synced` only after a session that left nothing pending,
//! and turns back to `Syncing` as soon as a local change is reported (not
//! only when the debounced session starts).
//!
//! After every session (also a failed one) the documents it brought from
//! the server go out on [`SyncHandle::received`], so a UI can refresh what
//! shows them.
//!
//! It ends when the handle is stopped or dropped, or when the server signs
//! the device out. The rules deciding status and timing are in
//! [`crate::status`], without I/O.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;
use vrooli_core::{DocId, Workspace};
use vrooli_protocol::wire::Event;

use crate::api::Api;
use crate::events::{self, Push};
use crate::secret::Token;
use crate::status::{Failure, Next, Outcome, Rules, SyncStatus, Tracker};
use crate::sync::{data_version, lock, sync_session, Link};

/// The signed-in account the task syncs as.
#[derive(Clone)]
pub struct Account {
    pub api: Api,
    pub token: Token,
    pub user: String,
}

#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Backoff, period (while the events socket is open) and unsettled sessions.
    pub rules: Rules,
    /// Quiet time after a local change before a session starts.
    pub debounce: Duration,
    /// Period while the server does not push (no socket).
    pub poll_without_push: Duration,
    /// Open the events socket.
    pub push: bool,
    /// Check this often whether another connection (another process) wrote
    /// to the database, and treat that as a local change. `None` when every
    /// writer calls [`SyncHandle::local_change`].
    pub other_writers_every: Option<Duration>,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            rules: Rules::default(),
            debounce: Duration::from_millis(300),
            poll_without_push: Duration::from_secs(5),
            push: true,
            other_writers_every: None,
        }
    }
}

enum Trigger {
    LocalChange,
    Now,
    Stop,
}

/// The running task: its status stream and its triggers.
pub struct SyncHandle {
    status: watch::Receiver<SyncStatus>,
    received: broadcast::Sender<Arc<[DocId]>>,
    triggers: mpsc::UnboundedSender<Trigger>,
    task: tokio::task::JoinHandle<()>,
}

impl SyncHandle {
    /// The status stream; the current value is the latest status.
    pub fn status(&self) -> watch::Receiver<SyncStatus> {
        self.status.clone()
    }

    /// The documents each session brought from the server (none are kept for a receiver
    /// subscribed later; one that falls behind by more than 64 sessions gets `Lagged`).
    pub fn received(&self) -> broadcast::Receiver<Arc<[DocId]>> {
        self.received.subscribe()
    }

    /// This device changed something: sync soon (debounced).
    pub fn local_change(&self) {
        let _ = self.triggers.send(Trigger::LocalChange);
    }

    /// Sync now, whatever the schedule says.
    pub fn sync_now(&self) {
        let _ = self.triggers.send(Trigger::Now);
    }

    /// Whether the task ended (stopped, or signed out by the server).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Stops the task after the session in progress, if any, and waits for it.
    pub async fn stop(self) {
        let _ = self.triggers.send(Trigger::Stop);
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "the sync task ended abnormally");
        }
    }
}

/// Starts background sync of `ws` as `account`. Must be called within a
/// Tokio runtime (with the time driver enabled).
pub fn spawn_sync(ws: Arc<Mutex<Workspace>>, account: Account, config: SyncConfig) -> SyncHandle {
    let (status_tx, status) = watch::channel(SyncStatus::STARTING);
    let (triggers, rx) = mpsc::unbounded_channel();
    let (received, _) = broadcast::channel(64);
    let task = tokio::spawn(run(ws, account, config, rx, status_tx, received.clone()));
    SyncHandle { status, received, triggers, task }
}

/// When a debounced local change is due: `debounce` after the latest
/// change, but no later than ten debounces after the first, so constant
/// typing still syncs.
#[derive(Default)]
struct Debounce {
    first: Option<Instant>,
    due: Option<Instant>,
}

impl Debounce {
    fn touch(&mut self, now: Instant, debounce: Duration) {
        let first = *self.first.get_or_insert(now);
        self.due = Some((now + debounce).min(first + debounce * 10));
    }

    fn clear(&mut self) {
        *self = Debounce::default();
    }
}

async fn run(
    ws: Arc<Mutex<Workspace>>,
    account: Account,
    config: SyncConfig,
    mut triggers: mpsc::UnboundedReceiver<Trigger>,
    status: watch::Sender<SyncStatus>,
    received: broadcast::Sender<Arc<[DocId]>>,
) {
    let (push_tx, mut push_rx) = mpsc::unbounded_channel();
    let mut push_open = config.push;
    if config.push {
        tokio::spawn(events::listen(account.api.clone(), account.token.clone(), config.rules.backoff, push_tx));
    } else {
        drop(push_tx);
    }
    let mut push_live = false;
    let mut link = Link::default();
    let mut tracker = Tracker::default();
    let mut next_run = Instant::now();
    let mut local = Debounce::default();
    let every = config.other_writers_every.unwrap_or(Duration::from_secs(3600));
    let mut writers = tokio::time::interval_at(Instant::now() + every, every);
    writers.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seen_version = data_version(&lock(&ws));
    loop {
        let due = local.due.map_or(next_run, |d| d.min(next_run));
        tokio::select! {
            trigger = triggers.recv() => match trigger {
                None | Some(Trigger::Stop) => break,
                Some(Trigger::LocalChange) => {
                    local.touch(Instant::now(), config.debounce);
                    unsynced(&ws, &status);
                }
                Some(Trigger::Now) => next_run = Instant::now(),
            },
            push = push_rx.recv(), if push_open => match push {
                None => push_open = false,
                Some(Push::Connected) => {
                    push_live = true;
                    // Pushes made while the socket was closed are lost, teams' too.
                    link.teams_changed();
                    next_run = Instant::now();
                }
                Some(Push::Unsupported | Push::Disconnected { .. }) => {
                    push_live = false;
                    // Poll from now on, unless a failure's backoff already set the time.
                    if tracker.failures() == 0 {
                        next_run = next_run.min(Instant::now() + config.poll_without_push);
                    }
                }
                Some(Push::Event(Event::Changed { docs, .. })) => {
                    link.server_changed(&docs);
                    next_run = Instant::now();
                }
                Some(Push::Event(Event::TeamsChanged)) => {
                    link.teams_changed();
                    next_run = Instant::now();
                }
                Some(Push::Event(Event::SignedOut)) => {
                    status.send_replace(SyncStatus::Error {
                        code: "signed_out".into(),
                        message: "the server ended this device's session: sign in again".into(),
                    });
                    break;
                }
            },
            _ = writers.tick(), if config.other_writers_every.is_some() => {
                let version = data_version(&lock(&ws));
                if version != seen_version {
                    seen_version = version;
                    local.touch(Instant::now(), config.debounce);
                    unsynced(&ws, &status);
                }
            }
            () = tokio::time::sleep_until(due) => {
                local.clear();
                if !push_live {
                    // Nothing would say the teams changed.
                    link.teams_changed();
                }
                let outcome = session(&ws, &mut link, &account, &status).await;
                let brought = link.take_received();
                if !brought.is_empty() {
                    // No receiver is no error: nobody is showing documents.
                    let _ = received.send(brought.into());
                }
                // This task's own writes do not move data_version; others' since now will.
                seen_version = data_version(&lock(&ws));
                let period = if push_live { config.rules.period } else { config.poll_without_push.min(config.rules.period) };
                let rules = Rules { period, ..config.rules };
                let plan = tracker.after(&rules, &outcome, SystemTime::now(), rand::random());
                publish(&status, plan.status);
                match plan.next {
                    Next::In(wait) => next_run = Instant::now() + wait,
                    Next::Stop => break,
                }
            }
        }
    }
}

/// A local change makes "synced" untrue until the next session sent it:
/// say so at once rather than after the debounce.
fn unsynced(ws: &Mutex<Workspace>, status: &watch::Sender<SyncStatus>) {
    if !matches!(*status.borrow(), SyncStatus::Synced { .. }) {
        return;
    }
    match lock(ws).pending_documents() {
        Ok(0) => {}
        Ok(pending) => publish(status, SyncStatus::Syncing { done: 0, total: pending, bytes: 0 }),
        Err(e) => tracing::warn!(error = %e, "cannot count pending documents"),
    }
}

/// Sends `new` unless it says the same as the current status.
fn publish(status: &watch::Sender<SyncStatus>, new: SyncStatus) {
    status.send_if_modified(|current| {
        if *current == new {
            return false;
        }
        *current = new;
        true
    });
}

async fn session(
    ws: &Mutex<Workspace>,
    link: &mut Link,
    account: &Account,
    status: &watch::Sender<SyncStatus>,
) -> Outcome {
    let result = sync_session(ws, link, &account.api, &account.token, &account.user, |p| {
        let bytes = p.bytes_sent + p.bytes_received;
        // A session that finds nothing new does not flicker through "syncing".
        if bytes > 0 {
            publish(status, SyncStatus::Syncing { done: p.done, total: p.total, bytes });
        }
    })
    .await;
    match result {
        Ok(report) => Outcome::Converged {
            documents: report.documents,
            pending: report.pending,
            bytes: report.bytes_sent + report.bytes_received,
        },
        Err(e) => {
            // A message may be lost: start the next session from heads.
            link.reset();
            tracing::info!(error = %e, code = e.code(), "sync session failed");
            Outcome::Failed(Failure::of(&e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debounce_waits_for_quiet_but_not_forever() {
        let debounce = Duration::from_millis(300);
        let start = Instant::now();
        let mut d = Debounce::default();
        d.touch(start, debounce);
        assert_eq!(d.due, Some(start + debounce));
        d.touch(start + Duration::from_millis(200), debounce);
        assert_eq!(d.due, Some(start + Duration::from_millis(500)), "another change moves it");
        for ms in (0..100).map(|i| 200 + i * 100) {
            d.touch(start + Duration::from_millis(ms), debounce);
        }
        assert_eq!(d.due, Some(start + debounce * 10), "constant changes still sync");
        d.clear();
        assert_eq!(d.due, None);
    }
}
