use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Step 5, preference 4 of 4: a client-specific domain override. Minimal, documented,
/// and never breaking shared behaviour.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct ClientOverride {
    /// Catalog service id the override belongs to.
    pub service: String,
    /// Must be `/services/<service>/domain/client-overrides/<…>`.
    pub path: String,
    pub description: String,
    /// Why configuration, a feature flag or a policy rule could not do this instead.
    pub justification: String,
    pub owner: String,
    /// Link to the override's documentation.
    pub documentation: String,
}
