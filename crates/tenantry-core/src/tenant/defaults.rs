//! Safe, restrictive defaults: a new tenant starts with nothing enabled, no AI budget,
//! no integrations or overrides, and the strictest compliance its classification
//! implies. Every relaxation is a later, explicit and audited change.

use std::collections::BTreeMap;

use crate::client_name::ClientName;
use crate::industry::Industry;

use super::{
    AiSettings, Classification, ComplianceFlags, ComplianceMode, Customization, DataMigration,
    FrontendStrategy, GoLiveChecklist, Handoff, Regulation, Rollout, Slug, SlugError,
    TenantDocument, TenantId, TenantMetadata, TenantProfile, SCHEMA_VERSION,
};

/// Audit-log retention each regulation asks for, in days (HIPAA: six years).
fn retention_days(regulation: Regulation) -> u32 {
    match regulation {
        Regulation::Hipaa => 2190,
        Regulation::Glba | Regulation::Soc2 | Regulation::PciDss => 365,
        Regulation::Gdpr | Regulation::Ccpa | Regulation::Ferpa => 365,
    }
}

/// The strictest flags for these regulations. PHI stays off even for a HIPAA client
/// until someone turns it on deliberately.
pub fn strictest_flags(regulations: &[Regulation]) -> ComplianceFlags {
    ComplianceFlags {
        phi_allowed: false,
        data_residency_enforced: true,
        attested_vendors_only: true,
        encryption_at_rest_required: true,
        audit_log_retention_days: regulations
            .iter()
            .copied()
            .map(retention_days)
            .max()
            .unwrap_or(365),
    }
}

impl TenantDocument {
    /// A new tenant with a fresh id and the safe defaults described above.
    pub fn with_safe_defaults(
        name: &ClientName,
        industry: Industry,
        regulations: &[Regulation],
    ) -> Result<Self, SlugError> {
        let slug = Slug::from_name(name.as_str())?;
        Ok(Self::starting(name, slug, industry, regulations))
    }

    /// [`TenantDocument::with_safe_defaults`] with a slug the caller already derived.
    pub fn starting(
        name: &ClientName,
        slug: Slug,
        industry: Industry,
        regulations: &[Regulation],
    ) -> Self {
        let mut regulations = regulations.to_vec();
        regulations.sort();
        regulations.dedup();
        let compliance_mode = regulations
            .iter()
            .filter_map(|regulation| ComplianceMode::required_by(*regulation))
            .max()
            .unwrap_or_default();
        Self {
            schema_version: SCHEMA_VERSION,
            tenant: TenantProfile {
                id: TenantId::generate(),
                display_name: name.as_str().to_owned(),
                slug,
                metadata: TenantMetadata::default(),
                compliance_flags: strictest_flags(&regulations),
            },
            classification: Classification {
                industry: Some(industry),
                regulations,
                compliance_mode,
                ..Classification::default()
            },
            frontend: FrontendStrategy::Undecided,
            services: BTreeMap::new(),
            overrides: Vec::new(),
            ai: AiSettings::default(),
            integrations: Vec::new(),
            customization: Customization::default(),
            data_migration: DataMigration::default(),
            go_live: GoLiveChecklist::default(),
            rollout: Rollout::default(),
            handoff: Handoff::default(),
            justifications: BTreeMap::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_tenant(regulations: &[Regulation]) -> TenantDocument {
        let name = ClientName::parse("Acme Health").expect("valid");
        TenantDocument::with_safe_defaults(&name, Industry::Healthcare, regulations).expect("valid")
    }

    #[test]
    fn starting_keeps_the_slug_it_is_given() {
        let name = ClientName::parse("Acme Health").expect("valid");
        let slug = Slug::parse("acme-clinics").expect("valid");
        let doc = TenantDocument::starting(&name, slug, Industry::Healthcare, &[]);
        assert_eq!(doc.tenant.slug.as_str(), "acme-clinics");
        assert_eq!(doc.tenant.display_name, "Acme Health");
        assert_eq!(
            doc.classification.compliance_mode,
            ComplianceMode::default()
        );
    }

    #[test]
    fn a_new_tenant_has_nothing_enabled() {
        let doc = new_tenant(&[Regulation::Hipaa]);
        assert_eq!(doc.schema_version, SCHEMA_VERSION);
        assert!(doc.services.values().all(|service| !service.enabled));
        assert_eq!(doc.ai.monthly_budget_cents, 0);
        assert!(doc.ai.allowed_models.is_empty() && doc.ai.default_model.is_none());
        assert!(doc.integrations.is_empty() && doc.overrides.is_empty());
        assert!(doc.ai.constraints.no_training_on_client_data && doc.ai.constraints.phi_redaction);
        assert_eq!(doc.tenant.slug.as_str(), "acme-health");
        assert_eq!(doc.frontend, FrontendStrategy::Undecided);
    }

    #[test]
    fn the_strictest_mode_wins() {
        assert_eq!(
            new_tenant(&[]).classification.compliance_mode,
            ComplianceMode::Standard
        );
        assert_eq!(
            new_tenant(&[Regulation::Gdpr, Regulation::Hipaa, Regulation::PciDss])
                .classification
                .compliance_mode,
            ComplianceMode::Hipaa
        );
        assert_eq!(
            new_tenant(&[Regulation::Gdpr, Regulation::PciDss])
                .classification
                .compliance_mode,
            ComplianceMode::PciDss
        );
    }

    #[test]
    fn flags_are_strict_and_hipaa_keeps_logs_six_years() {
        let flags = strictest_flags(&[Regulation::Hipaa, Regulation::Gdpr]);
        assert!(!flags.phi_allowed);
        assert!(
            flags.data_residency_enforced
                && flags.attested_vendors_only
                && flags.encryption_at_rest_required
        );
        assert_eq!(flags.audit_log_retention_days, 2190);
        assert_eq!(strictest_flags(&[]).audit_log_retention_days, 365);
    }

    #[test]
    fn regulations_are_deduplicated_and_ids_fresh() {
        let a = new_tenant(&[Regulation::Hipaa, Regulation::Hipaa]);
        let b = new_tenant(&[Regulation::Hipaa]);
        assert_eq!(a.classification.regulations, vec![Regulation::Hipaa]);
        assert_ne!(a.tenant.id, b.tenant.id);
    }

    #[test]
    fn the_document_round_trips_through_json() {
        let doc = new_tenant(&[Regulation::Hipaa]);
        let json = serde_json::to_string(&doc).expect("json");
        let back: TenantDocument = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, doc);
    }

    #[test]
    fn unknown_fields_are_refused_by_name() {
        let doc = new_tenant(&[]);
        let mut value = serde_json::to_value(&doc).expect("json");
        value["ai"]["monthly_budget_usd"] = serde_json::json!(100);
        let error = serde_json::from_value::<TenantDocument>(value).expect_err("unknown field");
        assert!(
            error
                .to_string()
                .contains("unknown field `monthly_budget_usd`"),
            "{error}"
        );
    }
}
