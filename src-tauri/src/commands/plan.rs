//! The plan screen: what submitting a draft would sign, step by step, before it is
//! signed. Computed by `tenantry_workflow::plan_draft`, exactly as the submission
//! computes its change set.

use tauri::State;
use tenantry_changeset::Environment;
use tenantry_core::DraftId;
use tenantry_workflow::Plan;

use crate::error::AppError;
use crate::state::AppState;

/// Every change the draft's submission would make (old → new, grouped by step) with
/// the policy's findings and the justifications given, and whether it may be signed.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "plan_draft"))]
pub async fn plan_draft(state: State<'_, AppState>, id: DraftId) -> Result<Plan, AppError> {
    let store = state.store().await?;
    // The app submits drafts to the draft environment (see `submit_draft`).
    Ok(tenantry_workflow::plan_draft(store, state.rules().await, &id, Environment::Draft).await?)
}
