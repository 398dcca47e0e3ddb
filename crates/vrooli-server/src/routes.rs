//! The HTTP API, versioned under `/v1`. Handlers validate, call `db` or
//! `sync`, and answer JSON; every error is an [`ApiError`] body.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use vrooli_protocol::limits::{MAX_SMALL_BODY, MAX_SYNC_BODY, PASSWORD_CHARS};
use vrooli_protocol::wire::{Account, Credentials, Device, Session, SyncResponse};

use crate::auth::{self, now_millis, LOCK_MILLIS, SESSION_MILLIS};
use crate::db::Caller;
use crate::error::ApiError;
use crate::events::{self, Notice};
use crate::{teams, AppState};

type AppResult<T> = Result<T, ApiError>;

pub fn router(state: Arc<AppState>) -> Router {
    let small = Router::new()
        .route("/v1/accounts/register", post(register))
        .route("/v1/accounts/login", post(login))
        .route("/v1/accounts/logout", post(logout))
        .route("/v1/account", get(account))
        .route("/v1/devices", get(devices))
        .route("/v1/devices/{id}", delete(revoke))
        .route("/v1/teams", get(teams::list).post(teams::create))
        .route("/v1/teams/{id}/invites", post(teams::invite))
        .route("/v1/teams/{id}/accept", post(teams::accept))
        .route("/v1/teams/{id}/decline", post(teams::decline))
        .route("/v1/teams/{id}/members/{user}", delete(teams::remove))
        .route("/v1/invites", get(teams::invites))
        .route(events::EVENTS_PATH, get(events::socket))
        .layer(DefaultBodyLimit::max(MAX_SMALL_BODY));
    let sync = Router::new().route("/v1/sync", post(sync)).layer(DefaultBodyLimit::max(MAX_SYNC_BODY));
    Router::new()
        .route("/healthz", get(health))
        .merge(small)
        .merge(sync)
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this endpoint takes another method")
        })
        .with_state(state)
}

/// `200 ok` while the server can reach its database; 503 otherwise.
async fn health(State(state): State<Arc<AppState>>) -> AppResult<&'static str> {
    match state.db.health().await {
        Ok(()) => Ok("ok"),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the database does not answer"))
        }
    }
}

/// The device a request's bearer token belongs to; 401 otherwise.
pub struct Authed(pub Caller);

impl FromRequestParts<Arc<AppState>> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let token = header.and_then(|h| h.strip_prefix("Bearer ")).ok_or_else(ApiError::unauthorized)?;
        let hash = auth::token_hash(token.trim());
        let caller = state.db.caller_by_token(&hash).await?;
        caller.map(Authed).ok_or_else(ApiError::unauthorized)
    }
}

/// A JSON body, with bad input answered as our error body, not axum's text:
/// 413 past the body limit, 415 without a JSON content type, else 400.
pub fn body<T>(json: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    json.map(|Json(v)| v).map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "malformed", e.body_text())
        }
        _ => ApiError::new(StatusCode::BAD_REQUEST, "malformed", e.body_text()),
    })
}

fn too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "the request body is larger than allowed")
}

fn check_credentials(c: &Credentials) -> AppResult<String> {
    let email = auth::normalize_email(&c.email)
        .ok_or_else(|| ApiError::invalid("email", "enter an email address like name@example.com"))?;
    if !PASSWORD_CHARS.contains(&c.password.chars().count()) {
        return Err(ApiError::invalid("password", "the password must be 8 to 256 characters"));
    }
    if c.device_name.trim().is_empty() || c.device_name.chars().count() > 128 {
        return Err(ApiError::invalid("deviceName", "the device name must be 1 to 128 characters"));
    }
    Ok(email)
}

async fn open_session(state: &AppState, account: i64, email: String, device_name: String) -> AppResult<Session> {
    let token = auth::new_token();
    let hash = auth::token_hash(&token);
    let device = auth::new_id();
    let expires_at = now_millis() + SESSION_MILLIS;
    state.db.create_device(device, account, &device_name, &hash, expires_at).await?;
    tracing::info!(account, device, "device signed in");
    Ok(Session { token, user_id: account.to_string(), device_id: device.to_string(), email, expires_at })
}

async fn register(
    State(state): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    json: Result<Json<Credentials>, JsonRejection>,
) -> AppResult<(StatusCode, Json<Session>)> {
    state.limiter.check(format!("auth:{}", addr.ip()), state.limiter.per_minute_auth)?;
    let c = body(json)?;
    let email = check_credentials(&c)?;
    let password = c.password.clone();
    let hash = state.hashing.run(move || auth::hash_password(&password)).await?.map_err(ApiError::internal)?;
    let id = auth::new_id();
    let created = state.db.create_account(id, &email, &hash).await?;
    let Some(account) = created else {
        return Err(ApiError {
            field: Some("email"),
            ..ApiError::new(StatusCode::CONFLICT, "email_taken", "an account with this email exists; sign in instead")
        });
    };
    Ok((StatusCode::CREATED, Json(open_session(&state, account, email, c.device_name).await?)))
}

async fn login(
    State(state): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    json: Result<Json<Credentials>, JsonRejection>,
) -> AppResult<Json<Session>> {
    state.limiter.check(format!("auth:{}", addr.ip()), state.limiter.per_minute_auth)?;
    let c = body(json)?;
    let email = check_credentials(&c)?;
    let account = state.db.account_by_email(&email).await?;
    let now = now_millis();
    if let Some(until) = account.as_ref().and_then(|a| a.locked_until).filter(|until| *until > now) {
        let minutes = (until - now + 59_999) / 60_000;
        return Err(ApiError::new(
            StatusCode::LOCKED,
            "locked",
            format!("too many wrong passwords: try again in {minutes} min"),
        ));
    }
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    let password = c.password.clone();
    let good = state
        .hashing
        .run(move || auth::verify_password(&password, hash.as_deref().unwrap_or_else(|| auth::decoy_hash())))
        .await?;
    let wrong = || ApiError::new(StatusCode::UNAUTHORIZED, "wrong_credentials", "wrong email or password");
    let Some(account) = account else { return Err(wrong()) };
    let id = account.id;
    if !good {
        let locked = state.db.record_failed_login(id, LOCK_MILLIS).await?;
        if locked.is_some() {
            tracing::warn!(account = id, "account locked after repeated wrong passwords");
        }
        return Err(wrong());
    }
    state.db.record_good_login(id).await?;
    Ok(Json(open_session(&state, account.id, account.email, c.device_name).await?))
}

async fn logout(State(state): State<Arc<AppState>>, Authed(caller): Authed) -> AppResult<StatusCode> {
    state.db.revoke_device(caller.user_id, caller.device_id).await?;
    signed_out(&state, caller.device_id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// A device's session ended: its sockets hear so and close; its sync states go.
async fn signed_out(state: &AppState, device: i64) {
    state.peers.forget(device);
    events::publish(state, Notice::SignedOut { device }).await;
}

async fn account(Authed(caller): Authed) -> Json<Account> {
    Json(Account { user_id: caller.user_id.to_string(), email: caller.email, device_id: caller.device_id.to_string() })
}

async fn devices(State(state): State<Arc<AppState>>, Authed(caller): Authed) -> AppResult<Json<Vec<Device>>> {
    let rows = state.db.devices(caller.user_id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|d| Device {
                id: d.id.to_string(),
                name: d.name,
                created_at: d.created_at,
                last_seen_at: d.last_seen_at,
                expires_at: d.expires_at,
                revoked: d.revoked_at.is_some(),
                current: d.id == caller.device_id,
            })
            .collect(),
    ))
}

async fn revoke(
    State(state): State<Arc<AppState>>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let device: i64 = id.parse().map_err(|_| ApiError::invalid("id", "a device id is a number"))?;
    let revoked = state.db.revoke_device(caller.user_id, device).await?;
    if !revoked {
        return Err(ApiError::not_found("device"));
    }
    tracing::info!(account = caller.user_id, device, "device revoked");
    signed_out(&state, device).await;
    Ok(StatusCode::NO_CONTENT)
}

async fn sync(
    State(state): State<Arc<AppState>>,
    Authed(caller): Authed,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> AppResult<Json<SyncResponse>> {
    state.limiter.check(format!("sync:{}", caller.device_id), state.limiter.per_minute_sync)?;
    let bytes = bytes.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        _ => ApiError::new(StatusCode::BAD_REQUEST, "malformed", e.body_text()),
    })?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let request = crate::sync::decode_request(content_type, &bytes)?;
    Ok(Json(crate::sync::handle(&state, caller, request).await?))
}
