//! What every command can reach: built once in `setup`, then shared.

use tenantry_store::Store;

use crate::error::AppError;
use crate::settings::Settings;

#[derive(Debug)]
pub struct AppState {
    pub settings: Settings,
    /// The open mirror, or why it could not be opened. The app still starts in the
    /// second case, so the window can tell the user what is wrong instead of vanishing.
    mirror: Result<Store, String>,
}

impl AppState {
    /// Opens the mirror and runs its migrations; called before any command is served.
    pub async fn open(settings: Settings) -> Self {
        let opened = match settings.location() {
            Ok(location) => Store::open(location).await,
            Err(error) => Err(error),
        };
        let mirror = opened.map_err(|error| {
            tracing::error!(%error, "could not open the mirror");
            error.to_string()
        });
        Self { settings, mirror }
    }

    pub fn store(&self) -> Result<&Store, AppError> {
        self.mirror
            .as_ref()
            .map_err(|reason| AppError::mirror_unavailable(reason))
    }
}
