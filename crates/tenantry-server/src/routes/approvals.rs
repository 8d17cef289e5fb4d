//! Approvals: a compliance officer's co-signature over someone else's change set. Which
//! change sets need approvals comes from the approval rules (`tenantry_policy::
//! ApprovalPolicy`), recorded when each change set was accepted; this module answers
//! how far each has come, and the review queue of those still waiting.

use std::collections::BTreeMap;

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
use crate::review::{self, ApprovalsByHash, KeyedApproval, RecordedRequirement, RequirementStatus};
use crate::routes::changesets::EnvelopeDoc;
use crate::staff::Action;
use crate::state::AppState;
use crate::storage::{Approval, StorageError, StoredChangeset};
use crate::verdicts::{self, ReviewView, Verdict};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(approve_changeset, list_approvals))
        .routes(routes!(pending_approvals))
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
    /// In lists: whether the approval counts now. Only approvals by keys that are
    /// approved (not pending, not revoked) at the time they are counted do, and never
    /// one by the change set's author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid: Option<bool>,
}

impl ApprovalView {
    fn listed(approval: &KeyedApproval) -> Self {
        ApprovalView {
            approver: approval.approval.approver.clone(),
            signature: approval.approval.signature.clone(),
            approved_at_ms: approval.approval.approved_at_ms,
            duplicate: None,
            valid: Some(review::is_valid(approval)),
        }
    }
}

/// A change set's approval requirements, its approvals, and whether they are met.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ApprovalList {
    /// The change set.
    pub hash: String,
    pub tenant: String,
    /// The author's key id.
    pub author: String,
    /// `draft`, `staging` or `production`.
    pub environment: String,
    /// What the approval rules asked for when the change set was accepted (empty: it
    /// needs no approval).
    pub requirements: Vec<RequirementStatus>,
    /// True when every requirement is met now.
    pub satisfied: bool,
    /// The change set's approvals, oldest first.
    pub approvals: Vec<ApprovalView>,
}

/// The change set a queue entry replaced: the newest one before it in the same
/// environment whose requirements it now carries. Its approvals no longer count.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ReplacedChangeset {
    pub hash: String,
    /// Approvals it had, void now.
    pub approvals: u32,
    /// A reviewer had asked for changes on it.
    pub changes_requested: bool,
}

/// A change set waiting for approvals.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PendingChangeset {
    /// The global sequence number: the queue is oldest first.
    pub seq: i64,
    pub hash: String,
    pub tenant: String,
    /// The author's key id.
    pub author: String,
    /// `draft`, `staging` or `production`.
    pub environment: String,
    /// Every requirement of the change set, met or not.
    pub requirements: Vec<RequirementStatus>,
    /// The approvals given so far to the change sets whose approvals count (the change
    /// set itself, or for a production change set the staging one it promoted), oldest
    /// first.
    pub approvals: Vec<ApprovalView>,
    /// The verdicts given on it so far, oldest first.
    pub reviews: Vec<ReviewView>,
    /// Set when it replaced an earlier change set that was waiting (an edit after
    /// review): that one's requirements are among `requirements`.
    pub replaces: Option<ReplacedChangeset>,
}

/// The review queue.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PendingList {
    /// Change sets with at least one unmet requirement, oldest first.
    pub pending: Vec<PendingChangeset>,
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
    {
        let mut conn = state.db().acquire().await?;
        let head = verdicts::environment_head(&mut conn, &stored.hash)
            .await?
            .ok_or_else(ApiError::internal)?;
        if head != stored.hash {
            return Err(verdicts::superseded(&stored.hash, &head));
        }
        let asked_for_changes = verdicts::reviews_of(&mut conn, &[stored.hash.as_str()])
            .await?
            .iter()
            .any(|review| {
                review.reviewer == me.key_id.as_str() && review.verdict == Verdict::ChangesRequested
            });
        if asked_for_changes {
            return Err(ApiError::new(
                ErrorCode::ReviewConflict,
                "you asked for changes on this change set; approve the change set that answers them",
            ));
        }
    }
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
            valid: None,
        }),
    ))
}

/// A change set's approval requirements and approvals
///
/// What the approval rules asked for when the change set was accepted, how many
/// approvals count now for each requirement, and the approvals given.
#[utoipa::path(
    get,
    path = "/v1/changesets/{hash}/approvals",
    tag = "approvals",
    params(("hash" = String, Path, description = "The change set's hash (64 lowercase hex)")),
    responses(
        (status = 200, description = "Requirements and approvals (oldest first)", body = ApprovalList),
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
    let mut conn = state.db().acquire().await?;
    let requirements = review::requirements_of_changeset(&mut conn, &stored.hash).await?;
    let mut hashes: Vec<&str> = requirements
        .iter()
        .map(|requirement| requirement.subject.as_str())
        .collect();
    hashes.push(stored.hash.as_str());
    hashes.sort_unstable();
    hashes.dedup();
    let approvals = review::approvals_of(&mut conn, &hashes).await?;
    drop(conn);
    let requirements: Vec<RequirementStatus> = requirements
        .iter()
        .map(|requirement| RequirementStatus::recorded(requirement, &approvals))
        .collect();
    Ok(Json(ApprovalList {
        satisfied: requirements.iter().all(|status| status.satisfied),
        requirements,
        approvals: listed(&approvals, &[stored.hash.as_str()]),
        hash: stored.hash,
        tenant: stored.tenant,
        author: stored.author,
        environment: stored.environment,
    }))
}

/// The approvals of `hashes`, oldest first.
fn listed(approvals: &ApprovalsByHash, hashes: &[&str]) -> Vec<ApprovalView> {
    let mut all: Vec<&KeyedApproval> = hashes
        .iter()
        .filter_map(|hash| approvals.get(*hash))
        .flatten()
        .collect();
    all.sort_by(|a, b| {
        (
            a.approval.approved_at_ms,
            &a.changeset,
            &a.approval.approver,
        )
            .cmp(&(
                b.approval.approved_at_ms,
                &b.changeset,
                &b.approval.approver,
            ))
    });
    all.into_iter().map(ApprovalView::listed).collect()
}

/// The review queue
///
/// Change sets whose approval requirements are not met yet, oldest first, with their
/// tenant, author, environment, requirements, the approvals so far and the reviewers'
/// verdicts. A change set replaced by a later one of the same tenant and environment
/// is not listed: the later one carries its requirements (an edit after review voids
/// the approvals given before). Any approved key may read it.
#[utoipa::path(
    get,
    path = "/v1/approvals/pending",
    tag = "approvals",
    responses(
        (status = 200, description = "Change sets waiting for approvals, oldest first", body = PendingList),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 429, description = "Too many requests by this key; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Database unavailable; retry", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn pending_approvals(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<PendingList>, ApiError> {
    caller.require(Action::Read)?;
    let mut conn = state.db().acquire().await?;
    let requirements = review::all_requirements(&mut conn).await?;
    let mut hashes: Vec<&str> = requirements
        .iter()
        .flat_map(|requirement| [requirement.subject.as_str(), requirement.changeset.as_str()])
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    let approvals = review::approvals_of(&mut conn, &hashes).await?;

    // Each requirement belongs to the entry of the newest change set of its change set's
    // environment: itself, or the change set that replaced it.
    // (A map: the queue's order is set by sequence number below.)
    let mut entries: BTreeMap<&str, Vec<&RecordedRequirement>> = BTreeMap::new();
    for requirement in &requirements {
        entries
            .entry(requirement.changeset_head.as_str())
            .or_default()
            .push(requirement);
    }
    let waiting: Vec<(&str, Vec<&RecordedRequirement>)> = entries
        .into_iter()
        .filter(|(_, carried)| {
            carried
                .iter()
                .any(|requirement| !RequirementStatus::recorded(requirement, &approvals).satisfied)
        })
        .collect();
    let mut reviewed: Vec<&str> = waiting.iter().map(|(hash, _)| *hash).collect();
    reviewed.extend(waiting.iter().flat_map(|(_, carried)| {
        carried
            .iter()
            .map(|requirement| requirement.changeset.as_str())
    }));
    reviewed.sort_unstable();
    reviewed.dedup();
    let mut reviews_by_hash: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for review in verdicts::reviews_of(&mut conn, &reviewed).await? {
        reviews_by_hash
            .entry(review.hash.clone())
            .or_default()
            .push(review);
    }
    drop(conn);

    let mut pending = Vec::with_capacity(waiting.len());
    for (head, carried) in waiting {
        let own = carried
            .iter()
            .find(|requirement| requirement.changeset == head);
        let (seq, tenant, author, environment) = match own {
            Some(own) => (
                own.seq,
                own.tenant.clone(),
                own.author.clone(),
                own.environment.clone(),
            ),
            // A head with no requirements of its own: its record says who and where.
            None => {
                let stored = state
                    .db()
                    .changeset(head)
                    .await?
                    .ok_or_else(ApiError::internal)?;
                (stored.seq, stored.tenant, stored.author, stored.environment)
            }
        };
        let replaced = carried
            .iter()
            .filter(|requirement| requirement.changeset != head)
            .max_by_key(|requirement| requirement.seq)
            .map(|requirement| ReplacedChangeset {
                hash: requirement.changeset.clone(),
                approvals: u32::try_from(approvals.get(&requirement.changeset).map_or(0, Vec::len))
                    .unwrap_or(u32::MAX),
                changes_requested: reviews_by_hash.get(&requirement.changeset).is_some_and(
                    |reviews| {
                        reviews
                            .iter()
                            .any(|review| review.verdict == Verdict::ChangesRequested)
                    },
                ),
            });
        let mut subjects: Vec<&str> = carried
            .iter()
            .map(|requirement| requirement.subject.as_str())
            .collect();
        subjects.sort_unstable();
        subjects.dedup();
        pending.push(PendingChangeset {
            seq,
            hash: head.to_owned(),
            tenant,
            author,
            environment,
            requirements: carried
                .iter()
                .map(|requirement| RequirementStatus::recorded(requirement, &approvals))
                .collect(),
            approvals: listed(&approvals, &subjects),
            reviews: reviews_by_hash.get(head).cloned().unwrap_or_default(),
            replaces: replaced,
        });
    }
    pending.sort_by_key(|entry| entry.seq);
    Ok(Json(PendingList { pending }))
}
