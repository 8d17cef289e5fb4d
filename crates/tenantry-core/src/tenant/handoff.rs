use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Step 12: "Undocumented client differences become future incidents."
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type,
)]
#[serde(deny_unknown_fields)]
pub struct Handoff {
    /// Link to the client configuration documentation.
    pub configuration_doc: Option<String>,
    /// The enabled services list was reviewed against `services`.
    #[serde(default)]
    pub enabled_services_confirmed: bool,
    /// Every override is listed in the documentation.
    #[serde(default)]
    pub known_overrides_documented: bool,
    /// Where the client's users get support (queue, channel, link).
    pub support_path: Option<String>,
    #[serde(default)]
    pub escalation_contacts: Vec<EscalationContact>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct EscalationContact {
    /// 1 is called first.
    pub level: u8,
    pub name: String,
    pub contact: String,
}
