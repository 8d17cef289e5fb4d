//! The catalog: what the platform offers, as data. Services and their feature flags, AI
//! models, prompt versions, tools, integration vendors and regions. Adding a service or
//! a flag is an edit of the catalog file, never a code change.
//!
//! A default catalog is bundled for a first, offline start; a catalog file given on the
//! command line or in settings replaces it (and later, the one pulled from the backend).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::tenant::{ComplianceMode, FlagValue};

/// The catalog bundled with this build.
pub const BUNDLED_CATALOG_JSON: &str = include_str!("../data/catalog.json");

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Catalog version, e.g. "2026.11.1". Clients refuse an older one than they have.
    pub version: String,
    pub services: BTreeMap<String, ServiceEntry>,
    pub ai_models: BTreeMap<String, AiModel>,
    pub prompts: BTreeMap<String, PromptEntry>,
    pub tools: BTreeMap<String, ToolEntry>,
    pub vendors: BTreeMap<String, Vendor>,
    pub regions: BTreeMap<String, Region>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct ServiceEntry {
    pub name: String,
    pub description: String,
    /// The service is built and certified to hold protected health information.
    #[serde(default)]
    pub phi_capable: bool,
    #[serde(default)]
    pub flags: BTreeMap<String, FlagSpec>,
    /// UI features a client frontend may show or hide (presentation only).
    #[serde(default)]
    pub ui_features: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct FlagSpec {
    pub description: String,
    pub kind: FlagKind,
    /// The safe default a tenant gets when it does not set the flag.
    pub default: FlagValue,
    /// For `choice` flags: the allowed values.
    #[serde(default)]
    pub choices: Vec<String>,
    /// For `integer` flags: inclusive bounds.
    pub min: Option<i32>,
    pub max: Option<i32>,
    /// Values a compliance mode does not allow.
    #[serde(default)]
    pub restrictions: Vec<FlagRestriction>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    Boolean,
    Integer,
    Text,
    Choice,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct FlagRestriction {
    pub modes: Vec<ComplianceMode>,
    /// The only values allowed under those modes.
    pub allowed: Vec<FlagValue>,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct AiModel {
    pub name: String,
    pub provider: String,
    /// Compliance modes the model is approved for (HIPAA needs a BAA with the provider).
    pub eligible_modes: Vec<ComplianceMode>,
    /// The provider may train on prompts and outputs.
    #[serde(default)]
    pub trains_on_customer_data: bool,
    /// Region ids where the model is hosted.
    pub regions: Vec<String>,
    /// Price per million tokens, in US cents.
    pub cost_per_million_tokens_cents: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct PromptEntry {
    pub description: String,
    /// Catalog service the prompt belongs to.
    pub service: String,
    /// Published versions, oldest first.
    pub versions: Vec<String>,
    /// Versions that must no longer be pinned.
    #[serde(default)]
    pub withdrawn: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct ToolEntry {
    pub description: String,
    /// Safe to offer where the data may include PHI.
    #[serde(default)]
    pub phi_safe: bool,
    /// The tool can change data outside the conversation (send, pay, delete).
    #[serde(default)]
    pub side_effects: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Vendor {
    pub name: String,
    pub approval: VendorApproval,
    #[serde(default)]
    pub attestations: Vec<Attestation>,
    /// Region ids where the vendor processes data.
    #[serde(default)]
    pub regions: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum VendorApproval {
    Approved,
    Pending,
    Rejected,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Attestation {
    HipaaBaa,
    Soc2,
    GdprDpa,
    PciDss,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub name: String,
    /// Legal area the region's data centres are in: "eu", "us", "uk", …
    pub jurisdiction: String,
}

impl Catalog {
    /// The catalog bundled with this build.
    pub fn bundled() -> Self {
        // Checked by a test on every build, so this cannot fail at run time.
        serde_json::from_str(BUNDLED_CATALOG_JSON)
            .unwrap_or_else(|error| unreachable!("the bundled catalog is tested to parse: {error}"))
    }

    /// A catalog from JSON text (a file given on the command line or in settings).
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_catalog_parses_and_is_self_consistent() {
        let catalog: Catalog = serde_json::from_str(BUNDLED_CATALOG_JSON).expect("bundled catalog");
        assert_eq!(catalog, Catalog::bundled());
        for (id, prompt) in &catalog.prompts {
            assert!(
                catalog.services.contains_key(&prompt.service),
                "prompt {id} names unknown service {}",
                prompt.service
            );
            assert!(!prompt.versions.is_empty(), "prompt {id} has no version");
        }
        for (id, model) in &catalog.ai_models {
            for region in &model.regions {
                assert!(
                    catalog.regions.contains_key(region),
                    "model {id} names unknown region {region}"
                );
            }
        }
        for (id, vendor) in &catalog.vendors {
            for region in &vendor.regions {
                assert!(
                    catalog.regions.contains_key(region),
                    "vendor {id} names unknown region {region}"
                );
            }
        }
        for (service_id, service) in &catalog.services {
            for (flag_id, flag) in &service.flags {
                let matches_kind = matches!(
                    (flag.kind, &flag.default),
                    (FlagKind::Boolean, FlagValue::Bool(_))
                        | (FlagKind::Integer, FlagValue::Integer(_))
                        | (FlagKind::Text, FlagValue::Text(_))
                        | (FlagKind::Choice, FlagValue::Text(_))
                );
                assert!(
                    matches_kind,
                    "{service_id}.{flag_id}: default does not match its kind"
                );
            }
        }
    }

    #[test]
    fn the_bundled_catalog_can_onboard_the_three_reference_clients() {
        let catalog = Catalog::bundled();
        let eligible = |mode| {
            catalog
                .ai_models
                .values()
                .any(|model| model.eligible_modes.contains(&mode))
        };
        assert!(eligible(ComplianceMode::Hipaa), "a HIPAA-eligible model");
        assert!(eligible(ComplianceMode::PciDss), "a PCI-eligible model");
        assert!(eligible(ComplianceMode::Gdpr), "a GDPR-eligible model");
        let attested = |attestation| {
            catalog.vendors.values().any(|vendor| {
                vendor.approval == VendorApproval::Approved
                    && vendor.attestations.contains(&attestation)
            })
        };
        assert!(
            attested(Attestation::HipaaBaa)
                && attested(Attestation::PciDss)
                && attested(Attestation::GdprDpa)
        );
        assert!(catalog.services.values().any(|service| service.phi_capable));
        assert!(catalog
            .regions
            .values()
            .any(|region| region.jurisdiction == "eu"));
    }

    #[test]
    fn a_catalog_with_an_unknown_field_is_refused() {
        let error = Catalog::from_json(r#"{"version":"1","services":{},"ai_models":{},"prompts":{},"tools":{},"vendors":{},"regions":{},"extra":1}"#)
            .expect_err("unknown field");
        assert!(error.to_string().contains("unknown field `extra`"));
    }
}
