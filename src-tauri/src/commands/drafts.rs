use tauri::State;
use tenantry_core::{Draft, FieldIssue, NewDraft};

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
    Ok(state.store()?.create_draft(&input).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "list_drafts"))]
pub async fn list_drafts(state: State<'_, AppState>) -> Result<Vec<Draft>, AppError> {
    Ok(state.store()?.list_drafts().await?)
}
