//! The app's side of syncing with the platform server: which server (a setting kept in
//! the data directory, or `$TENANTRY_SERVER_URL`), the token in the OS keyring, one sync
//! at a time, the progress of the running one for the window to poll, and where this
//! person's key stands with the server (the server's answer, or offline the last one,
//! kept in the data directory with the time it was given).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tenantry_core::Timestamp;
use tenantry_store::Store;
use tenantry_sync::{
    normalise_url, KeyState, OwnKey, Progress, Role, SyncConfig, SyncError, SyncReport, SyncStatus,
    Syncer,
};

use crate::signing::Signer;

/// Overrides the server chosen in the app, like the CLI's `--server` default.
pub const SERVER_URL_ENV: &str = "TENANTRY_SERVER_URL";
const SETTINGS_FILE: &str = "settings.json";
/// The last answer about this person's key per server, for when the server is offline.
const KEY_STATUS_FILE: &str = "server-keys.json";
/// How often the app syncs on its own while it runs, when a server is set up.
pub const BACKGROUND_INTERVAL: Duration = Duration::from_secs(60);

/// What the user chose in the app, kept as `<data dir>/settings.json`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SavedSettings {
    server_url: Option<String>,
}

/// Where the server URL comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ServerSource {
    /// `$TENANTRY_SERVER_URL` (the app cannot change it).
    Environment,
    /// Set in the app's settings.
    Settings,
    /// No server: the app works offline only.
    None,
}

/// Where this person's key stands with the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum KeyStanding {
    /// Registered; an admin has not approved it yet.
    Pending,
    /// Approved: changes sync.
    Approved,
    /// Revoked by an admin: it can no longer sync.
    Revoked,
    /// The server does not know the token kept for it (e.g. its database was reset).
    Unrecognised,
}

/// A staff role, as the server reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum KeyRole {
    AccountManager,
    ComplianceOfficer,
    Admin,
}

/// The server's answer about this person's key, and when it was given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KeyStatus {
    pub standing: KeyStanding,
    /// None when the server did not recognise the token.
    pub key_id: Option<String>,
    pub name: Option<String>,
    pub role: Option<KeyRole>,
    /// When the server said so.
    #[specta(type = String)]
    pub checked_at: Timestamp,
    /// Said by the server just now; false when it is the last answer, shown because
    /// the server cannot be asked now.
    pub current: bool,
}

impl KeyStatus {
    fn from_server(key: &OwnKey, checked_at: Timestamp) -> Self {
        Self {
            standing: match key.state {
                KeyState::Pending => KeyStanding::Pending,
                KeyState::Approved => KeyStanding::Approved,
                KeyState::Revoked => KeyStanding::Revoked,
            },
            key_id: Some(key.key_id.clone()),
            name: Some(key.name.clone()),
            role: Some(match key.role {
                Role::AccountManager => KeyRole::AccountManager,
                Role::ComplianceOfficer => KeyRole::ComplianceOfficer,
                Role::Admin => KeyRole::Admin,
            }),
            checked_at,
            current: true,
        }
    }

    fn unrecognised(checked_at: Timestamp) -> Self {
        Self {
            standing: KeyStanding::Unrecognised,
            key_id: None,
            name: None,
            role: None,
            checked_at,
            current: true,
        }
    }
}

#[derive(Debug)]
pub struct SyncService {
    settings_path: PathBuf,
    key_status_path: PathBuf,
    from_env: Option<String>,
    /// Held for the whole of a sync: one at a time, whoever asked.
    running: tokio::sync::Mutex<()>,
    progress: Arc<Mutex<Option<Progress>>>,
}

impl SyncService {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            settings_path: data_dir.join(SETTINGS_FILE),
            key_status_path: data_dir.join(KEY_STATUS_FILE),
            from_env: std::env::var(SERVER_URL_ENV)
                .ok()
                .filter(|url| !url.trim().is_empty()),
            running: tokio::sync::Mutex::new(()),
            progress: Arc::default(),
        }
    }

    /// The server to sync with and where that choice comes from.
    pub fn server(&self) -> (Option<String>, ServerSource) {
        if let Some(url) = &self.from_env {
            return (Some(url.clone()), ServerSource::Environment);
        }
        match self.saved().server_url {
            Some(url) => (Some(url), ServerSource::Settings),
            None => (None, ServerSource::None),
        }
    }

    fn saved(&self) -> SavedSettings {
        // A missing or unreadable file is "no server": the app stays usable offline,
        // and saving a new choice replaces the file.
        std::fs::read(&self.settings_path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Sets (or, with `None`, clears) the server; the URL is checked and normalised
    /// first and nothing is written when it is refused.
    pub fn set_server(&self, url: Option<&str>) -> Result<Option<String>, SyncError> {
        let server_url = url
            .map(str::trim)
            .filter(|url| !url.is_empty())
            .map(normalise_url)
            .transpose()?;
        let text = serde_json::to_vec_pretty(&SavedSettings {
            server_url: server_url.clone(),
        })
        .map_err(|error| SyncError::Protocol(error.to_string()))?;
        write_atomically(&self.settings_path, &text).map_err(|error| {
            SyncError::Protocol(format!(
                "cannot save the settings in {}: {error}",
                self.settings_path.display()
            ))
        })?;
        Ok(server_url)
    }

    pub fn is_running(&self) -> bool {
        self.running.try_lock().is_err()
    }

    pub fn progress(&self) -> Option<Progress> {
        self.progress.lock().ok().and_then(|progress| *progress)
    }

    fn set_progress(slot: &Mutex<Option<Progress>>, progress: Option<Progress>) {
        if let Ok(mut slot) = slot.lock() {
            *slot = progress;
        }
    }

    /// A syncer for `server_url` with this profile's token, if it has one.
    pub fn syncer(
        &self,
        store: &Store,
        server_url: &str,
        token: Option<String>,
    ) -> Result<Syncer, SyncError> {
        Syncer::new(store.clone(), SyncConfig::new(server_url, token))
    }

    /// Pull, push, pull, one sync at a time; the progress is kept for the window.
    pub async fn run(
        &self,
        store: &Store,
        server_url: &str,
        token: String,
        signer: &Signer,
    ) -> Result<SyncReport, SyncError> {
        let _one_at_a_time = self.running.lock().await;
        let slot = Arc::clone(&self.progress);
        let syncer = self
            .syncer(store, server_url, Some(token))?
            .on_progress(move |progress| Self::set_progress(&slot, Some(progress)));
        let sign = || signer.key();
        let result = syncer.sync(&sign).await;
        if result.is_ok() {
            // What reviewers asked of this person, kept for reading offline. The sync
            // itself went through; a failure here only leaves the last answer kept.
            if let Some(author) = signer.info().ok().and_then(|info| info.key_id) {
                if let Err(error) = syncer.refresh_change_requests(&author).await {
                    tracing::warn!(%error, "could not refresh the requests for changes");
                }
            }
        }
        Self::set_progress(&self.progress, None);
        result
    }

    /// Where this person's key stands with `server_url`: asked of the server when it
    /// answers (`online`), and kept; otherwise the last answer kept, marked as not
    /// current, or none when there never was one.
    pub async fn key_status(
        &self,
        store: &Store,
        server_url: &str,
        token: String,
        online: bool,
    ) -> Option<KeyStatus> {
        if online {
            let answer = match self.syncer(store, server_url, Some(token)) {
                Ok(syncer) => syncer.whoami().await,
                Err(error) => Err(error),
            };
            let now = Timestamp::now();
            let fresh = match answer {
                Ok(key) => Some(KeyStatus::from_server(&key, now)),
                // 401 to `/v1/keys/me` means only one thing: an unknown token.
                Err(SyncError::Unauthenticated { .. }) => Some(KeyStatus::unrecognised(now)),
                Err(error) => {
                    tracing::warn!(%error, "could not ask the server about this key");
                    None
                }
            };
            if let Some(fresh) = fresh {
                self.keep_key_status(server_url, &fresh);
                return Some(fresh);
            }
        }
        self.kept_key_statuses()
            .remove(server_url)
            .map(|kept| KeyStatus {
                current: false,
                ..kept
            })
    }

    fn kept_key_statuses(&self) -> BTreeMap<String, KeyStatus> {
        // Unreadable is "never asked": the next answer rewrites the file.
        std::fs::read(&self.key_status_path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    fn keep_key_status(&self, server_url: &str, status: &KeyStatus) {
        let mut kept = self.kept_key_statuses();
        kept.insert(server_url.to_owned(), status.clone());
        let written = serde_json::to_vec_pretty(&kept)
            .map_err(std::io::Error::other)
            .and_then(|bytes| write_atomically(&self.key_status_path, &bytes));
        if let Err(error) = written {
            tracing::warn!(%error, path = %self.key_status_path.display(), "could not keep the key's state");
        }
    }

    /// The server's view and the mirror's, for the status area.
    pub async fn status(
        &self,
        store: &Store,
        server_url: &str,
        token: Option<String>,
    ) -> Result<SyncStatus, SyncError> {
        self.syncer(store, server_url, token)?.status().await
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)
}

/// One sync with the configured server, with this profile's token and key.
pub async fn sync_once(
    state: &crate::state::AppState,
) -> Result<SyncReport, crate::error::AppError> {
    use crate::error::AppError;
    let store = state.store().await?;
    let Some(server_url) = state.sync.server().0 else {
        return Err(AppError::invalid(
            "No platform server is set: choose one in Settings. Your changes stay in the \
             outbox until then."
                .to_owned(),
        ));
    };
    let token = state
        .signer
        .server_token(&server_url)
        .map_err(AppError::keyring)?
        .ok_or_else(|| AppError::not_registered(&server_url))?;
    Ok(state
        .sync
        .run(store, &server_url, token, &state.signer)
        .await?)
}

/// Syncs on its own every [`BACKGROUND_INTERVAL`] while the app runs, when a server is
/// set and the key is registered; failures are logged and shown by the status area
/// (the mirror keeps the last error), and the next round tries again.
pub fn start_background(app: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(BACKGROUND_INTERVAL).await;
            let state = tauri::Manager::state::<crate::state::AppState>(&app);
            let ready = state
                .sync
                .server()
                .0
                .is_some_and(|url| matches!(state.signer.server_token(&url), Ok(Some(_))));
            if !ready {
                continue;
            }
            match sync_once(&state).await {
                Ok(report) => tracing::info!(
                    sent = report.push.sent,
                    received = report.pull.ingested + report.pull_again.ingested,
                    "background sync"
                ),
                Err(error) => tracing::warn!(error = %error.message, "background sync failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(dir: &Path) -> SyncService {
        SyncService {
            settings_path: dir.join(SETTINGS_FILE),
            key_status_path: dir.join(KEY_STATUS_FILE),
            from_env: None,
            running: tokio::sync::Mutex::new(()),
            progress: Arc::default(),
        }
    }

    #[test]
    fn a_server_set_in_the_app_is_kept_normalised_and_can_be_cleared() {
        let dir = tempfile::tempdir().expect("dir");
        let sync = service(dir.path());
        assert_eq!(sync.server(), (None, ServerSource::None));
        let saved = sync
            .set_server(Some("  http://127.0.0.1:8480/  "))
            .expect("saved");
        assert_eq!(saved.as_deref(), Some("http://127.0.0.1:8480"));
        assert_eq!(
            service(dir.path()).server(),
            (Some("http://127.0.0.1:8480".into()), ServerSource::Settings)
        );
        sync.set_server(None).expect("cleared");
        assert_eq!(sync.server(), (None, ServerSource::None));
    }

    #[test]
    fn a_bad_url_is_refused_and_the_old_one_kept() {
        let dir = tempfile::tempdir().expect("dir");
        let sync = service(dir.path());
        sync.set_server(Some("http://127.0.0.1:8480"))
            .expect("saved");
        for bad in ["ftp://example.com", "not a url", "http://"] {
            assert!(
                matches!(sync.set_server(Some(bad)), Err(SyncError::BadUrl(_))),
                "{bad}"
            );
        }
        assert_eq!(sync.server().0.as_deref(), Some("http://127.0.0.1:8480"));
    }

    #[test]
    fn the_environment_wins_over_the_setting() {
        let dir = tempfile::tempdir().expect("dir");
        let mut sync = service(dir.path());
        sync.set_server(Some("http://127.0.0.1:8480"))
            .expect("saved");
        sync.from_env = Some("http://10.0.0.1:9000".into());
        assert_eq!(
            sync.server(),
            (
                Some("http://10.0.0.1:9000".into()),
                ServerSource::Environment
            )
        );
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    }

    async fn store(dir: &Path) -> Store {
        Store::open(tenantry_store::Location::SqliteFile(dir.join("mirror.db")))
            .await
            .expect("a mirror")
    }

    #[test]
    fn offline_the_last_answer_about_the_key_is_given_with_its_time_and_marked_old() {
        let dir = tempfile::tempdir().expect("dir");
        let sync = service(dir.path());
        runtime().block_on(async {
            let store = store(dir.path()).await;
            // Port 9 (discard) answers nothing: nothing was ever known.
            let url = "http://127.0.0.1:9";
            assert_eq!(
                sync.key_status(&store, url, "token".into(), false).await,
                None
            );
            let said = KeyStatus::from_server(
                &OwnKey {
                    key_id: "ab".repeat(32),
                    name: "Ana Lima".into(),
                    role: Role::ComplianceOfficer,
                    state: KeyState::Pending,
                    revoked_after_seq: None,
                },
                Timestamp::from_unix_millis(1_790_000_000_000).expect("time"),
            );
            sync.keep_key_status(url, &said);

            let kept = sync
                .key_status(&store, url, "token".into(), false)
                .await
                .expect("the last answer");
            assert!(!kept.current);
            assert_eq!(kept.standing, KeyStanding::Pending);
            assert_eq!(kept.role, Some(KeyRole::ComplianceOfficer));
            assert_eq!(kept.checked_at, said.checked_at);
            // The server cannot be asked: its last answer stands, also across restarts.
            let restarted = service(dir.path());
            let fallback = restarted
                .key_status(&store, url, "token".into(), true)
                .await
                .expect("the last answer");
            assert!(!fallback.current);
            assert_eq!(fallback.key_id.as_deref(), Some("ab".repeat(32).as_str()));
            // Another server's answer is not this one's.
            assert_eq!(
                sync.key_status(&store, "http://127.0.0.1:8", "token".into(), false)
                    .await,
                None
            );
        });
    }

    #[test]
    fn an_unreadable_settings_file_means_no_server() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join(SETTINGS_FILE), b"{not json").expect("write");
        assert_eq!(service(dir.path()).server(), (None, ServerSource::None));
    }
}
