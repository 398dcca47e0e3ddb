//! Usage errors (exit 2) and refused input (exit 1): one line, nothing written.

use crate::support::{error_line, Device};

#[test]
fn an_over_long_chat_name_is_refused_naming_the_field() {
    let d = Device::new();
    let name = "n".repeat(129);
    let line = error_line(&d.raw(&["chat", "create", "--name", &name]), 1);
    assert!(line.starts_with("chat_translation.name: "), "{line}");
    let line = error_line(&d.raw(&["chat", "create", "--name", "ok", "--language", "English"]), 1);
    assert!(line.starts_with("chat_translation.language: "), "{line}");
    assert_eq!(d.run(&["chat", "list"])["chats"], serde_json::json!([]));
    assert_eq!(d.run(&["stats"])["total"], 0, "nothing written");
    assert_eq!(d.run(&["doctor"])["documents"], 0, "no document either");
}

#[test]
fn writes_to_missing_or_mismatched_rows_are_refused() {
    let d = Device::new();
    let chat = d.id(&["chat", "create", "--name", "One"]);
    let other = d.id(&["chat", "create", "--name", "Two"]);
    let message = d.id(&["chat", "post", &chat, "--text", "hello"]);
    let before = d.export();

    let line = error_line(&d.raw(&["chat", "post", "12345", "--text", "x"]), 1);
    assert_eq!(line, "chat 12345 does not exist");
    let line = error_line(&d.raw(&["chat", "post", &other, "--text", "x", "--reply-to", &message]), 1);
    assert!(line.starts_with("chat_message.parentId: "), "{line}");
    let line = error_line(&d.raw(&["chat", "post", &chat, "--text", ""]), 1);
    assert!(line.starts_with("chat_message.text: "), "{line}");
    let line = error_line(&d.raw(&["chat", "edit", "999", "--text", "x"]), 1);
    assert_eq!(line, "chat_message 999 does not exist");
    let line = error_line(&d.raw(&["chat", "delete-message", "999"]), 1);
    assert_eq!(line, "chat_message 999 does not exist");
    let line = error_line(&d.raw(&["chat", "show", "999"]), 1);
    assert_eq!(line, "chat 999 does not exist");
    assert_eq!(d.export(), before);
    d.assert_healthy();
}

#[test]
fn usage_errors_exit_2() {
    let d = Device::new();
    for args in [
        &["chat", "create"][..],
        &["chat", "post", "abc", "--text", "x"],
        &["chat", "post", "1"],
        &["chat", "frobnicate"],
        &["history", "team:1"],
        &["show", "chat:"],
        &["bundle", "export"],
        &["bundle", "export", "--out", "x", "--doc", "chat:one"],
    ] {
        let out = d.raw(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    assert!(!d.path().join("vrooli.db").exists(), "a usage error opens nothing");
}
