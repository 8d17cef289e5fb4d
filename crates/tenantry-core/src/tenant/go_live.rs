use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Evidence;

/// Step 10: evidence per checklist item id. Which items are required depends on the
/// classification and comes from the policy pack (a HIPAA tenant has more).
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type,
)]
#[serde(deny_unknown_fields)]
pub struct GoLiveChecklist {
    #[serde(default)]
    pub items: BTreeMap<String, Evidence>,
}
