//! Bad input gets a 4xx with an `ErrorBody`, changes nothing, and the server
//! keeps serving everyone else.

use reqwest::StatusCode;
use serde_json::{json, Value};
use vrooli_protocol::wire::{encode_message, SyncRequest};

use crate::support::*;

on_both_backends!(malformed_input_gets_4xx_and_the_server_keeps_serving);

/// A sync request body with one document.
fn one_doc(doc_id: &str, message: &str, owner: Option<Value>) -> Value {
    let mut doc = json!({ "docId": doc_id, "message": message });
    if let Some(owner) = owner {
        doc["owner"] = owner;
    }
    json!({ "docs": [doc] })
}

async fn malformed_input_gets_4xx_and_the_server_keeps_serving(backend: Backend) {
    let server = backend.server();
    let ann = Device::register(&server, "ann@example.com").await;
    let id = chat_id();
    let mut doc = doc_with("k", "v");
    let good = vrooli_protocol::Peer::default().outgoing(&id, &doc).unwrap();
    let good = encode_message(&good);
    let sync_url = format!("{}/v1/sync", server.url);

    // (what, status, code) for each raw request.
    let raw: Vec<(&str, reqwest::RequestBuilder, StatusCode, &str)> = vec![
        (
            "broken JSON",
            ann.http
                .post(&sync_url)
                .bearer_auth(ann.token())
                .header("content-type", "application/json")
                .body("{\"docs\": ["),
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "wrong JSON shape",
            ann.http.post(&sync_url).bearer_auth(ann.token()).json(&json!({ "docs": "many" })),
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "no JSON content type",
            ann.http.post(&sync_url).bearer_auth(ann.token()).body("{\"docs\": []}"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "malformed",
        ),
        ("no token", ann.http.post(&sync_url).json(&json!({ "docs": [] })), StatusCode::UNAUTHORIZED, "unauthorized"),
        (
            "not a bearer token",
            ann.http.post(&sync_url).basic_auth("ann", Some("pw")).json(&json!({ "docs": [] })),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            "unknown token",
            ann.http.post(&sync_url).bearer_auth("vrt_nope").json(&json!({ "docs": [] })),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            "register without a password",
            ann.http.post(format!("{}/v1/accounts/register", server.url)).json(&json!({ "email": "x@example.com" })),
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "an invalid email",
            ann.http
                .post(format!("{}/v1/accounts/register", server.url))
                .json(&json!({ "email": "nope", "password": PASSWORD, "deviceName": "d" })),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "a device id that is not a number",
            ann.http.delete(format!("{}/v1/devices/abc", server.url)).bearer_auth(ann.token()),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "a team id that is not a number",
            ann.http.post(format!("{}/v1/teams/abc/accept", server.url)).bearer_auth(ann.token()),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        ("an unknown path", ann.http.get(format!("{}/v2/sync", server.url)), StatusCode::NOT_FOUND, "not_found"),
        (
            "a wrong method",
            ann.http.get(&sync_url).bearer_auth(ann.token()),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
    ];
    for (what, request, status, code) in raw {
        let r = reply(request.send().await.unwrap()).await;
        assert_eq!((r.status, r.error().code.as_str()), (status, code), "{what}: {}", r.body);
    }

    // Sync requests that parse but say something wrong.
    let garbage = encode_message(b"\x42\x00garbage that is no sync message");
    let too_many: Vec<Value> =
        (1..=2_001).map(|i| json!({ "docId": format!("chat:{i}"), "message": good.clone() })).collect();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("bad base64", one_doc(&id, "not base64!!", None), "invalid"),
        ("a bad doc id", one_doc("team:1", &good, None), "invalid"),
        ("a doc id of zero", one_doc("chat:0", &good, None), "invalid"),
        ("a doc id with a path", one_doc("chat:1/../2", &good, None), "invalid"),
        ("a garbage sync message", one_doc(&id, &garbage, None), "invalid_message"),
        ("an empty sync message", one_doc(&id, "", None), "invalid_message"),
        ("an owner id that is no number", one_doc(&id, &good, Some(json!({ "kind": "user", "id": "ann" }))), "invalid"),
        ("an unknown owner kind", one_doc(&id, &good, Some(json!({ "kind": "org", "id": "1" }))), "malformed"),
        (
            "a document twice",
            json!({ "docs": [{ "docId": id, "message": good }, { "docId": id, "message": good }] }),
            "invalid",
        ),
        ("too many documents", json!({ "docs": too_many }), "invalid"),
        ("a negative cursor", json!({ "cursor": -1, "docs": [] }), "malformed"),
    ];
    for (what, body, code) in cases {
        let r = ann.post("/v1/sync", &body).await;
        assert!(r.status.is_client_error(), "{what}: {} {}", r.status, r.body);
        assert_eq!(r.error().code, code, "{what}: {}", r.body);
    }
    // A garbage message beside a good one: the whole request is refused, nothing stored.
    let body = json!({ "docs": [{ "docId": id, "message": good }, { "docId": chat_id(), "message": garbage }] });
    assert_eq!(ann.post("/v1/sync", &body).await.status, StatusCode::BAD_REQUEST);
    assert!(!ann.sync_ok(&SyncRequest::default()).await.changed.contains(&id));

    // Still serving, and the same device syncs normally afterwards.
    assert_eq!(server.health().await, (StatusCode::OK, "ok".to_string()));
    ann.sync_doc(&id, &mut doc, None).await;
    let (copy, _) = Device::login(&server, "ann@example.com").await.fetch(&id).await;
    assert_eq!(get(&copy, "k").as_deref(), Some("v"));
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let backend = Backend::sqlite();
    let server = backend.server();
    let ann = Device::register(&server, "ann@example.com").await;

    // Account endpoints take 16 KiB.
    let big_name = "n".repeat(20 * 1024);
    let body = json!({ "email": "bob@example.com", "password": PASSWORD, "deviceName": big_name });
    let r = post(&ann.http, &format!("{}/v1/accounts/register", server.url), None, &body).await;
    assert_eq!((r.status, r.error().code.as_str()), (StatusCode::PAYLOAD_TOO_LARGE, "too_large"));
    let r = ann.post("/v1/teams", &json!({ "name": "t".repeat(20 * 1024) })).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);

    // Sync takes 32 MiB.
    let limit = vrooli_protocol::limits::MAX_SYNC_BODY;
    let body = format!("{{\"docs\": [], \"pad\": \"{}\"}}", "x".repeat(limit));
    let response = ann
        .http
        .post(format!("{}/v1/sync", server.url))
        .bearer_auth(ann.token())
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await;
    // The server may answer before it has read all of the body and close the
    // connection; the client then sees either the 413 or a broken connection.
    if let Ok(response) = response {
        let r = reply(response).await;
        assert_eq!((r.status, r.error().code.as_str()), (StatusCode::PAYLOAD_TOO_LARGE, "too_large"));
    }
    // Just under the limit is read (and refused only for its content).
    let body = format!("{{\"docs\": [], \"pad\": \"{}\"}}", "x".repeat(limit - 1024));
    let r = reply(
        ann.http
            .post(format!("{}/v1/sync", server.url))
            .bearer_auth(ann.token())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "unknown fields are ignored: {}", r.body);

    assert_eq!(server.health().await, (StatusCode::OK, "ok".to_string()));
    assert_eq!(ann.get("/v1/account").await.status, StatusCode::OK);
    assert!(server.stop(), "the server stops cleanly on SIGTERM");
}
