//! Reading what the checking commands work on: the tenant document, the catalog and
//! the policy pack, each from a file given on the command line or built in.

use std::path::Path;

use tenantry_core::catalog::Catalog;
use tenantry_core::tenant::file;
use tenantry_core::TenantDocument;
use tenantry_policy::{Evaluation, PolicyPack};

use crate::args::Sources;

/// A catalog is data for every service, model and vendor the platform offers; a file
/// much bigger than this is not one.
const MAX_CATALOG_BYTES: u64 = 8 * 1024 * 1024;

pub fn document(path: &Path) -> Result<TenantDocument, String> {
    file::load_document(path).map_err(|error| error.to_string())
}

/// The catalog in `path`, or the bundled one.
pub fn catalog(path: Option<&Path>) -> Result<Catalog, String> {
    let Some(path) = path else {
        return Ok(Catalog::bundled());
    };
    let bytes = file::read_capped(path, MAX_CATALOG_BYTES)
        .map_err(|error| format!("the catalog: {error}"))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| format!("the catalog {} is not UTF-8 text", path.display()))?;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let pointer: String = error
            .path()
            .iter()
            .filter_map(|segment| match segment {
                serde_path_to_error::Segment::Seq { index } => Some(format!("/{index}")),
                serde_path_to_error::Segment::Map { key } => Some(format!("/{key}")),
                _ => None,
            })
            .collect();
        let place = if pointer.is_empty() {
            String::new()
        } else {
            format!("{pointer}: ")
        };
        format!(
            "the catalog {} is not a valid catalog: {place}{}",
            path.display(),
            error.inner()
        )
    })
}

/// The bundled policy pack, with the extra rules in `dir` if given.
pub fn policy(dir: Option<&Path>) -> Result<PolicyPack, String> {
    match dir {
        None => Ok(PolicyPack::bundled()),
        Some(dir) => PolicyPack::from_dir(dir)
            .map_err(|error| format!("the policy pack in {}: {error}", dir.display())),
    }
}

/// Everything a check needs: the document, the catalog and the pack, read up front so
/// that a bad input is reported before any output.
pub struct Inputs {
    pub document: TenantDocument,
    pub catalog: Catalog,
    pub pack: PolicyPack,
}

impl Inputs {
    pub fn read(file: &Path, sources: &Sources) -> Result<Self, String> {
        Ok(Self {
            document: document(file)?,
            catalog: catalog(sources.catalog.as_deref())?,
            pack: policy(sources.policy_dir.as_deref())?,
        })
    }

    pub fn evaluate(&self, file: &Path) -> Result<Evaluation, String> {
        self.pack
            .evaluate(&self.document, &self.catalog)
            .map_err(|error| format!("could not check {}: {error}", file.display()))
    }
}
