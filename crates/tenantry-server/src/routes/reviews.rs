//! Reviewers' verdicts: "request changes" with comments on fields, returned to the
//! author, and the comment that goes with an approval. See `crate::verdicts`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use tenantry_core::Timestamp;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{json, ApiPath, Body};
use crate::staff::Action;
use crate::state::AppState;
use crate::verdicts::{self, ReviewRequest, ReviewView, Verdict};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(add_review, list_reviews))
}

/// A change set's verdicts.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ReviewList {
    /// Oldest first.
    pub reviews: Vec<ReviewView>,
}

fn not_found(hash: &str) -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        format!(
            "the server holds no change set {}",
            hash.chars().take(80).collect::<String>()
        ),
    )
}

/// Give a verdict on a change set (compliance officers)
///
/// `changes_requested` returns the change set to its author with an overall comment
/// and comments on fields; the author answers with a new change set, which replaces
/// it. `approved` is the comment that goes with the caller's approval, which must have
/// been given first (`POST /v1/changesets/{hash}/approvals`). One verdict per reviewer
/// per change set: the same request again is answered 200 and stored once.
#[utoipa::path(
    post,
    path = "/v1/changesets/{hash}/reviews",
    tag = "approvals",
    params(("hash" = String, Path, description = "The change set's hash (64 lowercase hex)")),
    request_body = ReviewRequest,
    responses(
        (status = 201, description = "Verdict stored", body = ReviewView),
        (status = 200, description = "The caller gave this verdict already", body = ReviewView),
        (status = 400, description = "Not a valid review (limits, paths, an empty request)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a compliance officer, or the change set's author", body = ErrorBody),
        (status = 404, description = "No such change set", body = ErrorBody),
        (status = 409, description = "Replaced by a later change set, or another verdict by the caller", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 429, description = "Too many requests by this key; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Database unavailable; retry", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn add_review(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(hash): ApiPath<String>,
    Body(body): Body,
) -> Result<(StatusCode, Json<ReviewView>), ApiError> {
    let request = verdicts::check(json::<ReviewRequest>(&body)?)?;
    let stored = state
        .db()
        .changeset(&hash)
        .await?
        .ok_or_else(|| not_found(&hash))?;
    let me = &caller.0;
    if stored.author == me.key_id.as_str() {
        return Err(ApiError::new(
            ErrorCode::SelfApproval,
            "you authored this change set; someone else must review it",
        ));
    }
    caller.require(Action::ApproveChange)?;
    let mut conn = state.db().acquire().await?;
    let existing = verdicts::reviews_of(&mut conn, &[stored.hash.as_str()])
        .await?
        .into_iter()
        .find(|review| review.reviewer == me.key_id.as_str());
    // Idempotent: the same verdict and comments again is the same answer, even once
    // the change set was replaced (a retry of a lost answer).
    if let Some(existing) = existing.as_ref().filter(|existing| {
        existing.verdict == request.verdict
            && existing.comment == request.comment
            && existing.fields == request.fields
    }) {
        return Ok((StatusCode::OK, Json(existing.clone())));
    }
    let head = verdicts::environment_head(&mut conn, &stored.hash)
        .await?
        .ok_or_else(ApiError::internal)?;
    if head != stored.hash {
        return Err(verdicts::superseded(&stored.hash, &head));
    }
    if let Some(existing) = existing {
        return Err(ApiError::new(
            ErrorCode::ReviewConflict,
            format!(
                "you gave a verdict on this change set already ({}); a change set never changes, so neither does a verdict on it",
                existing.verdict.id().replace('_', " ")
            ),
        ));
    }
    let approved = state
        .db()
        .approvals(&stored.hash)
        .await?
        .iter()
        .any(|approval| approval.approver == me.key_id.as_str());
    match (request.verdict, approved) {
        (Verdict::ChangesRequested, true) => {
            return Err(ApiError::new(
                ErrorCode::ReviewConflict,
                "you approved this change set; changes to it come as a new change set",
            ))
        }
        (Verdict::Approved, false) => {
            return Err(ApiError::new(
                ErrorCode::ReviewConflict,
                "approve the change set first (POST /v1/changesets/{hash}/approvals): the comment goes with an approval",
            ))
        }
        _ => {}
    }
    let review = ReviewView {
        hash: stored.hash.clone(),
        reviewer: me.key_id.to_string(),
        verdict: request.verdict,
        comment: request.comment,
        fields: request.fields,
        reviewed_at_ms: Timestamp::now().unix_millis(),
    };
    if !verdicts::add(&mut conn, &review).await? {
        // Another request by the same reviewer won the race: answer as if it came first.
        return Err(ApiError::new(
            ErrorCode::ReviewConflict,
            "you gave a verdict on this change set already",
        ));
    }
    tracing::info!(hash = %review.hash, reviewer = %review.reviewer, verdict = review.verdict.id(), "verdict given");
    Ok((StatusCode::CREATED, Json(review)))
}

/// A change set's verdicts
///
/// What reviewers said about the change set, oldest first: requests for changes with
/// their field comments, and the comments given with approvals.
#[utoipa::path(
    get,
    path = "/v1/changesets/{hash}/reviews",
    tag = "approvals",
    params(("hash" = String, Path, description = "The change set's hash (64 lowercase hex)")),
    responses(
        (status = 200, description = "The verdicts, oldest first", body = ReviewList),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such change set", body = ErrorBody),
        (status = 429, description = "Too many requests by this key; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Database unavailable; retry", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn list_reviews(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(hash): ApiPath<String>,
) -> Result<Json<ReviewList>, ApiError> {
    caller.require(Action::Read)?;
    let stored = state
        .db()
        .changeset(&hash)
        .await?
        .ok_or_else(|| not_found(&hash))?;
    let mut conn = state.db().acquire().await?;
    let reviews = verdicts::reviews_of(&mut conn, &[stored.hash.as_str()]).await?;
    Ok(Json(ReviewList { reviews }))
}
