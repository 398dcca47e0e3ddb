//! Crash safety through the binary: `vrooli chat post` processes are killed
//! with SIGKILL at random moments — before `main`, while opening and
//! recovering the database, inside the write transaction, while printing —
//! over and over on one data dir. Afterwards every post whose command exited
//! 0 is there, `vrooli doctor` finds the projection equal to the documents,
//! and writing still works.

#![cfg(unix)]

use std::collections::HashSet;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::support::{command, Device};

/// Processes that must die by SIGKILL before the test checks the data dir.
const KILLS: usize = 30;
/// A bound on attempts, in case kills keep landing after the process exited.
const MAX_ATTEMPTS: usize = 240;
const SIGKILL: i32 = 9;

/// The outcome of one `chat post` process.
enum Post {
    /// Exited 0, printing the message id.
    Acknowledged(String),
    /// Killed before it said anything; the message may or may not be stored.
    Killed,
}

/// Runs `chat post` and kills it after `delay` (if it is still running).
fn post(d: &Device, chat: &str, text: &str, delay: Option<Duration>) -> Post {
    let mut child = command(d.path())
        .args(["chat", "post", chat, "--text", text, "--json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(delay) = delay {
        std::thread::sleep(delay);
        // Killing a process that already exited (not yet reaped) is harmless:
        // its exit status below still says it finished.
        child.kill().unwrap();
    }
    let out = child.wait_with_output().unwrap();
    match (out.status.code(), out.status.signal()) {
        (Some(0), _) => {
            let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            Post::Acknowledged(printed["id"].as_str().unwrap().to_string())
        }
        (None, Some(SIGKILL)) => Post::Killed,
        _ => panic!("`chat post {text}` failed: {:?}: {}", out.status, String::from_utf8_lossy(&out.stderr)),
    }
}

#[test]
fn killed_posts_leave_acknowledged_messages_and_a_consistent_projection() {
    let started = Instant::now();
    let seed: u64 = rand::rng().random();
    let mut rng = SmallRng::seed_from_u64(seed);
    let d = Device::new();
    let chat = d.id(&["chat", "create", "--name", "Crash"]);

    // How long an undisturbed post takes on this machine and build: kills
    // are spread over that span, so they land in every phase of the process.
    // The span is the median of undisturbed posts, re-measured every few
    // kills: one slow first post (cold page cache on a CI machine) must not
    // stretch it so far that every kill lands after the process exited.
    let mut acked = HashSet::new();
    let mut calibration = Vec::new();
    let calibrate = |acked: &mut HashSet<String>, calibration: &mut Vec<Duration>| {
        let t = Instant::now();
        let n = calibration.len();
        let Post::Acknowledged(id) = post(&d, &chat, &format!("calibration {n}"), None) else { unreachable!() };
        calibration.push(t.elapsed());
        acked.insert(id);
        let mut sorted = calibration.clone();
        sorted.sort();
        sorted[sorted.len() / 2]
    };
    let mut span = Duration::ZERO;
    for _ in 0..5 {
        span = calibrate(&mut acked, &mut calibration);
    }

    let (mut kills, mut attempts) = (0, 0);
    while kills < KILLS {
        attempts += 1;
        assert!(
            attempts <= MAX_ATTEMPTS,
            "seed {seed}: only {kills} of {attempts} posts were killed in flight (post span {span:?}, \
             undisturbed posts took {calibration:?})"
        );
        if attempts % 8 == 0 {
            span = calibrate(&mut acked, &mut calibration);
        }
        // Half anywhere in a post's life, half near its end, where the
        // write transaction commits and the id is printed.
        let at = if rng.random_bool(0.5) { rng.random_range(0.0..1.25) } else { rng.random_range(0.7..1.1) };
        let delay = span.mul_f64(at);
        match post(&d, &chat, &format!("post {attempts}"), Some(delay)) {
            Post::Acknowledged(id) => {
                acked.insert(id);
            }
            Post::Killed => kills += 1,
        }
    }

    let show = d.run(&["chat", "show", &chat]);
    let stored: HashSet<String> =
        show["messages"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()).collect();
    let lost: Vec<&String> = acked.difference(&stored).collect();
    assert!(lost.is_empty(), "seed {seed}: acknowledged posts lost: {lost:?}");
    assert!(stored.len() <= acked.len() + kills, "seed {seed}: more messages than posts");
    let report = d.run(&["doctor"]);
    assert_eq!(report["healthy"], true, "seed {seed}: {report}");
    let Post::Acknowledged(after) = post(&d, &chat, "after the crashes", None) else { unreachable!() };
    assert!(!stored.contains(&after));
    // "stored, never acknowledged" counts kills that landed after a commit.
    eprintln!(
        "crash: seed {seed}, {attempts} posts, {kills} killed, {} acknowledged, {} stored, never acknowledged {}, \
         post span {span:?}, took {:?}",
        acked.len(),
        stored.len(),
        stored.len() - acked.len(),
        started.elapsed()
    );
}
