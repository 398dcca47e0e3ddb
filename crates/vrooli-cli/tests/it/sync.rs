//! Sync through a real `vrooli-server` on 127.0.0.1, with the device token in
//! a real Secret Service.

use crate::online::*;
use crate::support::error_line;

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
