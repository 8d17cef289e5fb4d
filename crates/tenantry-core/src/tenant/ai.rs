use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Step 6: AI behaviour, tenant-scoped and reversible, never bypassing policy.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type,
)]
#[serde(deny_unknown_fields)]
pub struct AiSettings {
    /// Catalog model ids this tenant may use.
    #[serde(default)]
    pub allowed_models: Vec<String>,
    pub default_model: Option<String>,
    /// Pinned prompt versions: catalog prompt id → version.
    #[serde(default)]
    pub prompt_versions: BTreeMap<String, String>,
    /// Catalog tool ids the models may call.
    #[serde(default)]
    pub tools: Vec<String>,
    /// Monthly AI spend cap in US cents. Zero means no AI use.
    #[serde(default)]
    pub monthly_budget_cents: u32,
    #[serde(default)]
    pub rate_limits: RateLimits,
    #[serde(default)]
    pub constraints: AiConstraints,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type,
)]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    pub requests_per_minute: u32,
    pub tokens_per_day: u32,
}

/// Compliance constraints on AI use. `true` is the strict setting for each.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct AiConstraints {
    pub no_training_on_client_data: bool,
    pub phi_redaction: bool,
    pub human_review_of_outputs: bool,
    /// Prompts and completions are kept only in the tenant's region.
    pub regional_processing_only: bool,
}

impl Default for AiConstraints {
    fn default() -> Self {
        Self {
            no_training_on_client_data: true,
            phi_redaction: true,
            human_review_of_outputs: true,
            regional_processing_only: true,
        }
    }
}
