//! Approvals: a compliance officer's co-signature over someone else's change set.
//! Which change sets need approvals comes from policy later; they are stored now.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use tenantry_changeset::envelope::{pae, Envelope, PAYLOAD_TYPE};
use tenantry_changeset::ChangeSet;
use tenantry_core::Timestamp;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{ApiPath, Body};
use crate::push::envelope_error;
use crate::routes::changesets::EnvelopeDoc;
use crate::staff::Action;
use crate::state::AppState;
use crate::storage::{Approval, StorageError, StoredChangeset};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(approve_changeset, list_approvals))
}

/// One approval.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ApprovalView {
    /// The approver's key id.
    pub approver: String,
    /// Standard base64 of the approver's ed25519 signature over the change set's DSSE
    /// pre-authentication encoding: the `sig` of their entry in a co-signed envelope.
    pub signature: String,
    /// Unix milliseconds.
    pub approved_at_ms: i64,
    /// True when this approver had approved this change set before this request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate: Option<bool>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ApprovalList {
    pub approvals: Vec<ApprovalView>,
}

async fn stored(state: &AppState, hash: &str) -> Result<(StoredChangeset, Vec<u8>), ApiError> {
    let not_found = || {
        ApiError::new(
            ErrorCode::NotFound,
            format!(
                "the server holds no change set {}",
                hash.chars().take(80).collect::<String>()
            ),
        )
    };
    let stored = state.db().changeset(hash).await?.ok_or_else(not_found)?;
    let payload = Envelope::parse(&stored.envelope)
        .and_then(|envelope| envelope.payload_bytes())
        .map_err(|error| {
            ApiError::from(StorageError::Corrupt {
                table: "changesets",
                id: stored.hash.clone(),
                detail: error.to_string(),
            })
        })?;
    Ok((stored, payload))
}

/// Approve a change set (compliance officers)
///
/// The body is the change set's envelope co-signed by the caller (e.g. with
/// `Envelope::co_sign`): the caller's signature over the same bytes is checked and
/// stored. Approving one's own change set is refused.
#[utoipa::path(
    post,
    path = "/v1/changesets/{hash}/approvals",
    tag = "approvals",
    params(("hash" = String, Path, description = "The change set's hash (64 lowercase hex)")),
    request_body(content = EnvelopeDoc, description = "The envelope, co-signed by the caller"),
    responses(
        (status = 201, description = "Approval stored", body = ApprovalView),
        (status = 200, description = "The caller had approved it already", body = ApprovalView),
        (status = 400, description = "Not this change set's envelope, or no valid signature by the caller", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a compliance officer, or the change set's author", body = ErrorBody),
        (status = 404, description = "No such change set", body = ErrorBody),
        (status = 429, description = "Too many requests by this key; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Database unavailable; retry", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn approve_changeset(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(hash): ApiPath<String>,
    Body(body): Body,
) -> Result<(StatusCode, Json<ApprovalView>), ApiError> {
    let (stored, payload) = stored(&state, &hash).await?;
    let envelope = Envelope::parse(&body).map_err(envelope_error)?;
    if envelope.hash().map_err(envelope_error)?.0 != stored.hash {
        return Err(ApiError::new(
            ErrorCode::MalformedEnvelope,
            format!("the envelope holds another change set than {}", stored.hash),
        ));
    }
    let author = ChangeSet::from_payload(&payload)
        .map_err(|error| {
            ApiError::from(StorageError::Corrupt {
                table: "changesets",
                id: stored.hash.clone(),
                detail: error.to_string(),
            })
        })?
        .author;
    let me = &caller.0;
    // The more specific refusal first: an author is told it is their own change set
    // whatever their role.
    if author == me.key_id {
        return Err(ApiError::new(
            ErrorCode::SelfApproval,
            "you authored this change set; someone else must approve it",
        ));
    }
    caller.require(Action::ApproveChange)?;
    let Some(signature) = envelope
        .signatures
        .iter()
        .find(|signature| signature.keyid == me.key_id.as_str())
    else {
        return Err(ApiError::new(
            ErrorCode::InvalidSignature,
            format!(
                "the envelope carries no signature by your key {}",
                me.key_id
            ),
        ));
    };
    // Canonical base64 only, as everywhere in the envelope format.
    let valid = STANDARD
        .decode(&signature.sig)
        .ok()
        .filter(|bytes| STANDARD.encode(bytes) == signature.sig)
        .is_some_and(|bytes| {
            me.public_key
                .verify_strict(&pae(PAYLOAD_TYPE, &payload), &bytes)
        });
    if !valid {
        return Err(ApiError::new(
            ErrorCode::InvalidSignature,
            format!(
                "your signature ({}) does not verify over this change set",
                me.key_id
            ),
        ));
    }
    let approval = Approval {
        approver: me.key_id.to_string(),
        signature: signature.sig.clone(),
        approved_at_ms: Timestamp::now().unix_millis(),
    };
    let added = state.db().add_approval(&stored.hash, &approval).await?;
    let approval = if added {
        tracing::info!(hash = %stored.hash, approver = %me.key_id, "change set approved");
        approval
    } else {
        state
            .db()
            .approvals(&stored.hash)
            .await?
            .into_iter()
            .find(|existing| existing.approver == approval.approver)
            .ok_or_else(ApiError::internal)?
    };
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(ApprovalView {
            approver: approval.approver,
            signature: approval.signature,
            approved_at_ms: approval.approved_at_ms,
            duplicate: Some(!added),
        }),
    ))
}

/// List a change set's approvals
#[utoipa::path(
    get,
    path = "/v1/changesets/{hash}/approvals",
    tag = "approvals",
    params(("hash" = String, Path, description = "The change set's hash (64 lowercase hex)")),
    responses(
        (status = 200, description = "Approvals, oldest first", body = ApprovalList),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such change set", body = ErrorBody),
        (status = 429, description = "Too many requests by this key; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Database unavailable; retry", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn list_approvals(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(hash): ApiPath<String>,
) -> Result<Json<ApprovalList>, ApiError> {
    caller.require(Action::Read)?;
    let (stored, _) = stored(&state, &hash).await?;
    let approvals = state.db().approvals(&stored.hash).await?;
    Ok(Json(ApprovalList {
        approvals: approvals
            .into_iter()
            .map(|approval| ApprovalView {
                approver: approval.approver,
                signature: approval.signature,
                approved_at_ms: approval.approved_at_ms,
                duplicate: None,
            })
            .collect(),
    }))
}
