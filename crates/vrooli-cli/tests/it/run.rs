//! `vrooli run …`: steps in order, inputs/outputs, and the status state machine.

use crate::support::{error_line, stdout, Device};

const NODE_A: &str = "0b6f3c1e-3c59-4f3a-9d8e-1a2b3c4d5e6f";
const NODE_B: &str = "7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6";

#[test]
fn a_run_records_steps_io_and_transitions() {
    let d = Device::new();
    let resource = d.run(&["resource", "create", "--type", "Routine", "--name", "Brew"]);
    let version = resource["version"]["id"].as_str().unwrap().to_string();
    let run = d.run(&["run", "create", "--name", "Morning brew", "--version", &version]);
    let id = run["id"].as_str().unwrap().to_string();
    assert_eq!(run["status"], "Scheduled");
    assert_eq!(run["docId"], format!("run:{id}"));
    assert_eq!(run["resourceVersionId"], version.as_str());

    let boil = d.run(&["run", "step", &id, "--name", "Boil", "--node", NODE_A]);
    let steep = d.run(&["run", "step", &id, "--name", "Steep", "--node", NODE_B]);
    assert_eq!((boil["order"].as_i64(), steep["order"].as_i64()), (Some(0), Some(1)));
    d.run(&["run", "io", &id, "--node", "Boil", "--input", "water", "--data", r#"{"ml": 250}"#]);
    for status in ["InProgress", "Paused", "InProgress", "Completed"] {
        assert_eq!(d.run(&["run", "status", &id, status])["status"], status);
    }

    let show = d.run(&["run", "show", &id]);
    assert_eq!(show["status"], "Completed");
    assert!(show["startedAt"].is_string() && show["completedAt"].is_string(), "{show}");
    let steps: Vec<&str> = show["steps"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(steps, ["Boil", "Steep"]);
    assert_eq!(show["steps"][1]["nodeId"], NODE_B);
    assert_eq!(show["io"][0]["inputName"], "water");
    assert_eq!(show["io"][0]["data"], r#"{"ml": 250}"#);
    let text = stdout(&d.raw(&["run", "show", &id]));
    assert!(text.contains("Boil.water = {\"ml\": 250}") && text.contains("#1   InProgress  Steep"), "{text}");

    let line = error_line(&d.raw(&["run", "status", &id, "Paused"]), 1);
    assert!(line.starts_with(&format!("run {id}: cannot go from Completed to Paused")), "{line}");
    let line = error_line(&d.raw(&["run", "step", &id, "--name", "x", "--node", "not-a-uuid"]), 1);
    assert!(line.starts_with("run_step.nodeId: "), "{line}");
    let line = error_line(&d.raw(&["run", "create", "--name", "x", "--version", "999"]), 1);
    assert!(line.starts_with("run.resourceVersionId: "), "{line}");

    let other = d.id(&["run", "create", "--name", "Later"]);
    let ids = |status: &str| -> Vec<String> {
        d.run(&["run", "list", "--status", status])["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids("Completed"), [id]);
    assert_eq!(ids("Scheduled"), [other]);
    assert!(ids("Failed").is_empty());
    let every = d.run(&["run", "list"]);
    assert_eq!(every["runs"].as_array().unwrap().len(), 2);
    d.assert_healthy();
}

#[test]
fn bad_status_or_json_is_a_usage_error() {
    let d = Device::new();
    let id = d.id(&["run", "create", "--name", "r"]);
    for args in [
        &["run", "status", &id, "Done"][..],
        &["run", "list", "--status", "inprogress"],
        &["run", "io", &id, "--node", "n", "--input", "i", "--data", "{not json"],
        &["run", "step", &id, "--name", "s"],
    ] {
        let out = d.raw(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(d.run(&["run", "show", &id])["io"], serde_json::json!([]));
}
