//! Sync through a real `vrooli-server` on 127.0.0.1, with the device token in
//! a real Secret Service.

use std::time::Duration;

use crate::online::*;
use crate::support::error_line;
use vrooli_model::Clock;

const EMAIL: &str = "ann@example.com";
const PASSWORD: &str = "correct horse battery";

fn signed_in_pair(server: &Server, keyring: &Keyring) -> (OnlineDevice, OnlineDevice) {
    let a = OnlineDevice::new(keyring);
    let b = OnlineDevice::new(keyring);
    let out = a.sign_in("register", server, EMAIL, PASSWORD);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = b.sign_in("login", server, EMAIL, PASSWORD);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (a, b)
}

fn sync(d: &OnlineDevice) {
    d.run(&["sync"]);
}

#[test]
fn two_devices_of_one_user_converge_through_the_server() {
    let keyring = Keyring::start();
    let server = Server::start();
    let (a, b) = signed_in_pair(&server, &keyring);

    // Offline edits on both sides.
    let chat = a.run(&["chat", "create", "--name", "Plans"])["id"].as_str().unwrap().to_string();
    let first = a.run(&["chat", "post", &chat, "--text", "hello world"])["id"].as_str().unwrap().to_string();
    sync(&a);
    sync(&b);
    b.run(&["chat", "post", &chat, "--text", "from b"]);
    b.run(&["resource", "create", "--type", "Routine", "--name", "Deploy"]);
    // Both edit the same message concurrently.
    a.run(&["chat", "edit", &first, "--text", "alpha hello world"]);
    b.run(&["chat", "edit", &first, "--text", "hello world beta"]);
    for d in [&a, &b, &a] {
        sync(d);
    }
    let (ea, eb) = (a.export(), b.export());
    assert_eq!(ea, eb, "exports differ after sync");
    assert!(ea.contains("alpha hello world beta"), "both concurrent edits survive");
    assert!(ea.contains("from b") && ea.contains("Deploy"));

    let status = a.run(&["account", "status"]);
    assert_eq!(status["signedIn"], true);
    assert!(status["lastSyncAt"].is_string());

    // No token in any file of the data dirs or the server, nor in the server's log.
    for dir in [a.dir.path(), b.dir.path(), server.dir.path()] {
        assert_eq!(files_containing(dir, b"vrt_"), Vec::<std::path::PathBuf>::new());
    }
    assert!(!server.log().contains("vrt_"));
    assert!(server.stop(), "the server stops cleanly on SIGTERM");
}

#[test]
fn wrong_passwords_get_401_then_lock_the_account() {
    let keyring = Keyring::start();
    let server = Server::start();
    let a = OnlineDevice::new(&keyring);
    assert!(a.sign_in("register", &server, EMAIL, PASSWORD).status.success());
    let b = OnlineDevice::new(&keyring);
    for _ in 0..5 {
        let out = b.sign_in("login", &server, EMAIL, "wrong password!");
        assert_eq!(error_line(&out, 1), "wrong email or password");
    }
    let out = b.sign_in("login", &server, EMAIL, PASSWORD);
    let line = error_line(&out, 1);
    assert!(line.starts_with("too many wrong passwords"), "{line}");
    let short = b.sign_in("register", &server, "bob@example.com", "short");
    assert!(error_line(&short, 1).contains("8 to 256 characters"));
}

#[test]
fn a_revoked_device_is_refused_and_told_to_sign_in() {
    let keyring = Keyring::start();
    let server = Server::start();
    let (a, b) = signed_in_pair(&server, &keyring);
    let b_device = b.run(&["account", "status"])["deviceId"].as_str().unwrap().to_string();
    let devices = a.run(&["account", "revoke", &b_device]);
    let revoked = devices.as_array().unwrap().iter().find(|d| d["id"] == b_device.as_str()).unwrap();
    assert_eq!(revoked["revoked"], true);
    let out = b.raw(&["sync"]);
    assert!(error_line(&out, 1).contains("sign in again"));
    // Logging out revokes this device's own token too.
    a.run(&["account", "logout"]);
    assert!(error_line(&a.raw(&["sync"]), 1).contains("not signed in"));
}

#[test]
fn without_a_keyring_the_cli_says_how_to_fix_it() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let mut c = crate::support::command(dir.path());
    c.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus").env_remove("VROOLI_TOKEN");
    let mut child = c
        .args(["account", "register", "--server", &server.url, "--email", EMAIL, "--password-stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"correct horse battery\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let line = error_line(&out, 1);
    assert!(line.contains("no keyring is reachable") && line.contains("VROOLI_TOKEN"), "{line}");
}

fn register(d: &OnlineDevice, server: &Server, email: &str) {
    let out = d.sign_in("register", server, email, PASSWORD);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn team_documents_reach_members_only() {
    let keyring = Keyring::start();
    let server = Server::start();
    let (ann, bob, eve) = (OnlineDevice::new(&keyring), OnlineDevice::new(&keyring), OnlineDevice::new(&keyring));
    register(&ann, &server, "ann@example.com");
    register(&bob, &server, "bob@example.com");
    register(&eve, &server, "eve@example.com");

    let teams = ann.run(&["team", "create", "--name", "Crew"]);
    let team = teams[0]["id"].as_str().unwrap().to_string();
    let chat = ann.run(&["chat", "create", "--name", "Crew chat", "--team", &team])["id"].as_str().unwrap().to_string();
    ann.run(&["chat", "post", &chat, "--text", "welcome aboard"]);
    ann.run(&["resource", "create", "--type", "Note", "--name", "Crew notes", "--team", &team]);
    sync(&ann);

    // Not members: nothing of the team reaches them.
    for outsider in [&bob, &eve] {
        sync(outsider);
        assert!(!outsider.export().contains("welcome aboard"));
    }

    // An invite, accepted; another, declined.
    ann.run(&["team", "invite", &team, "--email", "bob@example.com"]);
    ann.run(&["team", "invite", &team, "--email", "eve@example.com"]);
    let invites = bob.run(&["team", "invites"]);
    assert_eq!(invites[0]["teamName"], "Crew");
    let joined = bob.run(&["team", "accept", &team]);
    assert_eq!(joined[0]["members"].as_array().unwrap().len(), 2);
    assert_eq!(eve.run(&["team", "decline", &team]).as_array().unwrap().len(), 0);
    sync(&bob);
    let export = bob.export();
    assert!(export.contains("welcome aboard") && export.contains("Crew notes"), "a member receives the team's chat");
    sync(&eve);
    assert!(!eve.export().contains("welcome aboard"), "a declined invite opens nothing");

    // Removed: nothing new reaches bob.
    let bob_user = bob.run(&["account", "status"])["userId"].as_str().unwrap().to_string();
    ann.run(&["team", "remove", &team, "--user", &bob_user]);
    ann.run(&["chat", "post", &chat, "--text", "after bob left"]);
    sync(&ann);
    sync(&bob);
    let export = bob.export();
    assert!(export.contains("welcome aboard"), "what bob had stays on his device");
    assert!(!export.contains("after bob left"), "no further change reaches a removed member");
    assert!(bob.run(&["team", "list"]).as_array().unwrap().is_empty());
}

fn pending(d: &OnlineDevice) -> u64 {
    d.run(&["account", "status"])["pendingChanges"].as_u64().unwrap()
}

const SECONDS: fn(u64) -> Duration = Duration::from_secs;

#[test]
fn watch_applies_pushes_without_running_sync_again() {
    let keyring = Keyring::start();
    let server = Server::start();
    let (a, b) = signed_in_pair(&server, &keyring);
    let chat = a.run(&["chat", "create", "--name", "Plans"])["id"].as_str().unwrap().to_string();
    sync(&a);

    let mut watch = b.spawn(&["-vv", "sync", "--watch", "--json"]);
    let first = eventually(SECONDS(20), || watch.stdout().contains(r#""state":"synced""#));
    assert!(first, "no first session: stdout {} stderr {}", watch.stdout(), watch.stderr());
    assert!(b.export().contains("Plans"), "the first session brings what is there");

    // A change on another device reaches b without b running `sync`.
    a.run(&["chat", "post", &chat, "--text", "pushed to b"]);
    sync(&a);
    let arrived = eventually(SECONDS(15), || b.export().contains("pushed to b"));
    assert!(arrived, "stdout {} stderr {}", watch.stdout(), watch.stderr());

    // Another process writes on b: the watch notices and sends it.
    b.run(&["chat", "post", &chat, "--text", "from b while watching"]);
    let sent = eventually(SECONDS(15), || pending(&b) == 0);
    assert!(sent, "b's change was not sent: stdout {} stderr {}", watch.stdout(), watch.stderr());
    sync(&a);
    assert!(a.export().contains("from b while watching"));

    assert!(watch.is_running());
    assert_eq!(watch.interrupt(SECONDS(10)), Some(0), "Ctrl-C ends the watch cleanly");
    let stdout = watch.stdout();
    for line in stdout.lines() {
        let status: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        let state = status["state"].as_str().unwrap();
        assert!(["offline", "syncing", "synced"].contains(&state), "{line}");
    }
    assert!(stdout.lines().filter(|l| l.contains(r#""state":"synced""#)).count() >= 2, "{stdout}");

    // Debug logs (-vv) of the watch and of a one-off sync never show the token.
    let once = b.raw(&["-vv", "sync"]);
    assert!(once.status.success());
    for stderr in [watch.stderr(), String::from_utf8_lossy(&once.stderr).into_owned()] {
        assert!(stderr.contains("DEBUG"), "debug logging is on");
        assert!(!stderr.contains("vrt_"), "a token in the logs:\n{stderr}");
    }
    for dir in [a.dir.path(), b.dir.path()] {
        assert_eq!(files_containing(dir, b"vrt_"), Vec::<std::path::PathBuf>::new());
    }
}

#[test]
fn edits_made_while_the_server_is_down_catch_up_after_it_returns() {
    let keyring = Keyring::start();
    let mut server = Server::start();
    let (a, b) = signed_in_pair(&server, &keyring);
    let chat = a.run(&["chat", "create", "--name", "Plans"])["id"].as_str().unwrap().to_string();
    assert_eq!(pending(&a), 1, "a new chat is pending");
    sync(&a);
    sync(&b);
    assert_eq!((pending(&a), pending(&b)), (0, 0), "nothing pending after a sync");

    let line = server.down_while(|| {
        a.run(&["chat", "post", &chat, "--text", "written offline"]);
        let line = error_line(&a.raw(&["sync"]), 1);
        let status = a.run(&["account", "status"]);
        assert_eq!(status["pendingChanges"], 1, "{status}");
        let text = crate::support::stdout(&a.raw(&["account", "status"]));
        assert!(text.contains("pending:   1 document(s)"), "{text}");
        line
    });
    assert!(line.starts_with(&format!("cannot reach {}: ", server.url)), "{line}");

    let report = a.run(&["sync"]);
    assert_eq!(report["pending"], 0, "{report}");
    assert_eq!(pending(&a), 0);
    sync(&b);
    assert!(b.export().contains("written offline"));
    assert_eq!(a.export(), b.export());
    assert_eq!(pending(&b), 0);
}

#[test]
fn vrooli_token_works_without_a_keyring_and_is_never_written() {
    let keyring = Keyring::start();
    let server = Server::start();
    let a = OnlineDevice::new(&keyring);
    register(&a, &server, EMAIL);
    a.run(&["chat", "create", "--name", "From automation"]);

    // A token obtained outside this device (as a CI secret would be).
    let credentials = serde_json::json!({ "email": EMAIL, "password": PASSWORD, "deviceName": "ci" });
    let (status, session) = post_json(&server, "/v1/accounts/login", &credentials);
    assert_eq!(status, 200, "{session}");
    let token = session["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("vrt_"));

    // No keyring reachable; the token comes from the environment; debug logs on.
    let out = crate::support::command(a.dir.path())
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .env("VROOLI_TOKEN", &token)
        .args(["-vv", "sync", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("vrt_") && !String::from_utf8_lossy(&out.stdout).contains("vrt_"), "{stderr}");
    for dir in [a.dir.path(), server.dir.path()] {
        assert_eq!(files_containing(dir, token.as_bytes()), Vec::<std::path::PathBuf>::new());
    }

    let b = OnlineDevice::new(&keyring);
    assert!(b.sign_in("login", &server, EMAIL, PASSWORD).status.success());
    sync(&b);
    assert!(b.export().contains("From automation"), "the sync with VROOLI_TOKEN reached the server");
}

#[test]
fn watch_goes_offline_and_catches_up_when_the_server_returns() {
    let keyring = Keyring::start();
    let mut server = Server::start();
    let (a, b) = signed_in_pair(&server, &keyring);
    let chat = a.run(&["chat", "create", "--name", "Plans"])["id"].as_str().unwrap().to_string();
    sync(&a);
    let mut watch = b.spawn(&["sync", "--watch"]);
    assert!(eventually(SECONDS(20), || watch.stdout().contains("synced at")), "{}", watch.stderr());

    server.down_while(|| {
        let offline = eventually(SECONDS(20), || watch.stdout().contains("offline: the server cannot be reached"));
        assert!(offline, "stdout {} stderr {}", watch.stdout(), watch.stderr());
    });
    assert!(watch.is_running(), "the watch stays up while the server is down");
    a.run(&["chat", "post", &chat, "--text", "after the outage"]);
    sync(&a);
    let caught_up = eventually(SECONDS(30), || b.export().contains("after the outage"));
    assert!(caught_up, "stdout {} stderr {}", watch.stdout(), watch.stderr());
    let synced_again =
        eventually(SECONDS(10), || watch.stdout().lines().last().is_some_and(|l| l.starts_with("synced at")));
    assert!(synced_again, "{}", watch.stdout());
    assert_eq!(watch.interrupt(SECONDS(10)), Some(0));
}

#[test]
fn a_device_revoked_while_watching_stops_with_one_line() {
    let keyring = Keyring::start();
    let server = Server::start();
    let (a, b) = signed_in_pair(&server, &keyring);
    let mut watch = b.spawn(&["sync", "--watch"]);
    assert!(eventually(SECONDS(20), || watch.stdout().contains("synced at")), "{}", watch.stderr());
    let b_device = b.run(&["account", "status"])["deviceId"].as_str().unwrap().to_string();
    a.run(&["account", "revoke", &b_device]);
    assert_eq!(watch.exit_code(SECONDS(20)), Some(1), "the watch ends: {}", watch.stdout());
    let stderr = watch.stderr();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("vrooli: ") && stderr.contains("sign in again"), "{stderr}");
    assert!(watch.stdout().lines().last().unwrap().starts_with("error ("), "{}", watch.stdout());
}

#[test]
fn a_chat_reaches_its_participants_and_invitees_only() {
    let keyring = Keyring::start();
    let server = Server::start();
    let (ann, bob) = (OnlineDevice::new(&keyring), OnlineDevice::new(&keyring));
    register(&ann, &server, "ann@example.com");
    register(&bob, &server, "bob@example.com");
    let bob_user = bob.run(&["account", "status"])["userId"].as_str().unwrap().to_string();

    let chat = ann.run(&["chat", "create", "--name", "Ann's plans"])["id"].as_str().unwrap().to_string();
    ann.run(&["chat", "post", &chat, "--text", "hello before bob"]);
    sync(&ann);

    // Not invited: knowing nothing of it, Bob's sync brings none of it.
    sync(&bob);
    assert!(!bob.export().contains("hello before bob"));
    // Nor may Bob let himself in on his own device's say-so: he has no such chat here.
    let out = bob.raw(&["chat", "accept", &chat]);
    assert!(error_line(&out, 1).contains("does not exist"), "{}", String::from_utf8_lossy(&out.stderr));

    // Invited: the chat and the messages it already had reach Bob.
    let invite = ann.run(&["chat", "invite", &chat, "--user", &bob_user, "--message", "join us"]);
    assert_eq!(invite["status"], "Pending");
    sync(&ann);
    sync(&bob);
    let export = bob.export();
    assert!(export.contains("Ann's plans") && export.contains("hello before bob"), "{export}");

    // Bob accepts and writes; Ann sees him take part and reads his message.
    let me = bob.run(&["chat", "accept", &chat]);
    assert_eq!(me["userId"], bob_user.as_str());
    bob.run(&["chat", "post", &chat, "--text", "hi ann"]);
    sync(&bob);
    sync(&ann);
    let export: serde_json::Value = serde_json::from_str(&ann.export()).unwrap();
    assert!(export["chat_message"].as_array().unwrap().iter().any(|m| m["text"] == "hi ann"), "{export}");
    assert_eq!(export["chat_participants"][0]["userId"], bob_user.as_str(), "{export}");
    assert_eq!(export["chat_invite"][0]["status"], "Accepted", "{export}");

    // Removed: nothing further reaches Bob; what he had stays on his device.
    let removed = ann.run(&["chat", "remove-participant", &chat, "--user", &bob_user]);
    assert_eq!(removed["removed"], true);
    ann.run(&["chat", "post", &chat, "--text", "after bob left"]);
    sync(&ann);
    sync(&bob);
    let export = bob.export();
    assert!(export.contains("hello before bob"), "what bob had stays on his device");
    assert!(!export.contains("after bob left"), "no further change reaches a removed participant");
}

/// A clock for seeding: starts `hours` ago and moves so that posts spread over that many hours.
struct SeedClock(std::sync::atomic::AtomicI64, i64);

impl Clock for SeedClock {
    fn now(&self) -> vrooli_model::Timestamp {
        vrooli_model::Timestamp::from_micros(self.0.fetch_add(self.1, std::sync::atomic::Ordering::Relaxed))
    }
}

/// Posts `messages` into a new chat of the device at `dir` through the library, dated over the
/// past `hours` hours so they fill many bucket documents: a large first sync.
fn seed_hours(dir: &std::path::Path, messages: usize, hours: i64) -> i64 {
    const HOUR: i64 = 3_600_000_000;
    // A post reads the clock a few times; spread the readings over the hours.
    let step = hours * HOUR / (messages as i64 * 4);
    let start = vrooli_model::SystemClock.now().as_micros() - (hours + 1) * HOUR;
    let clock = SeedClock(std::sync::atomic::AtomicI64::new(start), step);
    let data_dir = vrooli_store::DataDir::resolve(Some(dir.to_path_buf())).unwrap();
    let mut workspace = vrooli_core::Workspace::open_with_clock(&data_dir, Box::new(clock)).unwrap();
    let chat = workspace.create_chat("History", "en").unwrap();
    for i in 0..messages {
        workspace.post_message(chat.id, &format!("old message {i}"), "en", None).unwrap();
    }
    chat.id
}

/// (rows, distinct ids) of `chat_message` in a device's database.
fn message_rows(d: &OnlineDevice) -> (i64, i64) {
    let db = rusqlite::Connection::open(d.dir.path().join("vrooli.db")).unwrap();
    db.query_row("SELECT count(*), count(DISTINCT id) FROM chat_message", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap()
}

#[test]
fn a_server_killed_in_the_middle_of_a_large_sync_loses_and_duplicates_nothing() {
    use rand::Rng;
    let keyring = Keyring::start();
    let mut server = Server::start();
    let a = OnlineDevice::new(&keyring);
    let b = OnlineDevice::new(&keyring);
    // Seeded before signing in: ids never go below the largest stored id, so rows written now
    // would pull every seeded message into the current bucket.
    let chat = seed_hours(a.dir.path(), 600, 300).to_string();
    assert!(a.sign_in("register", &server, EMAIL, PASSWORD).status.success());
    assert!(b.sign_in("login", &server, EMAIL, PASSWORD).status.success());
    let waiting = pending(&a);
    assert!(waiting > 150, "a chat header and its buckets wait to be sent, not {waiting}");

    let mut rng = rand::rng();
    let mut interrupted = 0;
    for round in 0..4 {
        let mut a_sync = a.spawn(&["sync"]);
        let mut b_sync = (round > 0).then(|| b.spawn(&["sync"]));
        if round == 0 {
            // Right after the server committed the first documents, before the rounds that
            // answer them: the client is mid-sync and the server's write is durable.
            assert!(eventually(Duration::from_secs(60), || server.stored_documents() > 0 || !a_sync.is_running()));
        } else {
            std::thread::sleep(Duration::from_millis(rng.random_range(10..400)));
        }
        server.kill_and_restart();
        let code = a_sync.exit_code(Duration::from_secs(60)).expect("the sync ends once the server is gone");
        if code != 0 {
            interrupted += 1;
            assert!(a_sync.stderr().contains("cannot reach"), "{}", a_sync.stderr());
        }
        if let Some(b_sync) = b_sync.as_mut() {
            b_sync.exit_code(Duration::from_secs(60)).expect("the other device's sync ends too");
        }
        // Work goes on between the attempts.
        a.run(&["chat", "post", &chat, "--text", &format!("posted after kill {round}")]);
    }
    eprintln!("{interrupted} of 4 kills landed in the middle of a sync");
    assert!(interrupted > 0, "no kill landed in the middle of a sync");

    // Both resume and converge: nothing lost, nothing twice.
    assert_eq!(a.run(&["sync"])["pending"], 0);
    assert_eq!(b.run(&["sync"])["pending"], 0);
    assert_eq!(a.run(&["sync"])["pending"], 0);
    assert_eq!(pending(&a), 0);
    assert_eq!(message_rows(&a), (604, 604));
    assert_eq!(message_rows(&b), (604, 604), "every message once on the other device");
    assert_eq!(a.export(), b.export());
    let docs = vrooli_core::Workspace::open(&vrooli_store::DataDir::resolve(Some(a.dir.path().to_path_buf())).unwrap())
        .unwrap()
        .documents()
        .unwrap()
        .len() as i64;
    assert_eq!(server.stored_documents(), docs, "the server holds each of the device's documents once");
}
