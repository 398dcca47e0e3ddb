//! `vrooli resource …`: versions in label order, the latest marked, names carried forward.

use serde_json::Value as Json;

use crate::support::{error_line, stdout, Device};

/// (label, index, latest, complete, private) of each version of a `resource show --json`.
fn versions(show: &Json) -> Vec<(String, i64, bool, bool, bool)> {
    show["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["label"].as_str().unwrap().to_string(),
                v["index"].as_i64().unwrap(),
                v["latest"].as_bool().unwrap(),
                v["complete"].as_bool().unwrap(),
                v["private"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn versions_are_shown_by_label_with_the_latest_marked() {
    let d = Device::new();
    let created = d.run(&["resource", "create", "--type", "Routine", "--name", "Make tea"]);
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["docId"], format!("resource:{id}"));
    assert_eq!(created["version"]["label"], "1.0.0");
    assert_eq!(created["version"]["latest"], true);

    let v110 = d.run(&["resource", "version", &id, "--label", "1.1.0", "--complete", "--notes", "steep longer"]);
    assert_eq!(v110["complete"], true);
    assert_eq!(v110["notes"], "steep longer");
    d.run(&["resource", "version", &id, "--label", "0.9.0", "--private"]);

    let show = d.run(&["resource", "show", &id]);
    assert_eq!(show["resourceType"], "Routine");
    assert_eq!(show["hasCompleteVersion"], true);
    let s = |x: &str| x.to_string();
    assert_eq!(
        versions(&show),
        [(s("0.9.0"), 0, false, false, true), (s("1.0.0"), 1, false, false, false), (s("1.1.0"), 2, true, true, false),]
    );
    for v in show["versions"].as_array().unwrap() {
        assert_eq!(v["names"][0]["name"], "Make tea", "every version keeps the name");
    }
    assert_eq!(show["versions"][2]["notes"], "steep longer");

    let text = stdout(&d.raw(&["resource", "show", &id]));
    assert!(text.contains("* #2 1.1.0"), "the latest is marked:\n{text}");
    assert!(text.contains("notes: steep longer"), "{text}");

    let line = error_line(&d.raw(&["resource", "version", &id, "--label", "1.1.0"]), 1);
    assert_eq!(line, "resource_version: another row already has the same versionLabel");
    let line = error_line(&d.raw(&["resource", "version", "999", "--label", "3.0.0"]), 1);
    assert_eq!(line, "resource 999 does not exist");
    let line = error_line(&d.raw(&["resource", "show", "999"]), 1);
    assert_eq!(line, "resource 999 does not exist");
    d.assert_healthy();
}

#[test]
fn list_filters_by_type_newest_first() {
    let d = Device::new();
    let routine = d.id(&["resource", "create", "--type", "Routine", "--name", "Brew"]);
    let note = d.id(&["resource", "create", "--type", "Note", "--name", "Shopping", "--language", "de"]);
    d.run(&["resource", "version", &routine, "--label", "2.0.0"]);

    let all = d.run(&["resource", "list"]);
    let ids: Vec<&str> = all["resources"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [note.as_str(), routine.as_str()]);
    assert_eq!(all["resources"][1]["latestLabel"], "2.0.0");
    assert_eq!(all["resources"][1]["versions"], 2);
    assert_eq!(all["resources"][0]["names"][0]["language"], "de");

    let notes = d.run(&["resource", "list", "--type", "Note"]);
    assert_eq!(notes["resources"].as_array().unwrap().len(), 1);
    assert_eq!(notes["resources"][0]["id"], note.as_str());
    assert_eq!(stdout(&d.raw(&["resource", "list", "--type", "Project"])).trim(), "no resources");

    let line = error_line(&d.raw(&["resource", "create", "--type", "", "--name", "x"]), 1);
    assert!(line.starts_with("resource.resourceType: "), "{line}");
}
