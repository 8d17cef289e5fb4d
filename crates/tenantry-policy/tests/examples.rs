//! The reference clients shipped in `examples/tenants/` parse, break no rule and are
//! complete in all twelve steps.

use std::path::PathBuf;

use tenantry_core::catalog::Catalog;
use tenantry_core::TenantDocument;
use tenantry_policy::{progress, PolicyPack, StepStatus};

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/tenants")
}

#[test]
fn every_example_parses_passes_and_is_complete() {
    let pack = PolicyPack::bundled();
    let catalog = Catalog::bundled();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(examples_dir()).expect("examples/tenants") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|ext| ext != "json") {
            continue;
        }
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(&path).expect("read");
        let doc: TenantDocument =
            serde_json::from_str(&text).unwrap_or_else(|error| panic!("{name}: {error}"));
        let evaluation = pack.evaluate(&doc, &catalog).expect("evaluates");
        let blocks: Vec<String> = evaluation
            .blocks()
            .iter()
            .map(|f| format!("{} {} {}", f.rule_id, f.path, f.message))
            .collect();
        assert!(blocks.is_empty(), "{name}: {blocks:#?}");
        let progress = progress(&doc, &catalog, &evaluation);
        for step in &progress.steps {
            assert_eq!(
                step.status,
                StepStatus::Complete,
                "{name}: step {:?} is {:?}: {:?} {:?}",
                step.step,
                step.status,
                step.missing,
                step.blocking_rules
            );
        }
        assert!(
            progress.may_enter_staging,
            "{name}: {:?}",
            progress.staging_blockers
        );
        assert!(
            progress.may_enter_production,
            "{name}: {:?}",
            progress.production_blockers
        );
        names.push(name);
    }
    names.sort();
    assert_eq!(
        names,
        [
            "fintech-pci.json",
            "healthcare-hipaa.json",
            "retail-gdpr.json"
        ]
    );
}
