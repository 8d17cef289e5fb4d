//! `tenantry audit export` and `tenantry changeset verify BUNDLE` over a real SQLite
//! mirror: the sample healthcare client is submitted (signed) three times through the
//! binary, its history is exported as a signed audit bundle, and the bundle is checked
//! offline: on this machine, on one without a mirror (trusting a key given by hand),
//! and after one byte of it was changed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;

mod support;

use support::{assert_ok, stderr, stdout, Workspace};

/// A mirror holding the HIPAA example submitted, then raised twice.
fn with_signed_tenant() -> Workspace {
    let workspace = Workspace::new();
    let summaries = [
        "Onboard Cedar Valley Health",
        "Raise the AI budget",
        "Raise the AI budget again",
    ];
    for (index, summary) in summaries.iter().enumerate() {
        let name = format!("v{}.json", index + 1);
        let doc = workspace.document(&name, |doc| {
            if index > 0 {
                doc["ai"]["monthly_budget_cents"] = Value::from(100_000 + index * 10_000);
            }
        });
        let out = format!("{}.dsse.json", doc.display());
        assert_ok(&workspace.submit(&doc, summary, &out));
    }
    workspace
}

/// What these tests do with a workspace besides running the binary.
trait AuditWorkspace {
    fn export(&self, extra: &[&str], out: &str) -> Output;
    fn verify_json(&self, file: &str, extra: &[&str]) -> (bool, Value);
    fn public_key_hex(&self) -> String;
}

impl AuditWorkspace for Workspace {
    fn export(&self, extra: &[&str], out: &str) -> Output {
        let mut args = vec!["audit", "export", "--out", out, "--key-file", "author.key"];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// `changeset verify FILE --format json`: the exit status and the report.
    fn verify_json(&self, file: &str, extra: &[&str]) -> (bool, Value) {
        let mut args = vec!["changeset", "verify", file, "--format", "json"];
        args.extend_from_slice(extra);
        let output = self.run(&args);
        let report = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|error| panic!("{error}: {}\n{}", stdout(&output), stderr(&output)));
        (output.status.success(), report)
    }

    fn public_key_hex(&self) -> String {
        let output = self.run(&[
            "key",
            "show",
            "--key-file",
            "author.key",
            "--format",
            "json",
        ]);
        assert_ok(&output);
        let key: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        key["public_key"]["keyval"]["public"]
            .as_str()
            .expect("public key")
            .to_owned()
    }
}

/// The signed body of a bundle file, decoded.
fn body(file: &Path) -> Value {
    let outer: Value = serde_json::from_slice(&std::fs::read(file).expect("read")).expect("JSON");
    let payload = STANDARD
        .decode(outer["payload"].as_str().expect("payload"))
        .expect("base64");
    serde_json::from_slice(&payload).expect("body JSON")
}

/// The bundle file with `from` replaced by `to` in its signed body, the exporter's
/// signature kept. Edited as text: re-encoding through `Value` would reorder the keys.
fn with_body_edit(file: &Path, from: &str, to: &str, out: &Path) {
    let mut outer: Value =
        serde_json::from_slice(&std::fs::read(file).expect("read")).expect("JSON");
    let payload = STANDARD
        .decode(outer["payload"].as_str().expect("payload"))
        .expect("base64");
    let text = String::from_utf8(payload).expect("utf-8");
    assert_eq!(text.matches(from).count(), 1, "edit one place");
    outer["payload"] = STANDARD.encode(text.replace(from, to)).into();
    std::fs::write(out, serde_json::to_vec_pretty(&outer).expect("JSON")).expect("write");
}

fn problem_kinds(report: &Value) -> Vec<(String, Option<u64>)> {
    report["report"]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|problem| {
            (
                problem["kind"].as_str().expect("kind").to_owned(),
                problem["seq"].as_u64(),
            )
        })
        .collect()
}

#[test]
fn an_exported_history_verifies_offline_byte_for_byte() {
    let workspace = with_signed_tenant();
    let exported = workspace.export(&["--tenant", "cedar-valley-health"], "audit.json");
    assert_ok(&exported);
    assert!(
        stdout(&exported).contains("Exported 3 change set(s) of 1 tenant(s)"),
        "{}",
        stdout(&exported)
    );

    let text = workspace.run(&["changeset", "verify", "audit.json"]);
    assert_ok(&text);
    let shown = stdout(&text);
    assert!(shown.contains("the audit bundle verifies"), "{shown}");
    assert!(shown.contains("Raise the AI budget again"), "{shown}");

    let (valid, report) = workspace.verify_json("audit.json", &[]);
    assert!(valid, "{report}");
    assert_eq!(report["kind"], "audit-bundle");
    let report = &report["report"];
    let history = workspace.history("cedar-valley-health");
    assert_eq!(report["changesets"], 3);
    let tenant = &report["tenants"][0];
    assert_eq!(tenant["slug"], "cedar-valley-health");
    assert_eq!(tenant["head"]["seq"], 3);
    assert_eq!(tenant["head"]["hash"], history[2]["hash"]);
    assert_eq!(tenant["anchor"], Value::Null);
    for (entry, stored) in tenant["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .zip(&history)
    {
        assert_eq!(entry["hash"], stored["hash"]);
        assert_eq!(entry["author"], stored["author"]);
        assert_eq!(entry["signatures_valid"], true);
    }

    // The envelopes inside are the very bytes `submit` wrote and the mirror stored.
    let body = body(&workspace.path("audit.json"));
    for (index, listed) in body["tenants"][0]["changesets"]
        .as_array()
        .expect("changesets")
        .iter()
        .enumerate()
    {
        let carried = STANDARD
            .decode(listed["envelope"].as_str().expect("envelope"))
            .expect("base64");
        let submitted = std::fs::read(workspace.path(&format!("v{}.json.dsse.json", index + 1)))
            .expect("submitted envelope");
        assert_eq!(carried, submitted, "change set #{}", index + 1);
    }

    // Elsewhere, with no mirror: the keys the bundle carries are not trusted...
    let elsewhere = workspace.path("elsewhere");
    let untrusted = workspace.run_with_data_dir(&["changeset", "verify", "audit.json"], &elsewhere);
    assert_eq!(untrusted.status.code(), Some(1), "{}", stdout(&untrusted));
    assert!(
        stdout(&untrusted).contains("is not a trusted key"),
        "{}",
        stdout(&untrusted)
    );
    // ...until the verifier says which key it trusts.
    let key = workspace.public_key_hex();
    let trusted = workspace.run_with_data_dir(
        &["changeset", "verify", "audit.json", "--public-key", &key],
        &elsewhere,
    );
    assert_ok(&trusted);
    assert!(!elsewhere.exists(), "verifying must not create a mirror");
}

#[test]
fn one_changed_byte_fails_verification_and_names_what_broke() {
    let workspace = with_signed_tenant();
    assert_ok(&workspace.export(&[], "audit.json"));
    let original = std::fs::read(workspace.path("audit.json")).expect("read");
    let text = String::from_utf8(original.clone()).expect("utf-8");

    // One character of the exporter's signature.
    let sig_at = text.find("\"sig\": \"").expect("sig") + 8 + 40;
    let mut edited = original.clone();
    edited[sig_at] = if edited[sig_at] == b'A' { b'B' } else { b'A' };
    std::fs::write(workspace.path("sig.json"), &edited).expect("write");
    let (valid, report) = workspace.verify_json("sig.json", &[]);
    assert!(!valid);
    assert_eq!(
        problem_kinds(&report),
        vec![("bundle_signature".to_owned(), None)]
    );
    let text_report = workspace.run(&["changeset", "verify", "sig.json"]);
    assert_eq!(text_report.status.code(), Some(1));
    assert!(
        stdout(&text_report).contains("the exporter's signature")
            && stdout(&text_report).contains("does not verify"),
        "{}",
        stdout(&text_report)
    );

    // The version number.
    let version_at = text.find("\"version\": 1").expect("version") + 11;
    let mut edited = original.clone();
    edited[version_at] = b'2';
    std::fs::write(workspace.path("version.json"), &edited).expect("write");
    let (valid, report) = workspace.verify_json("version.json", &[]);
    assert!(!valid);
    assert!(
        report["error"]
            .as_str()
            .is_some_and(|error| error.contains("version 2 is not supported")),
        "{report}"
    );

    // Any one character of the signed payload, wherever it is: always refused, never
    // a crash, always with a reason.
    let payload_start = text.find("\"payload\": \"").expect("payload") + 12;
    let payload_len = text[payload_start..].find('"').expect("end");
    for step in 1..=24 {
        let at = payload_start + payload_len * step / 25;
        let mut edited = original.clone();
        edited[at] = if edited[at] == b'A' { b'B' } else { b'A' };
        std::fs::write(workspace.path("payload.json"), &edited).expect("write");
        let output = workspace.run(&["changeset", "verify", "payload.json"]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "byte {at}: {}",
            stdout(&output)
        );
        assert!(
            stdout(&output).contains('✗'),
            "byte {at}: {}",
            stdout(&output)
        );
        assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    }

    // One byte inside change set #2's envelope: both its signature and the bundle's fail.
    let body = body(&workspace.path("audit.json"));
    let listed = body["tenants"][0]["changesets"][1]["envelope"]
        .as_str()
        .expect("envelope");
    let mut envelope = STANDARD.decode(listed).expect("base64");
    let summary_at = envelope
        .windows(7)
        .position(|window| window == b"payload")
        .expect("payload")
        + 40;
    envelope[summary_at] = if envelope[summary_at] == b'A' {
        b'B'
    } else {
        b'A'
    };
    with_body_edit(
        &workspace.path("audit.json"),
        listed,
        &STANDARD.encode(&envelope),
        &workspace.path("envelope.json"),
    );
    let (valid, report) = workspace.verify_json("envelope.json", &[]);
    assert!(!valid);
    assert_eq!(
        problem_kinds(&report),
        vec![
            ("bundle_signature".to_owned(), None),
            ("envelope".to_owned(), Some(2))
        ]
    );

    // The original still verifies: nothing above touched it.
    assert!(workspace.verify_json("audit.json", &[]).0);
}

#[test]
fn a_date_range_is_anchored_on_the_change_set_before_it() {
    let workspace = with_signed_tenant();
    let history = workspace.history("cedar-valley-health");
    let second = history[1]["created_at"].as_str().expect("time").to_owned();

    assert_ok(&workspace.export(&["--from", &second], "from.json"));
    let (valid, report) = workspace.verify_json("from.json", &[]);
    assert!(valid, "{report}");
    let tenant = &report["report"]["tenants"][0];
    assert_eq!(tenant["anchor"]["seq"], 1);
    assert_eq!(tenant["anchor"]["hash"], history[0]["hash"]);
    let seqs: Vec<u64> = tenant["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| entry["seq"].as_u64().expect("seq"))
        .collect();
    assert_eq!(seqs, vec![2, 3]);

    // Only #2: the head at export is still #3.
    assert_ok(&workspace.export(&["--from", &second, "--to", &second], "only.json"));
    let (valid, report) = workspace.verify_json("only.json", &[]);
    assert!(valid, "{report}");
    let tenant = &report["report"]["tenants"][0];
    assert_eq!(report["report"]["changesets"], 1);
    assert_eq!(tenant["head"]["seq"], 3);

    // An anchor that is not the change set before the range.
    let anchored = format!(
        "\"anchor\":{{\"seq\":1,\"hash\":\"{}\"}}",
        history[0]["hash"].as_str().expect("hash")
    );
    let elsewhere = anchored.replace(
        history[0]["hash"].as_str().expect("hash"),
        history[2]["hash"].as_str().expect("hash"),
    );
    with_body_edit(
        &workspace.path("from.json"),
        &anchored,
        &elsewhere,
        &workspace.path("anchor.json"),
    );
    let (valid, report) = workspace.verify_json("anchor.json", &[]);
    assert!(!valid);
    let kinds = problem_kinds(&report);
    assert!(kinds.contains(&("anchor".to_owned(), Some(2))), "{kinds:?}");

    // A whole day that ends before anything was submitted.
    let nothing = workspace.export(&["--to", "2001-01-01"], "none.json");
    assert_eq!(nothing.status.code(), Some(1));
    assert!(
        stderr(&nothing).contains("nothing to export"),
        "{}",
        stderr(&nothing)
    );
    assert!(!workspace.path("none.json").exists());
}

#[test]
fn export_refuses_what_it_cannot_do_and_writes_nothing() {
    let workspace = with_signed_tenant();
    let cases: [(&[&str], &str); 3] = [
        (&["--tenant", "nobody"], "no tenant 'nobody'"),
        (&["--from", "last week"], "--from 'last week'"),
        (&["--from", "2026-02-01", "--to", "2026-01-01"], "is empty"),
    ];
    for (extra, expected) in cases {
        let output = workspace.export(extra, "refused.json");
        assert_eq!(output.status.code(), Some(1), "{extra:?}");
        assert!(
            stderr(&output).contains(expected),
            "{extra:?}: {}",
            stderr(&output)
        );
        assert!(!workspace.path("refused.json").exists());
    }

    // No key to sign with.
    let unsigned = workspace.run(&[
        "audit",
        "export",
        "--out",
        "unsigned.json",
        "--key-file",
        "missing.key",
    ]);
    assert_eq!(unsigned.status.code(), Some(1));
    assert!(!workspace.path("unsigned.json").exists());

    // No mirror here at all.
    let elsewhere = workspace.path("elsewhere");
    let output = workspace.run_with_data_dir(
        &[
            "audit",
            "export",
            "--out",
            "x.json",
            "--key-file",
            "author.key",
        ],
        &elsewhere,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("no mirror"), "{}", stderr(&output));
    assert!(!elsewhere.exists());

    // An --out that is a folder is refused and the folder left alone.
    std::fs::create_dir(workspace.path("folder")).expect("mkdir");
    let output = workspace.export(&[], "folder");
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("--out"), "{}", stderr(&output));
    assert!(workspace.path("folder").is_dir());
}

fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("TENANTRY_TEST_PYTHON") {
        return PathBuf::from(path);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/pyenv/bin/python");
    assert!(
        venv.is_file(),
        "securesystemslib is needed for this test: run `make test` (it creates .tools/pyenv), \
         or set TENANTRY_TEST_PYTHON to a Python with `securesystemslib[crypto]` installed"
    );
    venv
}

/// The Python verifier of docs/audit.md, as published there.
fn documented_verifier() -> String {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/audit.md"))
            .expect("docs/audit.md");
    let start = doc.find("```python\n").expect("a python block") + 10;
    let end = start + doc[start..].find("```").expect("its end");
    doc[start..end].to_owned()
}

#[test]
fn an_independent_dsse_implementation_checks_the_bundle_as_documented() {
    let workspace = with_signed_tenant();
    assert_ok(&workspace.export(&["--tenant", "cedar-valley-health"], "audit.json"));
    let script = workspace.path("verify.py");
    std::fs::write(&script, documented_verifier()).expect("write script");
    let key = workspace.public_key_hex();
    let python = |bundle: &str, keys: &[&str]| {
        Command::new(python())
            .arg(&script)
            .arg(workspace.path(bundle))
            .args(keys)
            .output()
            .expect("run python")
    };

    let verified = python("audit.json", &[&key]);
    assert_ok(&verified);
    assert_eq!(stdout(&verified).trim(), "verified");

    // Without the key trusted, or with one byte of the exporter's signature changed, no.
    assert!(!python("audit.json", &[]).status.success());
    let mut edited = std::fs::read(workspace.path("audit.json")).expect("read");
    let text = String::from_utf8(edited.clone()).expect("utf-8");
    let at = text.find("\"sig\": \"").expect("sig") + 8 + 40;
    edited[at] = if edited[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(workspace.path("edited.json"), &edited).expect("write");
    let refused = python("edited.json", &[&key]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("VerificationError"),
        "{}",
        stderr(&refused)
    );
}
