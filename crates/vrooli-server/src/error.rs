//! API errors: a status, a stable code, a message and sometimes a field.
//! Internal failures are logged in full and answered without details.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use vrooli_protocol::wire::ErrorBody;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<&'static str>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), field: None }
    }

    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        ApiError { field: Some(field), ..Self::new(StatusCode::BAD_REQUEST, "invalid", message) }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "sign in again: the device token is missing, expired or revoked",
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("no {what} you can access"))
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the server failed; try again later")
    }
}

impl From<crate::workers::WorkerError> for ApiError {
    fn from(e: crate::workers::WorkerError) -> Self {
        match e {
            crate::workers::WorkerError::Busy(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "the server is busy checking other passwords; try again in a few seconds",
            ),
            other => ApiError::internal(other),
        }
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> Self {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            ErrorBody { code: self.code.to_string(), message: self.message, field: self.field.map(str::to_string) };
        (self.status, Json(body)).into_response()
    }
}
