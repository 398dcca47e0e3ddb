//! Two server processes on one PostgreSQL database: they serve the same
//! users and documents, merges through either never lose the other's
//! changes, and events cross nodes (LISTEN/NOTIFY).

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use vrooli_protocol::wire::{Event, SyncRequest};

use crate::support::*;

const SOON: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_serve_the_same_documents_and_events() {
    let started = Instant::now();
    let backend = Backend::postgres().await;
    let (node1, node2) = (backend.server(), backend.server());
    assert_eq!(node2.health().await, (StatusCode::OK, "ok".to_string()));

    // One account, a device on each node; the session works on both.
    let a = Device::register(&node1, "ann@example.com").await;
    let b = Device::login(&node2, "ann@example.com").await;
    assert_eq!(a.via(&node2).get("/v1/account").await.status, StatusCode::OK);
    let mut b_events = b.events().await;

    // A change through node 1 is heard on node 2 and readable there.
    let id = chat_id();
    let mut doc = doc_with("k", "through node 1");
    a.sync_doc(&id, &mut doc, None).await;
    let event = b_events.next(SOON).await.expect("node 2's device hears of node 1's change");
    assert!(changed(&event, &id), "{event:?}");
    assert!(b.sync_ok(&SyncRequest::default()).await.changed.contains(&id));
    let (copy, _) = b.fetch(&id).await;
    assert_eq!(copy.get_heads(), doc.get_heads());
    assert_eq!(get(&copy, "k").as_deref(), Some("through node 1"));

    // Concurrent edits of one document through both nodes all survive.
    let mut on_b = copy;
    let rounds = 8;
    let (mut on_a, id2) = (doc, id.clone());
    let id3 = id.clone();
    tokio::join!(
        async {
            for i in 0..rounds {
                put(&mut on_a, &format!("a{i}"), "a");
                a.sync_doc(&id2, &mut on_a, None).await;
            }
        },
        async {
            for i in 0..rounds {
                put(&mut on_b, &format!("b{i}"), "b");
                b.sync_doc(&id3, &mut on_b, None).await;
            }
        },
    );
    let (merged, _) = Device::login(&node1, "ann@example.com").await.fetch(&id).await;
    for i in 0..rounds {
        assert_eq!(get(&merged, &format!("a{i}")).as_deref(), Some("a"), "a{i} lost");
        assert_eq!(get(&merged, &format!("b{i}")).as_deref(), Some("b"), "b{i} lost");
    }

    // Two nodes creating the same new document at once: both writes survive.
    let fresh = chat_id();
    let (mut first, mut second) = (doc_with("first", "1"), doc_with("second", "2"));
    tokio::join!(a.sync_doc(&fresh, &mut first, None), b.sync_doc(&fresh, &mut second, None));
    let (both, _) = a.via(&node2).fetch(&fresh).await;
    assert_eq!((get(&both, "first").as_deref(), get(&both, "second").as_deref()), (Some("1"), Some("2")));

    // Lock-out counts wrong passwords on either node.
    for node in [&node1, &node2, &node1, &node2, &node1] {
        let r = sign_in(node, "login", "ann@example.com", "wrong password!").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(sign_in(&node2, "login", "ann@example.com", PASSWORD).await.status, StatusCode::LOCKED);

    // Revoking a device through node 1 closes its socket on node 2.
    let r = a.delete(&format!("/v1/devices/{}", b.session.device_id)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(b_events.wait_for(SOON, |e| *e == Event::SignedOut).await, Some(Event::SignedOut));
    assert!(b_events.closes(SOON).await);
    assert_eq!(b.get("/v1/account").await.status, StatusCode::UNAUTHORIZED);

    assert!(node1.stop() && node2.stop(), "both nodes stop cleanly on SIGTERM");
    eprintln!("two nodes on PostgreSQL: {:?}", started.elapsed());
}

#[tokio::test]
async fn healthz_fails_when_the_database_is_gone() {
    let backend = Backend::postgres().await;
    let server = backend.server();
    assert_eq!(server.health().await, (StatusCode::OK, "ok".to_string()));
    let Backend::Postgres { url, .. } = &backend else { unreachable!() };
    // Drop the database under the server's feet (terminating its connections).
    let (name, admin) =
        url.rsplit_once('/').map(|(base, name)| (name.to_string(), format!("{base}/postgres"))).unwrap();
    let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)")).await.unwrap();
    let (status, body) = server.health().await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("\"unavailable\""), "{body}");
}

#[tokio::test]
async fn a_database_of_a_newer_schema_is_refused() {
    let backend = Backend::postgres().await;
    drop(backend.server()); // migrates the new database
    let Backend::Postgres { url, .. } = &backend else { unreachable!() };
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client.batch_execute("UPDATE vrooli_schema SET version = 99").await.unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vrooli-server"))
        .args(["--listen", "127.0.0.1:0", "--database-url", url])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("schema is version 99"), "{stderr}");
}
