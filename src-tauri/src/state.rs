//! What every command can reach: built once in `setup`, then shared.
//!
//! `setup` runs on the main thread after the window exists and before its page can
//! load, so nothing slow happens there: the mirror is opened and the policy pack
//! compiled in the background, and a command that needs either waits for it. Blocking
//! `setup` for the ~100 ms these take (debug build) delayed the page by ~500 ms, because
//! WebKit's start-up is a chain of round trips through the main loop (tests/app_start.rs).

use tenantry_core::catalog::Catalog;
use tenantry_policy::PolicyPack;
use tenantry_store::Store;
use tenantry_workflow::Rules;
use tokio::sync::OnceCell;

use crate::error::AppError;
use crate::settings::Settings;
use crate::signing::Signer;
use crate::sync::SyncService;

/// How long after start-up the policy pack is compiled when no command asked for it
/// sooner: past the window's first page on this machine class (~0.5 s).
const PACK_WARM_UP_DELAY: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Debug)]
pub struct AppState {
    pub settings: Settings,
    /// The open mirror, or why it could not be opened. The app still starts in the
    /// second case, so the window can tell the user what is wrong instead of vanishing.
    mirror: OnceCell<Result<Store, String>>,
    catalog: Catalog,
    /// Compiled once: evaluating a document as the user types must not recompile it.
    pack: OnceCell<PolicyPack>,
    pub signer: Signer,
    pub sync: SyncService,
}

impl AppState {
    /// Cheap: the mirror and the pack are made by [`Self::warm_up`] or by the first
    /// command that needs them, whichever comes first.
    pub fn new(settings: Settings) -> Self {
        let sync = SyncService::new(&settings.data_dir);
        Self {
            settings,
            sync,
            mirror: OnceCell::new(),
            catalog: Catalog::bundled(),
            pack: OnceCell::new(),
            signer: Signer::from_env(),
        }
    }

    /// Opens the mirror (running its migrations) at once, and compiles the policy pack
    /// once the window has started, so that the commands find them ready.
    pub async fn warm_up(&self) {
        let started = std::time::Instant::now();
        let mirror = self.mirror().await;
        tracing::info!(
            elapsed_ms = started.elapsed().as_millis(),
            mirror_open = mirror.is_ok(),
            "mirror opened"
        );
        // The pack is not needed for the first screen, and compiling it while WebKit starts
        // its processes took a core from them on a 2-core machine (~90 ms of CPU in a debug
        // build; BENCHMARKS.md, *App start*). A command that needs it sooner compiles it
        // then.
        tokio::time::sleep(PACK_WARM_UP_DELAY).await;
        let compiling = std::time::Instant::now();
        self.pack().await;
        tracing::info!(
            elapsed_ms = compiling.elapsed().as_millis(),
            "policy pack ready"
        );
    }

    async fn mirror(&self) -> &Result<Store, String> {
        self.mirror
            .get_or_init(|| async {
                let opened = match self.settings.location() {
                    Ok(location) => Store::open(location).await,
                    Err(error) => Err(error),
                };
                opened.map_err(|error| {
                    tracing::error!(%error, "could not open the mirror");
                    error.to_string()
                })
            })
            .await
    }

    async fn pack(&self) -> &PolicyPack {
        self.pack
            .get_or_init(|| async {
                // Compiling is CPU work (Rego parsing and analysis): off the async workers.
                match tokio::task::spawn_blocking(PolicyPack::bundled).await {
                    Ok(pack) => pack,
                    Err(error) => std::panic::resume_unwind(error.into_panic()),
                }
            })
            .await
    }

    /// The mirror, waiting for it to open if it is still opening.
    pub async fn store(&self) -> Result<&Store, AppError> {
        self.mirror()
            .await
            .as_ref()
            .map_err(|reason| AppError::mirror_unavailable(reason))
    }

    /// The catalog and policy pack every check and submission runs.
    pub async fn rules(&self) -> Rules<'_> {
        Rules {
            catalog: &self.catalog,
            pack: self.pack().await,
        }
    }
}
