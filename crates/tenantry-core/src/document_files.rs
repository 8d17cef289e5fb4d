//! Importing a tenant document from a file a person picked, and exporting one to a file.
//!
//! The file's extension names the format (`.json`, `.toml`, `.yaml`/`.yml`); the file is
//! checked as [`read_regular_file`] does (a regular file, under the size cap, before
//! reading), then parsed by the defensive loader of [`crate::tenant::file`] (syntax,
//! nesting, duplicate keys, schema version, every field). An export is written
//! atomically, so a failed write never leaves half a document.

use std::path::{Path, PathBuf};

use crate::local_file::{display_name, read_regular_file, write_atomically, FileError};
use crate::tenant::file::{parse_document, render_document, Format, LoadError, MAX_DOCUMENT_BYTES};
use crate::TenantDocument;

/// Why a document file was not imported. Nothing was changed in any case.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{name} is not a tenant document file: name it *.json, *.toml, *.yaml or *.yml")]
    UnknownFormat { name: String },
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{name}: {problem}")]
    Document { name: String, problem: LoadError },
}

impl ImportError {
    /// The JSON pointer of the offending field, when the error is about one.
    pub fn pointer(&self) -> Option<&str> {
        match self {
            ImportError::Document { problem, .. } => problem.pointer(),
            _ => None,
        }
    }
}

/// Reads and checks the tenant document at `path`; returns it with the format it was in.
pub fn import_document(path: &Path) -> Result<(TenantDocument, Format), ImportError> {
    let name = display_name(path);
    let format =
        Format::from_path(path).ok_or_else(|| ImportError::UnknownFormat { name: name.clone() })?;
    let bytes = read_regular_file(path, MAX_DOCUMENT_BYTES)?;
    let document = parse_document(&bytes, format)
        .map_err(|problem| ImportError::Document { name, problem })?;
    Ok((document, format))
}

/// Why a document was not exported. The file at the chosen path is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(
        "{name} does not name a format Tenantry writes: end the name with .json, .toml or .yaml"
    )]
    UnknownFormat { name: String },
    #[error("{0}")]
    Render(String),
    #[error(transparent)]
    File(#[from] FileError),
}

/// Where an export goes and in which format: the extension decides; a name without
/// one gets `.json` (what a person who typed "acme" in a save dialog expects).
pub fn export_target(path: &Path) -> Result<(PathBuf, Format), ExportError> {
    if path.extension().is_none() {
        let mut with_extension = path.as_os_str().to_owned();
        with_extension.push(".json");
        return Ok((PathBuf::from(with_extension), Format::Json));
    }
    Format::from_path(path)
        .map(|format| (path.to_owned(), format))
        .ok_or_else(|| ExportError::UnknownFormat {
            name: display_name(path),
        })
}

/// Writes `document` to `path` (see [`export_target`]) atomically; returns where it
/// went and in which format.
pub fn export_document(
    document: &TenantDocument,
    path: &Path,
) -> Result<(PathBuf, Format), ExportError> {
    let (target, format) = export_target(path)?;
    let text = render_document(document, format)
        .map_err(|error| ExportError::Render(error.to_string()))?;
    write_atomically(&target, text.as_bytes())?;
    Ok((target, format))
}

#[cfg(test)]
mod tests {
    use std::fs;

    use serde_json::json;

    use super::*;
    use crate::tenant::Regulation;
    use crate::{ClientName, Industry};

    fn acme() -> TenantDocument {
        let name = ClientName::parse("Acme Health").expect("valid name");
        TenantDocument::with_safe_defaults(&name, Industry::Healthcare, &[Regulation::Hipaa])
            .expect("valid")
    }

    #[test]
    fn an_exported_document_imports_back_identical_in_every_format() {
        let dir = tempfile::tempdir().expect("dir");
        let document = acme();
        for (name, format) in [
            ("acme.json", Format::Json),
            ("acme.toml", Format::Toml),
            ("acme.yaml", Format::Yaml),
            ("acme.YML", Format::Yaml),
        ] {
            let (written, written_format) =
                export_document(&document, &dir.path().join(name)).expect("export");
            assert_eq!(written, dir.path().join(name));
            assert_eq!(written_format, format);
            let (read, read_format) = import_document(&written).expect("import");
            assert_eq!(read, document, "{name}");
            assert_eq!(read_format, format);
        }
    }

    #[test]
    fn a_name_without_extension_is_exported_as_json() {
        let dir = tempfile::tempdir().expect("dir");
        let (written, format) = export_document(&acme(), &dir.path().join("acme")).expect("export");
        assert_eq!(written, dir.path().join("acme.json"));
        assert_eq!(format, Format::Json);
        let text = fs::read_to_string(&written).expect("read");
        assert!(text.trim_start().starts_with('{'), "{text}");
        let error = export_document(&acme(), &dir.path().join("acme.txt")).expect_err("txt");
        assert_eq!(
            error.to_string(),
            "acme.txt does not name a format Tenantry writes: end the name with .json, .toml or .yaml"
        );
        assert!(!dir.path().join("acme.txt").exists());
    }

    #[test]
    fn exporting_over_a_folder_changes_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        fs::create_dir(dir.path().join("acme.yaml")).expect("mkdir");
        let error = export_document(&acme(), &dir.path().join("acme.yaml")).expect_err("folder");
        assert!(matches!(
            error,
            ExportError::File(FileError::NotAFile { .. })
        ));
        assert!(dir.path().join("acme.yaml").is_dir());
    }

    #[test]
    fn a_wrong_extension_is_refused_before_reading() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("acme.txt");
        fs::write(&path, "{}").expect("write");
        assert_eq!(
            import_document(&path).expect_err("txt").to_string(),
            "acme.txt is not a tenant document file: name it *.json, *.toml, *.yaml or *.yml"
        );
    }

    #[test]
    fn hostile_files_are_refused_with_their_name() {
        let dir = tempfile::tempdir().expect("dir");
        let folder = dir.path().join("folder.json");
        fs::create_dir(&folder).expect("mkdir");
        assert!(matches!(
            import_document(&folder).expect_err("folder"),
            ImportError::File(FileError::NotAFile { .. })
        ));
        let huge = dir.path().join("huge.yaml");
        fs::File::create(&huge)
            .and_then(|file| file.set_len(2 << 30))
            .expect("sparse");
        assert_eq!(
            import_document(&huge).expect_err("huge").to_string(),
            "huge.yaml is 2 GiB, over the limit of 1 MiB; choose a smaller file"
        );
        #[cfg(unix)]
        {
            let zero = dir.path().join("zero.json");
            std::os::unix::fs::symlink("/dev/zero", &zero).expect("symlink");
            assert!(matches!(
                import_document(&zero).expect_err("device"),
                ImportError::File(FileError::NotAFile { .. })
            ));
        }
        let empty = dir.path().join("empty.toml");
        fs::write(&empty, "").expect("write");
        assert!(matches!(
            import_document(&empty).expect_err("empty"),
            ImportError::File(FileError::Empty { .. })
        ));
    }

    #[test]
    fn a_duplicate_key_is_named_with_its_place() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("twice.json");
        fs::write(&path, "{\"schema_version\": 1, \"schema_version\": 1}").expect("write");
        let error = import_document(&path).expect_err("duplicate");
        assert_eq!(error.pointer(), Some("/schema_version"));
        assert!(
            error
                .to_string()
                .starts_with("twice.json: line 1, column 38: /schema_version appears twice"),
            "{error}"
        );
    }

    #[test]
    fn a_document_of_another_schema_version_says_which() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("future.json");
        let mut value = serde_json::to_value(acme()).expect("json");
        value["schema_version"] = json!(2);
        fs::write(&path, value.to_string()).expect("write");
        let error = import_document(&path).expect_err("version");
        assert_eq!(error.pointer(), Some("/schema_version"));
        assert!(
            error.to_string().starts_with(
                "future.json: /schema_version is 2, but this version of Tenantry reads schema version 1"
            ),
            "{error}"
        );
    }
}
