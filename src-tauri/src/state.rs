//! What every command can reach: built once in `setup`, then shared.

use tenantry_core::catalog::Catalog;
use tenantry_policy::PolicyPack;
use tenantry_store::Store;
use tenantry_workflow::Rules;

use crate::error::AppError;
use crate::settings::Settings;
use crate::signing::Signer;
use crate::sync::SyncService;

#[derive(Debug)]
pub struct AppState {
    pub settings: Settings,
    /// The open mirror, or why it could not be opened. The app still starts in the
    /// second case, so the window can tell the user what is wrong instead of vanishing.
    mirror: Result<Store, String>,
    catalog: Catalog,
    /// Compiled once: evaluating a document as the user types must not recompile it.
    pack: PolicyPack,
    pub signer: Signer,
    pub sync: SyncService,
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
        let sync = SyncService::new(&settings.data_dir);
        Self {
            settings,
            sync,
            mirror,
            catalog: Catalog::bundled(),
            pack: PolicyPack::bundled(),
            signer: Signer::from_env(),
        }
    }

    pub fn store(&self) -> Result<&Store, AppError> {
        self.mirror
            .as_ref()
            .map_err(|reason| AppError::mirror_unavailable(reason))
    }

    /// The catalog and policy pack every check and submission runs.
    pub fn rules(&self) -> Rules<'_> {
        Rules {
            catalog: &self.catalog,
            pack: &self.pack,
        }
    }
}
