use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Step 8: presentation only. "Customization must not affect service behavior."
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type,
)]
#[serde(deny_unknown_fields)]
pub struct Customization {
    #[serde(default)]
    pub branding: Branding,
    #[serde(default)]
    pub navigation: Vec<NavigationItem>,
    /// Catalog UI feature id → shown or hidden. Hiding is presentation; it cannot turn a
    /// service on.
    #[serde(default)]
    pub feature_visibility: BTreeMap<String, bool>,
    /// Copy and tone guidance for the client app's texts.
    #[serde(default)]
    pub copy_tone: String,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type,
)]
#[serde(deny_unknown_fields)]
pub struct Branding {
    /// `#rrggbb`.
    pub primary_color: Option<String>,
    pub secondary_color: Option<String>,
    /// A reference to a logo asset (e.g. `asset://…`), not an inline image.
    pub logo_ref: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct NavigationItem {
    pub label: String,
    /// A route inside the client app, e.g. `/inbox`.
    pub route: String,
}
