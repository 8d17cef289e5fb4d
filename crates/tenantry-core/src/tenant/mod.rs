//! The tenant document: everything the twelve onboarding steps decide about one client,
//! as one typed, versioned value. It is what a person edits (in the app or as a
//! JSON/TOML/YAML file), what the policy pack checks, and what change sets will modify.
//!
//! Field names are snake_case in every format, so a JSON pointer such as
//! `/ai/allowed_models/0` names the same field in a file, a finding and a change set.

mod ai;
mod classification;
mod customization;
mod defaults;
mod evidence;
pub mod file;
mod frontend;
mod go_live;
mod handoff;
mod id;
mod integrations;
mod json;
mod members;
mod migration;
mod overrides;
mod profile;
mod rollout;
mod services;
mod slug;
mod step;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use ai::{AiConstraints, AiSettings, RateLimits};
pub use classification::{Classification, ComplianceMode, Regulation, ScaleExpectations};
pub use customization::{Branding, Customization, NavigationItem};
pub use defaults::strictest_flags;
pub use evidence::Evidence;
pub use file::{load_document, parse_document, Format, LoadError};
pub use frontend::FrontendStrategy;
pub use go_live::{checklist_title, GoLiveChecklist};
pub use handoff::{EscalationContact, Handoff};
pub use id::{TenantId, TenantIdError};
pub use integrations::{Integration, SecretRef, SecretRefError};
pub use json::{DocumentJson, DocumentValue};
pub use members::MEMBERS;
pub use migration::{DataClass, DataMigration, Dataset};
pub use overrides::ClientOverride;
pub use profile::{ComplianceFlags, Contact, ContactRole, TenantMetadata, TenantProfile};
pub use rollout::{Environment, Rollout, RolloutStage, StageStatus};
pub use services::{FlagValue, ServiceSettings};
pub use slug::{Slug, SlugError};
pub use step::Step;

/// A JSON Schema for a string newtype checked on deserialisation (`try_from`), which
/// schemars cannot derive through serde's conversion attributes.
macro_rules! string_schema {
    ($type:ty, $pattern:literal, $description:literal) => {
        impl schemars::JsonSchema for $type {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($type).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "pattern": $pattern,
                    "description": $description,
                })
            }
        }
    };
}
use string_schema;

/// The version of the document's shape. A document with another version is refused
/// (with a message naming both) rather than half-read.
pub const SCHEMA_VERSION: u32 = 1;

/// One client's whole onboarding configuration, step by step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Tenantry tenant document")]
pub struct TenantDocument {
    /// Always 1 for this version of Tenantry.
    pub schema_version: u32,
    /// Step 1: what kind of client this is. Decided and documented before anything else.
    pub classification: Classification,
    /// Step 2: the tenant itself: id, names, metadata, compliance flags.
    pub tenant: TenantProfile,
    /// Step 3: existing product UIs, or a client frontend app.
    #[serde(default)]
    pub frontend: FrontendStrategy,
    /// Step 4: per catalog service, whether it is enabled and its feature flags.
    #[serde(default)]
    pub services: BTreeMap<String, ServiceSettings>,
    /// Step 5: client-specific domain overrides (minimal, documented, justified).
    #[serde(default)]
    pub overrides: Vec<ClientOverride>,
    /// Step 6: AI models, prompts, tools, budget and constraints.
    #[serde(default)]
    pub ai: AiSettings,
    /// Step 7: approved vendors, with credentials referenced in the secrets manager.
    #[serde(default)]
    pub integrations: Vec<Integration>,
    /// Step 8: presentation-only customization of the client frontend.
    #[serde(default)]
    pub customization: Customization,
    /// Step 9: datasets to migrate, classified, reversible, dry-run first.
    #[serde(default)]
    pub data_migration: DataMigration,
    /// Step 10: the go-live checklist with evidence per item.
    #[serde(default)]
    pub go_live: GoLiveChecklist,
    /// Step 11: staging first, then production, behind flags, monitored, announced.
    #[serde(default)]
    pub rollout: Rollout,
    /// Step 12: documentation and support paths for the teams that take over.
    #[serde(default)]
    pub handoff: Handoff,
    /// Written reasons for accepting warnings, keyed by rule id (e.g. "AI-010").
    #[serde(default)]
    pub justifications: BTreeMap<String, String>,
}
