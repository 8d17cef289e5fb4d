//! Tenantry's reference platform server.
//!
//! Staff register ed25519 keys (an admin approves them), push signed change sets (DSSE
//! envelopes, `docs/changeset-format.md`) which are verified, checked against the
//! tenant's chain and the policy pack, and numbered with one global, gap-free sequence;
//! clients pull them back by sequence number. See `docs/server.md`.
//!
//! - [`storage`]: the database (SQLite or Postgres, the server's own migrations);
//! - [`push`]: how a change set is accepted ([`priority`]: its parallel work yields the
//!   CPU to the push holding the lock); [`staff`] and [`auth`]: keys, roles, tokens;
//!   [`review`]: approval requirements and how approvals are counted against them;
//!   [`revocation`]: revoking a key under the push lock, and keys with that point;
//! - [`routes`]: the HTTP API, one module per area, with its OpenAPI description;
//! - [`telemetry`], [`metrics`]: request ids, logs, Prometheus metrics;
//! - [`error`]: every refusal as `{code, message, …}`.

pub mod auth;
pub mod catalog;
pub mod documents;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod priority;
pub mod push;
pub mod rate_limit;
pub mod review;
pub mod revocation;
pub mod routes;
pub mod staff;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod verdicts;

use std::future::Future;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::{middleware, Extension, Router};
use tenantry_changeset::keys::PublicKey;
use tenantry_core::Timestamp;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

pub use error::{ApiError, ErrorCode};
pub use state::{AppState, ServerConfig};
pub use storage::{Database, DatabaseUrl, StorageError};

use crate::staff::{new_token, token_digest, KeyState, Role, StaffKey};
use crate::storage::Bootstrap;
use crate::telemetry::{MakeRequestUuidV7, REQUEST_ID_HEADER};

/// The whole HTTP application over `state`: every route, the OpenAPI document at
/// `/openapi.json`, and the layers every request goes through.
pub fn router(state: AppState) -> Router {
    let (routes, api) = routes::api().split_for_parts();
    let document = Arc::new(api.to_json().unwrap_or_else(|error| {
        tracing::error!(error = %error, "the OpenAPI document does not serialise");
        "{}".to_owned()
    }));
    let max_body = state.config().max_body_bytes;
    // Router::layer wraps every route (and the fallbacks) after routing, so the
    // layers below see the matched route template. The last layer added runs first.
    routes
        .fallback(telemetry::route_not_found)
        .method_not_allowed_fallback(telemetry::method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CatchPanicLayer::custom(telemetry::panic_response))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            telemetry::record_metrics,
        ))
        .layer(Extension(document))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(telemetry::request_span)
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
        .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuidV7))
        .with_state(state)
}

/// The OpenAPI 3.1 document of the API, as served at `/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes::api().split_for_parts().1
}

/// Serves `state` on `listener` until `shutdown` completes, then finishes the requests
/// in flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// What `bootstrap-admin` did.
#[derive(Debug, PartialEq, Eq)]
pub enum BootstrapOutcome {
    /// The admin's key is registered and approved; `token` is shown once.
    Created {
        key_id: String,
        token: String,
    },
    AdminExists,
    KeyExists,
}

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("the name must be 1 to 200 characters, without control characters")]
    BadName,
    #[error("the public key is not an ed25519 public key: expected 64 hex characters of a valid curve point")]
    BadPublicKey,
    #[error("the operating system could not provide randomness for a token: {0}")]
    Randomness(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Registers the first admin, approved, and makes their token. Refuses when an approved
/// admin exists already (later admins register and are approved like anyone).
pub async fn bootstrap_admin(
    db: &Database,
    name: &str,
    public_key_hex: &str,
) -> Result<BootstrapOutcome, BootstrapError> {
    let name = routes::keys::check_name(name).map_err(|_| BootstrapError::BadName)?;
    let public_key =
        PublicKey::from_hex(public_key_hex.trim()).map_err(|_| BootstrapError::BadPublicKey)?;
    let token = new_token().map_err(|error| BootstrapError::Randomness(error.to_string()))?;
    let key = StaffKey {
        key_id: public_key.key_id(),
        public_key,
        name,
        role: Role::Admin,
        state: KeyState::Approved,
        registered_at_ms: Timestamp::now().unix_millis(),
        decided_by: None,
        decided_at_ms: None,
    };
    Ok(
        match db.bootstrap_admin(&key, &token_digest(&token)).await? {
            Bootstrap::Created => BootstrapOutcome::Created {
                key_id: key.key_id.to_string(),
                token,
            },
            Bootstrap::AdminExists => BootstrapOutcome::AdminExists,
            Bootstrap::KeyExists => BootstrapOutcome::KeyExists,
        },
    )
}
