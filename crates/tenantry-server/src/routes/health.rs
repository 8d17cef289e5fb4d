//! For operators and tooling: liveness, readiness, metrics, and the API description.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
        .routes(routes!(openapi_json))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct Status {
    /// `ok` (alive) or `ready` (serving).
    pub status: String,
}

/// Liveness: the process answers
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "Alive", body = Status)),
    security(())
)]
async fn healthz() -> Json<Status> {
    Json(Status {
        status: "ok".to_owned(),
    })
}

/// Readiness: the database answers and has every migration applied
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Status),
        (status = 503, description = "The database is unreachable or not migrated", body = ErrorBody),
    ),
    security(())
)]
async fn readyz(State(state): State<AppState>) -> Result<Json<Status>, ApiError> {
    state.db().check_ready().await?;
    Ok(Json(Status {
        status: "ready".to_owned(),
    }))
}

/// Metrics in Prometheus text format
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4", body = String, content_type = "text/plain")),
    security(())
)]
async fn metrics(State(state): State<AppState>) -> Response {
    let mut response = state.metrics().render().into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// This API, as OpenAPI 3.1
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)),
    security(())
)]
async fn openapi_json(Extension(document): Extension<Arc<String>>) -> Response {
    let mut response = document.as_str().to_owned().into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
