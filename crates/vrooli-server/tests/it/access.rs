//! Who may read and write which document: its owner, and a team's members
//! while they are members; nobody else, whatever they ask for or claim.

use vrooli_protocol::wire::{Owner, SyncRequest};

use crate::support::*;

on_both_backends!(another_users_document_is_denied, team_documents_follow_membership);

async fn another_users_document_is_denied(backend: Backend) {
    let server = backend.server();
    let ann = Device::register(&server, "ann@example.com").await;
    let bob = Device::register(&server, "bob@example.com").await;
    let id = chat_id();
    let mut doc = doc_with("secret", "ann's plans");
    ann.sync_doc(&id, &mut doc, None).await;

    // Bob asks for it by id: denied, no content.
    let (bobs, responses) = bob.fetch(&id).await;
    assert!(responses[0].denied.contains(&id), "{:?}", responses[0]);
    assert!(responses.iter().all(|r| r.docs.iter().all(|d| d.doc_id != id)));
    assert_eq!(get(&bobs, "secret"), None);

    // Bob writes into it claiming it is his, and into its message bucket: denied.
    let bob_owner = Some(Owner::User(bob.session.user_id.clone()));
    let mut forged = doc_with("secret", "bob was here");
    let responses = bob.sync_doc(&id, &mut forged, bob_owner.clone()).await;
    assert!(responses[0].denied.contains(&id));
    let bucket = format!("messages:{}:1", id.trim_start_matches("chat:"));
    let responses = bob.sync_doc(&bucket, &mut doc_with("text", "sneaky"), bob_owner.clone()).await;
    assert!(responses[0].denied.contains(&bucket), "a chat's messages follow the chat's owner");
    // Claiming Ann as the owner of a new document gets nowhere either.
    let other = chat_id();
    let ann_owner = Some(Owner::User(ann.session.user_id.clone()));
    let responses = bob.sync_doc(&other, &mut doc_with("x", "y"), ann_owner).await;
    assert!(responses[0].denied.contains(&other));

    // Bob's changes list never shows Ann's documents.
    let listing = bob.sync_ok(&SyncRequest::default()).await;
    assert!(!listing.changed.contains(&id) && !listing.changed.contains(&bucket), "{listing:?}");

    // Ann's document is as she left it, and her other device is told of it.
    let ann2 = Device::login(&server, "ann@example.com").await;
    let listing = ann2.sync_ok(&SyncRequest::default()).await;
    assert!(listing.changed.contains(&id), "{listing:?}");
    let (copy, _) = ann2.fetch(&id).await;
    assert_eq!(get(&copy, "secret").as_deref(), Some("ann's plans"));
    assert_eq!(copy.get_heads(), doc.get_heads());
}

async fn team_documents_follow_membership(backend: Backend) {
    let server = backend.server();
    let ann = Device::register(&server, "ann@example.com").await;
    let bob = Device::register(&server, "bob@example.com").await;
    let r = ann.post("/v1/teams", &serde_json::json!({ "name": "Ops" })).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let team = r.body[0]["id"].as_str().unwrap().to_string();
    let id = chat_id();
    let mut doc = doc_with("plan", "team plan");
    ann.sync_doc(&id, &mut doc, Some(Owner::Team(team.clone()))).await;

    // Not a member, then only invited: denied.
    assert!(bob.fetch(&id).await.1[0].denied.contains(&id));
    let r = ann.post(&format!("/v1/teams/{team}/invites"), &serde_json::json!({ "email": "bob@example.com" })).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(bob.fetch(&id).await.1[0].denied.contains(&id), "an invite alone opens nothing");
    // A non-admin cannot invite; a stranger cannot see the team.
    let r = bob.post(&format!("/v1/teams/{team}/invites"), &serde_json::json!({ "email": "eve@example.com" })).await;
    assert_eq!(r.status, 404, "{}", r.body);

    // A member reads and writes it.
    let r = bob.post(&format!("/v1/teams/{team}/accept"), &serde_json::json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let listing = bob.sync_ok(&SyncRequest::default()).await;
    assert!(listing.changed.contains(&id), "{listing:?}");
    let (mut copy, _) = bob.fetch(&id).await;
    assert_eq!(get(&copy, "plan").as_deref(), Some("team plan"));
    put(&mut copy, "note", "from bob");
    bob.sync_doc(&id, &mut copy, None).await;
    ann.sync_doc(&id, &mut doc, None).await;
    assert_eq!(get(&doc, "note").as_deref(), Some("from bob"));

    // Removed: denied again, for reading and writing.
    let r = ann.delete(&format!("/v1/teams/{team}/members/{}", bob.session.user_id)).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert!(bob.fetch(&id).await.1[0].denied.contains(&id));
    put(&mut copy, "note", "after removal");
    assert!(bob.sync_doc(&id, &mut copy, None).await[0].denied.contains(&id));
    let fresh = chat_id();
    let r = bob.sync_doc(&fresh, &mut doc_with("x", "y"), Some(Owner::Team(team.clone()))).await;
    assert!(r[0].denied.contains(&fresh), "no new documents for a team one left");
    ann.sync_doc(&id, &mut doc, None).await;
    assert_eq!(get(&doc, "note").as_deref(), Some("from bob"));
}
