//! Keeps the tenant list's progress column current in the background: every tenant
//! whose document changed (an edit, a pull) is evaluated by the policy pack, a few at a
//! time so commands never wait long behind it.

use std::time::Duration;

/// Tenants evaluated per round (about 1 ms of CPU each).
const BATCH: u32 = 20;
/// Pause when everything is up to date.
const IDLE: Duration = Duration::from_secs(3);
/// Pause between busy rounds, so the window's commands get their turn.
const BUSY: Duration = Duration::from_millis(20);
/// The first round waits this long: while the window starts, WebKit needs both cores,
/// and a list whose progress column fills in a second later is better than a window
/// that shows up half a second later (tests/app_start.rs measures the start).
const STARTUP_GRACE: Duration = Duration::from_secs(2);

pub fn start_background(app: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(STARTUP_GRACE).await;
        loop {
            let state = tauri::Manager::state::<crate::state::AppState>(&app);
            let pause = match state.store().await {
                Err(_) => IDLE,
                Ok(store) => {
                    match tenantry_workflow::refresh_tenant_progress(
                        store,
                        state.rules().await,
                        BATCH,
                    )
                    .await
                    {
                        Ok(0) => IDLE,
                        Ok(evaluated) => {
                            tracing::debug!(evaluated, "tenant progress refreshed");
                            BUSY
                        }
                        Err(error) => {
                            tracing::warn!(%error, "tenant progress could not be refreshed");
                            IDLE
                        }
                    }
                }
            };
            tokio::time::sleep(pause).await;
        }
    });
}
