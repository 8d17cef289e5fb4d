//! Request extractors whose every refusal is the API's JSON error with a specific
//! message (axum's own answer plain text).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorCode};

/// The raw body, within the size cap (`DefaultBodyLimit`): 413 past it.
#[derive(Debug)]
pub struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        Bytes::from_request(request, state)
            .await
            .map(Body)
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        ErrorCode::PayloadTooLarge,
                        "the request body is larger than this server accepts",
                    )
                } else {
                    ApiError::new(
                        ErrorCode::MalformedRequest,
                        format!(
                            "the request body could not be read: {}",
                            rejection.body_text()
                        ),
                    )
                }
            })
    }
}

/// Parses a JSON body into `T`, saying where it is wrong.
pub fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|error| {
        ApiError::new(
            ErrorCode::MalformedRequest,
            format!("the request body is not the JSON this endpoint takes: {error}"),
        )
    })
}

/// Query parameters, or a 400 naming the bad one.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| ApiQuery(value))
            .map_err(|rejection| {
                ApiError::new(
                    ErrorCode::MalformedRequest,
                    format!("bad query: {}", rejection.body_text()),
                )
            })
    }
}

/// Path parameters, or a 400.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| ApiPath(value))
            .map_err(|rejection| {
                ApiError::new(
                    ErrorCode::MalformedRequest,
                    format!("bad path: {}", rejection.body_text()),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_say_what_is_wrong() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Shape {
            name: String,
        }
        let error = json::<Shape>(b"{\"nom\":1}").expect_err("wrong field");
        assert_eq!(error.code, ErrorCode::MalformedRequest);
        assert!(error.message.contains("name"), "{}", error.message);
        assert!(json::<Shape>(b"{\"name\":\"x\"}").is_ok());
    }
}
