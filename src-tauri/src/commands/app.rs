use serde::Serialize;
use tauri::{AppHandle, Manager};
use tenantry_core::{Industry, IndustryOption};
use tenantry_store::DatabaseKind;

use crate::state::AppState;

/// What the status bar shows about this installation.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub log_dir: String,
    pub database: DatabaseKind,
    /// The SQLite file or the Postgres URL, with any password masked.
    pub database_location: String,
    /// Why the mirror could not be opened, when it could not.
    pub mirror_error: Option<String>,
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "app_info"))]
pub async fn app_info(app: AppHandle) -> AppInfo {
    // An owned handle, not `State<'_, _>`: an async command borrowing its arguments must
    // return a `Result`, and this one cannot fail.
    let state = app.state::<AppState>();
    let settings = &state.settings;
    let (database, database_location) = match settings.location() {
        Ok(location) => (location.kind(), location.to_string()),
        Err(error) => (DatabaseKind::Postgres, error.to_string()),
    };
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: settings.data_dir.display().to_string(),
        log_dir: settings.log_dir.display().to_string(),
        database,
        database_location,
        mirror_error: state.store().await.err().map(|error| error.message),
    }
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "industries"))]
pub fn industries() -> Vec<IndustryOption> {
    Industry::options()
}
