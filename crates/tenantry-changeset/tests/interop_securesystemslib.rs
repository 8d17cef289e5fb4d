//! An independent DSSE implementation accepts our envelopes: Python's securesystemslib
//! (from PyPI, installed into .tools/pyenv by `make test`) verifies a signed change set,
//! and rejects it after one flipped payload byte, as our own verifier does.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use tenantry_changeset::changeset::{ChangeSet, Environment, CHANGESET_SCHEMA_VERSION};
use tenantry_changeset::{Envelope, Operation, SigningKey};
use tenantry_core::tenant::TenantId;
use tenantry_core::Timestamp;

const VERIFY_PY: &str = r#"
import json, sys
from securesystemslib.signer import SSlibKey
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
key_doc = json.load(open(sys.argv[2]))
key = SSlibKey.from_dict(key_doc["keyid"], key_doc["key"])
envelope = Envelope.from_dict(json.load(open(sys.argv[1])))
try:
    envelope.verify([key], 1)
except VerificationError as error:
    print("rejected:", error)
    sys.exit(3)
print("verified")
"#;

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

fn python_verifies(envelope: &Envelope, key: &SigningKey, dir: &Path) -> (bool, String) {
    let envelope_path = dir.join("envelope.json");
    let key_path = dir.join("key.json");
    std::fs::write(&envelope_path, envelope.to_json()).expect("write envelope");
    let key_doc =
        serde_json::json!({"keyid": key.key_id(), "key": key.public().to_securesystemslib()});
    std::fs::write(&key_path, key_doc.to_string()).expect("write key");
    let script = dir.join("verify.py");
    std::fs::write(&script, VERIFY_PY).expect("write script");
    let output = Command::new(python())
        .arg(&script)
        .arg(&envelope_path)
        .arg(&key_path)
        .output()
        .expect("run python");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    match output.status.code() {
        Some(0) => (true, text),
        Some(3) => (false, text),
        _ => panic!("the Python verifier failed to run: {text}"),
    }
}

#[test]
fn securesystemslib_accepts_our_envelope_and_rejects_a_flipped_byte() {
    let dir = std::env::temp_dir().join(format!("tenantry-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let key = SigningKey::generate().expect("key");
    let changeset = ChangeSet {
        schema_version: CHANGESET_SCHEMA_VERSION,
        id: ChangeSet::new_id(),
        organisation: "org-example".into(),
        tenant: TenantId::generate(),
        environment: Environment::Staging,
        parent: Some("0".repeat(64)),
        operations: vec![Operation::Set {
            path: "/ai/allowed_models/0".into(),
            value: serde_json::json!("atlas-large-hc"),
            old: None,
        }],
        summary: "Allow the healthcare model — für Ärzte".into(),
        justifications: Default::default(),
        author: key.key_id(),
        created_at: Timestamp::now(),
    };
    let envelope = Envelope::sign(&changeset, &key);

    let (accepted, text) = python_verifies(&envelope, &key, &dir);
    assert!(
        accepted,
        "securesystemslib rejected a valid envelope: {text}"
    );

    let mut payload = envelope.payload_bytes().expect("payload");
    let middle = payload.len() / 2;
    payload[middle] ^= 0x20;
    let mut tampered = envelope.clone();
    tampered.payload = STANDARD.encode(&payload);
    let (accepted, text) = python_verifies(&tampered, &key, &dir);
    assert!(
        !accepted,
        "securesystemslib accepted a tampered envelope: {text}"
    );
    assert!(tampered
        .verify(|id| (*id == key.key_id()).then(|| key.public()))
        .is_err());
    std::fs::remove_dir_all(&dir).ok();
}
