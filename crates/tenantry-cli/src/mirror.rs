//! Opening the mirror the options (or the environment) point at.

use tenantry_store::{default_data_dir, Location, Store};

use crate::args::MirrorArgs;

fn location(args: &MirrorArgs) -> Result<Location, String> {
    let data_dir = match &args.data_dir {
        Some(dir) => dir.clone(),
        None => default_data_dir().ok_or(
            "cannot tell where the data directory is (no home directory); pass --data-dir",
        )?,
    };
    Location::resolve(&data_dir, args.database_url.as_deref()).map_err(|error| error.to_string())
}

/// The mirror, created (and migrated) if it does not exist yet: for commands that write.
pub async fn open_or_create(args: &MirrorArgs) -> Result<Store, String> {
    Store::open(location(args)?)
        .await
        .map_err(|error| error.to_string())
}

/// The mirror to read, or `None` when the embedded SQLite file does not exist yet:
/// a read-only command must not create an empty mirror as a side effect.
pub async fn open_existing(args: &MirrorArgs) -> Result<Option<Store>, String> {
    let location = location(args)?;
    if let Location::SqliteFile(path) = &location {
        if !path.exists() {
            tracing::warn!("no mirror at {} yet", path.display());
            return Ok(None);
        }
    }
    Store::open(location)
        .await
        .map(Some)
        .map_err(|error| error.to_string())
}
