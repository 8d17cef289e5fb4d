//! Push and pull of change sets.
//!
//! Push takes the exact envelope bytes clients produce: the body is one envelope, or a
//! batch `{"envelopes": [<envelope>, …]}` whose items are kept byte for byte as they
//! appear in the body. Pull returns each stored envelope as standard base64 of those
//! exact bytes, so a client can hash and verify what was signed without re-encoding.

use std::collections::BTreeMap;
use std::time::Instant;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{ApiQuery, Body};
use crate::push::{push, Answer};
use crate::staff::Action;
use crate::state::{AppState, DEFAULT_PAGE, MAX_PAGE};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(push_changesets, pull_changesets))
}

/// A DSSE envelope (docs/changeset-format.md). Sent as exact bytes; this schema only
/// describes their shape.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[schema(as = Envelope)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeDoc {
    /// Standard base64 (with padding) of the canonical change-set JSON.
    #[schema(
        min_length = 4,
        pattern = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
    )]
    pub payload: String,
    /// Always `application/vnd.tenantry.changeset+json`.
    #[serde(rename = "payloadType")]
    #[schema(pattern = r"^application/vnd\.tenantry\.changeset\+json$")]
    pub payload_type: String,
    #[schema(min_items = 1, max_items = 16)]
    pub signatures: Vec<SignatureDoc>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[schema(as = Signature)]
#[serde(deny_unknown_fields)]
pub struct SignatureDoc {
    /// Key id: 64 lowercase hex.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub keyid: String,
    /// Standard base64 of the 64-byte ed25519 signature.
    #[schema(pattern = "^[A-Za-z0-9+/]{86}==$")]
    pub sig: String,
}

/// Several envelopes in one request (at most 500 by default).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchDoc {
    /// Envelopes (see `Envelope`), each answered in its place: one that is malformed
    /// is `rejected` in the results and never blocks the others, so the items are not
    /// constrained by this schema.
    #[schema(min_items = 1)]
    pub envelopes: Vec<Value>,
}

/// The body of a push: one envelope, or a batch.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(untagged)]
pub enum PushBody {
    One(EnvelopeDoc),
    Batch(BatchDoc),
}

/// What happened to one envelope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PushStatus {
    /// Stored now, with a new sequence number.
    Accepted,
    /// Stored earlier: the same change set (by payload hash), with its original number.
    Duplicate,
    /// The parent is not the tenant's head: pull, rebase and push again.
    Conflict,
    /// Refused for good; `code` and `message` say why. Nothing was stored.
    Rejected,
}

/// One envelope's answer. For `conflict` and `rejected`, the error's fields (`code`,
/// `message`, and e.g. `current_head`, `conflicting_paths`, `findings`) are included.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PushResult {
    pub status: PushStatus,
    /// The change set's hash (SHA-256 of the payload), when the envelope could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// The global sequence number (accepted and duplicate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// True when the change set was stored by an earlier push.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<ErrorCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub details: Map<String, Value>,
}

/// The answer to a batch: one result per envelope, in order, and the totals.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct BatchResult {
    pub results: Vec<PushResult>,
    pub accepted: usize,
    pub duplicates: usize,
    pub conflicts: usize,
    pub rejected: usize,
}

/// The answer to a push: a [`PushResult`] for one envelope, a [`BatchResult`] for a batch.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(untagged)]
pub enum PushResponse {
    One(PushResult),
    Batch(BatchResult),
}

impl PushResult {
    fn from_answer(answer: Answer) -> Self {
        match answer {
            Answer::Accepted {
                hash,
                seq,
                tenant,
                duplicate,
            } => PushResult {
                status: if duplicate {
                    PushStatus::Duplicate
                } else {
                    PushStatus::Accepted
                },
                hash: Some(hash),
                seq: Some(seq),
                tenant: Some(tenant),
                duplicate: Some(duplicate),
                code: None,
                message: None,
                details: Map::new(),
            },
            Answer::Refused { hash, error } => PushResult {
                status: if error.code == ErrorCode::StaleParent {
                    PushStatus::Conflict
                } else {
                    PushStatus::Rejected
                },
                hash,
                seq: None,
                tenant: None,
                duplicate: None,
                code: Some(error.code),
                message: Some(error.message),
                details: error.details,
            },
        }
    }
}

/// Splits a push body into envelopes: a batch's items as they appear, or the whole body.
fn envelopes_of(body: &[u8], max_batch: usize) -> Result<Vec<&[u8]>, ApiError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Batch<'a> {
        #[serde(borrow)]
        envelopes: Vec<&'a RawValue>,
    }
    // Only an object whose sole key is `envelopes` is a batch; anything else is read
    // as one envelope (and refused by the envelope parser if it is not one).
    let is_batch = serde_json::from_slice::<BTreeMap<&str, &RawValue>>(body)
        .is_ok_and(|object| object.len() == 1 && object.contains_key("envelopes"));
    if !is_batch {
        return Ok(vec![body]);
    }
    let batch: Batch = serde_json::from_slice(body).map_err(|error| {
        ApiError::new(
            ErrorCode::MalformedRequest,
            format!("`envelopes` must be an array of envelopes: {error}"),
        )
    })?;
    if batch.envelopes.is_empty() {
        return Err(ApiError::new(
            ErrorCode::MalformedRequest,
            "the batch holds no envelope",
        ));
    }
    if batch.envelopes.len() > max_batch {
        return Err(ApiError::new(
            ErrorCode::BatchTooLarge,
            format!(
                "the batch holds {} envelopes; send at most {max_batch} per request",
                batch.envelopes.len()
            ),
        )
        .with("max_batch", max_batch));
    }
    Ok(batch
        .envelopes
        .into_iter()
        .map(|raw| raw.get().as_bytes())
        .collect())
}

/// What one push did, for its log line.
#[derive(Debug, Default)]
struct PushTally {
    accepted: u64,
    /// The sequence numbers taken, first and last (0 when none was accepted).
    first_seq: i64,
    last_seq: i64,
    duplicates: u64,
    refused: u64,
}

impl PushTally {
    fn accepted(&mut self, seq: i64) {
        if self.accepted == 0 {
            self.first_seq = seq;
        }
        self.accepted += 1;
        self.last_seq = seq;
    }
}

/// Push change sets
///
/// One envelope (the body is the envelope's exact bytes) or a batch
/// `{"envelopes": [...]}`. Idempotent by change-set hash. A single envelope is answered
/// with its outcome's HTTP status (200 for accepted or duplicate, else the error's);
/// a batch is answered 200 with one result per envelope.
#[utoipa::path(
    post,
    path = "/v1/changesets",
    tag = "changesets",
    request_body(content = PushBody, description = "One envelope, or a batch"),
    responses(
        (status = 200, description = "Accepted or duplicate (one envelope), or per-envelope results (batch)", body = PushResponse),
        (status = 400, description = "Malformed body or envelope, or a signature that does not verify", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Unknown or unapproved signer, or a role that may not author", body = ErrorBody),
        (status = 409, description = "Stale parent (with `current_head` and `conflicting_paths`), duplicate id or slug", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "Invalid change set, wrong organisation, does not apply, or blocked by policy (with `rule_ids` and `findings`)", body = ErrorBody),
        (status = 503, description = "Database unavailable; retry", body = ErrorBody),
        (status = 429, description = "Too many requests by this key; see `Retry-After`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn push_changesets(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    caller.require(Action::Read)?;
    let envelopes = envelopes_of(&body, state.config().max_batch)?;
    let single = envelopes.len() == 1 && envelopes[0].len() == body.len();
    let answers = push(
        state.db(),
        state.write_gate(),
        state.push_rules(),
        &envelopes,
    )
    .await?;
    let metrics = state.metrics();
    // One line per push, with the range of sequence numbers it took: the change sets
    // themselves (hash, author, time) are in the append-only log those numbers index.
    // A line per accepted change set took 2.4 % of the machine in the acceptance
    // benchmark (BENCHMARKS.md, 2026-12-07); each is still there at `debug`, and every
    // refusal at `info`.
    let mut tally = PushTally::default();
    let results: Vec<PushResult> = answers
        .into_iter()
        .map(|answer| {
            match &answer {
                Answer::Accepted { duplicate: false, hash, seq, tenant } => {
                    tracing::debug!(hash, seq, tenant, "change set accepted");
                    tally.accepted(*seq);
                    metrics.record_changeset("accepted", "");
                }
                Answer::Accepted { duplicate: true, .. } => {
                    tally.duplicates += 1;
                    metrics.record_changeset("duplicate", "");
                }
                Answer::Refused { error, hash } => {
                    tracing::info!(code = %error.code.name(), hash = hash.as_deref().unwrap_or(""), message = %error.message, "change set refused");
                    tally.refused += 1;
                    metrics.record_changeset("rejected", &error.code.name());
                }
            }
            PushResult::from_answer(answer)
        })
        .collect();
    tracing::info!(
        by = %caller.0.key_id,
        accepted = tally.accepted,
        first_seq = tally.first_seq,
        last_seq = tally.last_seq,
        duplicates = tally.duplicates,
        refused = tally.refused,
        "change sets pushed"
    );
    metrics.record_push_latency(started.elapsed());

    if single {
        let result = results.into_iter().next().ok_or_else(ApiError::internal)?;
        return Ok(match result.code {
            None => Json(PushResponse::One(result)).into_response(),
            Some(code) => {
                let mut error = ApiError::new(code, result.message.unwrap_or_default());
                error.details = result.details;
                if let Some(hash) = result.hash {
                    error = error.with("hash", hash);
                }
                error.into_response()
            }
        });
    }
    let count = |status: PushStatus| results.iter().filter(|r| r.status == status).count();
    let batch = BatchResult {
        accepted: count(PushStatus::Accepted),
        duplicates: count(PushStatus::Duplicate),
        conflicts: count(PushStatus::Conflict),
        rejected: count(PushStatus::Rejected),
        results,
    };
    Ok((StatusCode::OK, Json(PushResponse::Batch(batch))).into_response())
}

/// The query of a pull (described in the route's `params`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    /// Return change sets with a sequence number above this (0 for the beginning).
    #[serde(default)]
    pub after: i64,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// One stored change set.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PulledChangeset {
    /// The global sequence number.
    pub seq: i64,
    /// SHA-256 (hex) of the payload.
    pub hash: String,
    pub tenant: String,
    /// The author's key id.
    pub author: String,
    /// Standard base64 of the exact envelope bytes as they were pushed.
    pub envelope: String,
}

/// A page of change sets.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PullPage {
    pub changesets: Vec<PulledChangeset>,
    /// Pass as `after` to get the next page (the last `seq` here, or `after` itself when
    /// the page is empty).
    pub next_after: i64,
    /// More change sets follow this page.
    pub more: bool,
}

/// Pull change sets
///
/// Every accepted change set has a sequence number, gap-free in commit order, so
/// paging with `after` never skips one.
#[utoipa::path(
    get,
    path = "/v1/changesets",
    tag = "changesets",
    params(
        ("after" = Option<i64>, Query, minimum = 0, description = "Return change sets with a sequence number above this (default 0: from the beginning)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 1000, description = "At most this many, 1 to 1000 (default 100)"),
    ),
    responses(
        (status = 200, description = "A page, oldest first", body = PullPage),
        (status = 400, description = "Bad query", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 429, description = "Too many requests by this key; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Database unavailable; retry", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn pull_changesets(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<PullQuery>,
) -> Result<Json<PullPage>, ApiError> {
    caller.require(Action::Read)?;
    if query.after < 0 {
        return Err(ApiError::new(
            ErrorCode::MalformedRequest,
            "`after` must be 0 or more",
        ));
    }
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::new(
            ErrorCode::MalformedRequest,
            format!("`limit` must be 1 to {MAX_PAGE}"),
        ));
    }
    // One more than asked tells whether another page follows.
    let mut rows = state.db().changesets_after(query.after, limit + 1).await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_after = rows.last().map_or(query.after, |row| row.seq);
    Ok(Json(PullPage {
        changesets: rows
            .into_iter()
            .map(|row| PulledChangeset {
                seq: row.seq,
                hash: row.hash,
                tenant: row.tenant,
                author: row.author,
                envelope: STANDARD.encode(&row.envelope),
            })
            .collect(),
        next_after,
        more,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_keeps_each_envelope_byte_for_byte() {
        let one = br#"{ "payload": "YQ==", "payloadType": "t", "signatures": [] }"#;
        let two = br#"{"payload":"Yg==","payloadType":"t","signatures":[]}"#;
        let mut body = b"{\"envelopes\": [".to_vec();
        body.extend_from_slice(one);
        body.extend_from_slice(b",\n  ");
        body.extend_from_slice(two);
        body.extend_from_slice(b"]}");
        let envelopes = envelopes_of(&body, 10).expect("a batch");
        assert_eq!(envelopes, vec![&one[..], &two[..]]);
    }

    #[test]
    fn anything_else_is_one_envelope_and_limits_hold() {
        assert_eq!(envelopes_of(b"{\"payload\":1}", 10).expect("one").len(), 1);
        assert_eq!(
            envelopes_of(b"not json", 10).expect("one"),
            vec![&b"not json"[..]]
        );
        assert_eq!(
            envelopes_of(b"{\"envelopes\":[]}", 10).map_err(|e| e.code),
            Err(ErrorCode::MalformedRequest)
        );
        assert_eq!(
            envelopes_of(b"{\"envelopes\":[{},{},{}]}", 2).map_err(|e| e.code),
            Err(ErrorCode::BatchTooLarge)
        );
        assert_eq!(
            envelopes_of(b"{\"envelopes\":{}}", 2).map_err(|e| e.code),
            Err(ErrorCode::MalformedRequest)
        );
    }

    #[test]
    fn refusals_carry_their_error_fields() {
        let result = PushResult::from_answer(Answer::Refused {
            hash: Some("ab".into()),
            error: ApiError::new(ErrorCode::StaleParent, "moved").with("current_head", "cd"),
        });
        assert_eq!(result.status, PushStatus::Conflict);
        let json = serde_json::to_value(&result).expect("json");
        assert_eq!(json["current_head"], "cd");
        assert_eq!(json["code"], "stale_parent");
        let accepted = PushResult::from_answer(Answer::Accepted {
            hash: "ab".into(),
            seq: 3,
            tenant: "t".into(),
            duplicate: true,
        });
        assert_eq!(accepted.status, PushStatus::Duplicate);
        assert_eq!(accepted.seq, Some(3));
    }
}
