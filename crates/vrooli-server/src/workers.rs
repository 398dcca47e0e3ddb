//! Threads of their own for blocking work, fed in order through one queue.
//!
//! tokio's blocking pool starts a thread for every call that finds the others busy. Two kinds of
//! the server's work made that costly:
//! - **the SQLite backend**: its one connection serves one call at a time, so under load every
//!   waiting call held a thread of its own, blocked on the connection's lock (140 threads in the
//!   sync bench's 200-device run, where the server's delivery p99 then was 64-123 ms against
//!   37-39 ms on one thread of its own, and its CPU 44-48% of a core against 33-34%);
//! - **password hashing**: an argon2id hash takes ~19 MiB and tens of milliseconds of one core; a
//!   burst of sign-ins ran as many at once as there were requests.
//!
//! [`Workers`] runs such work on a fixed set of threads (one for the connection, one per core for
//! hashing); the rest waits its turn in order, each waiting job holding only its inputs. A job
//! that panics fails its own call only: the thread catches it and takes the next job, as tokio's
//! pool would have (a panic that ended the connection's one thread would end the server's storage).
//!
//! A queue may have a limit ([`Workers::with_queue_limit`], used for hashing): past it a call is
//! turned away at once ([`WorkerError::Busy`]) rather than waiting longer than its client would.
//! A job whose caller has gone (the request dropped while it waited) is skipped, not run.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

/// The threads; dropping the last handle lets them end once their queue is empty.
#[derive(Clone)]
pub struct Workers {
    name: &'static str,
    jobs: mpsc::Sender<Job>,
    /// Jobs sent and not yet taken by a thread.
    waiting: Arc<AtomicUsize>,
    limit: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("the {0} threads are gone")]
    Gone(&'static str),
    #[error("a job on the {0} threads panicked")]
    Panicked(&'static str),
    #[error("the {0} threads have a full queue")]
    Busy(&'static str),
}

impl Workers {
    /// One thread per core the process may use (at least one), named `name-N`.
    pub fn per_core(name: &'static str) -> std::io::Result<Workers> {
        Workers::start(name, std::thread::available_parallelism().map_or(1, usize::from))
    }

    /// `threads` threads (at least one), named `name-N`.
    pub fn start(name: &'static str, threads: usize) -> std::io::Result<Workers> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new().name(format!("{name}-{i}")).spawn(move || loop {
                // The lock is held only while waiting for the next job, never while running one.
                let job = match queue.lock() {
                    Ok(queue) => queue.recv(),
                    Err(poisoned) => poisoned.into_inner().recv(),
                };
                match job {
                    Ok(job) => job(),
                    Err(mpsc::RecvError) => return,
                }
            })?;
        }
        Ok(Workers { name, jobs, waiting: Arc::default(), limit: usize::MAX })
    }

    /// Turns calls away ([`WorkerError::Busy`]) while `limit` jobs already wait.
    pub fn with_queue_limit(self, limit: usize) -> Workers {
        Workers { limit, ..self }
    }

    /// Runs `work` on one of the threads when its turn comes.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, WorkerError> {
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.limit {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(WorkerError::Busy(self.name));
        }
        let (done, result) = oneshot::channel();
        let waiting = Arc::clone(&self.waiting);
        let job: Job = Box::new(move || {
            waiting.fetch_sub(1, Ordering::AcqRel);
            // The request went away while this waited: nobody wants the result.
            if done.is_closed() {
                return;
            }
            // Whatever `work` shared is dropped with it, and only its caller sees the panic.
            let outcome = catch_unwind(AssertUnwindSafe(work));
            // The request may have gone meanwhile: nobody waits for the result then.
            let _ = done.send(outcome);
        });
        if self.jobs.send(job).is_err() {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(WorkerError::Gone(self.name));
        }
        match result.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_panic)) => Err(WorkerError::Panicked(self.name)),
            Err(_) => Err(WorkerError::Gone(self.name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_run_at_once_than_there_are_threads() {
        let hashing = Workers::start("argon2", 2).unwrap();
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (hashing, running, most) = (hashing.clone(), running.clone(), most.clone());
            tasks.push(tokio::spawn(async move {
                hashing
                    .run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(50));
                        running.fetch_sub(1, Ordering::SeqCst);
                        (i, std::thread::current().name().map(str::to_owned))
                    })
                    .await
                    .unwrap()
            }));
        }
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        assert_eq!(results.iter().map(|(i, _)| *i).collect::<Vec<_>>(), (0..8).collect::<Vec<_>>());
        assert!(results.iter().all(|(_, name)| name.as_deref().is_some_and(|n| n.starts_with("argon2-"))));
        assert_eq!(most.load(Ordering::SeqCst), 2, "eight jobs on two threads run two at a time");
    }

    #[tokio::test]
    async fn a_job_that_panics_fails_alone_and_the_thread_goes_on() {
        let thread = Workers::start("sqlite", 1).unwrap();
        let failed = thread.run(|| -> u32 { panic!("a bug in one call") }).await;
        assert!(matches!(failed, Err(WorkerError::Panicked("sqlite"))), "{failed:?}");
        assert_eq!(thread.run(|| 7).await.unwrap(), 7, "the one thread still takes jobs");
    }

    #[tokio::test]
    async fn a_hash_made_on_the_threads_verifies() {
        let hashing = Workers::start("argon2", 1).unwrap();
        let hash = hashing.run(|| crate::auth::hash_password("correct horse")).await.unwrap().unwrap();
        assert!(hashing.run(move || crate::auth::verify_password("correct horse", &hash)).await.unwrap());
    }

    /// Occupies the one thread of `workers` until the returned sender is dropped or sent to.
    async fn occupy(workers: &Workers) -> (mpsc::Sender<()>, tokio::task::JoinHandle<()>) {
        let (release, wait) = mpsc::channel::<()>();
        let (started, running) = oneshot::channel();
        let workers = workers.clone();
        let task = tokio::spawn(async move {
            workers
                .run(move || {
                    let _ = started.send(());
                    let _ = wait.recv();
                })
                .await
                .unwrap();
        });
        running.await.unwrap();
        (release, task)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_turns_new_calls_away_at_once_and_serves_the_queued_ones() {
        let hashing = Workers::start("argon2", 1).unwrap().with_queue_limit(2);
        let (release, blocker) = occupy(&hashing).await;
        let queued: Vec<_> = (0..2)
            .map(|i| {
                let hashing = hashing.clone();
                tokio::spawn(async move { hashing.run(move || i).await })
            })
            .collect();
        while hashing.waiting.load(Ordering::Acquire) < 2 {
            tokio::task::yield_now().await;
        }
        let turned_away = tokio::time::timeout(Duration::from_secs(5), hashing.run(|| 9))
            .await
            .expect("a call past the limit is answered at once, not queued");
        assert!(matches!(turned_away, Err(WorkerError::Busy("argon2"))), "{turned_away:?}");
        drop(release);
        blocker.await.unwrap();
        for (i, task) in queued.into_iter().enumerate() {
            assert_eq!(task.await.unwrap().unwrap(), i);
        }
        assert_eq!(hashing.run(|| 3).await.unwrap(), 3, "room again once the queue drained");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_whose_caller_left_is_not_run() {
        let hashing = Workers::start("argon2", 1).unwrap();
        let (release, blocker) = occupy(&hashing).await;
        let ran = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&ran);
        // The call is queued behind the blocker, then its caller gives up waiting.
        let gave_up =
            tokio::time::timeout(Duration::from_millis(50), hashing.run(move || flag.store(true, Ordering::SeqCst)));
        assert!(gave_up.await.is_err());
        drop(release);
        blocker.await.unwrap();
        assert_eq!(hashing.run(|| 1).await.unwrap(), 1);
        assert!(!ran.load(Ordering::SeqCst), "the abandoned job was skipped");
        assert_eq!(hashing.waiting.load(Ordering::Acquire), 0);
    }
}
