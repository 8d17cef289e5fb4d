//! The platform server's review queue, and approving a change set with this person's
//! own key. What needs approval, and who may give it, is the server's to say (from
//! policy and the key registry); the window shows its answer and this person's role.

use serde::Serialize;
use tauri::State;
use tenantry_store::Store;
use tenantry_sync::{ReviewItem, Syncer};
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
    Ok(queue
        .into_iter()
        .map(|item| entry(item, me.as_deref()))
        .collect())
}

fn entry(item: ReviewItem, me: Option<&str>) -> ReviewEntry {
    ReviewEntry {
        mine: me == Some(item.author.as_str()),
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
) -> Result<ApprovalDone, AppError> {
    let store = state.store().await?;
    let syncer = syncer(&state, store)?;
    let key = state.signer.key().map_err(AppError::keyring)?;
    let approved = syncer.approve(&hash, &key).await?;
    tracing::info!(%hash, duplicate = approved.duplicate == Some(true), "change set approved");
    Ok(ApprovalDone {
        hash,
        duplicate: approved.duplicate == Some(true),
    })
}
