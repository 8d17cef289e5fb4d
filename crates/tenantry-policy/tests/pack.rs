//! The bundled pack itself: it compiles, its metadata is complete and consistent, and
//! it can be shared between threads.

mod common;

use std::collections::BTreeSet;

use tenantry_core::Step;
use tenantry_policy::{PolicyPack, Severity};

fn prefix(step: Step) -> &'static str {
    match step {
        Step::Classification => "CLS-",
        Step::Tenant => "TEN-",
        Step::FrontendStrategy => "FE-",
        Step::Services => "SVC-",
        Step::BackendOverrides => "OVR-",
        Step::Ai => "AI-",
        Step::Integrations => "INT-",
        Step::FrontendCustomization => "CUS-",
        Step::DataMigration => "MIG-",
        Step::Verification => "VER-",
        Step::Rollout => "ROL-",
        Step::Handoff => "DOC-",
    }
}

#[test]
fn the_pack_is_cheap_to_share_between_threads() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    shareable::<PolicyPack>();
    let pack = common::pack().clone();
    let handle = std::thread::spawn(move || {
        pack.evaluate(&common::Base::Pci.document(), common::catalog())
            .expect("evaluates")
    });
    let evaluation = handle.join().expect("thread");
    assert!(!evaluation.has_errors());
}

#[test]
fn rule_metadata_is_complete_and_ids_follow_their_step() {
    let pack = PolicyPack::bundled();
    assert!(pack.rules().len() >= 60, "{} rules", pack.rules().len());
    let mut ids = BTreeSet::new();
    for rule in pack.rules() {
        assert!(ids.insert(rule.id.clone()), "duplicate {}", rule.id);
        // SEC-* rules report wherever the problem is; the others carry their step's prefix.
        assert!(
            rule.id.starts_with(prefix(rule.step)) || rule.id.starts_with("SEC-"),
            "{} is in step {:?}",
            rule.id,
            rule.step
        );
        for (field, text) in [
            ("title", &rule.title),
            ("remediation", &rule.remediation),
            ("source", &rule.source),
            ("applies_when", &rule.applies_when),
        ] {
            assert!(!text.trim().is_empty(), "{} has no {field}", rule.id);
        }
    }
    let keys: Vec<_> = pack
        .rules()
        .iter()
        .map(|r| (r.step, r.id.clone()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "rules() is sorted by step, then id");
    // Every step has at least one rule or requirement.
    for step in Step::ALL {
        assert!(
            pack.rules().iter().any(|r| r.step == step)
                || pack.requirements().iter().any(|r| r.step == step),
            "{step:?}"
        );
    }
    assert!(pack.rules().iter().any(|r| r.severity == Severity::Warning));
}

#[test]
fn requirement_metadata_is_complete_and_ids_follow_their_step() {
    let pack = PolicyPack::bundled();
    for requirement in pack.requirements() {
        assert!(
            requirement.id.starts_with(prefix(requirement.step)) && requirement.id.contains("-R"),
            "{} is in step {:?}",
            requirement.id,
            requirement.step
        );
        assert!(!requirement.title.trim().is_empty() && !requirement.source.trim().is_empty());
    }
}

#[test]
fn metadata_serialises_for_the_ui() {
    let pack = PolicyPack::bundled();
    let rule = pack.rule("AI-010").expect("AI-010");
    let json = serde_json::to_value(rule).expect("json");
    assert_eq!(json["severity"], "warning");
    assert_eq!(json["step"], "ai");
    assert_eq!(json["id"], "AI-010");
}

#[test]
fn the_pack_files_are_all_embedded() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pack");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("pack dir")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".rego"))
        .map(|name| format!("bundled:{name}"))
        .collect();
    on_disk.sort();
    assert_eq!(PolicyPack::bundled().files(), on_disk.as_slice());
}
