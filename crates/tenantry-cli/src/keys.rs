//! `tenantry key create|show|rotate`: the staff member's signing key.

use serde_json::json;
use tenantry_keystore::KeyringStore;

use crate::args::ReportFormat;
use crate::output;
use crate::signer::SignerArgs;

fn describe(
    key: &tenantry_changeset::PublicKey,
    format: ReportFormat,
    what: &str,
) -> Result<(), String> {
    match format {
        ReportFormat::Json => output::json(&json!({
            "key_id": key.key_id(),
            "public_key": key.to_securesystemslib(),
        })),
        ReportFormat::Text => output::text(&format!(
            "{what}\nkey id:     {}\npublic key: {} (ed25519)\n",
            key.key_id(),
            key.to_hex()
        )),
    }
}

/// Creates the key (in the keyring, or a new key file with --key-file); refuses to
/// overwrite an existing one.
pub fn create(signer: &SignerArgs, format: ReportFormat) -> Result<(), String> {
    let key = match &signer.key_file {
        Some(path) => {
            let key =
                tenantry_changeset::SigningKey::generate().map_err(|error| error.to_string())?;
            tenantry_keystore::write_key_file(path, &key).map_err(|error| error.to_string())?;
            key
        }
        None => KeyringStore::new(&signer.profile)
            .create()
            .map_err(|error| error.to_string())?,
    };
    let place = match &signer.key_file {
        Some(path) => format!(
            "Created a signing key in {} (readable by you only).",
            path.display()
        ),
        None => format!(
            "Created a signing key in the OS keyring (profile '{}').",
            signer.profile
        ),
    };
    describe(&key.public(), format, &place)
}

pub fn show(signer: &SignerArgs, format: ReportFormat) -> Result<(), String> {
    let key = signer.key(false)?;
    describe(&key.public(), format, "Your signing key:")
}

/// Replaces the keyring key with a new one endorsed by the old.
pub fn rotate(signer: &SignerArgs, format: ReportFormat) -> Result<(), String> {
    if signer.key_file.is_some() {
        return Err(
            "rotate works on the OS keyring; for a key file, create a new file and register it"
                .to_owned(),
        );
    }
    let (new, endorsement) = KeyringStore::new(&signer.profile)
        .rotate()
        .map_err(|error| error.to_string())?;
    match format {
        ReportFormat::Json => output::json(&json!({
            "key_id": new.key_id(),
            "public_key": new.public().to_securesystemslib(),
            "endorsement": endorsement,
        })),
        ReportFormat::Text => output::text(&format!(
            "Rotated. The old key {} endorsed the new one.\nkey id:      {}\npublic key:  {}\nendorsement: {}\n",
            endorsement.old_key_id,
            new.key_id(),
            new.public().to_hex(),
            endorsement.signature
        )),
    }
}
