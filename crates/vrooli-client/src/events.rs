//! The events socket: the server pushes [`Event`]s (documents changed, teams
//! changed, signed out) as JSON text frames on a WebSocket at
//! [`EVENTS_PATH`](vrooli_protocol::wire::EVENTS_PATH).
//!
//! [`listen`] keeps the socket open for as long as its receiver lives:
//! it reconnects with backoff, pings a quiet connection and drops one that
//! stopped answering, and reports a server without the socket as
//! [`Push::Unsupported`] (the caller polls then, and the socket is tried
//! again now and then, in case the server was upgraded).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::{Message, Role};
use tokio_tungstenite::WebSocketStream;
use vrooli_protocol::wire::Event;

use crate::api::{Api, ClientError};
use crate::secret::Token;
use crate::status::Backoff;

/// What the socket tells the sync task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Push {
    /// The socket is open. Pushes sent while it was closed are lost, so sync now.
    Connected,
    /// The server has no events socket: poll.
    Unsupported,
    /// The socket closed or could not open; the next try is in `retry_in`.
    Disconnected {
        retry_in: Duration,
    },
    Event(Event),
}

/// How often a quiet socket is pinged.
const PING_EVERY: Duration = Duration::from_secs(25);
/// A socket that has said nothing (not even a pong) for this long is dead.
const SILENCE_LIMIT: Duration = Duration::from_secs(60);
/// How long to wait before asking a server without the socket again.
const UNSUPPORTED_RETRY: Duration = Duration::from_secs(600);
/// A connection that lasted this long resets the backoff.
const STABLE_AFTER: Duration = Duration::from_secs(30);

/// Why a connection ended.
enum End {
    /// The receiver went away: stop.
    Stopped,
    /// The server said the session ended: stop.
    SignedOut,
    /// Closed or failed: reconnect.
    Lost(String),
}

/// Keeps the events socket open and forwards what it says to `tx`, until
/// `tx`'s receiver is dropped or the server signs the device out.
pub async fn listen(api: Api, token: Token, backoff: Backoff, tx: UnboundedSender<Push>) {
    let mut failures = 0u32;
    loop {
        // How long until the next try, and whether that is news for the sync task.
        let (wait, disconnected) = match api.open_events(&token).await {
            Ok(io) => {
                let opened = Instant::now();
                tracing::info!(server = api.server(), "events socket open");
                if tx.send(Push::Connected).is_err() {
                    return;
                }
                match forward(io, &tx).await {
                    End::Stopped | End::SignedOut => return,
                    End::Lost(reason) => tracing::info!(reason, "events socket lost"),
                }
                failures = if opened.elapsed() >= STABLE_AFTER { 1 } else { failures + 1 };
                (backoff.delay(failures, rand::random()), true)
            }
            Err(ClientError::PushUnsupported) => {
                tracing::info!(server = api.server(), "the server does not push changes: polling");
                if tx.send(Push::Unsupported).is_err() {
                    return;
                }
                (UNSUPPORTED_RETRY, false)
            }
            Err(ClientError::Server { status: 401, .. }) => {
                let _ = tx.send(Push::Event(Event::SignedOut));
                return;
            }
            Err(e) => {
                tracing::debug!(error = %e, "events socket could not open");
                failures += 1;
                (backoff.delay(failures, rand::random()), true)
            }
        };
        if disconnected && tx.send(Push::Disconnected { retry_in: wait }).is_err() {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = tx.closed() => return,
        }
    }
}

/// Reads frames until the connection ends, forwarding events.
async fn forward(io: reqwest::Upgraded, tx: &UnboundedSender<Push>) -> End {
    let mut socket = WebSocketStream::from_raw_socket(io, Role::Client, None).await;
    let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
    let mut heard = Instant::now();
    loop {
        tokio::select! {
            frame = socket.next() => match frame {
                None => return End::Lost("closed".into()),
                Some(Err(e)) => return End::Lost(e.to_string()),
                Some(Ok(Message::Close(_))) => return End::Lost("closed by the server".into()),
                Some(Ok(Message::Text(text))) => {
                    heard = Instant::now();
                    match serde_json::from_str::<Event>(&text) {
                        Ok(event) => {
                            let signed_out = event == Event::SignedOut;
                            if tx.send(Push::Event(event)).is_err() {
                                return End::Stopped;
                            }
                            if signed_out {
                                return End::SignedOut;
                            }
                        }
                        // A newer server may say more than this client knows.
                        Err(e) => tracing::debug!(error = %e, "ignoring an event this client does not know"),
                    }
                }
                // Pings are answered by the socket itself; any frame shows the server is there.
                Some(Ok(_)) => heard = Instant::now(),
            },
            _ = ping.tick() => {
                if heard.elapsed() >= SILENCE_LIMIT {
                    return End::Lost("the server stopped answering".into());
                }
                if let Err(e) = socket.send(Message::Ping(Vec::new().into())).await {
                    return End::Lost(e.to_string());
                }
            }
            () = tx.closed() => {
                let _ = socket.close(None).await;
                return End::Stopped;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;
    use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

    const TOKEN: &str = "vrt_test_token";

    /// A one-connection events server: checks the bearer token, pushes `event`.
    async fn pushing_server(event: Event) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            // The callback's error type is tungstenite's, large by its design.
            #[allow(clippy::result_large_err)]
            let check = |request: &Request, response: Response| {
                assert_eq!(request.uri().path(), vrooli_protocol::wire::EVENTS_PATH);
                let auth = request.headers().get("authorization").unwrap();
                assert_eq!(auth, &format!("Bearer {TOKEN}"));
                Ok(response)
            };
            let mut socket = tokio_tungstenite::accept_hdr_async(tcp, check).await.unwrap();
            let text = serde_json::to_string(&event).unwrap();
            socket.send(Message::Text(text.into())).await.unwrap();
            // Keep the connection open until the client goes.
            while socket.next().await.is_some() {}
        });
        url
    }

    #[tokio::test]
    async fn pushes_arrive_after_connected() {
        let event = Event::Changed { docs: vec!["chat:1".into()], cursor: 7 };
        let url = pushing_server(event.clone()).await;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let api = Api::new(&url).unwrap();
        let task = tokio::spawn(listen(api, Token::new(TOKEN.into()), Backoff::default(), tx));
        assert_eq!(rx.recv().await, Some(Push::Connected));
        assert_eq!(rx.recv().await, Some(Push::Event(event)));
        drop(rx);
        tokio::time::timeout(Duration::from_secs(5), task).await.expect("listen ends with its receiver").unwrap();
    }

    #[tokio::test]
    async fn signed_out_ends_listening() {
        let url = pushing_server(Event::SignedOut).await;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let task = tokio::spawn(listen(Api::new(&url).unwrap(), Token::new(TOKEN.into()), Backoff::default(), tx));
        assert_eq!(rx.recv().await, Some(Push::Connected));
        assert_eq!(rx.recv().await, Some(Push::Event(Event::SignedOut)));
        tokio::time::timeout(Duration::from_secs(5), task).await.unwrap().unwrap();
        assert_eq!(rx.recv().await, None);
    }

    #[tokio::test]
    async fn a_server_without_the_socket_means_polling() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = tcp.read(&mut buf).await.unwrap();
            let body = r#"{"code":"not_found","message":"no such route"}"#;
            let head = format!("HTTP/1.1 404 Not Found\r\ncontent-length: {}\r\n\r\n", body.len());
            tcp.write_all(head.as_bytes()).await.unwrap();
            tcp.write_all(body.as_bytes()).await.unwrap();
        });
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(listen(Api::new(&url).unwrap(), Token::new(TOKEN.into()), Backoff::default(), tx));
        assert_eq!(rx.recv().await, Some(Push::Unsupported));
    }

    #[tokio::test]
    async fn an_unreachable_server_is_retried_with_backoff() {
        // Bind and drop: nothing listens on the port.
        let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
        let backoff = Backoff { first: Duration::from_millis(10), max: Duration::from_millis(40) };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let api = Api::new(&format!("http://127.0.0.1:{port}")).unwrap();
        tokio::spawn(listen(api, Token::new(TOKEN.into()), backoff, tx));
        for _ in 0..4 {
            match rx.recv().await {
                Some(Push::Disconnected { retry_in }) => assert!(retry_in <= backoff.max),
                other => panic!("{other:?}"),
            }
        }
    }
}
