use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Step 3: how the client's users will reach the services.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type,
)]
#[serde(tag = "strategy", rename_all = "snake_case", deny_unknown_fields)]
pub enum FrontendStrategy {
    /// Not decided yet: the step stays incomplete.
    #[default]
    Undecided,
    /// Option A: the existing product UIs (fastest; internal or early-stage clients).
    ExistingProductUis,
    /// Option B: a client frontend composing several services, at `apps/client-<slug>`.
    ClientFrontend { app_path: String },
}
