use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::industry::Industry;
use crate::timestamp::Timestamp;

/// Step 1. "Before touching code, classify the client … Document this classification
/// before proceeding."
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Classification {
    pub industry: Option<Industry>,
    /// Regulations the client is subject to. They decide which rules and checklist items apply.
    #[serde(default)]
    pub regulations: Vec<Regulation>,
    /// The platform's compliance mode for this tenant.
    #[serde(default)]
    pub compliance_mode: ComplianceMode,
    /// Catalog service ids the client needs (chat, sales, accounting, …).
    #[serde(default)]
    pub required_services: Vec<String>,
    pub scale: Option<ScaleExpectations>,
    /// Custom UX requirements in the client's words; empty when there are none.
    #[serde(default)]
    pub custom_ux_needs: String,
    /// Who documented this classification. With `documented_at`, this is what lets the
    /// tenant step complete.
    pub documented_by: Option<String>,
    #[specta(type = Option<String>)]
    #[schemars(with = "Option<String>")]
    pub documented_at: Option<Timestamp>,
}

/// Regulatory regimes a client can be subject to.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
    specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum Regulation {
    Hipaa,
    Gdpr,
    PciDss,
    Soc2,
    Ccpa,
    Glba,
    Ferpa,
}

/// How strictly the platform treats the tenant's data. `Standard` is only the default
/// for a client with no regulation; the defaults pick the strictest mode the
/// classification implies.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
    specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum ComplianceMode {
    #[default]
    Standard,
    Gdpr,
    PciDss,
    Hipaa,
}

impl ComplianceMode {
    /// The mode a regulation demands, if it demands one.
    pub fn required_by(regulation: Regulation) -> Option<ComplianceMode> {
        match regulation {
            Regulation::Hipaa => Some(ComplianceMode::Hipaa),
            Regulation::PciDss => Some(ComplianceMode::PciDss),
            Regulation::Gdpr => Some(ComplianceMode::Gdpr),
            Regulation::Soc2 | Regulation::Ccpa | Regulation::Glba | Regulation::Ferpa => None,
        }
    }
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type,
)]
#[serde(deny_unknown_fields)]
pub struct ScaleExpectations {
    pub expected_users: u32,
    pub peak_requests_per_second: u32,
    pub data_volume_gb: u32,
}
