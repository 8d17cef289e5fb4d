//! The platform server's review queue, and approving a change set with this person's
//! own key. What needs approval, and who may give it, is the server's to say (from
//! policy and the key registry); the window shows its answer and this person's role.

use crate::audit::{Audited, Described};
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tauri::State;
use tenantry_changeset::diff;
use tenantry_core::{DraftId, Step, Timestamp};
use tenantry_store::Store;
use tenantry_sync::{FieldNote, ReviewItem, ReviewNote as SyncNote, Syncer};
use tenantry_workflow::Plan;

use crate::error::AppError;
use crate::state::AppState;

/// One approval rule a change set must satisfy.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReviewRequirement {
    pub rule_id: String,
    /// What the change does that needs the approval, in the rule's words.
    pub message: String,
    /// The onboarding step the rule belongs to.
    pub step: String,
    pub needed: u32,
    pub have: u32,
    pub satisfied: bool,
    /// `compliance_officer` for every bundled rule.
    pub reviewer_role: String,
    /// Set when the approval is asked of another change set (a production promotion
    /// counts the approvals of the staging change set it promotes).
    pub approve_instead: Option<String>,
}

/// What a reviewer decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
    /// The comment that went with an approval.
    Approved,
    /// Returned to the author, who answers with a new change set.
    ChangesRequested,
}

/// A reviewer's comment on one field.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldComment {
    /// JSON pointer into the tenant document.
    pub path: String,
    /// The path in words, as the plan screen writes it.
    pub label: String,
    /// The onboarding step the field belongs to, when it has one.
    pub step: Option<Step>,
    pub comment: String,
}

/// A reviewer's verdict and comments.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReviewNote {
    /// The reviewer's key id.
    pub reviewer: String,
    /// The reviewer's name as the key registry gives it, when this mirror learnt it.
    pub reviewer_name: Option<String>,
    pub verdict: Verdict,
    pub comment: String,
    pub fields: Vec<FieldComment>,
    /// RFC 3339, UTC.
    pub at: String,
}

/// The change set a queue entry replaced: its approvals no longer count.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReplacedChangeset {
    pub hash: String,
    pub voided_approvals: u32,
    pub changes_requested: bool,
}

/// A reviewer's request for changes on one of this person's change sets.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ChangeRequest {
    /// The change set reviewed.
    pub hash: String,
    pub tenant: String,
    /// The client's name, when the tenant is in this mirror.
    pub client_name: Option<String>,
    /// This person's draft of the tenant, where the answer is made.
    pub draft_id: Option<DraftId>,
    /// The reviewed change set's summary, when this mirror holds it.
    pub summary: Option<String>,
    pub note: ReviewNote,
}

/// A comment on a field, as the reviewer writes it.
#[derive(Clone, Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldCommentInput {
    /// JSON pointer into the tenant document (a path of the change set's plan).
    pub path: String,
    pub comment: String,
}

/// A change set waiting for approval.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReviewEntry {
    pub hash: String,
    pub tenant: String,
    /// The client's name, when the tenant is in this mirror.
    pub client_name: Option<String>,
    /// `draft`, `staging` or `production`.
    pub environment: String,
    pub author: String,
    /// The author's name as the key registry gives it, when this mirror learnt it.
    pub author_name: Option<String>,
    /// The author's summary; `None` until this mirror pulled the change set.
    pub summary: Option<String>,
    pub requirements: Vec<ReviewRequirement>,
    pub approvals: u32,
    /// The author is this person: they cannot approve it.
    pub mine: bool,
    /// The reviewers' verdicts so far, oldest first.
    pub reviews: Vec<ReviewNote>,
    /// The earlier change set this one replaced (an edit after review).
    pub replaces: Option<ReplacedChangeset>,
    /// This person's own verdict on it, if they gave one (approving it counts as
    /// `approved`).
    pub my_verdict: Option<Verdict>,
}

/// What an approval did.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalDone {
    pub hash: String,
    /// This key had approved it before; nothing changed.
    pub duplicate: bool,
}

fn syncer(state: &AppState, store: &Store) -> Result<Syncer, AppError> {
    let Some(server_url) = state.sync.server().0 else {
        return Err(AppError::invalid(
            "No platform server is set: choose one in Settings to see what waits for review."
                .to_owned(),
        ));
    };
    let token = state
        .signer
        .server_token(&server_url)
        .map_err(AppError::keyring)?
        .ok_or_else(|| AppError::not_registered(&server_url))?;
    Ok(state.sync.syncer(store, &server_url, Some(token))?)
}

/// The change sets waiting for approval on the server, oldest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "review_queue"))]
pub async fn review_queue(state: State<'_, AppState>) -> Result<Vec<ReviewEntry>, AppError> {
    let store = state.store().await?;
    let queue = syncer(&state, store)?.review_queue().await?;
    let me = state.signer.info().ok().and_then(|info| info.key_id);
    let names = signer_names(store).await?;
    Ok(queue
        .into_iter()
        .map(|item| entry(item, me.as_deref(), &names))
        .collect())
}

/// Key id → name, for the keys this mirror learnt from the server's registry.
pub(crate) async fn signer_names(store: &Store) -> Result<HashMap<String, String>, AppError> {
    Ok(store
        .key_labels()
        .await?
        .into_iter()
        // Keys learnt from the registry are labelled "server: <name>" (tenantry-sync).
        .map(|(key, label)| {
            let name = label.strip_prefix("server: ").unwrap_or(&label).to_owned();
            (key, name)
        })
        .collect())
}

fn rfc3339(ms: i64) -> String {
    Timestamp::from_unix_millis(ms).map_or_else(|_| ms.to_string(), |at| at.to_string())
}

fn field_comment(path: String, comment: String) -> FieldComment {
    FieldComment {
        label: diff::label_of(&path),
        step: diff::step_of(&path),
        path,
        comment,
    }
}

fn note(note: SyncNote, names: &HashMap<String, String>) -> ReviewNote {
    ReviewNote {
        reviewer_name: names.get(&note.reviewer).cloned(),
        verdict: if note.asks_for_changes() {
            Verdict::ChangesRequested
        } else {
            Verdict::Approved
        },
        comment: note.comment,
        fields: note
            .fields
            .into_iter()
            .map(|field| field_comment(field.path, field.comment))
            .collect(),
        at: rfc3339(note.reviewed_at_ms),
        reviewer: note.reviewer,
    }
}

fn entry(item: ReviewItem, me: Option<&str>, names: &HashMap<String, String>) -> ReviewEntry {
    let approved_by_me = item.approvals.iter().any(|approval| {
        Some(approval.approver.as_str()) == me
            && item.requirements.iter().any(|r| r.hash == item.hash)
    });
    let my_verdict = item
        .reviews
        .iter()
        .find(|review| Some(review.reviewer.as_str()) == me)
        .map(|review| {
            if review.asks_for_changes() {
                Verdict::ChangesRequested
            } else {
                Verdict::Approved
            }
        })
        .or(approved_by_me.then_some(Verdict::Approved));
    ReviewEntry {
        mine: me == Some(item.author.as_str()),
        my_verdict,
        reviews: item
            .reviews
            .into_iter()
            .map(|review| note(review, names))
            .collect(),
        replaces: item.replaces.map(|replaced| ReplacedChangeset {
            hash: replaced.hash,
            voided_approvals: replaced.approvals,
            changes_requested: replaced.changes_requested,
        }),
        requirements: item
            .requirements
            .iter()
            .map(|requirement| ReviewRequirement {
                rule_id: requirement.rule_id.clone(),
                message: requirement.message.clone(),
                step: requirement.step.clone(),
                needed: requirement.needed,
                have: requirement.have,
                satisfied: requirement.satisfied,
                reviewer_role: requirement.reviewer_role.clone(),
                approve_instead: (requirement.hash != item.hash).then(|| requirement.hash.clone()),
            })
            .collect(),
        approvals: u32::try_from(item.approvals.len()).unwrap_or(u32::MAX),
        hash: item.hash,
        tenant: item.tenant,
        client_name: item.client_name,
        environment: item.environment,
        author: item.author,
        author_name: item.author_name,
        summary: item.summary,
    }
}

/// What the change set `hash` of `tenant` changes, as a plan (its environment's
/// document before → after, by step, with the policy results and the justifications
/// signed with it); `None` until this mirror pulled it.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "review_changes"))]
pub async fn review_changes(
    state: State<'_, AppState>,
    tenant: String,
    hash: String,
) -> Result<Option<Plan>, AppError> {
    let store = state.store().await?;
    Ok(tenantry_workflow::changeset_plan(store, state.rules().await, &tenant, &hash).await?)
}

/// Approves the change set `hash`: this person's key co-signs the bytes the author
/// signed (as this mirror holds them) and the server records it if their role allows.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "approve_changeset"))]
pub async fn approve_changeset(
    state: State<'_, AppState>,
    hash: String,
    comment: String,
) -> Result<ApprovalDone, AppError> {
    let mut what = Audited::new("approve_changeset").subject(hash.clone());
    what.tenant = tenant_of(&state, &hash).await;
    let result: Result<ApprovalDone, AppError> = async {
        let store = state.store().await?;
        let syncer = syncer(&state, store)?;
        let key = state.signer.key().map_err(AppError::keyring)?;
        let approved = syncer.approve(&hash, &key).await?;
        tracing::info!(%hash, duplicate = approved.duplicate == Some(true), "change set approved");
        // The approval stands on its own; the comment goes with it. Sent again, both are
        // answered as already given, so a lost answer is safe to retry.
        let comment = comment.trim();
        if !comment.is_empty() {
            syncer.comment_approval(&hash, comment).await?;
        }
        Ok(ApprovalDone {
            hash,
            duplicate: approved.duplicate == Some(true),
        })
    }
    .await;
    crate::audit::record(&state, what, &result, |done| {
        Described::done(if done.duplicate {
            "Approved already; nothing changed".to_owned()
        } else if comment.trim().is_empty() {
            "Approved with this key".to_owned()
        } else {
            format!("Approved with this key: {}", comment.trim())
        })
    })
    .await;
    result
}

/// Asks the author of the change set `hash` for changes: an overall comment and
/// comments on fields. The server refuses the author, a key without the reviewer role,
/// a change set replaced since, and a reviewer who approved it; nothing is kept then.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "request_changes"))]
pub async fn request_changes(
    state: State<'_, AppState>,
    hash: String,
    comment: String,
    fields: Vec<FieldCommentInput>,
) -> Result<ReviewNote, AppError> {
    let mut what = Audited::new("request_changes").subject(hash.clone());
    what.tenant = tenant_of(&state, &hash).await;
    let result: Result<ReviewNote, AppError> = async {
        let store = state.store().await?;
        let syncer = syncer(&state, store)?;
        let fields: Vec<FieldNote> = fields
            .into_iter()
            .map(|field| FieldNote {
                path: field.path,
                comment: field.comment,
            })
            .collect();
        let given = syncer.request_changes(&hash, &comment, &fields).await?;
        tracing::info!(%hash, fields = given.fields.len(), "changes requested");
        Ok(note(given, &signer_names(store).await?))
    }
    .await;
    crate::audit::record(&state, what, &result, |note| {
        Described::done(format!(
            "Asked for changes: {} ({} field comment(s))",
            note.comment,
            note.fields.len()
        ))
    })
    .await;
    result
}

/// The requests for changes on this person's change sets that the last sync brought
/// (newest first); only `tenant`'s when given. Read from the mirror: offline too.
pub async fn change_requests(
    store: &Store,
    tenant: Option<&str>,
) -> Result<Vec<ChangeRequest>, AppError> {
    let kept = store.change_requests(tenant).await?;
    if kept.is_empty() {
        return Ok(Vec::new());
    }
    let names = signer_names(store).await?;
    let mut requests = Vec::with_capacity(kept.len());
    for kept in kept {
        let request = kept.request;
        let summary = store
            .recorded_changeset(&request.changeset_hash)
            .await?
            .map(|changeset| changeset.summary);
        let (hash, tenant) = (request.changeset_hash.clone(), request.tenant.clone());
        requests.push(ChangeRequest {
            client_name: kept.client_name,
            draft_id: kept.draft_id.and_then(|id| DraftId::parse(&id).ok()),
            summary,
            note: note(SyncNote::from(request), &names),
            hash,
            tenant,
        });
    }
    Ok(requests)
}

/// The tenant of the change set `hash`, when this mirror holds it (for the audit log).
async fn tenant_of(state: &AppState, hash: &str) -> Option<String> {
    let changeset = state
        .store()
        .await
        .ok()?
        .recorded_changeset(hash)
        .await
        .ok()??;
    Some(changeset.tenant.to_string())
}
