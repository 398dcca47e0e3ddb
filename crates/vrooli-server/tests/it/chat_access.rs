//! A chat reaches, besides its owner, the users its header names: its
//! participants and the holders of a pending invite, and its message buckets
//! follow. Only the owner changes who that is; removing someone stops what
//! follows from reaching them.

use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ReadDoc, ROOT};
use vrooli_protocol::wire::SyncRequest;

use crate::support::*;

on_both_backends!(chat_participants_and_invitees_read_it, a_reader_cannot_let_others_in);

/// Puts `user` under `key` (`participants` or `invites`) of a chat header, as devices do.
fn add_person(doc: &mut Automerge, key: &str, user: i64, status: Option<&str>) {
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        let map = match tx.get(ROOT, key)? {
            Some((automerge::Value::Object(ObjType::Map), id)) => id,
            _ => tx.put_object(ROOT, key, ObjType::Map)?,
        };
        let entry = match tx.get(&map, user.to_string())? {
            Some((automerge::Value::Object(ObjType::Map), id)) => id,
            _ => tx.put_object(&map, user.to_string(), ObjType::Map)?,
        };
        tx.put(&entry, "userId", user)?;
        if let Some(status) = status {
            tx.put(&entry, "status", status)?;
        }
        Ok(())
    })
    .unwrap();
}

fn remove_person(doc: &mut Automerge, key: &str, user: i64) {
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        if let Some((_, map)) = tx.get(ROOT, key)? {
            tx.delete(&map, user.to_string())?;
        }
        Ok(())
    })
    .unwrap();
}

fn user_of(device: &Device) -> i64 {
    device.session.user_id.parse().unwrap()
}

fn bucket_of(chat: &str) -> String {
    format!("messages:{}:1", chat.trim_start_matches("chat:"))
}

async fn chat_participants_and_invitees_read_it(backend: Backend) {
    let server = backend.server();
    let ann = Device::register(&server, "ann@example.com").await;
    let bob = Device::register(&server, "bob@example.com").await;
    let eve = Device::register(&server, "eve@example.com").await;
    let id = chat_id();
    let bucket = bucket_of(&id);
    let mut chat = doc_with("name", "ann's chat");
    let mut messages = doc_with("text", "hello before bob");
    ann.sync_docs(&mut [(&id, &mut chat), (&bucket, &mut messages)], None).await;

    // Bob knows the ids: denied, and never listed.
    assert!(bob.fetch(&id).await.1[0].denied.contains(&id));
    assert!(bob.fetch(&bucket).await.1[0].denied.contains(&bucket));
    // Bob's own document moves his cursor past the numbers of Ann's.
    let mut own = doc_with("mine", "bob's");
    bob.sync_doc(&chat_id(), &mut own, None).await;
    let listing = bob.sync_ok(&SyncRequest::default()).await;
    assert!(!listing.changed.contains(&id) && !listing.changed.contains(&bucket), "{listing:?}");
    let bob_cursor = listing.cursor;

    // Invited: the chat and the messages it already had reach Bob (listed
    // after his cursor), and only him.
    let mut bobs_events = bob.events().await;
    add_person(&mut chat, "invites", user_of(&bob), Some("Pending"));
    ann.sync_doc(&id, &mut chat, None).await;
    let heard = bobs_events.wait_for(Duration::from_secs(10), |e| changed(e, &id)).await;
    assert!(heard.is_some(), "Bob's devices hear of the chat he is invited to");
    let listing = bob.sync_ok(&SyncRequest { cursor: Some(bob_cursor), docs: Vec::new() }).await;
    assert!(listing.changed.contains(&id) && listing.changed.contains(&bucket), "{listing:?}");
    let (mut bobs_chat, _) = bob.fetch(&id).await;
    assert_eq!(get(&bobs_chat, "name").as_deref(), Some("ann's chat"));
    let (mut bobs_messages, _) = bob.fetch(&bucket).await;
    assert_eq!(get(&bobs_messages, "text").as_deref(), Some("hello before bob"));
    assert!(eve.fetch(&id).await.1[0].denied.contains(&id));
    assert!(!eve.sync_ok(&SyncRequest::default()).await.changed.contains(&id));

    // Bob accepts (his invite Accepted, himself a participant) and writes.
    add_person(&mut bobs_chat, "invites", user_of(&bob), Some("Accepted"));
    add_person(&mut bobs_chat, "participants", user_of(&bob), None);
    let r = bob.sync_doc(&id, &mut bobs_chat, None).await;
    assert!(r.iter().all(|r| r.denied.is_empty()), "{r:?}");
    put(&mut bobs_messages, "reply", "hi ann");
    assert!(bob.sync_doc(&bucket, &mut bobs_messages, None).await.iter().all(|r| r.denied.is_empty()));
    ann.sync_docs(&mut [(&id, &mut chat), (&bucket, &mut messages)], None).await;
    assert_eq!(get(&messages, "reply").as_deref(), Some("hi ann"));

    // Removed: nothing more reaches Bob, and he writes nothing more.
    remove_person(&mut chat, "participants", user_of(&bob));
    ann.sync_doc(&id, &mut chat, None).await;
    put(&mut messages, "text", "after bob left");
    ann.sync_doc(&bucket, &mut messages, None).await;
    assert!(bob.fetch(&id).await.1[0].denied.contains(&id));
    assert!(bob.fetch(&bucket).await.1[0].denied.contains(&bucket));
    put(&mut bobs_messages, "reply", "still here?");
    assert!(bob.sync_doc(&bucket, &mut bobs_messages, None).await[0].denied.contains(&bucket));
    let listing = bob.sync_ok(&SyncRequest::default()).await;
    assert!(!listing.changed.contains(&id) && !listing.changed.contains(&bucket), "{listing:?}");
    ann.sync_doc(&bucket, &mut messages, None).await;
    assert_eq!(get(&messages, "reply").as_deref(), Some("hi ann"));
}

async fn a_reader_cannot_let_others_in(backend: Backend) {
    let server = backend.server();
    let ann = Device::register(&server, "ann@example.com").await;
    let bob = Device::register(&server, "bob@example.com").await;
    let eve = Device::register(&server, "eve@example.com").await;
    let id = chat_id();
    let mut chat = doc_with("name", "ann's chat");
    add_person(&mut chat, "participants", user_of(&bob), None);
    add_person(&mut chat, "participants", user_of(&eve), None);
    ann.sync_doc(&id, &mut chat, None).await;

    // Bob, a participant, adds someone, or removes Eve: refused whole.
    let carol = Device::register(&server, "carol@example.com").await;
    let (mut copy, _) = bob.fetch(&id).await;
    add_person(&mut copy, "invites", user_of(&carol), Some("Pending"));
    put(&mut copy, "name", "bob's now");
    assert!(bob.sync_doc(&id, &mut copy, None).await.iter().any(|r| r.denied.contains(&id)));
    assert!(carol.fetch(&id).await.1[0].denied.contains(&id));
    let (mut copy, _) = bob.fetch(&id).await;
    remove_person(&mut copy, "participants", user_of(&eve));
    assert!(bob.sync_doc(&id, &mut copy, None).await.iter().any(|r| r.denied.contains(&id)));
    let (eves, r) = eve.fetch(&id).await;
    assert!(r[0].denied.is_empty(), "{r:?}");
    assert_eq!(get(&eves, "name").as_deref(), Some("ann's chat"), "nothing of the refused changes was kept");

    // Leaving is his own business.
    let (mut copy, _) = bob.fetch(&id).await;
    remove_person(&mut copy, "participants", user_of(&bob));
    assert!(bob.sync_doc(&id, &mut copy, None).await.iter().all(|r| r.denied.is_empty()));
    assert!(bob.fetch(&id).await.1[0].denied.contains(&id));
    assert!(eve.fetch(&id).await.1[0].denied.is_empty());
}
