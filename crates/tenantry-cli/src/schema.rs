//! `tenantry schema`: the JSON Schema of the tenant document, generated from its types.

use tenantry_core::TenantDocument;

use crate::output;

pub fn print() -> Result<(), String> {
    output::json(&schemars::schema_for!(TenantDocument))
}
