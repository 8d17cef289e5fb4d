use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Evidence;

/// Step 9: data to bring in, if any.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type,
)]
#[serde(deny_unknown_fields)]
pub struct DataMigration {
    /// `false` until someone decides; then `true` with datasets, or `false` on purpose.
    #[serde(default)]
    pub decided: bool,
    #[serde(default)]
    pub datasets: Vec<Dataset>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    pub name: String,
    /// Where the data comes from (system, export, bucket).
    pub source: String,
    /// Catalog service id that receives it.
    pub target_service: String,
    /// Reference to the schema the data is validated against.
    pub schema_ref: String,
    pub classification: Vec<DataClass>,
    /// How to undo the migration.
    pub rollback_plan: String,
    /// A run against non-production data, before the real one.
    pub dry_run: Option<Evidence>,
    /// Proof no other tenant's data is reachable after the migration.
    pub isolation_check: Option<Evidence>,
}

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
pub enum DataClass {
    Phi,
    Pii,
    Confidential,
    Public,
}
