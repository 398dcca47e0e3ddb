//! `init`, `stats`, `search` and the error conventions they share.

use std::process::Command;

use serde_json::Value as Json;

use vrooli_model::entities::{Chat, ChatMessage};
use vrooli_store::{DataDir, Store};

use crate::support::{json, vrooli};

fn rows(stats: &Json, table: &str) -> u64 {
    stats["tables"].as_array().unwrap().iter().find(|t| t["table"] == table).unwrap()["rows"].as_u64().unwrap()
}

#[test]
fn init_creates_then_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    let first = json(&vrooli(dir.path(), &["init", "--json"]));
    assert_eq!(first["created"], true);
    let db = dir.path().join("vrooli.db");
    assert_eq!(first["path"], db.display().to_string());
    assert!(db.exists());

    let mut store = Store::open(&DataDir::at(dir.path())).unwrap();
    let chat = store.insert(Chat::default()).unwrap();
    drop(store);

    let second = json(&vrooli(dir.path(), &["init", "--json"]));
    assert_eq!(second["created"], false);
    assert_eq!(second["deviceId"], first["deviceId"]);
    let stats = json(&vrooli(dir.path(), &["stats", "--json"]));
    assert_eq!(rows(&stats, "chat"), 1, "init again kept the chat {}", chat.id);
    assert_eq!(stats["tables"].as_array().unwrap().len(), 66);
    assert_eq!(stats["total"], 1);

    let text = vrooli(dir.path(), &["init"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("up to date"));
}

#[test]
fn data_dir_comes_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vrooli"))
        .args(["init", "--json"])
        .env("VROOLI_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert_eq!(json(&out)["path"], dir.path().join("vrooli.db").display().to_string());
}

#[test]
fn search_finds_messages_with_string_ids() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&DataDir::at(dir.path())).unwrap();
    let chat = store.insert(Chat::default()).unwrap();
    let message = store
        .insert(ChatMessage {
            chat_id: chat.id,
            language: "en".into(),
            text: "Ship the release notes".into(),
            ..Default::default()
        })
        .unwrap();
    drop(store);

    let found = json(&vrooli(dir.path(), &["search", "release", "--json"]));
    let hits = found["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["id"], message.id.to_string());
    assert_eq!(hits[0]["parentId"], chat.id.to_string());
    assert_eq!(hits[0]["snippet"], "Ship the [release] notes");

    let none = vrooli(dir.path(), &["search", "absent"]);
    assert!(none.status.success());
    assert_eq!(String::from_utf8_lossy(&none.stdout).trim(), "no matches");
}

#[test]
fn errors_are_one_line_with_a_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let empty = vrooli(dir.path(), &["search", "   "]);
    assert_eq!(empty.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&empty.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("vrooli: invalid search query"), "{stderr}");

    // A data dir that cannot be created.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let bad = vrooli(&file.join("sub"), &["init"]);
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot create data directory"), "{stderr}");

    let usage = vrooli(dir.path(), &["frobnicate"]);
    assert_eq!(usage.status.code(), Some(2));
}
