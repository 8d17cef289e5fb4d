//! The home screen's tenant list: one page of the mirror's tenants for a search and
//! filters. The query and its checks live in the store; the progress column is filled
//! by the background refresh (`crate::progress`).

use tauri::State;
use tenantry_store::{TenantFilter, TenantPage};

use crate::error::AppError;
use crate::state::AppState;

/// The tenants matching `filter`, by name, one page of them (after a cursor or at an
/// offset), with how many match in all, each row's draft in this mirror, and the owner
/// filter's choices when asked. A bad filter (an over-long search, an unknown
/// compliance mode, a cursor the list never gave out, …) is `invalid_input` and runs
/// nothing.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(name = "command", skip_all, fields(name = "list_tenants"))]
pub async fn list_tenants(
    state: State<'_, AppState>,
    filter: TenantFilter,
) -> Result<TenantPage, AppError> {
    state
        .store()
        .await?
        .list_tenants(&filter)
        .await?
        .map_err(|error| AppError::invalid(format!("{error}.")))
}
