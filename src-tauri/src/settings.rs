//! Where the app keeps its data and logs, from the environment.

use std::path::PathBuf;

use tenantry_store::{default_data_dir, Location, DATABASE_URL_ENV, DATA_DIR_ENV};

/// Start-up settings, read once before anything else runs.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `$TENANTRY_DATA_DIR`, or the per-user data directory.
    pub data_dir: PathBuf,
    /// `<data dir>/logs`: the same place Tauri's `app_log_dir` names on Linux, and
    /// inside the isolated data directory when tests set `TENANTRY_DATA_DIR`.
    pub log_dir: PathBuf,
    /// `$TENANTRY_DATABASE_URL`, when a team shares a Postgres mirror.
    pub database_url: Option<String>,
    /// `$TENANTRY_ORGANISATION`: the platform organisation every change set is signed
    /// for (the CLI reads the same variable and has the same default).
    pub organisation: String,
}

pub const ORGANISATION_ENV: &str = "TENANTRY_ORGANISATION";
const DEFAULT_ORGANISATION: &str = "local";

impl Settings {
    pub fn from_env() -> Result<Self, String> {
        let data_dir = match std::env::var_os(DATA_DIR_ENV).filter(|dir| !dir.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => default_data_dir().ok_or_else(|| {
                format!("cannot find a data directory (no home directory); set {DATA_DIR_ENV}")
            })?,
        };
        Ok(Self {
            log_dir: data_dir.join("logs"),
            database_url: std::env::var(DATABASE_URL_ENV).ok(),
            organisation: std::env::var(ORGANISATION_ENV)
                .ok()
                .filter(|organisation| !organisation.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_ORGANISATION.to_owned()),
            data_dir,
        })
    }

    pub fn location(&self) -> Result<Location, tenantry_store::StoreError> {
        Location::resolve(&self.data_dir, self.database_url.as_deref())
    }
}
