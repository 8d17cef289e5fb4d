//! Key files for automation. The file holds the 32-byte secret as 64 hex characters and
//! must be readable by its owner only.

use std::path::Path;

use tenantry_changeset::SigningKey;
use zeroize::Zeroizing;

use crate::KeyStoreError;

fn unreadable(path: &Path, reason: impl std::fmt::Display) -> KeyStoreError {
    KeyStoreError::FileUnreadable {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// Reads a key file, refusing one that group or others can read or write.
pub fn read_key_file(path: &Path) -> Result<SigningKey, KeyStoreError> {
    let metadata = std::fs::metadata(path).map_err(|error| unreadable(path, error))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyStoreError::LooseFilePermissions {
                path: path.display().to_string(),
                mode,
            });
        }
    }
    if metadata.len() > 1024 {
        return Err(unreadable(path, "it is too large to be a key file"));
    }
    let text =
        Zeroizing::new(std::fs::read_to_string(path).map_err(|error| unreadable(path, error))?);
    let hex = text.trim();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(unreadable(
            path,
            "expected 64 hex characters (a 32-byte ed25519 secret)",
        ));
    }
    let bytes: Zeroizing<Vec<u8>> = Zeroizing::new(
        (0..64)
            .step_by(2)
            .filter_map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
            .collect(),
    );
    Ok(SigningKey::from_bytes(&bytes)?)
}

/// Writes a new key file with mode 0600; refuses to overwrite an existing file.
pub fn write_key_file(path: &Path, key: &SigningKey) -> Result<(), KeyStoreError> {
    use std::io::Write;
    let unwritable = |reason: String| KeyStoreError::FileUnwritable {
        path: path.display().to_string(),
        reason,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|error| unwritable(error.to_string()))?;
    let hex: Zeroizing<String> =
        Zeroizing::new(key.to_bytes().iter().map(|b| format!("{b:02x}")).collect());
    file.write_all(format!("{}\n", hex.as_str()).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|error| unwritable(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_key_file_reads_back() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("ci.key");
        let key = SigningKey::generate().expect("key");
        write_key_file(&path, &key).expect("write");
        assert_eq!(read_key_file(&path).expect("read").key_id(), key.key_id());
        assert!(
            matches!(
                write_key_file(&path, &key),
                Err(KeyStoreError::FileUnwritable { .. })
            ),
            "no overwrite"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("ci.key");
        write_key_file(&path, &SigningKey::generate().expect("key")).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let error = read_key_file(&path).expect_err("loose permissions");
        assert!(matches!(
            error,
            KeyStoreError::LooseFilePermissions { mode: 0o644, .. }
        ));
        assert!(error.to_string().contains("chmod 600"));
    }

    #[test]
    fn garbage_is_not_a_key() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("bad.key");
        std::fs::write(&path, "not a key").expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        }
        assert!(matches!(
            read_key_file(&path),
            Err(KeyStoreError::FileUnreadable { .. })
        ));
    }
}
