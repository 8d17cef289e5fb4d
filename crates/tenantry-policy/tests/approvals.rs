//! The approval rules (`approvals/*.rego`): each bundled rule in both directions, and a
//! platform's own rules through `ApprovalPolicy::from_dir`.

mod common;

use std::sync::OnceLock;

use common::Base;
use tenantry_core::tenant::{ComplianceMode, DataClass, Dataset};
use tenantry_core::{Step, TenantDocument};
use tenantry_policy::{
    ApprovalInput, ApprovalPolicy, ApprovalRequirement, ChangeEnvironment, PolicyError,
    ReviewerRole,
};

fn policy() -> &'static ApprovalPolicy {
    static POLICY: OnceLock<ApprovalPolicy> = OnceLock::new();
    POLICY.get_or_init(ApprovalPolicy::bundled)
}

fn required_by(
    policy: &ApprovalPolicy,
    environment: ChangeEnvironment,
    before: Option<&TenantDocument>,
    after: &TenantDocument,
) -> Vec<ApprovalRequirement> {
    policy
        .required(&ApprovalInput {
            environment,
            before,
            after,
            changed_paths: &[],
        })
        .expect("the approval rules evaluate")
}

fn required(
    environment: ChangeEnvironment,
    before: Option<&TenantDocument>,
    after: &TenantDocument,
) -> Vec<ApprovalRequirement> {
    required_by(policy(), environment, before, after)
}

fn rule_ids(required: &[ApprovalRequirement]) -> Vec<&str> {
    required.iter().map(|r| r.rule_id.as_str()).collect()
}

/// The GDPR example with no PHI anywhere: only APR-001 can fire on it.
fn gdpr() -> TenantDocument {
    Base::Gdpr.document()
}

fn phi_dataset(name: &str) -> Dataset {
    Dataset {
        name: name.to_owned(),
        source: "Legacy EHR export".to_owned(),
        target_service: "chat".to_owned(),
        schema_ref: "schemas/chat/import-v1.json".to_owned(),
        classification: vec![DataClass::Phi, DataClass::Pii],
        rollback_plan: "Delete the import batch.".to_owned(),
        dry_run: None,
        isolation_check: None,
    }
}

#[test]
fn the_bundled_rules_are_listed_with_their_metadata() {
    let ids: Vec<&str> = policy().rules().iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["APR-001", "APR-002", "APR-003"]);
    let mode = policy().rule("APR-001").expect("APR-001");
    assert_eq!(mode.step, Step::Classification);
    assert_eq!(mode.approvals, 1);
    assert_eq!(mode.reviewer, ReviewerRole::ComplianceOfficer);
    assert_eq!(
        policy().rule("APR-002").map(|r| r.step),
        Some(Step::DataMigration)
    );
    assert_eq!(
        policy().rule("APR-003").map(|r| r.step),
        Some(Step::Rollout)
    );
    assert!(policy().rule("APR-999").is_none());
    assert_eq!(policy().files().len(), 4);
}

#[test]
fn apr_001_a_compliance_mode_change_needs_a_compliance_officer() {
    let before = gdpr();
    let mut after = before.clone();
    after.classification.compliance_mode = ComplianceMode::Hipaa;
    for environment in [ChangeEnvironment::Draft, ChangeEnvironment::Staging] {
        let found = required(environment, Some(&before), &after);
        assert_eq!(
            found,
            vec![ApprovalRequirement {
                rule_id: "APR-001".into(),
                approvals: 1,
                reviewer: ReviewerRole::ComplianceOfficer,
                step: Step::Classification,
                path: "/classification/compliance_mode".into(),
                message: "changes the compliance mode from gdpr to hipaa".into(),
            }]
        );
    }
    // Any other edit leaves the mode alone and needs nobody.
    let mut budget = before.clone();
    budget.ai.monthly_budget_cents += 100;
    assert!(required(ChangeEnvironment::Staging, Some(&before), &budget).is_empty());
    // Weakening is a change too.
    let weaker = required(ChangeEnvironment::Staging, Some(&after), &before);
    assert_eq!(
        weaker[0].message,
        "changes the compliance mode from hipaa to gdpr"
    );
}

#[test]
fn apr_001_a_creation_counts_from_standard() {
    let doc = gdpr();
    let found = required(ChangeEnvironment::Draft, None, &doc);
    assert_eq!(rule_ids(&found), ["APR-001"]);
    assert_eq!(
        found[0].message,
        "creates the draft configuration in compliance mode gdpr"
    );
    let mut standard = doc.clone();
    standard.classification.compliance_mode = ComplianceMode::Standard;
    assert!(required(ChangeEnvironment::Staging, None, &standard).is_empty());
}

#[test]
fn apr_002_a_phi_dataset_added_or_changed_needs_a_compliance_officer() {
    let before = gdpr();
    let mut added = before.clone();
    added.data_migration.decided = true;
    added.data_migration.datasets.push(phi_dataset("patients"));
    let found = required(ChangeEnvironment::Staging, Some(&before), &added);
    assert_eq!(rule_ids(&found), ["APR-002"]);
    assert_eq!(found[0].step, Step::DataMigration);
    assert_eq!(found[0].approvals, 1);
    let index = added.data_migration.datasets.len() - 1;
    assert_eq!(found[0].path, format!("/data_migration/datasets/{index}"));
    assert_eq!(
        found[0].message,
        "adds the PHI dataset 'patients' to the migration into chat"
    );

    let mut retargeted = added.clone();
    retargeted.data_migration.datasets[index].target_service = "scheduling".into();
    let found = required(ChangeEnvironment::Staging, Some(&added), &retargeted);
    assert_eq!(
        found[0].message,
        "changes the PHI dataset 'patients' migrated into scheduling"
    );

    // Reclassifying a dataset as PHI is bringing PHI in.
    let mut plain = added.clone();
    plain.data_migration.datasets[index].classification = vec![DataClass::Pii];
    let found = required(ChangeEnvironment::Draft, Some(&plain), &added);
    assert_eq!(rule_ids(&found), ["APR-002"]);

    // The same PHI dataset, untouched (even moved to another index), needs nobody;
    // neither does a dataset without PHI.
    let mut budget = added.clone();
    budget.ai.monthly_budget_cents += 100;
    assert!(required(ChangeEnvironment::Staging, Some(&added), &budget).is_empty());
    let mut reordered = added.clone();
    reordered.data_migration.datasets.rotate_right(1);
    assert!(required(ChangeEnvironment::Staging, Some(&added), &reordered).is_empty());
    assert!(required(ChangeEnvironment::Staging, Some(&added), &plain).is_empty());
}

#[test]
fn apr_002_a_created_tenant_with_phi_needs_review_of_each_dataset() {
    let hipaa = Base::Hipaa.document();
    let phi = hipaa
        .data_migration
        .datasets
        .iter()
        .filter(|dataset| dataset.classification.contains(&DataClass::Phi))
        .count();
    assert!(phi > 0, "the HIPAA example migrates PHI");
    let found = required(ChangeEnvironment::Draft, None, &hipaa);
    let ids = rule_ids(&found);
    assert_eq!(ids.iter().filter(|id| **id == "APR-002").count(), phi);
    assert!(ids.contains(&"APR-001"), "{ids:?}");
}

#[test]
fn apr_003_production_needs_the_promoted_staging_change_approved() {
    let before = gdpr();
    let mut after = before.clone();
    after.classification.compliance_mode = ComplianceMode::Hipaa;
    after.data_migration.decided = true;
    after.data_migration.datasets.push(phi_dataset("patients"));
    // In production only the promotion rule applies, to an edit or a creation alike:
    // the content was reviewed in staging.
    for previous in [None, Some(&before)] {
        let found = required(ChangeEnvironment::Production, previous, &after);
        assert_eq!(rule_ids(&found), ["APR-003"]);
        assert_eq!(found[0].step, Step::Rollout);
        assert_eq!(found[0].path, "");
    }
    // Outside production there is no promotion.
    let staged = required(ChangeEnvironment::Staging, Some(&before), &after);
    assert_eq!(rule_ids(&staged), ["APR-001", "APR-002"]);
}

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, source) in files {
        std::fs::write(dir.path().join(name), source).expect("write");
    }
    dir
}

const PLATFORM_RULE: &str = r#"
package tenantry.approvals

rules["PLT-A01"] := {
	"step": "tenant",
	"title": "Moving a tenant's data region is approved by two compliance officers",
	"approvals": 2,
	"reviewer": "compliance_officer",
	"source": "Define tenant metadata",
	"applies_when": "the region changes, in draft or staging",
}

required contains {
	"rule": "PLT-A01",
	"path": "/tenant/metadata/region",
	"message": sprintf("moves the tenant from %v to %v", [input.before.tenant.metadata.region, input.after.tenant.metadata.region]),
} if {
	not promotion
	is_object(input.before)
	input.before.tenant.metadata.region != input.after.tenant.metadata.region
}
"#;

#[test]
fn a_platform_adds_its_own_rule_next_to_the_bundled_ones() {
    let dir = dir_with(&[("region.rego", PLATFORM_RULE), ("notes.txt", "not rego")]);
    let extended = ApprovalPolicy::from_dir(dir.path()).expect("the rules build");
    assert_eq!(extended.files().len(), 5);
    let rule = extended.rule("PLT-A01").expect("listed");
    assert_eq!((rule.approvals, rule.step), (2, Step::Tenant));

    let before = gdpr();
    let mut moved = before.clone();
    moved.tenant.metadata.region = Some("eu-central-1".into());
    assert_ne!(before.tenant.metadata.region, moved.tenant.metadata.region);
    let found = required_by(&extended, ChangeEnvironment::Staging, Some(&before), &moved);
    assert_eq!(rule_ids(&found), ["PLT-A01"]);
    assert_eq!(found[0].approvals, 2);
    // The bundled rules still hold, and the new one stays quiet when nothing moves.
    let mut budget = before.clone();
    budget.ai.monthly_budget_cents += 1;
    assert!(required_by(
        &extended,
        ChangeEnvironment::Staging,
        Some(&before),
        &budget
    )
    .is_empty());
    assert_eq!(
        rule_ids(&required_by(
            &extended,
            ChangeEnvironment::Production,
            Some(&before),
            &moved
        )),
        ["APR-003"]
    );
}

#[test]
fn broken_platform_rules_are_refused_when_built_naming_what_is_wrong() {
    let wrong_package = dir_with(&[("a.rego", "package tenantry.policy\n\nx := 1\n")]);
    match ApprovalPolicy::from_dir(wrong_package.path()) {
        Err(PolicyError::WrongApprovalPackage { file, package }) => {
            assert!(file.ends_with("a.rego"), "{file}");
            assert_eq!(package, "data.tenantry.policy");
        }
        other => panic!("expected WrongApprovalPackage, got {other:?}"),
    }

    let syntax = dir_with(&[(
        "b.rego",
        "package tenantry.approvals\n\nrequired contains {\n",
    )]);
    match ApprovalPolicy::from_dir(syntax.path()) {
        Err(PolicyError::Compile { file, .. }) => assert!(file.ends_with("b.rego"), "{file}"),
        other => panic!("expected Compile, got {other:?}"),
    }

    let undeclared = dir_with(&[(
        "c.rego",
        "package tenantry.approvals\n\nrequired contains {\"rule\": \"PLT-X\", \"path\": \"\", \"message\": \"always\"}\n",
    )]);
    match ApprovalPolicy::from_dir(undeclared.path()) {
        Err(PolicyError::UnknownApprovalRule { rule_id }) => assert_eq!(rule_id, "PLT-X"),
        other => panic!("expected UnknownApprovalRule, got {other:?}"),
    }

    let bad_role = PLATFORM_RULE.replace(
        "\"reviewer\": \"compliance_officer\"",
        "\"reviewer\": \"account_manager\"",
    );
    let bad_role = dir_with(&[("d.rego", &bad_role)]);
    match ApprovalPolicy::from_dir(bad_role.path()) {
        Err(PolicyError::InvalidMetadata { rule_id, problem }) => {
            assert_eq!(rule_id, "PLT-A01");
            assert!(problem.contains("reviewer"), "{problem}");
        }
        other => panic!("expected InvalidMetadata, got {other:?}"),
    }

    // Redefining a bundled rule's metadata differently cannot weaken it quietly.
    let weaker = dir_with(&[(
        "e.rego",
        r#"package tenantry.approvals

rules["APR-003"] := {"step": "rollout", "title": "t", "approvals": 1, "reviewer": "compliance_officer", "source": "s", "applies_when": "never"}
"#,
    )]);
    match ApprovalPolicy::from_dir(weaker.path()) {
        Err(PolicyError::Compile { message, .. }) => {
            assert!(
                message.contains("APR-003") || message.contains("rules"),
                "{message}"
            )
        }
        other => panic!("expected a conflict, got {other:?}"),
    }

    // A typo in a body that runs for every change shows when the rules are built.
    let typo = dir_with(&[(
        "f.rego",
        "package tenantry.approvals\n\nrequired contains {\"rule\": \"APR-003\", \"path\": \"\", \"message\": no_such_function(1)} if true\n",
    )]);
    match ApprovalPolicy::from_dir(typo.path()) {
        Err(PolicyError::Compile { file, .. }) => assert!(file.ends_with("f.rego"), "{file}"),
        other => panic!("expected Compile naming f.rego, got {other:?}"),
    }

    let missing = std::path::Path::new("/nonexistent/approval-rules");
    assert!(matches!(
        ApprovalPolicy::from_dir(missing),
        Err(PolicyError::Read { .. })
    ));
}

/// docs/policy.md lists every bundled approval rule with the tests that prove it.
#[test]
fn the_policy_doc_lists_every_approval_rule() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/policy.md");
    let doc = std::fs::read_to_string(&path).expect("docs/policy.md");
    for rule in policy().rules() {
        assert!(
            doc.contains(&format!("`{}`", rule.id)),
            "docs/policy.md does not list {}",
            rule.id
        );
    }
    for test in [
        "apr_001_a_compliance_mode_change_needs_a_compliance_officer",
        "apr_001_a_creation_counts_from_standard",
        "apr_002_a_phi_dataset_added_or_changed_needs_a_compliance_officer",
        "apr_002_a_created_tenant_with_phi_needs_review_of_each_dataset",
        "apr_003_production_needs_the_promoted_staging_change_approved",
    ] {
        assert!(
            doc.contains(&format!("`{test}`")),
            "docs/policy.md does not name {test}"
        );
    }
}
