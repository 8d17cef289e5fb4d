//! The signed catalog: the newest version published with `tenantry-server catalog
//! publish`, and the platform key that signed it (see [`crate::catalog`]).

use axum::extract::State;
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::catalog::PublishedCatalog;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::staff::Action;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signed_catalog))
        .routes(routes!(platform_key))
}

/// The newest signed catalog. Only `envelope` is signed: the other fields repeat what
/// is inside it, for people and logs, and a client trusts none of them.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct SignedCatalogView {
    /// Standard base64 of the exact DSSE envelope bytes (payload type
    /// `application/vnd.tenantry.catalog+json`), signed by the platform key.
    #[schema(pattern = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")]
    pub envelope: String,
    /// The catalog's version; clients refuse a lower one than they hold.
    #[schema(minimum = 1)]
    pub version: u64,
    /// RFC 3339, UTC.
    pub issued_at: String,
    /// RFC 3339, UTC: clients refuse the catalog from then on.
    pub expires_at: String,
    /// Id of the platform key that signed it (64 lowercase hex).
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub key_id: String,
}

/// The platform key, for a client that pins it on first use. A platform team that
/// configures the key on its clients never needs this.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PlatformKeyView {
    /// Key id: 64 lowercase hex.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub key_id: String,
    /// The ed25519 public key: 64 lowercase hex.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub public_key: String,
}

fn no_catalog() -> ApiError {
    ApiError::new(
        ErrorCode::NoCatalog,
        "no catalog has been published on this server; the platform team publishes one with `tenantry-server catalog publish`",
    )
}

async fn newest(state: &AppState) -> Result<PublishedCatalog, ApiError> {
    state.db().current_catalog().await?.ok_or_else(no_catalog)
}

/// The signed catalog
///
/// The newest catalog version the platform published, as its exact DSSE envelope bytes.
/// Verify the envelope against the platform key you were given before using it.
#[utoipa::path(
    get,
    path = "/v1/catalog",
    tag = "catalog",
    responses(
        (status = 200, description = "The newest signed catalog", body = SignedCatalogView),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No catalog was published (`no_catalog`)", body = ErrorBody),
        (status = 429, description = "Too many requests by this key; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Database unavailable; retry", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn signed_catalog(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SignedCatalogView>, ApiError> {
    caller.require(Action::Read)?;
    let catalog = newest(&state).await?;
    Ok(Json(SignedCatalogView {
        envelope: STANDARD.encode(&catalog.envelope),
        version: catalog.version,
        issued_at: catalog.issued_at.to_string(),
        expires_at: catalog.expires_at.to_string(),
        key_id: catalog.key_id,
    }))
}

/// The platform key
///
/// The public key that signed the newest catalog.
#[utoipa::path(
    get,
    path = "/v1/catalog/key",
    tag = "catalog",
    responses(
        (status = 200, description = "The platform's public key", body = PlatformKeyView),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No catalog was published (`no_catalog`)", body = ErrorBody),
        (status = 429, description = "Too many requests by this key; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Database unavailable; retry", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn platform_key(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<PlatformKeyView>, ApiError> {
    caller.require(Action::Read)?;
    let catalog = newest(&state).await?;
    Ok(Json(PlatformKeyView {
        key_id: catalog.key_id,
        public_key: catalog.public_key,
    }))
}
