//! `tenantry schema` describes the documents Tenantry accepts: every example shipped
//! in the repository validates against it, and broken documents do not.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use tenantry_core::tenant::file::{self, Format};

fn tenantry(args: &[&str]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_tenantry"))
        .args(args)
        .output()
        .expect("run tenantry");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

fn validator() -> jsonschema::Validator {
    let schema = tenantry(&["schema"]);
    assert_eq!(
        schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "a 2020-12 schema"
    );
    jsonschema::validator_for(&schema).expect("a valid JSON Schema")
}

fn problems(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
}

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tenants");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| Format::from_path(path).is_some())
        .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_example_validates_against_the_schema() {
    let validator = validator();
    let files = examples();
    for format in Format::ALL {
        assert!(
            files
                .iter()
                .any(|path| Format::from_path(path) == Some(format)),
            "no {format} example under examples/tenants"
        );
    }
    for path in &files {
        let value = file::load_value(path).unwrap_or_else(|error| panic!("{error}"));
        let found = problems(&validator, &value);
        assert!(found.is_empty(), "{}: {found:#?}", path.display());
        // And the loader agrees with the schema.
        file::load_document(path).unwrap_or_else(|error| panic!("{error}"));
    }
}

#[test]
fn the_same_example_reads_the_same_in_every_format() {
    let files = examples();
    for json in files
        .iter()
        .filter(|path| Format::from_path(path) == Some(Format::Json))
    {
        let expected = file::load_document(json).expect("JSON example");
        for format in [Format::Toml, Format::Yaml] {
            let twin = json.with_extension(format.extension());
            if twin.exists() {
                let document = file::load_document(&twin).expect("twin example");
                assert_eq!(
                    document,
                    expected,
                    "{} differs from {}: run python3 scripts/tenant-examples.py",
                    twin.display(),
                    json.display()
                );
            }
        }
    }
}

#[test]
fn new_documents_validate_against_the_schema_in_every_format() {
    let validator = validator();
    let dir = tempfile::tempdir().expect("temp dir");
    for format in ["json", "yaml", "toml"] {
        let output = Command::new(env!("CARGO_BIN_EXE_tenantry"))
            .args(["new", "--name", "Acme Health", "--industry", "healthcare"])
            .args(["--regulation", "hipaa", "--format", format])
            .output()
            .expect("run tenantry");
        assert!(output.status.success());
        let path = dir.path().join(format!("new.{format}"));
        std::fs::write(&path, &output.stdout).expect("write");
        let value = file::load_value(&path).unwrap_or_else(|error| panic!("{error}"));
        let found = problems(&validator, &value);
        assert!(found.is_empty(), "{format}: {found:#?}");
    }
}

#[test]
fn the_schema_rejects_broken_documents() {
    let validator = validator();
    let document = tenantry(&["new", "--name", "Acme Health", "--industry", "healthcare"]);
    assert!(problems(&validator, &document).is_empty());
    let breakages: [(&str, Value); 6] = [
        ("/ai/monthly_budget_usd", json!(100)),
        ("/ai/monthly_budget_cents", json!("lots")),
        ("/classification/regulations", json!(["hipa"])),
        ("/tenant/id", json!("acme")),
        ("/tenant/slug", json!("Acme Health")),
        ("/schema_version", json!(-1)),
    ];
    for (pointer, value) in breakages {
        let mut broken = document.clone();
        let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
        broken
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .expect("parent object")
            .insert(key.to_owned(), value);
        let found = problems(&validator, &broken);
        assert!(!found.is_empty(), "{pointer} was accepted");
    }
    let mut missing = document.clone();
    missing.as_object_mut().expect("object").remove("tenant");
    assert!(!problems(&validator, &missing).is_empty());
}

// ---------------------------------------------------------------------------------
// validate, progress, new, catalog show, policy list: the real binary on real files.

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(args: &[&std::ffi::OsStr]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_tenantry"))
        .args(args)
        .env_remove("TENANTRY_DATA_DIR")
        .env_remove("TENANTRY_DATABASE_URL")
        .output()
        .expect("run tenantry");
    let run = Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

macro_rules! tenantry {
    ($($arg:expr),* $(,)?) => {
        run(&[$(std::ffi::OsStr::new(&$arg)),*])
    };
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/tenants")
        .join(name)
}

fn hipaa_example() -> Value {
    file::load_value(&example("healthcare-hipaa.json")).expect("the HIPAA example")
}

/// Writes `document` as `name` (JSON, or YAML by extension) in `dir`.
fn write(dir: &Path, name: &str, document: &Value) -> PathBuf {
    let path = dir.join(name);
    let json = serde_json::to_string_pretty(document).expect("json");
    let text = match Format::from_path(&path) {
        Some(Format::Json) => json,
        // Block-style YAML for a valid document; an invalid one as JSON, which YAML
        // reads as well.
        Some(Format::Yaml) => file::document_from_value(document.clone())
            .ok()
            .and_then(|typed| file::render_document(&typed, Format::Yaml).ok())
            .unwrap_or(json),
        other => panic!("no writer for {other:?}"),
    };
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn validate_passes_the_shipped_examples_in_every_format() {
    for path in examples() {
        let run = tenantry!("validate", path);
        assert_eq!(
            run.code,
            Some(0),
            "{}: {}{}",
            path.display(),
            run.stdout,
            run.stderr
        );
        let last = run.stdout.lines().last().expect("a summary");
        assert!(last.starts_with("0 errors, "), "{last}");
        assert!(last.ends_with(&format!(" in {}", path.display())), "{last}");
        assert!(run.stderr.is_empty(), "{}", run.stderr);
    }
}

#[test]
fn a_hipaa_tenant_with_a_model_not_eligible_for_hipaa_fails_until_fixed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut document = hipaa_example();
    document["ai"]["allowed_models"]
        .as_array_mut()
        .expect("a list")
        .push(json!("atlas-small"));
    for name in ["hipaa.json", "hipaa.yaml"] {
        let path = write(dir.path(), name, &document);
        let run = tenantry!("validate", path);
        assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.is_empty(),
            "findings are a result, not an error: {}",
            run.stderr
        );
        for part in [
            "Step 6 · Configure AI behaviour",
            "error",
            "AI-002",
            "/ai/allowed_models/1",
            "'atlas-small'",
            "HIPAA",
            "Fix: ",
        ] {
            assert!(
                run.stdout.contains(part),
                "{part:?} missing from:\n{}",
                run.stdout
            );
        }
        assert!(
            run.stdout
                .ends_with(&format!("1 error, 0 warnings in {}\n", path.display())),
            "{}",
            run.stdout
        );

        let run = tenantry!("validate", path, "--format", "json");
        assert_eq!(run.code, Some(1));
        let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
        assert_eq!(report["valid"], false);
        assert_eq!(report["file"], path.display().to_string());
        let findings = report["findings"].as_array().expect("findings");
        assert!(findings.iter().any(|finding| finding["rule_id"] == "AI-002"
            && finding["severity"] == "error"
            && finding["path"] == "/ai/allowed_models/1"
            && finding["message"]
                .as_str()
                .is_some_and(|m| m.contains("atlas-small"))));
    }

    // The fix: take the model out again.
    let fixed = write(dir.path(), "hipaa.json", &hipaa_example());
    let run = tenantry!("validate", fixed);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let run = tenantry!("validate", fixed, "--format", "json");
    assert_eq!(run.code, Some(0));
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["valid"], true);
}

#[test]
fn a_hipaa_tenant_with_a_vendor_without_a_baa_fails_until_fixed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut document = hipaa_example();
    let tenant = document["tenant"]["id"].as_str().expect("an id").to_owned();
    let integrations = document["integrations"].as_array_mut().expect("a list");
    let index = integrations.len();
    integrations.push(json!({
        "vendor": "stripe",
        "purpose": "Card payments for co-pays",
        "secret_ref": format!("secret://tenants/{tenant}/stripe/api-key"),
        "enabled": true,
    }));
    let path = write(dir.path(), "hipaa-vendor.yaml", &document);
    let run = tenantry!("validate", path);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let pointer = format!("/integrations/{index}/vendor");
    for part in [
        "Step 7 · Configure integrations",
        "INT-003",
        &pointer,
        "'stripe'",
        "hipaa_baa",
    ] {
        assert!(
            run.stdout.contains(part),
            "{part:?} missing from:\n{}",
            run.stdout
        );
    }
    let run = tenantry!("validate", path, "--format", "json");
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["valid"], false);
    assert!(report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|finding| finding["rule_id"] == "INT-003" && finding["path"] == pointer.as_str()));

    let fixed = write(dir.path(), "hipaa-vendor.yaml", &hipaa_example());
    assert_eq!(tenantry!("validate", fixed).code, Some(0));
}

#[test]
fn justified_and_unjustified_warnings_do_not_fail_validation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fintech = file::load_value(&example("fintech-pci.json")).expect("example");
    let run = tenantry!("validate", example("fintech-pci.json"));
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(run.stdout.contains("Justified: "), "{}", run.stdout);
    assert!(run.stdout.contains("(2 justified)"), "{}", run.stdout);

    let mut unjustified = fintech.clone();
    unjustified["justifications"] = json!({});
    let path = write(dir.path(), "fintech.json", &unjustified);
    let run = tenantry!("validate", path);
    assert_eq!(run.code, Some(0), "warnings alone pass: {}", run.stdout);
    assert!(run.stdout.contains("(0 justified)"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("Or accept it with a written reason in justifications."),
        "{}",
        run.stdout
    );
}

#[test]
fn new_documents_round_trip_through_validate_and_progress() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases: [(&str, &[&str]); 4] = [
        ("healthcare", &["hipaa"]),
        ("financial_services", &["pci_dss", "soc2"]),
        ("retail", &["gdpr"]),
        ("other", &[]),
    ];
    for (industry, regulations) in cases {
        for format in ["json", "yaml", "toml"] {
            let mut args = vec![
                "new",
                "--name",
                "Zoë & Co. Health",
                "--industry",
                industry,
                "--format",
                format,
            ];
            for regulation in regulations {
                args.extend(["--regulation", regulation]);
            }
            let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
            let new = run(&args);
            assert_eq!(new.code, Some(0), "{}", new.stderr);
            let path = dir.path().join(format!("{industry}.{format}"));
            std::fs::write(&path, &new.stdout).expect("write");
            let document = file::load_document(&path).unwrap_or_else(|error| panic!("{error}"));
            assert_eq!(document.tenant.slug.as_str(), "zoe-co-health");

            let run = tenantry!("validate", path);
            assert!(
                matches!(run.code, Some(0 | 1)),
                "{industry}/{format}: {run:?}",
                run = run.stderr
            );
            assert!(run.stderr.is_empty(), "{}", run.stderr);
            let run = tenantry!("validate", path, "--format", "json");
            let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
            assert_eq!(report["valid"].as_bool(), Some(run.code == Some(0)));

            let run = tenantry!("progress", path);
            assert_eq!(run.code, Some(0), "{}", run.stderr);
            assert!(
                run.stdout.contains("Staging: not yet, because:"),
                "{}",
                run.stdout
            );
            assert!(
                run.stdout.contains("Production: not yet, because:"),
                "{}",
                run.stdout
            );
        }
    }
}

#[test]
fn new_refuses_a_bad_name_with_the_cores_message_and_a_bad_industry_as_usage() {
    let run = tenantry!("new", "--name", "   ", "--industry", "retail");
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stderr, "error: --name: Enter the client's name.\n");
    assert!(run.stdout.is_empty());
    let run = tenantry!("new", "--name", "Acme\tHealth", "--industry", "retail");
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("control character (U+0009)"),
        "{}",
        run.stderr
    );
    let run = tenantry!("new", "--name", "Acme", "--industry", "crypto");
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("invalid value 'crypto' for '--industry <INDUSTRY>'"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("[possible values: healthcare, financial_services"),
        "{}",
        run.stderr
    );
    let run = tenantry!(
        "new",
        "--name",
        "Acme",
        "--industry",
        "retail",
        "--regulation",
        "hipa"
    );
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("unknown regulation `hipa`, expected one of `hipaa`"),
        "{}",
        run.stderr
    );
}

#[test]
fn files_that_cannot_be_read_are_clear_errors_with_exit_code_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = dir.path().join("tenant.txt");
    std::fs::write(&text, "{}").expect("write");
    let oversized = dir.path().join("huge.json");
    std::fs::File::create(&oversized)
        .and_then(|file| file.set_len(5 * 1024 * 1024))
        .expect("a 5 MiB file");
    let garbage = dir.path().join("garbage.yaml");
    std::fs::write(
        &garbage,
        [
            0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0xFF, 0x00, 0xC3,
        ],
    )
    .expect("write");
    let mut unknown = hipaa_example();
    unknown["ai"]["monthly_budget_usd"] = json!(1500);
    let unknown_field = write(dir.path(), "unknown.yaml", &unknown);
    let mut future = hipaa_example();
    future["schema_version"] = json!(2);
    let future = write(dir.path(), "future.json", &future);
    let malformed = dir.path().join("malformed.toml");
    std::fs::write(&malformed, "schema_version = 1\n[classification\n").expect("write");

    let cases: Vec<(PathBuf, String)> = vec![
        (text.clone(), format!("error: cannot tell the format of {}: name the file *.json, *.toml, *.yaml or *.yml\n", text.display())),
        (dir.path().join("missing.json"), format!("error: there is no file {}; check the path\n", dir.path().join("missing.json").display())),
        (oversized.clone(), format!("error: {}: the file is 5 MiB (5242880 bytes), over the limit of 1 MiB", oversized.display())),
        (garbage.clone(), format!("error: {}: the document is not UTF-8 text: the byte at offset 0 (line 1, column 1) is not valid UTF-8 (a UTF-16 file, or not text at all?)", garbage.display())),
        (unknown_field.clone(), format!("error: {}: /ai/monthly_budget_usd: unknown field `monthly_budget_usd`", unknown_field.display())),
        (future.clone(), format!("error: {}: /schema_version is 2, but this version of Tenantry reads schema version 1", future.display())),
        (malformed.clone(), format!("error: {}: line 2, column 16: invalid TOML (unclosed table, expected `]`)", malformed.display())),
    ];
    for (path, expected) in cases {
        for command in ["validate", "progress"] {
            for format in ["text", "json"] {
                let run = tenantry!(command, path, "--format", format);
                assert_eq!(
                    run.code,
                    Some(1),
                    "{command} {}: {}",
                    path.display(),
                    run.stderr
                );
                assert!(run.stdout.is_empty(), "no partial result: {}", run.stdout);
                assert!(
                    run.stderr.starts_with(&expected),
                    "{command}:\n{}\nexpected {expected}",
                    run.stderr
                );
                assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
            }
        }
    }
}

#[test]
fn progress_shows_twelve_steps_and_the_gates() {
    let run = tenantry!("progress", example("healthcare-hipaa.yaml"));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("Cedar Valley Health (cedar-valley-health), from "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("  1  Classify the client"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(" 12  Documentation and handoff"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("12 of 12 steps complete."),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Staging: ready.\nProduction: ready.\n"),
        "{}",
        run.stdout
    );

    let run = tenantry!(
        "progress",
        example("healthcare-hipaa.json"),
        "--format",
        "json"
    );
    assert_eq!(run.code, Some(0));
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let steps = report["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 12);
    assert_eq!(steps[0]["step"], "classification");
    assert_eq!(steps[0]["status"], "complete");
    assert_eq!(report["may_enter_staging"], true);
    assert!(report["file"]
        .as_str()
        .is_some_and(|file| file.ends_with("healthcare-hipaa.json")));

    // A tenant with a blocking error: the step says which rule blocks it.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut document = hipaa_example();
    document["ai"]["allowed_models"] = json!(["atlas-large-hc", "atlas-small"]);
    let path = write(dir.path(), "blocked.json", &document);
    let run = tenantry!("progress", path);
    assert_eq!(
        run.code,
        Some(0),
        "progress reports, it does not judge: {}",
        run.stderr
    );
    assert!(
        run.stdout.contains("Configure AI behaviour"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("blocked by: AI-002"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Staging: not yet, because:"),
        "{}",
        run.stdout
    );
}

#[test]
fn catalog_show_lists_services_models_vendors_and_regions() {
    let run = tenantry!("catalog", "show");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    for part in [
        "Catalog 2026.11.1 (bundled with this version of Tenantry)",
        "Services (",
        "chat: Chat  [PHI-capable]",
        "transcript_export",
        "hipaa: only false",
        "AI models (",
        "atlas-large-hc",
        "standard, gdpr, pci_dss, hipaa",
        "Vendors (",
        "hipaa_baa",
        "rejected",
        "Regions (",
        "eu-central",
    ] {
        assert!(
            run.stdout.contains(part),
            "{part:?} missing from:\n{}",
            run.stdout
        );
    }
    let run = tenantry!("catalog", "show", "--format", "json");
    let catalog: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert!(catalog["vendors"]["medpay"]["attestations"]
        .as_array()
        .is_some_and(|attestations| attestations.contains(&json!("hipaa_baa"))));

    // A catalog file replaces the bundled one; a broken one is a clear error.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut custom = catalog.clone();
    custom["version"] = json!("2027.1.0");
    custom["regions"]["ap-south"] = json!({"name": "AP South (Mumbai)", "jurisdiction": "in"});
    let path = dir.path().join("catalog.json");
    std::fs::write(&path, custom.to_string()).expect("write");
    let run = tenantry!("catalog", "show", "--catalog", path);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run
        .stdout
        .starts_with(&format!("Catalog 2027.1.0 (from {})", path.display())));
    assert!(run.stdout.contains("ap-south"));

    custom["vendors"]["medpay"]["approval"] = json!("maybe");
    std::fs::write(&path, custom.to_string()).expect("write");
    let run = tenantry!("catalog", "show", "--catalog", path);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.starts_with(&format!("error: the catalog {} is not a valid catalog: /vendors/medpay/approval: unknown variant `maybe`", path.display())), "{}", run.stderr);
    let run = tenantry!("validate", example("retail-gdpr.json"), "--catalog", path);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("is not a valid catalog"),
        "{}",
        run.stderr
    );
}

#[test]
fn policy_list_shows_every_rule_and_takes_extra_rules_from_a_directory() {
    let run = tenantry!("policy", "list");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("Step 1 · Classify the client\n  RULE"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("AI-002"), "{}", run.stdout);
    assert!(
        run.stdout.trim_end().ends_with("from the bundled pack"),
        "{}",
        run.stdout
    );
    let run = tenantry!("policy", "list", "--format", "json");
    let rules: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let rules = rules.as_array().expect("a list");
    assert!(rules.len() > 40, "{}", rules.len());
    for rule in rules {
        for key in [
            "id",
            "severity",
            "step",
            "title",
            "remediation",
            "applies_when",
        ] {
            assert!(rule.get(key).is_some(), "{key} missing in {rule}");
        }
    }

    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("acme.rego"),
        r#"package tenantry.policy

rules["ACME-001"] := {
	"severity": "error",
	"step": "ai",
	"title": "AI budgets stay under 1000 USD a month",
	"remediation": "Lower ai.monthly_budget_cents to 100000 or less.",
	"source": "Acme platform finance policy",
	"applies_when": "always",
}

findings contains {
	"rule": "ACME-001",
	"path": "/ai/monthly_budget_cents",
	"message": sprintf("the AI budget is %d cents a month", [doc.ai.monthly_budget_cents]),
} if doc.ai.monthly_budget_cents > 100000
"#,
    )
    .expect("write");
    let run = tenantry!("policy", "list", "--policy-dir", dir.path());
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("ACME-001"), "{}", run.stdout);
    let run = tenantry!(
        "validate",
        example("healthcare-hipaa.json"),
        "--policy-dir",
        dir.path()
    );
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("ACME-001  at /ai/monthly_budget_cents"),
        "{}",
        run.stdout
    );

    let run = tenantry!("policy", "list", "--policy-dir", dir.path().join("nowhere"));
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.starts_with("error: the policy pack in "),
        "{}",
        run.stderr
    );
}
