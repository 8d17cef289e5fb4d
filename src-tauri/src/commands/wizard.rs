//! The onboarding wizard: one step's form, and typed edits that autosave the draft.
//! The forms, the edits' checks and every verdict come from `tenantry-forms` and the
//! policy pack; this module only reads and writes the mirror.

use crate::audit::{Audited, Described};
use serde::Serialize;
use tauri::State;
use tenantry_core::{Draft, DraftId, Step};
use tenantry_forms::{Edit, Forms, Wizard};

use crate::error::AppError;
use crate::state::AppState;

/// More edits than a person makes between two autosaves; a bigger batch is refused
/// rather than evaluated.
const MAX_EDITS: usize = 200;

/// A draft at one step of the wizard.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WizardView {
    pub draft: Draft,
    pub wizard: Wizard,
}

/// The form of `step` for the draft as the mirror holds it, with the stepper.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "wizard_step"))]
pub async fn wizard_step(
    state: State<'_, AppState>,
    id: DraftId,
    step: Step,
) -> Result<WizardView, AppError> {
    let opened = state.store().await?.open_draft(&id).await?;
    let rules = state.rules().await;
    let wizard = Forms::new(rules.catalog, rules.pack).wizard(&opened.document, step)?;
    Ok(WizardView {
        draft: opened.draft,
        wizard,
    })
}

/// Applies `edits` to the draft, saves it (a draft that breaks rules is kept: a draft is
/// never lost) and answers with the form of `step` as it now stands. A refused edit
/// (a field that is not in the wizard, a value of the wrong kind, a step still waiting
/// for the classification) is an `invalid_input` error naming the field, and nothing
/// is saved.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "edit_draft", edits = edits.len()))]
pub async fn edit_draft(
    state: State<'_, AppState>,
    id: DraftId,
    step: Step,
    edits: Vec<Edit>,
) -> Result<WizardView, AppError> {
    let what = Audited::new("edit_draft").subject(id.as_str());
    let result: Result<WizardView, AppError> = async {
        if edits.len() > MAX_EDITS {
            return Err(AppError::invalid(format!(
            "{} changes at once is more than the {MAX_EDITS} one save takes. Nothing was changed.",
            edits.len()
        )));
        }
        let store = state.store().await?;
        let opened = store.open_draft(&id).await?;
        let rules = state.rules().await;
        let forms = Forms::new(rules.catalog, rules.pack);
        let before = rules.pack.evaluate(&opened.document, rules.catalog)?;
        let document = forms
            .apply(&opened.document, &before, &edits)
            .map_err(|error| AppError::invalid(error.to_string()))?;
        let draft = store.save_draft(&id, &document).await?;
        let after = rules.pack.evaluate(&document, rules.catalog)?;
        Ok(WizardView {
            draft,
            wizard: tenantry_forms::wizard(&document, rules.catalog, &after, step),
        })
    }
    .await;
    crate::audit::record(&state, what, &result, |view| {
        // Paths only: the values typed may be anything, and the document keeps them.
        let paths: Vec<&str> = edits
            .iter()
            .map(|edit| match edit {
                Edit::Set { path, .. } | Edit::Add { path } | Edit::Remove { path } => {
                    path.as_str()
                }
            })
            .collect();
        Described::done(format!("Changed {}", paths.join(", "))).subject(view.draft.id.as_str())
    })
    .await;
    result
}
