//! Signed change sets through the `tenantry` binary, as a platform engineer or an
//! account manager on a train would use them: submit offline, verify the envelope on
//! disk (ours and Python's securesystemslib), history, diff, revert, verify-mirror.
//! Keys come from owner-only key files here; the OS keyring path is in `keyring.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod support;

use support::{assert_ok, stderr, stdout, Workspace};

fn python() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/pyenv/bin/python");
    std::env::var_os("TENANTRY_TEST_PYTHON")
        .map(PathBuf::from)
        .or_else(|| venv.is_file().then_some(venv))
}

const VERIFY_PY: &str = r#"
import base64, json, sys
from securesystemslib.signer import SSlibKey
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
key = SSlibKey.from_dict(sys.argv[2], json.loads(sys.argv[3]))
try:
    Envelope.from_dict(json.load(open(sys.argv[1]))).verify([key], 1)
except VerificationError:
    sys.exit(3)
"#;

#[test]
fn an_offline_submission_is_a_verifiable_envelope_on_disk_and_in_the_mirror() {
    let workspace = Workspace::new();
    let doc = workspace.document("clinic.json", |_| {});
    let submitted = workspace.submit(&doc, "Onboard Cedar Valley Health", "first.dsse.json");
    assert_ok(&submitted);
    assert!(
        stdout(&submitted).contains("queued in the outbox"),
        "{}",
        stdout(&submitted)
    );

    // Our verifier, offline, with the mirror's key registry.
    let verified = workspace.run(&["changeset", "verify", "first.dsse.json", "--format", "json"]);
    assert_ok(&verified);
    let report: Value = serde_json::from_slice(&verified.stdout).expect("JSON");
    assert_eq!(report["valid"], true);
    assert_eq!(
        report["changeset"]["summary"],
        "Onboard Cedar Valley Health"
    );

    // The same envelope is in the mirror's history.
    let history = workspace.run(&["history", "cedar-valley-health", "--format", "json"]);
    assert_ok(&history);
    let entries: Value = serde_json::from_slice(&history.stdout).expect("JSON");
    assert_eq!(entries[0]["hash"], report["hash"]);

    // Exported from the mirror, by hash or id, it is the very bytes that were signed.
    let hash = report["hash"].as_str().expect("hash");
    let exported = workspace.run(&["changeset", "export", hash]);
    assert_ok(&exported);
    let on_disk = std::fs::read(workspace.path("first.dsse.json")).expect("read");
    assert_eq!(exported.stdout, on_disk);
    let id = entries[0]["id"].as_str().expect("id");
    assert_ok(&workspace.run(&["changeset", "export", id, "--out", "again.dsse.json"]));
    assert_eq!(
        std::fs::read(workspace.path("again.dsse.json")).expect("read"),
        on_disk
    );
    let unknown = workspace.run(&["changeset", "export", "no-such-change"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("no change set 'no-such-change' in the mirror"),
        "{}",
        stderr(&unknown)
    );

    // One flipped byte in the payload: rejected, exit 1.
    let mut envelope: Value =
        serde_json::from_slice(&std::fs::read(workspace.path("first.dsse.json")).expect("read"))
            .expect("JSON");
    let payload = envelope["payload"].as_str().expect("payload").to_owned();
    let mut bytes = base64_decode(&payload);
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    envelope["payload"] = Value::String(base64_encode(&bytes));
    std::fs::write(workspace.path("flipped.dsse.json"), envelope.to_string()).expect("write");
    let rejected = workspace.run(&["changeset", "verify", "flipped.dsse.json"]);
    assert_eq!(rejected.status.code(), Some(1));
    assert!(
        stdout(&rejected).contains("does not verify"),
        "{}",
        stdout(&rejected)
    );

    // An independent DSSE implementation agrees on both.
    let python =
        python().expect("securesystemslib is needed: run `make test` (it creates .tools/pyenv)");
    let key: Value = serde_json::from_slice(
        &workspace
            .run(&[
                "key",
                "show",
                "--key-file",
                "author.key",
                "--format",
                "json",
            ])
            .stdout,
    )
    .expect("JSON");
    let keyid = key["key_id"].as_str().expect("key id");
    let keydoc = key["public_key"].to_string();
    let script = workspace.path("verify.py");
    std::fs::write(&script, VERIFY_PY).expect("script");
    for (file, expected) in [("first.dsse.json", Some(0)), ("flipped.dsse.json", Some(3))] {
        let status = Command::new(&python)
            .arg(&script)
            .arg(workspace.path(file))
            .arg(keyid)
            .arg(&keydoc)
            .status()
            .expect("run python");
        assert_eq!(status.code(), expected, "securesystemslib on {file}");
    }
}

#[test]
fn a_document_the_policy_blocks_is_not_submitted() {
    let workspace = Workspace::new();
    let doc = workspace.document("bad.json", |doc| {
        doc["ai"]["allowed_models"]
            .as_array_mut()
            .expect("array")
            .push(Value::String("openweights-7b".into()));
    });
    let refused = workspace.submit(&doc, "Add a shared model", "never.dsse.json");
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stdout(&refused).contains("Not submitted"),
        "{}",
        stdout(&refused)
    );
    assert!(
        stdout(&refused).contains("/ai/allowed_models/"),
        "{}",
        stdout(&refused)
    );
    assert!(!workspace.path("never.dsse.json").exists());
    let history = workspace.run(&["history", "cedar-valley-health"]);
    assert_eq!(history.status.code(), Some(1), "nothing was recorded");
}

#[test]
fn history_diff_revert_and_verify_mirror() {
    let workspace = Workspace::new();
    let first = workspace.document("v1.json", |_| {});
    assert_ok(&workspace.submit(&first, "Onboard", "1.dsse.json"));
    let second = workspace.document("v2.json", |doc| {
        doc["ai"]["monthly_budget_cents"] = Value::from(160_000);
    });
    assert_ok(&workspace.submit(&second, "Raise the AI budget", "2.dsse.json"));

    let diff = workspace.run(&["diff", "cedar-valley-health", "1", "2"]);
    assert_ok(&diff);
    assert!(
        stdout(&diff).contains("[step 6] ai › monthly budget cents: 150000 → 160000"),
        "{}",
        stdout(&diff)
    );

    let envelope: Value =
        serde_json::from_slice(&std::fs::read(workspace.path("2.dsse.json")).expect("read"))
            .expect("JSON");
    let payload: Value = serde_json::from_slice(&base64_decode(
        envelope["payload"].as_str().expect("payload"),
    ))
    .expect("JSON");
    let id = payload["id"].as_str().expect("id");
    let reverted = workspace.run(&["revert", id, "--key-file", "author.key"]);
    assert_ok(&reverted);
    let diff = workspace.run(&["diff", "cedar-valley-health", "1", "3"]);
    assert!(
        stdout(&diff).contains("No differences between version 1 and 3"),
        "{}",
        stdout(&diff)
    );

    // Reverting the same change again would undo an undo that no longer applies.
    let again = workspace.run(&["revert", id, "--key-file", "author.key"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("later changes touched the same fields"),
        "{}",
        stderr(&again)
    );

    let verified = workspace.run(&["verify-mirror"]);
    assert_ok(&verified);
    assert!(
        stdout(&verified).contains("3 change set(s)"),
        "{}",
        stdout(&verified)
    );
}

#[test]
fn a_key_file_others_can_read_is_refused() {
    let workspace = Workspace::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            workspace.path("author.key"),
            std::fs::Permissions::from_mode(0o644),
        )
        .expect("chmod");
    }
    let doc = workspace.document("clinic.json", |_| {});
    let refused = workspace.submit(&doc, "Onboard", "x.dsse.json");
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("chmod 600"),
        "{}",
        stderr(&refused)
    );
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64")
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
