//! The OpenAPI 3.1 document of the API, written by hand (`openapi.json` beside this file) and
//! served at `GET /api/openapi.json`. A test checks that its paths and methods are exactly the
//! router's ([`crate::routes`]).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The OpenAPI document.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

/// `GET /api/openapi.json`.
pub(crate) async fn document() -> Response {
    let mut r = OPENAPI_JSON.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
