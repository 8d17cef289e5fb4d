//! Files through native dialogs: import and export a draft's tenant document, choose an
//! image (the logo). The web view never sees the file system: it asks for an action, the
//! dialog runs here, and tenantry-core checks the file (regular file, size before
//! reading, format, image bytes) before anything is used. A cancelled dialog is `None`:
//! nothing changed and nothing to report.

use crate::audit::{Audited, Described};
use std::path::PathBuf;

use base64::Engine as _;
use rfd::AsyncFileDialog;
use serde::Serialize;
use tauri::State;
use tenantry_core::asset::{evidence_sha256, parse_asset_reference, read_logo};
use tenantry_core::document_files;
use tenantry_core::local_file::display_name;
use tenantry_core::{DraftId, Step};
use tenantry_forms::{Edit, EditValue, FieldInput, Forms};
use tenantry_store::DraftError;

use super::wizard::WizardView;
use crate::error::AppError;
use crate::state::AppState;

const DOCUMENT_EXTENSIONS: [&str; 4] = ["json", "toml", "yaml", "yml"];
const IMAGE_EXTENSIONS: [&str; 4] = ["png", "jpg", "jpeg", "webp"];

/// Where an export went: the file's name (not its folder) and the format written.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportedFile {
    pub file_name: String,
    /// "JSON", "TOML" or "YAML".
    pub format: String,
}

/// An image kept in the mirror, for a preview: the UI makes a `data:` URL of it.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImagePreview {
    /// image/png, image/jpeg or image/webp (checked from the bytes, never SVG).
    pub media_type: String,
    pub base64: String,
    pub width: u32,
    pub height: u32,
}

/// The open dialog. `None` when the user cancels (or no dialog can be shown).
async fn pick_file(title: &str, filter: &str, extensions: &[&str]) -> Option<PathBuf> {
    // The async dialog runs on GTK's thread; awaiting it here keeps the main thread
    // (and the window) free.
    AsyncFileDialog::new()
        .set_title(title)
        .add_filter(filter, extensions)
        .pick_file()
        .await
        .map(|handle| handle.path().to_owned())
}

/// Replaces the draft's document with one read from a file the user picks (JSON, TOML or
/// YAML), and answers with the wizard at `step`. The file must be a tenant document of
/// this schema version and of this draft's tenant; any problem is an `invalid_input`
/// error saying what and where, and the draft is unchanged. `None`: cancelled.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "import_document"))]
pub async fn import_document(
    state: State<'_, AppState>,
    id: DraftId,
    step: Step,
) -> Result<Option<WizardView>, AppError> {
    let what = Audited::new("import_document").subject(id.as_str());
    let result: Result<Option<WizardView>, AppError> = async {
        let store = state.store().await?;
        // Fails before the dialog opens if the draft is gone.
        store.open_draft(&id).await?;
        let Some(path) = pick_file(
            "Import a tenant document",
            "Tenant documents (JSON, TOML, YAML)",
            &DOCUMENT_EXTENSIONS,
        )
        .await
        else {
            return Ok(None);
        };
        let name = display_name(&path);
        let (document, format) =
            tokio::task::spawn_blocking(move || document_files::import_document(&path))
                .await
                .map_err(|_| {
                    AppError::invalid(format!("{name} could not be read. Nothing was changed."))
                })?
                .map_err(|error| AppError::invalid(format!("{error}. Nothing was changed.")))?;
        let draft = store
            .save_draft(&id, &document)
            .await
            .map_err(|error| match error {
                DraftError::OtherTenant { .. } => AppError::invalid(format!(
            "{name} is the document of another tenant; a draft never changes tenant. Import it \
             into that tenant's draft, or start a new draft. Nothing was changed."
        )),
                other => other.into(),
            })?;
        tracing::info!(%format, "document imported");
        let rules = state.rules().await;
        let wizard = Forms::new(rules.catalog, rules.pack).wizard(&document, step)?;
        Ok(Some(WizardView { draft, wizard }))
    }
    .await;
    crate::audit::record(&state, what, &result, |view| match view {
        Some(_) => Described::done("Replaced the draft with an imported document"),
        None => Described::done("Import cancelled: nothing changed"),
    })
    .await;
    result
}

/// Writes the draft's document to a file the user names in the save dialog; the
/// extension chooses the format (`.json`, `.toml`, `.yaml`; none: JSON). Written
/// atomically: a failure leaves any previous file as it was. `None`: cancelled.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "export_document"))]
pub async fn export_document(
    state: State<'_, AppState>,
    id: DraftId,
) -> Result<Option<ExportedFile>, AppError> {
    let what = Audited::new("export_document").subject(id.as_str());
    let result: Result<Option<ExportedFile>, AppError> = async {
        let opened = state.store().await?.open_draft(&id).await?;
        let Some(handle) = AsyncFileDialog::new()
            .set_title("Export the tenant document")
            .set_file_name(format!("{}.json", opened.document.tenant.slug.as_str()))
            .add_filter("JSON", &["json"])
            .add_filter("TOML", &["toml"])
            .add_filter("YAML", &["yaml", "yml"])
            .save_file()
            .await
        else {
            return Ok(None);
        };
        let path = handle.path().to_owned();
        let document = opened.document;
        let (written, format) =
            tokio::task::spawn_blocking(move || document_files::export_document(&document, &path))
                .await
                .map_err(|_| AppError::invalid("The document could not be written.".to_owned()))?
                .map_err(|error| AppError::invalid(format!("{error}.")))?;
        Ok(Some(ExportedFile {
            file_name: display_name(&written),
            format: format.name().to_owned(),
        }))
    }
    .await;
    crate::audit::record(&state, what, &result, |file| match file {
        Some(file) => Described::done(format!("Exported the draft as {}", file.format))
            .subject(file.file_name.clone()),
        None => Described::done("Export cancelled: nothing written"),
    })
    .await;
    result
}

/// Refuses, before any dialog opens, a `path` that is not a field of `step` of the
/// draft whose input `is_kind` accepts (`kind` names it in the message).
async fn require_field(
    state: &AppState,
    id: &DraftId,
    step: Step,
    path: &str,
    is_kind: impl Fn(&FieldInput) -> bool,
    kind: &str,
) -> Result<(), AppError> {
    let rules = state.rules().await;
    let opened = state.store().await?.open_draft(id).await?;
    let form = Forms::new(rules.catalog, rules.pack)
        .wizard(&opened.document, step)?
        .form;
    let found = form
        .groups
        .iter()
        .flat_map(|group| &group.fields)
        .any(|field| field.path == path && is_kind(&field.input));
    if found {
        Ok(())
    } else {
        Err(AppError::invalid(format!(
            "{path} is not {kind} of this step."
        )))
    }
}

/// Sets the field `path` of the draft to `value` (what a file gave: a reference, a
/// hash) as the form would, saves it, and answers with the wizard at `step`. The draft
/// is read again: an edit may have been saved while the dialog was open.
async fn set_field(
    state: &AppState,
    id: &DraftId,
    step: Step,
    path: String,
    value: String,
) -> Result<WizardView, AppError> {
    let store = state.store().await?;
    let rules = state.rules().await;
    let opened = store.open_draft(id).await?;
    let before = rules.pack.evaluate(&opened.document, rules.catalog)?;
    let edit = Edit::Set {
        path,
        value: Some(EditValue::Text(value)),
    };
    let document = Forms::new(rules.catalog, rules.pack)
        .apply(&opened.document, &before, &[edit])
        .map_err(|error| AppError::invalid(error.to_string()))?;
    let draft = store.save_draft(id, &document).await?;
    let after = rules.pack.evaluate(&document, rules.catalog)?;
    Ok(WizardView {
        draft,
        wizard: tenantry_forms::wizard(&document, rules.catalog, &after, step),
    })
}

/// For the image field at `path` of `step` (the logo): the user picks a file, its bytes
/// are checked (PNG, JPEG or WebP by their content, at most 512 KiB, sensible size), it is
/// kept in the mirror under its SHA-256, and the field is set to `asset://sha256/<hex>`.
/// A refused file is an `invalid_input` error and changes nothing. `None`: cancelled.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "choose_image"))]
pub async fn choose_image(
    state: State<'_, AppState>,
    id: DraftId,
    step: Step,
    path: String,
) -> Result<Option<WizardView>, AppError> {
    let what = Audited::new("choose_image").subject(id.as_str());
    let field = path.clone();
    let result: Result<Option<WizardView>, AppError> = async {
        let store = state.store().await?;
        let is_image = |input: &FieldInput| matches!(input, FieldInput::Image { .. });
        require_field(&state, &id, step, &path, is_image, "an image field").await?;
        let Some(file) = pick_file(
            "Choose an image",
            "Images (PNG, JPEG, WebP)",
            &IMAGE_EXTENSIONS,
        )
        .await
        else {
            return Ok(None);
        };
        let name = display_name(&file);
        let image = tokio::task::spawn_blocking(move || read_logo(&file))
            .await
            .map_err(|_| {
                AppError::invalid(format!("{name} could not be read. Nothing was changed."))
            })?
            .map_err(|error| AppError::invalid(format!("{error}. Nothing was changed.")))?;
        let reference = store.put_image(&image).await?;
        let view = set_field(&state, &id, step, path, reference).await?;
        tracing::info!(kind = %image.kind(), bytes = image.bytes().len(), "image chosen");
        Ok(Some(view))
    }
    .await;
    crate::audit::record(&state, what, &result, |view| match view {
        Some(_) => Described::done(format!("Chose an image for {field}")),
        None => Described::done("Cancelled: nothing changed"),
    })
    .await;
    result
}

/// For the attached-output field at `path` of `step` (a go-live checklist item): the
/// user picks the file that proves the item (test output, a log; any type, at most
/// 64 MiB, a regular non-empty file), Rust reads it and the field is set to its SHA-256,
/// which the next change set signs. The file itself is not kept. A refused file is an
/// `invalid_input` error and changes nothing. `None`: cancelled.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "attach_output"))]
pub async fn attach_output(
    state: State<'_, AppState>,
    id: DraftId,
    step: Step,
    path: String,
) -> Result<Option<WizardView>, AppError> {
    let what = Audited::new("attach_output").subject(id.as_str());
    let field = path.clone();
    let result: Result<Option<WizardView>, AppError> = async {
        let is_attachment = |input: &FieldInput| matches!(input, FieldInput::Attachment { .. });
        require_field(
            &state,
            &id,
            step,
            &path,
            is_attachment,
            "an attached-output field",
        )
        .await?;
        // Any file: output and logs come with any extension, or none.
        let Some(file) = AsyncFileDialog::new()
            .set_title("Attach the output that proves it")
            .pick_file()
            .await
            .map(|handle| handle.path().to_owned())
        else {
            return Ok(None);
        };
        let name = display_name(&file);
        let sha256 = tokio::task::spawn_blocking(move || evidence_sha256(&file))
            .await
            .map_err(|_| {
                AppError::invalid(format!("{name} could not be read. Nothing was changed."))
            })?
            .map_err(|error| AppError::invalid(format!("{error}. Nothing was changed.")))?;
        let view = set_field(&state, &id, step, path, sha256).await?;
        tracing::info!(file = %name, "output attached");
        Ok(Some(view))
    }
    .await;
    crate::audit::record(&state, what, &result, |view| match view {
        Some(_) => Described::done(format!("Attached output to {field}")),
        None => Described::done("Cancelled: nothing changed"),
    })
    .await;
    result
}

/// The image an `asset://sha256/…` reference names, for a preview; `None` for any
/// other reference (an https:// address is not fetched) or one the mirror does not hold.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "image_preview"))]
pub async fn image_preview(
    state: State<'_, AppState>,
    reference: String,
) -> Result<Option<ImagePreview>, AppError> {
    let Some(sha256) = parse_asset_reference(&reference) else {
        return Ok(None);
    };
    let Some(image) = state.store().await?.image(sha256).await? else {
        return Ok(None);
    };
    Ok(Some(ImagePreview {
        media_type: image.kind().media_type().to_owned(),
        base64: base64::engine::general_purpose::STANDARD.encode(image.bytes()),
        width: image.width(),
        height: image.height(),
    }))
}
