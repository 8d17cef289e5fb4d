use tauri::State;

use crate::error::AppError;
use crate::signing::KeyInfo;
use crate::state::AppState;

/// The public half of the signing key (never the private key), if one exists yet.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "signing_key"))]
pub async fn signing_key(state: State<'_, AppState>) -> Result<KeyInfo, AppError> {
    state.signer.info().map_err(AppError::keyring)
}
