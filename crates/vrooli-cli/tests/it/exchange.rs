//! Two devices edit offline and exchange bundles through the binary: their
//! canonical exports end byte-identical, a second import changes nothing,
//! and damaged or foreign files are refused without changing anything.

use std::path::Path;

use crate::support::{error_line, Device};

/// Both ways, through files; returns how many documents each side gained.
fn exchange(a: &Device, b: &Device, dir: &Path, round: &str) -> (u64, u64) {
    let from_a = a.bundle(dir, &format!("a-{round}.bundle"));
    let from_b = b.bundle(dir, &format!("b-{round}.bundle"));
    let (_, b_changed) = b.import(&from_a);
    let (_, a_changed) = a.import(&from_b);
    (a_changed, b_changed)
}

#[test]
fn two_devices_converge_through_bundles() {
    let files = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());

    // A starts a chat, a resource and a run, and hands them to B.
    let chat = a.id(&["chat", "create", "--name", "Plans"]);
    let agenda = a.id(&["chat", "post", &chat, "--text", "Draft agenda"]);
    let tea = a.run(&["resource", "create", "--type", "Routine", "--name", "Make tea"]);
    let (tea, first_version) =
        (tea["id"].as_str().unwrap().to_string(), tea["version"]["id"].as_str().unwrap().to_string());
    let shared_run = a.id(&["run", "create", "--name", "Shared brew", "--version", &first_version]);
    let (_, changed) = b.import(&a.bundle(files.path(), "start.bundle"));
    assert_eq!(changed, 4, "the chat header, one message bucket, the resource and the run");

    // Offline on both sides.
    a.run(&["chat", "edit", &agenda, "--text", "Draft agenda, v2"]);
    let a_reply = a.id(&["chat", "post", &chat, "--text", "Room 4", "--reply-to", &agenda]);
    b.run(&["chat", "edit", &agenda, "--text", "Final agenda"]);
    let b_post = b.id(&["chat", "post", &chat, "--text", "Lunch after?"]);
    let doomed = b.id(&["chat", "post", &chat, "--text", "typo"]);
    b.run(&["chat", "delete-message", &doomed]);
    let b_chat = b.id(&["chat", "create", "--name", "Équipe", "--language", "fr"]);
    a.run(&["resource", "version", &tea, "--label", "1.1.0", "--complete", "--notes", "steep longer"]);
    b.run(&["resource", "version", &tea, "--label", "2.0.0", "--private"]);
    let b_note = b.id(&["resource", "create", "--type", "Note", "--name", "Cups"]);
    for status in ["InProgress", "Completed"] {
        a.run(&["run", "status", &shared_run, status]);
    }
    for status in ["InProgress", "Paused"] {
        b.run(&["run", "status", &shared_run, status]);
    }
    b.run(&["run", "step", &shared_run, "--name", "Boil", "--node", "0b6f3c1e-3c59-4f3a-9d8e-1a2b3c4d5e6f"]);
    let b_run = b.id(&["run", "create", "--name", "B's own", "--version", &first_version]);
    b.run(&["run", "io", &b_run, "--node", "Boil", "--input", "water", "--data", "250"]);
    b.run(&["run", "status", &b_run, "Cancelled"]);

    let (a_changed, b_changed) = exchange(&a, &b, files.path(), "1");
    assert!(a_changed >= 5 && b_changed >= 3, "A gained {a_changed}, B gained {b_changed}");
    let export = a.export();
    assert_eq!(export, b.export(), "the two devices' exports differ");

    let show = a.run(&["chat", "show", &chat]);
    let ids: Vec<&str> = show["messages"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    for id in [&agenda, &a_reply, &b_post] {
        assert!(ids.contains(&id.as_str()), "{id} missing from {ids:?}");
    }
    assert!(!ids.contains(&doomed.as_str()));
    assert_eq!(show["messages"][0]["versionIndex"], 2, "two concurrent edits count twice");
    assert_eq!(a.run(&["chat", "show", &b_chat])["names"][0]["name"], "Équipe");
    let resource = a.run(&["resource", "show", &tea]);
    let labels: Vec<(&str, bool)> = resource["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["label"].as_str().unwrap(), v["latest"].as_bool().unwrap()))
        .collect();
    assert_eq!(labels, [("1.0.0", false), ("1.1.0", false), ("2.0.0", true)]);
    assert_eq!(a.run(&["resource", "list", "--type", "Note"])["resources"][0]["id"], b_note.as_str());
    let run = a.run(&["run", "show", &shared_run]);
    assert_eq!(run["status"], "Completed", "a terminal status beats a concurrent pause");
    assert_eq!(run["steps"][0]["name"], "Boil");
    assert_eq!(a.run(&["run", "show", &b_run])["status"], "Cancelled");

    // Everything again: nothing changes.
    assert_eq!(exchange(&a, &b, files.path(), "2"), (0, 0));
    assert_eq!(a.export(), export);
    assert_eq!(b.export(), export);

    // Damaged and foreign files are refused whole.
    let good = std::fs::read(a.bundle(files.path(), "good.bundle")).unwrap();
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("flipped", flipped, "the bundle is damaged: the checksum does not match"),
        ("truncated", good[..good.len() - 10].to_vec(), "the bundle is damaged: the checksum does not match"),
        ("foreign", b"%PDF-1.7 not a bundle at all".to_vec(), "not a Vrooli bundle"),
        ("empty", Vec::new(), "not a Vrooli bundle"),
    ];
    for (name, bytes, expected) in cases {
        let path = files.path().join(format!("{name}.bundle"));
        std::fs::write(&path, bytes).unwrap();
        let line = error_line(&b.raw(&["bundle", "import", path.to_str().unwrap()]), 1);
        assert!(line.starts_with(expected), "{name}: {line}");
        assert_eq!(b.export(), export, "{name}: a refused bundle changed nothing");
    }
    let missing = files.path().join("absent.bundle");
    let line = error_line(&b.raw(&["bundle", "import", missing.to_str().unwrap()]), 1);
    assert!(line.starts_with(&format!("reading {}: ", missing.display())), "{line}");

    a.assert_healthy();
    b.assert_healthy();
}

#[test]
fn a_bundle_of_one_document_carries_only_it() {
    let files = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    let kept = a.id(&["chat", "create", "--name", "Sent"]);
    let other = a.id(&["chat", "create", "--name", "Not sent"]);
    let path = files.path().join("one.bundle");
    let written = a.run(&["bundle", "export", "--out", path.to_str().unwrap(), "--doc", &format!("chat:{kept}")]);
    assert_eq!(written["only"], format!("chat:{kept}"));
    assert_eq!(b.import(&path), (1, 1));
    let chats = b.run(&["chat", "list"]);
    assert_eq!(chats["chats"].as_array().unwrap().len(), 1);
    assert_eq!(chats["chats"][0]["id"], kept.as_str());
    assert_ne!(kept, other);

    // Writing over an existing file replaces it whole; no temporary file is left behind.
    a.run(&["bundle", "export", "--out", path.to_str().unwrap()]);
    assert_eq!(b.import(&path).0, 2);
    let names: Vec<String> =
        std::fs::read_dir(files.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(names, ["one.bundle"]);
}
