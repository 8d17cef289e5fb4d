use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;

/// Proof that something was checked: where to see it, who checked, when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// A link or note that lets someone else see the proof (dashboard, test run, ticket).
    pub reference: String,
    pub verified_by: String,
    #[specta(type = String)]
    #[schemars(with = "String")]
    pub verified_at: Timestamp,
    /// SHA-256 of attached output (e.g. a smoke-test log), hex, when there is one.
    pub sha256: Option<String>,
}
