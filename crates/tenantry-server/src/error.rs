//! Every refusal the API gives, as `{code, message, …}` JSON. `code` is a closed list, and
//! [`ErrorCode::status`] is the one place a code becomes an HTTP status. Storage errors
//! are logged in full and answered with a plain sentence: no SQL, paths or URLs leave.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::storage::StorageError;

/// What went wrong, for a client to branch on.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body or query is not what the endpoint takes (not JSON, wrong shape, bad value).
    MalformedRequest,
    /// A batch holds more envelopes than the server takes in one request.
    BatchTooLarge,
    /// The envelope is not strict DSSE JSON (fields, base64, payload type, signatures).
    MalformedEnvelope,
    /// A signature does not verify, or the author did not sign.
    InvalidSignature,
    /// The change set inside the envelope is not a valid change set.
    InvalidChangeset,
    /// The change set names another platform organisation.
    WrongOrganisation,
    /// No `Authorization: Bearer` token, or one the server does not know.
    Unauthenticated,
    /// The token's key is registered but no admin has approved it yet.
    KeyNotApproved,
    /// The token's key was revoked.
    KeyRevoked,
    /// An envelope is signed by a key the server has never registered.
    UnknownKey,
    /// An envelope is signed by a key that is pending or revoked.
    SignerNotApproved,
    /// The caller's (or author's) role may not do this.
    ForbiddenRole,
    /// A person may not approve their own change set.
    SelfApproval,
    /// Nothing of that kind with that id.
    NotFound,
    /// No such route.
    RouteNotFound,
    /// No catalog was published on this server yet.
    NoCatalog,
    /// The route exists, but not with this method.
    MethodNotAllowed,
    /// The key is already registered.
    KeyExists,
    /// The key is not in a state that allows this (e.g. approving a revoked key).
    KeyState,
    /// The change set's parent is not the tenant's head.
    StaleParent,
    /// Another change set already has this change set id.
    DuplicateId,
    /// The tenant's slug looks too much like another tenant's.
    SlugTaken,
    /// A later change set of the same tenant and environment replaced this one: review
    /// that one (its earlier approvals no longer count).
    Superseded,
    /// This reviewer gave another verdict on this change set already (approved it and
    /// now asks for changes, or the other way round; or a comment on an approval that
    /// was never given).
    ReviewConflict,
    /// A production change whose result is not the tenant's staging configuration:
    /// production is reached only through staging.
    ProductionWithoutStaging,
    /// A production change set while go-live checklist items the rules require of the
    /// configuration have no evidence (`missing_items`).
    ChecklistIncomplete,
    /// The operations do not apply to the tenant's current document, or the result is
    /// not a valid tenant document.
    DoesNotApply,
    /// The policy pack blocks the resulting document.
    PolicyBlocked,
    /// A production change set while approvals are missing: a requirement recorded for
    /// the tenant is unmet, or the staging change set it promotes is not approved yet.
    ApprovalsMissing,
    /// The body is larger than the server accepts.
    PayloadTooLarge,
    /// Too many requests by this key; retry after `Retry-After` seconds.
    RateLimited,
    /// The database cannot be reached or failed; retry later.
    StorageUnavailable,
    /// A bug in the server; retry later and report it.
    Internal,
}

impl ErrorCode {
    /// The one place where a code becomes an HTTP status.
    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            MalformedRequest | BatchTooLarge | MalformedEnvelope | InvalidSignature => {
                StatusCode::BAD_REQUEST
            }
            Unauthenticated | KeyNotApproved | KeyRevoked => StatusCode::UNAUTHORIZED,
            UnknownKey | SignerNotApproved | ForbiddenRole | SelfApproval => StatusCode::FORBIDDEN,
            NotFound | RouteNotFound | NoCatalog => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            KeyExists | KeyState | StaleParent | DuplicateId | SlugTaken | Superseded
            | ReviewConflict => StatusCode::CONFLICT,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            RateLimited => StatusCode::TOO_MANY_REQUESTS,
            InvalidChangeset
            | WrongOrganisation
            | DoesNotApply
            | PolicyBlocked
            | ProductionWithoutStaging
            | ChecklistIncomplete
            | ApprovalsMissing => StatusCode::UNPROCESSABLE_ENTITY,
            StorageUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The code as it appears in JSON (and in metrics labels).
    pub fn name(self) -> String {
        match serde_json::to_value(self) {
            Ok(Value::String(text)) => text,
            _ => "internal".to_owned(),
        }
    }
}

/// The detail field that also becomes a `Retry-After` header (whole seconds).
pub const RETRY_AFTER_FIELD: &str = "retry_after_seconds";

/// An API refusal: a code, a sentence for people, and details (flattened into the JSON
/// object next to `code` and `message`, e.g. `current_head` for a stale parent).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub details: Map<String, Value>,
}

/// The JSON shape of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// Further fields depend on the code: `current_head` and `conflicting_paths` for
    /// `stale_parent`, `findings` and `rule_ids` for `policy_blocked`.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub details: Map<String, Value>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: Map::new(),
        }
    }

    /// Adds a detail field; a value that cannot be serialised is left out.
    pub fn with(mut self, key: &str, value: impl Serialize) -> Self {
        if let Ok(value) = serde_json::to_value(value) {
            self.details.insert(key.to_owned(), value);
        }
        self
    }

    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    /// The JSON body of this error.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code,
            message: self.message.clone(),
            details: self.details.clone(),
        }
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorCode::Internal,
            "the server failed to handle the request; it was logged",
        )
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        tracing::error!(error = %error, "storage error");
        Self::new(
            ErrorCode::StorageUnavailable,
            "the server's database is unavailable; try again later",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, axum::Json(self.body())).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.details.get(RETRY_AFTER_FIELD).and_then(Value::as_u64) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_status_and_a_snake_case_name() {
        assert_eq!(ErrorCode::StaleParent.status(), StatusCode::CONFLICT);
        assert_eq!(ErrorCode::PolicyBlocked.status(), 422);
        assert_eq!(ErrorCode::PayloadTooLarge.status(), 413);
        assert_eq!(ErrorCode::UnknownKey.status(), 403);
        assert_eq!(ErrorCode::StaleParent.name(), "stale_parent");
    }

    #[test]
    fn details_are_flattened_next_to_code_and_message() {
        let error = ApiError::new(ErrorCode::StaleParent, "moved on")
            .with("current_head", "ab")
            .with("conflicting_paths", ["/ai"]);
        let json = serde_json::to_value(error.body()).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "code": "stale_parent",
                "message": "moved on",
                "current_head": "ab",
                "conflicting_paths": ["/ai"],
            })
        );
        assert_eq!(error.status(), StatusCode::CONFLICT);
    }

    #[test]
    fn a_rate_limit_answer_says_when_to_retry() {
        let response = ApiError::new(ErrorCode::RateLimited, "slow down")
            .with(RETRY_AFTER_FIELD, 2)
            .into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            response.headers().get(header::RETRY_AFTER),
            Some(&HeaderValue::from(2u64))
        );
    }

    #[test]
    fn storage_errors_become_a_plain_503() {
        let error = ApiError::from(StorageError::Unsupported("mysql://x".into()));
        assert_eq!(error.code, ErrorCode::StorageUnavailable);
        assert!(!error.message.contains("mysql"));
        assert_eq!(ApiError::internal().status(), 500);
    }
}
