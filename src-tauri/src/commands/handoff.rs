//! The client handoff document, saved where the user says through the native save
//! dialog. What it contains is tenantry-workflow's (the same as `tenantry handoff`);
//! this only asks where to put it.

use crate::audit::{Audited, Described};
use rfd::AsyncFileDialog;
use serde::Deserialize;
use tauri::State;
use tenantry_core::local_file::{display_name, write_atomically};
use tenantry_workflow::WorkflowError;

use super::files::ExportedFile;
use crate::error::AppError;
use crate::state::AppState;

/// The formats a handoff is saved in.
#[derive(Clone, Copy, Debug, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum HandoffFormat {
    Markdown,
    /// Print-ready HTML: one file, opens in any browser, prints one section a page.
    Html,
    Pdf,
}

impl HandoffFormat {
    fn extension(self) -> &'static str {
        match self {
            Self::Markdown => "md",
            Self::Html => "html",
            Self::Pdf => "pdf",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Markdown => "Markdown",
            Self::Html => "HTML",
            Self::Pdf => "PDF",
        }
    }
}

/// Builds the handoff of `tenant` (id or slug) from its furthest signed environment and
/// saves it in `format` where the user chooses; written atomically. `None`: cancelled.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "export_handoff"))]
pub async fn export_handoff(
    state: State<'_, AppState>,
    tenant: String,
    format: HandoffFormat,
) -> Result<Option<ExportedFile>, AppError> {
    let what = Audited::new("export_handoff").tenant(tenant.clone());
    let result: Result<Option<ExportedFile>, AppError> = async {
        let store = state.store().await?;
        // Built before the dialog opens: a tenant that cannot be documented (nothing
        // signed, a value that reads as a secret) is said at once, not after choosing a file.
        let handoff = tenantry_workflow::handoff(store, &tenant, None)
            .await
            .map_err(refused)?;
        let extension = format.extension();
        let Some(handle) = AsyncFileDialog::new()
            .set_title("Save the client handoff")
            .set_file_name(format!("{}-handoff.{extension}", handoff.slug()))
            .add_filter(format.name(), &[extension])
            .save_file()
            .await
        else {
            return Ok(None);
        };
        let path = handle.path().to_owned();
        let file_name = display_name(&path);
        let written = tokio::task::spawn_blocking(move || {
            let bytes = match format {
                HandoffFormat::Markdown => handoff.markdown().into_bytes(),
                HandoffFormat::Html => handoff.html().into_bytes(),
                HandoffFormat::Pdf => handoff.pdf(),
            };
            write_atomically(&path, &bytes)
        })
        .await
        .map_err(|_| AppError::invalid(format!("{file_name} could not be written.")))?;
        written.map_err(|error| AppError::invalid(format!("{error}.")))?;
        tracing::info!(format = format.name(), "handoff saved");
        Ok(Some(ExportedFile {
            file_name,
            format: format.name().to_owned(),
        }))
    }
    .await;
    crate::audit::record(&state, what, &result, |file| match file {
        Some(file) => Described::done(format!("Saved the handoff document ({})", file.format))
            .subject(file.file_name.clone()),
        None => Described::done("Cancelled: nothing written"),
    })
    .await;
    result
}

fn refused(error: WorkflowError) -> AppError {
    match error {
        WorkflowError::Store(error) => error.into(),
        other => AppError::invalid(format!("No handoff document: {other}. Nothing was saved.")),
    }
}
