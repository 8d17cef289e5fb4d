use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Step 4: one catalog service for this tenant.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct ServiceSettings {
    pub enabled: bool,
    /// Feature flags by catalog flag id; a flag left out keeps the catalog's safe default.
    #[serde(default)]
    pub flags: BTreeMap<String, FlagValue>,
}

/// A feature flag's value; its type must match the flag's type in the catalog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(untagged)]
pub enum FlagValue {
    Bool(bool),
    Integer(i32),
    Text(String),
}
