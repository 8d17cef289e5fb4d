//! What wraps every request: a request id (taken from `x-request-id` or made here, and
//! sent back), a tracing span carrying it, request metrics by route template, JSON
//! answers for unknown routes and methods, and a panic turned into a JSON 500.

use std::any::Any;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, Response, StatusCode};
use axum::middleware::Next;
use axum::response::IntoResponse;
use tower_http::request_id::{MakeRequestId, RequestId};
use tracing::Span;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids are UUIDv7: unique, and sortable by time in the logs.
#[derive(Clone, Copy, Debug, Default)]
pub struct MakeRequestUuidV7;

impl MakeRequestId for MakeRequestUuidV7 {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        uuid::Uuid::now_v7()
            .hyphenated()
            .to_string()
            .parse()
            .ok()
            .map(RequestId::new)
    }
}

/// The span of one request: method, route template, path and request id.
pub fn request_span<B>(request: &axum::http::Request<B>) -> Span {
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("", MatchedPath::as_str);
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        route,
        request_id,
    )
}

/// Counts each answered request by route template, method and status.
pub async fn record_metrics(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> axum::response::Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    state
        .metrics()
        .record_request(&route, &method, response.status().as_u16());
    response
}

/// Any route that does not exist.
pub async fn route_not_found() -> axum::response::Response {
    ApiError::new(ErrorCode::RouteNotFound, "no such route; see /openapi.json").into_response()
}

/// A route that exists, asked with another method.
pub async fn method_not_allowed() -> axum::response::Response {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this route does not take that method; see /openapi.json",
    )
    .into_response()
}

/// A handler panicked: log it, answer JSON 500 (the process goes on serving).
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response<axum::body::Body> {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    tracing::error!(panic = detail, "a request handler panicked");
    let mut response = ApiError::internal().into_response();
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_fresh_uuids() {
        let request = axum::http::Request::new(());
        let mut make = MakeRequestUuidV7;
        let one = make.make_request_id(&request).expect("an id");
        let two = make.make_request_id(&request).expect("an id");
        let text = one.header_value().to_str().expect("ascii");
        assert!(uuid::Uuid::parse_str(text).is_ok());
        assert_ne!(one.header_value(), two.header_value());
    }

    #[test]
    fn a_panic_becomes_a_json_500() {
        let response = panic_response(Box::new("boom"));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let response = panic_response(Box::new(String::from("boom")));
        assert_eq!(
            response
                .headers()
                .get(axum::http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some("application/json")
        );
    }

    #[tokio::test]
    async fn fallbacks_answer_json() {
        assert_eq!(route_not_found().await.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            method_not_allowed().await.status(),
            StatusCode::METHOD_NOT_ALLOWED
        );
        let span = request_span(&axum::http::Request::new(()));
        drop(span);
    }
}
