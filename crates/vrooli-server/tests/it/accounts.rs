//! Accounts and sessions: lock-out after wrong passwords, expired and revoked
//! sessions refused, rate limits.

use std::time::Duration;

use reqwest::StatusCode;
use tokio_tungstenite::tungstenite;
use vrooli_protocol::wire::{Event, SyncRequest};

use crate::support::*;

on_both_backends!(wrong_passwords_lock_the_account, expired_and_revoked_sessions_get_401);

async fn wrong_passwords_lock_the_account(backend: Backend) {
    let server = backend.server();
    Device::register(&server, "ann@example.com").await;
    let r = sign_in(&server, "register", "ann@example.com", PASSWORD).await;
    assert_eq!((r.status, r.error().code.as_str()), (StatusCode::CONFLICT, "email_taken"));
    let r = sign_in(&server, "login", "nobody@example.com", PASSWORD).await;
    assert_eq!((r.status, r.error().code.as_str()), (StatusCode::UNAUTHORIZED, "wrong_credentials"));
    for _ in 0..5 {
        let r = sign_in(&server, "login", "ann@example.com", "wrong password!").await;
        assert_eq!((r.status, r.error().code.as_str()), (StatusCode::UNAUTHORIZED, "wrong_credentials"));
    }
    let r = sign_in(&server, "login", "ann@example.com", PASSWORD).await;
    assert_eq!((r.status, r.error().code.as_str()), (StatusCode::LOCKED, "locked"), "{}", r.body);
    assert!(r.error().message.starts_with("too many wrong passwords"));
}

async fn expired_and_revoked_sessions_get_401(backend: Backend) {
    let server = backend.server();
    let a = Device::register(&server, "ann@example.com").await;
    let b = Device::login(&server, "ann@example.com").await;
    let c = Device::login(&server, "ann@example.com").await;
    assert_eq!(b.get("/v1/account").await.status, StatusCode::OK);

    // Expired (as time would do it, in the database): 401 everywhere.
    backend.expire_device(&b.session.device_id).await;
    let r = b.get("/v1/account").await;
    assert_eq!((r.status, r.error().code.as_str()), (StatusCode::UNAUTHORIZED, "unauthorized"));
    assert_eq!(b.sync_raw(&SyncRequest::default()).await.status, StatusCode::UNAUTHORIZED);
    match Events::connect(&b.base, b.token()).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
        Err(e) => panic!("expected 401, got {e}"),
        Ok(_) => panic!("an expired session opened the events socket"),
    }
    assert_eq!(a.get("/v1/account").await.status, StatusCode::OK, "other devices are unaffected");

    // Revoked by another device while listening: told, closed, then refused.
    let mut events = c.events().await;
    let r = a.delete(&format!("/v1/devices/{}", c.session.device_id)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(events.next(Duration::from_secs(5)).await, Some(Event::SignedOut));
    assert!(events.closes(Duration::from_secs(5)).await, "the socket closes after SignedOut");
    assert_eq!(c.get("/v1/account").await.status, StatusCode::UNAUTHORIZED);
    let devices = a.get("/v1/devices").await.body;
    let revoked: Vec<bool> = devices.as_array().unwrap().iter().map(|d| d["revoked"].as_bool().unwrap()).collect();
    assert_eq!(revoked, [false, false, true]);

    // Signing out ends the session too.
    assert_eq!(a.post("/v1/accounts/logout", &serde_json::json!({})).await.status, StatusCode::NO_CONTENT);
    assert_eq!(a.get("/v1/account").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn too_many_sign_ins_get_429() {
    let backend = Backend::sqlite();
    let server = backend.server_with(&[("VROOLI_SERVER_AUTH_PER_MINUTE", "3")]);
    Device::register(&server, "ann@example.com").await;
    for _ in 0..2 {
        assert_eq!(sign_in(&server, "login", "ann@example.com", PASSWORD).await.status, StatusCode::OK);
    }
    let r = sign_in(&server, "login", "ann@example.com", PASSWORD).await;
    assert_eq!((r.status, r.error().code.as_str()), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    let r = sign_in(&server, "register", "bob@example.com", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "registering counts too");
    assert_eq!(server.health().await, (StatusCode::OK, "ok".to_string()));
}
