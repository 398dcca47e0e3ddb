//! `history`, `show --at`, `export` and `doctor`.

use vrooli_store::{DataDir, Store};

use crate::support::{error_line, stdout, Device};

#[test]
fn history_lists_changes_and_show_travels_back() {
    let d = Device::new();
    let device_id = d.run(&["init"])["deviceId"].as_str().unwrap().to_string();
    let chat = d.id(&["chat", "create", "--name", "Notes"]);
    let message = d.id(&["chat", "post", &chat, "--text", "first draft"]);
    d.run(&["chat", "edit", &message, "--text", "final text"]);
    let bucket = d.run(&["chat", "show", &chat])["messages"][0]["docId"].as_str().unwrap().to_string();

    let history = d.run(&["history", &bucket]);
    let changes = history["changes"].as_array().unwrap();
    let messages: Vec<&str> = changes.iter().map(|c| c["message"].as_str().unwrap()).collect();
    assert_eq!(messages, ["genesis", &format!("post message {message}"), &format!("edit message {message}")]);
    assert_eq!(changes[0]["device"], "genesis");
    assert_eq!(changes[1]["device"], device_id.as_str());
    assert_eq!(history["heads"], serde_json::json!([changes[2]["hash"]]));

    let text = stdout(&d.raw(&["history", &bucket]));
    assert!(text.contains(&format!("edit message {message}")) && text.contains(changes[2]["hash"].as_str().unwrap()));

    let at_post = changes[1]["hash"].as_str().unwrap();
    let then: serde_json::Value = serde_json::from_str(&stdout(&d.raw(&["show", &bucket, "--at", at_post]))).unwrap();
    assert_eq!(then["messages"][&message]["text"], "first draft");
    let now: serde_json::Value = serde_json::from_str(&stdout(&d.raw(&["show", &bucket]))).unwrap();
    assert_eq!(now["messages"][&message]["text"], "final text");

    let header = d.run(&["history", &format!("chat:{chat}")]);
    assert_eq!(header["changes"][1]["message"], format!("create chat {chat}"));

    let line = error_line(&d.raw(&["show", &bucket, "--at", "not-a-hash"]), 1);
    assert!(line.starts_with("invalid heads \"not-a-hash\""), "{line}");
    let line = error_line(&d.raw(&["history", "chat:12345"]), 1);
    assert_eq!(line, "document chat:12345 does not exist");
}

#[test]
fn export_is_canonical_json_with_or_without_the_flag() {
    let d = Device::new();
    let chat = d.id(&["chat", "create", "--name", "Export"]);
    d.run(&["chat", "post", &chat, "--text", "hi"]);
    let export = d.export();
    assert_eq!(stdout(&d.raw(&["export"])), export);
    let parsed: serde_json::Value = serde_json::from_str(&export).unwrap();
    assert_eq!(parsed["chat"][0]["id"], chat.as_str(), "ids are strings");
    assert_eq!(parsed["chat_message"][0]["text"], "hi");
}

#[test]
fn doctor_reports_rows_that_differ_from_their_documents() {
    let d = Device::new();
    let chat = d.id(&["chat", "create", "--name", "Checked"]);
    d.id(&["chat", "post", &chat, "--text", "as written"]);
    let clean = stdout(&d.raw(&["doctor"]));
    assert!(clean.contains("no differences"), "{clean}");

    // A row changed behind the documents' back.
    let store = Store::open(&DataDir::at(d.path())).unwrap();
    store.connection().execute("UPDATE chat_message SET text = 'tampered'", []).unwrap();
    drop(store);

    let out = d.raw(&["doctor"]);
    let line = error_line(&out, 1);
    assert_eq!(line, "doctor found 1 table(s) whose rows differ from their documents");
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(report.contains("chat_message: 0 rows missing, 0 rows extra, 1 rows differ"), "{report}");
    let out = d.raw(&["doctor", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["healthy"], false);
    assert_eq!(out.status.code(), Some(1));
}
