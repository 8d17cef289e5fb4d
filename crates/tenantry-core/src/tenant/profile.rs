use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Slug, TenantId};

/// Step 2: the tenant record. "Every client maps to a tenant. No shared tenants. Ever."
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct TenantProfile {
    /// Generated (UUIDv7), never derived from the name, never reused.
    pub id: TenantId,
    pub display_name: String,
    pub slug: Slug,
    #[serde(default)]
    pub metadata: TenantMetadata,
    pub compliance_flags: ComplianceFlags,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type,
)]
#[serde(deny_unknown_fields)]
pub struct TenantMetadata {
    pub legal_name: Option<String>,
    /// Catalog region id where the tenant's data lives (data residency).
    pub region: Option<String>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub role: ContactRole,
    pub name: String,
    pub email: String,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum ContactRole {
    Business,
    Technical,
    Security,
    Privacy,
    Billing,
}

/// Switches that make the platform stricter for this tenant. A new tenant gets the
/// strictest set its classification implies; relaxing one is an explicit change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct ComplianceFlags {
    /// The tenant's data may include protected health information.
    pub phi_allowed: bool,
    /// Data must stay in the tenant's region.
    pub data_residency_enforced: bool,
    /// Only vendors holding the attestations the regulations require may be integrated.
    pub attested_vendors_only: bool,
    pub encryption_at_rest_required: bool,
    /// How long audit logs are kept.
    pub audit_log_retention_days: u32,
}
