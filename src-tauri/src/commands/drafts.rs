use crate::audit::{Audited, Described};
use serde::Serialize;
use tauri::State;
use tenantry_core::{Draft, DraftId, FieldIssue, NewDraft, TenantDocument};
use tenantry_policy::{Evaluation, Progress};
use tenantry_store::HistoryEntry;
use tenantry_workflow::{SubmitOutcome, SubmitRequest};

use super::review::{change_requests, ChangeRequest};
use crate::error::AppError;
use crate::state::AppState;

/// The form's problems as the user types; the same rules `create_draft` enforces.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "validate_new_draft"))]
pub fn validate_new_draft(input: NewDraft) -> Vec<FieldIssue> {
    input.issues()
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "create_draft"))]
pub async fn create_draft(state: State<'_, AppState>, input: NewDraft) -> Result<Draft, AppError> {
    let what = Audited::new("create_draft");
    let result: Result<Draft, AppError> =
        async { Ok(state.store().await?.create_draft(&input).await?) }.await;
    crate::audit::record(&state, what, &result, |draft| {
        Described::done(format!("Started a draft for {}", draft.client_name))
            .subject(draft.id.as_str())
    })
    .await;
    result
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "list_drafts"))]
pub async fn list_drafts(state: State<'_, AppState>) -> Result<Vec<Draft>, AppError> {
    Ok(state.store().await?.list_drafts().await?)
}

/// A draft as its screen shows it: the document, what the policy pack says about it,
/// and the change sets already signed for its tenant.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DraftView {
    pub draft: Draft,
    pub document: TenantDocument,
    pub evaluation: Evaluation,
    pub progress: Progress,
    /// Oldest first.
    pub history: Vec<HistoryEntry>,
    /// What reviewers asked to change in this tenant's change sets, as of the last
    /// sync (newest first): answered by editing this draft and submitting again.
    pub change_requests: Vec<ChangeRequest>,
}

async fn view(
    state: &AppState,
    draft: Draft,
    document: TenantDocument,
) -> Result<DraftView, AppError> {
    let rules = state.rules().await;
    let evaluation = rules.pack.evaluate(&document, rules.catalog)?;
    let progress = tenantry_policy::progress(&document, rules.catalog, &evaluation);
    let store = state.store().await?;
    let history = store.history(&document.tenant.id).await?;
    let change_requests = change_requests(store, Some(document.tenant.id.as_str())).await?;
    Ok(DraftView {
        draft,
        document,
        evaluation,
        progress,
        history,
        change_requests,
    })
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "open_draft"))]
pub async fn open_draft(state: State<'_, AppState>, id: DraftId) -> Result<DraftView, AppError> {
    let opened = state.store().await?.open_draft(&id).await?;
    view(&state, opened.draft, opened.document).await
}

/// Autosave: keeps the document (even one that breaks rules: a draft is never lost)
/// and answers with what the policy pack now says about it.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "save_draft"))]
pub async fn save_draft(
    state: State<'_, AppState>,
    id: DraftId,
    document: TenantDocument,
) -> Result<DraftView, AppError> {
    let what = Audited::new("save_draft")
        .tenant(document.tenant.id.to_string())
        .subject(id.as_str());
    let result: Result<DraftView, AppError> = async {
        let draft = state.store().await?.save_draft(&id, &document).await?;
        view(&state, draft, document).await
    }
    .await;
    crate::audit::record(&state, what, &result, |_| {
        Described::done("Saved the whole document of the draft")
    })
    .await;
    result
}

/// What a submission did.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum SubmitResult {
    /// The policy pack blocks the draft; nothing was signed.
    Blocked { view: Box<DraftView> },
    /// The mirror already holds this version; nothing was signed.
    NothingToSubmit { view: Box<DraftView> },
    /// One change set signed, recorded and queued for the platform.
    Submitted {
        view: Box<DraftView>,
        receipt: Receipt,
    },
}

#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    pub changeset_id: String,
    /// SHA-256 of the signed payload: how the platform and reviewers name it.
    pub hash: String,
    /// Its place in the tenant's chain, from 1.
    pub seq: u32,
    /// Change sets now waiting in the outbox, this one included.
    pub outbox: u32,
}

/// Signs the draft as it is in the mirror now with the staff member's key and queues
/// it. `summary` says what the change does, for reviewers and the history.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "submit_draft"))]
pub async fn submit_draft(
    state: State<'_, AppState>,
    id: DraftId,
    summary: String,
) -> Result<SubmitResult, AppError> {
    let what = Audited::new("submit_draft").subject(id.as_str());
    let result: Result<SubmitResult, AppError> = async {
        let store = state.store().await?;
        let request = SubmitRequest {
            summary: &summary,
            environment: tenantry_changeset::Environment::Draft,
            organisation: &state.settings.organisation,
        };
        let submitted = tenantry_workflow::submit_draft(
            store,
            state.rules().await,
            &id,
            || state.signer.key(),
            request,
        )
        .await?;
        let view = Box::new(view(&state, submitted.draft, submitted.document).await?);
        Ok(match submitted.outcome {
            SubmitOutcome::Blocked(_) => SubmitResult::Blocked { view },
            SubmitOutcome::NothingToSubmit => SubmitResult::NothingToSubmit { view },
            SubmitOutcome::Submitted { recorded, .. } => SubmitResult::Submitted {
                view,
                receipt: Receipt {
                    changeset_id: recorded.changeset.id.clone(),
                    hash: recorded.hash.0.clone(),
                    seq: u32::try_from(recorded.seq).unwrap_or(u32::MAX),
                    outbox: u32::try_from(store.outbox_len().await?).unwrap_or(u32::MAX),
                },
            },
        })
    }
    .await;
    crate::audit::record(&state, what, &result, |answer| match answer {
        SubmitResult::Blocked { view } => Described::refused(
            format!("Not submitted: the policy pack blocks it. Summary: {summary}"),
            view.evaluation
                .blocks()
                .iter()
                .map(|finding| finding.rule_id.clone())
                .collect(),
        )
        .tenant(view.document.tenant.id.to_string()),
        SubmitResult::NothingToSubmit { view } => {
            Described::done("Nothing to submit: the mirror holds this version")
                .tenant(view.document.tenant.id.to_string())
        }
        SubmitResult::Submitted { view, receipt } => Described::done(format!(
            "Signed and queued change #{}: {summary}",
            receipt.seq
        ))
        .tenant(view.document.tenant.id.to_string())
        .subject(receipt.hash.clone()),
    })
    .await;
    result
}
