//! The JSON error of every failed request: `{ "error": { "code": "...", "message": "..." } }`
//! with its HTTP status; extractors whose rejections answer the same way.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use sirt_store::StoreError;

/// A failed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code for programs (`conflict`, `forbidden`, ...).
    pub code: &'static str,
    /// One sentence for people.
    pub message: String,
    /// Seconds to wait (`Retry-After`), for 429.
    pub retry_after_s: Option<u64>,
}

impl ApiError {
    /// An error with a status, a code and a message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after_s: None,
        }
    }

    /// 400.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 401: no valid session.
    pub fn unauthenticated(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 422: the request reads but cannot be used.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }

    /// 500, with a message that reveals nothing of the inside.
    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; nothing was changed, try again",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = crate::answers::Error {
            error: crate::answers::ErrorBody {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        let mut r = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after_s
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let message = e.to_string();
        match e {
            StoreError::NotFound { .. } => ApiError::not_found(message),
            StoreError::Conflict { .. } => ApiError::new(StatusCode::CONFLICT, "conflict", message),
            StoreError::IllegalTransition { .. } => {
                ApiError::new(StatusCode::CONFLICT, "illegal_transition", message)
            }
            StoreError::RoleNotAllowed { .. } => ApiError::forbidden(message),
            StoreError::CheckerCannotApprove { .. } => {
                ApiError::new(StatusCode::FORBIDDEN, "checker_cannot_approve", message)
            }
            StoreError::Unacknowledged { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unacknowledged_checks",
                message,
            ),
            StoreError::TooLong { .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "too_long", message)
            }
            StoreError::Invalid { .. } => ApiError::invalid(message),
            StoreError::Duplicate { .. } => {
                ApiError::new(StatusCode::CONFLICT, "duplicate", message)
            }
            StoreError::OwnAccount { .. } => {
                ApiError::new(StatusCode::CONFLICT, "own_account", message)
            }
            StoreError::LastAdmin { .. } => {
                ApiError::new(StatusCode::CONFLICT, "last_admin", message)
            }
            // The server's audit key does not fit the database's chain (it was checked at
            // start): the administrator's to fix, not the request's.
            StoreError::AuditKeyRequired { .. } | StoreError::AuditHeadEmpty { .. } => {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "audit_chain", message)
            }
            // The database's own message may name tables or values: it stays inside.
            StoreError::Database(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "the database did not complete the request; nothing was changed, try again",
            ),
        }
    }
}

/// A JSON body; a malformed, mistyped, too large or non-JSON body is an [`ApiError`].
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

fn json_rejection(e: JsonRejection) -> ApiError {
    let status = e.status();
    let text = e.body_text();
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            status,
            "too_large",
            format!(
                "request body: expected at most {} bytes, found more",
                crate::BODY_LIMIT_BYTES
            ),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
            status,
            "unsupported_media_type",
            "request body: expected Content-Type: application/json",
        ),
        StatusCode::UNPROCESSABLE_ENTITY => ApiError::invalid(format!("request body: {text}")),
        _ => ApiError::new(status, "bad_request", format!("request body: {text}")),
    }
}

/// A numeric `{id}` of the path.
#[derive(Debug, Clone, Copy)]
pub struct PathId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<i64>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(id)) => Ok(PathId(id)),
            Err(e) => Err(path_rejection(e)),
        }
    }
}

fn path_rejection(_: PathRejection) -> ApiError {
    ApiError::not_found("path: expected a numeric id")
}

/// A query string.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(query_rejection(e)),
        }
    }
}

fn query_rejection(e: QueryRejection) -> ApiError {
    ApiError::bad_request(format!("query string: {}", e.body_text()))
}
