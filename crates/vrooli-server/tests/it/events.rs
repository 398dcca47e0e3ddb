//! The events WebSocket: other devices that may read a document hear at once
//! that it changed; team changes reach the accounts they concern; a wrong
//! token cannot connect.

use std::time::Duration;

use reqwest::StatusCode;
use tokio_tungstenite::tungstenite;
use vrooli_protocol::wire::{Event, Owner};

use crate::support::*;

const SOON: Duration = Duration::from_secs(5);
/// How long a device waits to be sure an event is *not* coming.
const QUIET: Duration = Duration::from_millis(700);

on_both_backends!(other_devices_hear_of_changes_at_once, team_changes_reach_the_accounts_concerned);

async fn other_devices_hear_of_changes_at_once(backend: Backend) {
    let server = backend.server();
    let a = Device::register(&server, "ann@example.com").await;
    let b = Device::login(&server, "ann@example.com").await;
    let carol = Device::register(&server, "carol@example.com").await;
    let (mut a_events, mut b_events, mut carol_events) = (a.events().await, b.events().await, carol.events().await);

    let id = chat_id();
    let mut doc = doc_with("k", "v");
    a.sync_doc(&id, &mut doc, None).await;
    let event = b_events.next(SOON).await.expect("device B hears of A's change");
    let Event::Changed { docs, cursor } = &event else { panic!("{event:?}") };
    assert_eq!(docs, std::slice::from_ref(&id));
    assert!(*cursor > 0);
    assert_eq!(carol_events.next(QUIET).await, None, "another user hears nothing");
    assert_eq!(a_events.next(QUIET).await, None, "the device that made the change is not told");

    // A round that changes nothing tells nobody.
    a.sync_doc(&id, &mut doc, None).await;
    assert_eq!(b_events.next(QUIET).await, None);

    // B's own change reaches A, with a later cursor.
    let (mut copy, _) = b.fetch(&id).await;
    put(&mut copy, "k", "w");
    b.sync_doc(&id, &mut copy, None).await;
    let event = a_events.wait_for(SOON, |e| changed(e, &id)).await.expect("A hears of B's change");
    let Event::Changed { cursor: later, .. } = event else { unreachable!() };
    assert!(later > *cursor);

    // A wrong token cannot connect; nor can a request without one.
    for token in ["vrt_wrong", ""] {
        match Events::connect(&server.url, token).await {
            Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
            Err(e) => panic!("expected 401, got {e}"),
            Ok(_) => panic!("a wrong token opened the events socket"),
        }
    }
    let plain = reqwest::get(server.ws_url().replacen("ws://", "http://", 1)).await.unwrap();
    assert_eq!(plain.status(), StatusCode::UNAUTHORIZED);
}

async fn team_changes_reach_the_accounts_concerned(backend: Backend) {
    let server = backend.server();
    let ann = Device::register(&server, "ann@example.com").await;
    let bob = Device::register(&server, "bob@example.com").await;
    let eve = Device::register(&server, "eve@example.com").await;
    let ann2 = Device::login(&server, "ann@example.com").await;
    let (mut bob_events, mut eve_events, mut ann2_events) =
        (bob.events().await, eve.events().await, ann2.events().await);
    let teams_changed = |e: &Event| *e == Event::TeamsChanged;

    let r = ann.post("/v1/teams", &serde_json::json!({ "name": "Ops" })).await;
    let team = r.body[0]["id"].as_str().unwrap().to_string();
    assert!(ann2_events.wait_for(SOON, teams_changed).await.is_some(), "the creator's other device");

    ann.post(&format!("/v1/teams/{team}/invites"), &serde_json::json!({ "email": "bob@example.com" })).await;
    assert!(bob_events.wait_for(SOON, teams_changed).await.is_some(), "the invitee");
    assert!(ann2_events.wait_for(SOON, teams_changed).await.is_some(), "the team's members");

    bob.post(&format!("/v1/teams/{team}/accept"), &serde_json::json!({})).await;
    assert!(ann2_events.wait_for(SOON, teams_changed).await.is_some());

    // A team document reaches the new member's devices.
    let id = chat_id();
    ann.sync_doc(&id, &mut doc_with("k", "v"), Some(Owner::Team(team.clone()))).await;
    assert!(bob_events.wait_for(SOON, |e| changed(e, &id)).await.is_some());

    ann.delete(&format!("/v1/teams/{team}/members/{}", bob.session.user_id)).await;
    assert!(bob_events.wait_for(SOON, teams_changed).await.is_some(), "the removed member");
    assert_eq!(eve_events.next(QUIET).await, None, "nobody else");

    // After removal, changes to the team's documents no longer reach Bob.
    let (mut doc, _) = ann.fetch(&id).await;
    put(&mut doc, "k", "w");
    ann.sync_doc(&id, &mut doc, None).await;
    assert!(ann2_events.wait_for(SOON, |e| changed(e, &id)).await.is_some());
    assert_eq!(bob_events.next(QUIET).await, None);
}

#[tokio::test]
async fn sigterm_closes_sockets_and_stops_cleanly() {
    let backend = Backend::sqlite();
    let server = backend.server();
    let ann = Device::register(&server, "ann@example.com").await;
    let mut events = ann.events().await;
    let stopped = tokio::task::spawn_blocking(move || server.stop());
    assert!(events.closes(SOON).await, "the server closes the socket when stopping");
    assert!(stopped.await.unwrap(), "exit status 0 after SIGTERM");
}
