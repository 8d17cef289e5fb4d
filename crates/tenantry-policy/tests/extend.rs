//! A platform extends the pack with its own Rego files (`PolicyPack::from_dir`).

mod common;

use std::path::Path;

use common::{set, Base};
use serde_json::json;
use tenantry_core::{Step, TenantDocument};
use tenantry_policy::{PolicyError, PolicyPack, Severity};

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, source) in files {
        std::fs::write(dir.path().join(name), source).expect("write");
    }
    dir
}

const PLATFORM_RULE: &str = r#"
package tenantry.policy

rules["PLT-001"] := {
	"severity": "warning",
	"step": "tenant",
	"title": "Display names do not say 'test'",
	"remediation": "Use the client's real name; test tenants live in the sandbox platform.",
	"source": "Every client maps to a tenant.",
	"applies_when": "always",
}

findings contains {
	"rule": "PLT-001",
	"path": "/tenant/display_name",
	"message": sprintf("'%s' looks like a test tenant", [doc.tenant.display_name]),
} if contains(lower(doc.tenant.display_name), "test")

requirements["PLT-R01"] := {
	"step": "handoff",
	"title": "Runbook",
	"source": "Support and escalation paths",
	"applies_when": "always",
}

missing contains {
	"requirement": "PLT-R01",
	"path": "/handoff/configuration_doc",
	"message": "Link the runbook from the configuration documentation.",
} if not runbook_linked

# Builtins are strict: a null where a string is expected is an evaluation error, so
# optional fields are checked with is_string (or the pack's present()) first.
runbook_linked if {
	is_string(doc.handoff.configuration_doc)
	contains(doc.handoff.configuration_doc, "docs.platform.example")
}
"#;

#[test]
fn an_extra_file_adds_a_listed_rule_that_fires() {
    let dir = dir_with(&[("platform.rego", PLATFORM_RULE), ("README.md", "not rego")]);
    let pack = PolicyPack::from_dir(dir.path()).expect("extended pack");
    let bundled = PolicyPack::bundled();
    assert_eq!(pack.rules().len(), bundled.rules().len() + 1);
    assert_eq!(pack.requirements().len(), bundled.requirements().len() + 1);
    let rule = pack.rule("PLT-001").expect("listed");
    assert_eq!(
        (rule.severity, rule.step),
        (Severity::Warning, Step::Tenant)
    );
    // Still sorted by step, then id.
    let keys: Vec<_> = pack
        .rules()
        .iter()
        .map(|r| (r.step, r.id.clone()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert!(pack
        .files()
        .iter()
        .any(|file| file.ends_with("platform.rego")));

    let clean = pack
        .evaluate(&Base::Hipaa.document(), common::catalog())
        .expect("evaluates");
    assert!(clean.findings.iter().all(|f| f.rule_id != "PLT-001"));

    let mut value = Base::Hipaa.value();
    set(
        &mut value,
        "/tenant/display_name",
        json!("Cedar Valley TEST"),
    );
    set(
        &mut value,
        "/handoff/configuration_doc",
        json!("https://wiki.example/cvh"),
    );
    let doc: TenantDocument = serde_json::from_value(value).expect("doc");
    let evaluation = pack.evaluate(&doc, common::catalog()).expect("evaluates");
    let finding = evaluation
        .findings
        .iter()
        .find(|f| f.rule_id == "PLT-001")
        .expect("fires");
    assert_eq!(finding.path, "/tenant/display_name");
    assert!(finding.message.contains("Cedar Valley TEST"));
    assert!(evaluation
        .missing
        .iter()
        .any(|m| m.requirement_id == "PLT-R01" && m.step == Step::Handoff));
    // The bundled rules keep working next to it.
    assert!(bundled
        .evaluate(&doc, common::catalog())
        .expect("evaluates")
        .findings
        .iter()
        .all(|f| f.rule_id != "PLT-001"));
}

#[test]
fn a_syntax_error_names_the_file() {
    let dir = dir_with(&[(
        "broken.rego",
        "package tenantry.policy\n\nfindings contains {\"rule\": \"X\" if {\n",
    )]);
    match PolicyPack::from_dir(dir.path()) {
        Err(error @ PolicyError::Compile { .. }) => {
            let PolicyError::Compile { file, .. } = &error else {
                unreachable!()
            };
            assert!(file.ends_with("broken.rego"), "{file}");
            assert!(error.to_string().contains("broken.rego"), "{error}");
        }
        other => panic!("expected a compile error, got {other:?}"),
    }
}

#[test]
fn an_undefined_function_names_the_file() {
    let dir = dir_with(&[(
        "typo.rego",
        "package tenantry.policy\n\nfindings contains {\"rule\": \"TEN-001\", \"path\": \"/\", \"message\": m} if m := no_such_function(doc)\n",
    )]);
    // Rego resolves functions lazily; the pack is smoke-evaluated when it is built, so a
    // rule that always runs fails here, naming the file and line.
    let error = PolicyPack::from_dir(dir.path()).expect_err("does not compile");
    assert!(
        matches!(&error, PolicyError::Compile { file, .. } if file.ends_with("typo.rego")),
        "{error:?}"
    );
    assert!(error.to_string().contains("no_such_function"), "{error}");
}

#[test]
fn an_error_in_a_rarely_taken_branch_names_the_file_when_it_runs() {
    let dir = dir_with(&[(
        "late.rego",
        "package tenantry.policy\n\nfindings contains {\"rule\": \"TEN-001\", \"path\": \"/\", \"message\": m} if {\n\tcount(doc.overrides) > 0\n\tm := no_such_function(doc)\n}\n",
    )]);
    let pack = PolicyPack::from_dir(dir.path()).expect("the smoke evaluation has no overrides");
    let error = pack
        .evaluate(&Base::Hipaa.document(), common::catalog())
        .expect_err("fails when the branch runs");
    assert!(matches!(error, PolicyError::Evaluation { .. }), "{error:?}");
    assert!(error.to_string().contains("late.rego:"), "{error}");
}

#[test]
fn a_finding_without_metadata_is_an_error_naming_the_rule() {
    let dir = dir_with(&[(
        "orphan.rego",
        "package tenantry.policy\n\nfindings contains {\"rule\": \"PLT-404\", \"path\": \"/tenant\", \"message\": \"orphan\"} if true\n",
    )]);
    let pack = PolicyPack::from_dir(dir.path()).expect("compiles");
    let error = pack
        .evaluate(&Base::Gdpr.document(), common::catalog())
        .expect_err("unknown rule");
    assert!(
        matches!(&error, PolicyError::UnknownRule { rule_id } if rule_id == "PLT-404"),
        "{error:?}"
    );
    assert!(error.to_string().contains("PLT-404"));
}

#[test]
fn a_missing_item_without_metadata_is_an_error_naming_the_requirement() {
    let dir = dir_with(&[(
        "orphan.rego",
        "package tenantry.policy\n\nmissing contains {\"requirement\": \"PLT-R404\", \"path\": \"/\", \"message\": \"x\"} if true\n",
    )]);
    let pack = PolicyPack::from_dir(dir.path()).expect("compiles");
    let error = pack
        .evaluate(&Base::Gdpr.document(), common::catalog())
        .expect_err("unknown requirement");
    assert!(error.to_string().contains("PLT-R404"), "{error}");
}

#[test]
fn invalid_metadata_names_the_rule() {
    let dir = dir_with(&[(
        "bad-meta.rego",
        r#"package tenantry.policy

rules["PLT-002"] := {"severity": "fatal", "step": "tenant", "title": "t", "remediation": "r", "source": "s", "applies_when": "always"}
"#,
    )]);
    let error = PolicyPack::from_dir(dir.path()).expect_err("bad severity");
    assert!(
        matches!(&error, PolicyError::InvalidMetadata { rule_id, .. } if rule_id == "PLT-002"),
        "{error:?}"
    );
    let dir = dir_with(&[(
        "bad-step.rego",
        r#"package tenantry.policy

rules["PLT-003"] := {"severity": "error", "step": "step13", "title": "t", "remediation": "r", "source": "s", "applies_when": "always"}
"#,
    )]);
    let error = PolicyPack::from_dir(dir.path()).expect_err("bad step");
    assert!(error.to_string().contains("PLT-003") && error.to_string().contains("step13"));
}

#[test]
fn another_package_is_refused_by_name() {
    let dir = dir_with(&[("other.rego", "package platform.extra\n\nx := 1\n")]);
    let error = PolicyPack::from_dir(dir.path()).expect_err("wrong package");
    assert!(
        matches!(&error, PolicyError::WrongPackage { file, .. } if file.ends_with("other.rego")),
        "{error:?}"
    );
}

#[test]
fn redefining_a_bundled_rule_differently_is_refused() {
    let dir = dir_with(&[(
        "override.rego",
        r#"package tenantry.policy

rules["AI-002"] := {"severity": "warning", "step": "ai", "title": "t", "remediation": "r", "source": "s", "applies_when": "always"}
"#,
    )]);
    assert!(PolicyPack::from_dir(dir.path()).is_err());
}

#[test]
fn a_missing_directory_is_a_read_error() {
    let error = PolicyPack::from_dir(Path::new("/nonexistent/tenantry-policies"))
        .expect_err("no such directory");
    assert!(matches!(error, PolicyError::Read { .. }), "{error:?}");
    assert!(error.to_string().contains("/nonexistent/tenantry-policies"));
}

#[test]
fn an_empty_directory_gives_the_bundled_pack() {
    let dir = dir_with(&[]);
    let pack = PolicyPack::from_dir(dir.path()).expect("pack");
    assert_eq!(pack.rules(), PolicyPack::bundled().rules());
}

/// An added file is split and remembered like a bundled one: what it reads through
/// `doc`, `data` or a `with` is followed (or the rule reads everything), and the
/// incremental result is always the full one.
#[test]
fn added_rules_are_evaluated_incrementally_with_the_full_result() {
    let dir = dir_with(&[
        ("platform.rego", PLATFORM_RULE),
        (
            "indirect.rego",
            r#"
package tenantry.policy

rules["PLT-002"] := {
	"severity": "error",
	"step": "ai",
	"title": "Budgets over a million cents are approved",
	"remediation": "Lower the budget.",
	"source": "Budgets are approved.",
	"applies_when": "always",
}

findings contains {"rule": "PLT-002", "path": "/ai/monthly_budget_cents", "message": "too high"} if {
	data.tenantry.policy.doc.ai.monthly_budget_cents > 1000000
}

findings contains {"rule": "PLT-002", "path": "/ai", "message": "regulated and too high"} if {
	regulated with input.document.classification.regulations as ["hipaa"]
	budget_of(input.document) > 2000000
}

budget_of(d) := d.ai.monthly_budget_cents
"#,
        ),
    ]);
    let pack = PolicyPack::from_dir(dir.path()).expect("builds");
    assert!(
        pack.evaluation_groups() > 10,
        "{}",
        pack.evaluation_groups()
    );
    let mut value = Base::Hipaa.value();
    let mut fired = Vec::new();
    for (budget, name) in [
        (10_000, "Acme"),
        (10_000, "Acme test"),
        (1_500_000, "Acme test"),
        (2_500_000, "Acme test"),
        (2_500_000, "Acme"),
        (10_000, "Acme"),
    ] {
        set(&mut value, "/ai/monthly_budget_cents", json!(budget));
        set(&mut value, "/tenant/display_name", json!(name));
        let doc: TenantDocument = serde_json::from_value(value.clone()).expect("document");
        let incremental = pack.evaluate(&doc, common::catalog()).expect("evaluates");
        let full = pack
            .evaluate_full(&doc, common::catalog())
            .expect("evaluates");
        assert_eq!(incremental, full, "budget {budget}, name {name}");
        fired.push(
            incremental
                .findings
                .iter()
                .filter(|finding| finding.rule_id.starts_with("PLT-"))
                .map(|finding| finding.path.clone())
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(
        fired,
        [
            vec![],
            vec!["/tenant/display_name".to_owned()],
            // Sorted by step: the tenant step comes before the AI step.
            vec![
                "/tenant/display_name".to_owned(),
                "/ai/monthly_budget_cents".to_owned()
            ],
            vec![
                "/tenant/display_name".to_owned(),
                "/ai".to_owned(),
                "/ai/monthly_budget_cents".to_owned()
            ],
            vec!["/ai".to_owned(), "/ai/monthly_budget_cents".to_owned()],
            vec![],
        ]
    );
}
