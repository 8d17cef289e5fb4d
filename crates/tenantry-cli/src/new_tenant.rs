//! `tenantry new`: a tenant document with safe, restrictive defaults, to start from.

use tenantry_core::tenant::{file, Regulation};
use tenantry_core::{ClientName, Industry, TenantDocument};

use crate::args::DocumentFormat;
use crate::output;

pub fn print(
    name: &str,
    industry: Industry,
    regulations: &[Regulation],
    format: DocumentFormat,
) -> Result<(), String> {
    let name = ClientName::parse(name).map_err(|error| format!("--name: {error}"))?;
    let document = TenantDocument::with_safe_defaults(&name, industry, regulations)
        .map_err(|error| format!("--name: no slug can be made from this name: {error}"))?;
    let text =
        file::render_document(&document, format.into()).map_err(|error| error.to_string())?;
    output::text(&text)
}
