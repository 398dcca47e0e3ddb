//! `vrooli chat …`: writes through the documents, reads from the projection.

use serde_json::Value as Json;

use crate::support::{stdout, Device};

/// (id, depth, parentId) of each message of a `chat show --json`, in order.
fn thread(show: &Json) -> Vec<(String, u64, Option<String>)> {
    show["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["id"].as_str().unwrap().to_string(),
                m["depth"].as_u64().unwrap(),
                m["parentId"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn list_ids(d: &Device) -> Vec<String> {
    d.run(&["chat", "list"])["chats"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().into()).collect()
}

#[test]
fn show_prints_the_thread_and_list_orders_by_activity() {
    let d = Device::new();
    let plans = d.id(&["chat", "create", "--name", "Plans"]);
    let other = d.id(&["chat", "create", "--name", "Autres", "--language", "fr"]);
    assert_eq!(list_ids(&d), [other.clone(), plans.clone()], "newest chat first");

    let first = d.id(&["chat", "post", &plans, "--text", "Agenda?"]);
    let reply = d.id(&["chat", "post", &plans, "--text", "Yes", "--reply-to", &first]);
    let second = d.id(&["chat", "post", &plans, "--text", "Lunch?"]);
    let late_reply = d.id(&["chat", "post", &plans, "--text", "After lunch", "--reply-to", &first]);
    let nested = d.id(&["chat", "post", &plans, "--text", "Fine", "--reply-to", &reply]);
    assert_eq!(list_ids(&d), [plans.clone(), other.clone()], "a post makes a chat the most recent");

    let edited = d.run(&["chat", "edit", &first, "--text", "Agenda for Monday?"]);
    assert_eq!(edited["versionIndex"], 1);
    assert_eq!(d.run(&["chat", "edit", &first, "--text", "Agenda for Tuesday?"])["versionIndex"], 2);

    let show = d.run(&["chat", "show", &plans]);
    assert_eq!(show["id"], plans.as_str());
    assert_eq!(show["names"][0]["name"], "Plans");
    assert_eq!(show["names"][0]["language"], "en");
    let f = Some(first.clone());
    assert_eq!(
        thread(&show),
        [
            (first.clone(), 0, None),
            (reply.clone(), 1, f.clone()),
            (nested.clone(), 2, Some(reply.clone())),
            (late_reply.clone(), 1, f.clone()),
            (second.clone(), 0, None),
        ]
    );
    assert_eq!(show["messages"][0]["text"], "Agenda for Tuesday?");
    assert_eq!(show["messages"][0]["versionIndex"], 2);
    // Document ids: the header, then each message's bucket, which every message names.
    let doc_ids: Vec<&str> = show["docIds"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
    assert_eq!(doc_ids[0], format!("chat:{plans}"));
    for m in show["messages"].as_array().unwrap() {
        let doc = m["docId"].as_str().unwrap();
        assert!(doc.starts_with(&format!("messages:{plans}:")) && doc_ids.contains(&doc), "{doc}");
    }

    let text = stdout(&d.raw(&["chat", "show", &plans]));
    assert!(text.contains("\"Plans\" (en)"), "{text}");
    assert!(text.contains(&format!("      - {nested} ")), "a reply to a reply sits two levels in:\n{text}");

    // Deleting a parent keeps its replies, now at the top level among the others, oldest first.
    assert_eq!(d.run(&["chat", "delete-message", &first])["deleted"], true);
    let show = d.run(&["chat", "show", &plans]);
    assert_eq!(
        thread(&show),
        [(reply.clone(), 0, None), (nested, 1, Some(reply)), (second, 0, None), (late_reply, 0, None)]
    );
    d.assert_healthy();
}

#[test]
fn human_output_names_what_was_done() {
    let d = Device::new();
    let out = stdout(&d.raw(&["chat", "create", "--name", "Team"]));
    assert!(out.starts_with("created chat ") && out.contains("\"Team\" (en), document chat:"), "{out}");
    let chat = d.run(&["chat", "list"])["chats"][0]["id"].as_str().unwrap().to_string();
    let out = stdout(&d.raw(&["chat", "post", &chat, "--text", "line one\nline two"]));
    assert!(out.contains("line one⏎line two"), "{out}");
    let list = stdout(&d.raw(&["chat", "list"]));
    assert!(list.contains(&chat) && list.contains("\"Team\" (en)"), "{list}");
    assert_eq!(stdout(&Device::new().raw(&["chat", "list"])).trim(), "no chats");
}

#[test]
fn reactions_count_per_emoji_and_can_be_taken_back() {
    let d = Device::new();
    let chat = d.id(&["chat", "create", "--name", "Plans"]);
    let message = d.id(&["chat", "post", &chat, "--text", "Ship it?"]);
    d.run(&["chat", "react", &message, "--emoji", "👍"]);
    d.run(&["chat", "react", &message, "--emoji", "👍"]);
    d.run(&["chat", "react", &message, "--emoji", "🎉"]);
    let show = d.run(&["chat", "show", &chat]);
    assert_eq!(show["messages"][0]["reactions"], serde_json::json!({"👍": 1, "🎉": 1}), "once per emoji");
    assert!(show["messages"][0]["userId"].is_string(), "the author is named");

    let taken = d.run(&["chat", "unreact", &message, "--emoji", "👍"]);
    assert_eq!(taken["reacted"], false);
    let show = d.run(&["chat", "show", &chat]);
    assert_eq!(show["messages"][0]["reactions"], serde_json::json!({"🎉": 1}));

    let before = d.export();
    let refused = d.raw(&["chat", "react", &message, "--emoji", &"x".repeat(33)]);
    let line = crate::support::error_line(&refused, 1);
    assert!(line.contains("emoji"), "{line}");
    assert_eq!(d.export(), before, "a refused reaction changes nothing");
    d.assert_healthy();
}
