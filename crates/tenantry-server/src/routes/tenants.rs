//! Tenant heads: where each tenant's chain ends on the server.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::staff::Action;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(tenant_heads))
}

/// A tenant's newest change set.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct HeadView {
    /// Its hash: the `parent` of the tenant's next change set.
    pub head: String,
    /// Its global sequence number.
    pub seq: i64,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct Heads {
    /// Tenant id → head.
    pub tenants: BTreeMap<String, HeadView>,
}

/// Every tenant's head
#[utoipa::path(
    get,
    path = "/v1/tenants/heads",
    tag = "changesets",
    responses(
        (status = 200, description = "Tenant id → head hash and sequence number", body = Heads),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 429, description = "Too many requests by this key; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Database unavailable; retry", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn tenant_heads(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Heads>, ApiError> {
    caller.require(Action::Read)?;
    let heads = state.db().heads().await?;
    Ok(Json(Heads {
        tenants: heads
            .into_iter()
            .map(|head| {
                (
                    head.tenant,
                    HeadView {
                        head: head.hash,
                        seq: head.seq,
                    },
                )
            })
            .collect(),
    }))
}
