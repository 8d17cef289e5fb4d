//! `tenantry key create|show|rotate` against the real OS keyring (under `make test`, a
//! throwaway GNOME Keyring on a private D-Bus session).

use std::process::{Command, Output};

use serde_json::Value;

fn tenantry(profile: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tenantry"))
        .args(args)
        .env("TENANTRY_PROFILE", profile)
        .env_remove("TENANTRY_KEY_FILE")
        .output()
        .expect("run tenantry")
}

fn json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

#[test]
fn a_key_lives_in_the_keyring_and_rotates_with_an_endorsement() {
    let profile = format!(
        "cli-test-{}-{}",
        std::process::id(),
        tenantry_changeset::ChangeSet::new_id()
    );
    let missing = tenantry(&profile, &["key", "show"]);
    assert_eq!(missing.status.code(), Some(1));
    let message = String::from_utf8_lossy(&missing.stderr);
    assert!(message.contains("tenantry key create"), "{message}");

    let created = json(&tenantry(&profile, &["key", "create", "--format", "json"]));
    let shown = json(&tenantry(&profile, &["key", "show", "--format", "json"]));
    assert_eq!(created["key_id"], shown["key_id"]);
    assert_eq!(shown["public_key"]["keytype"], "ed25519");

    let again = tenantry(&profile, &["key", "create"]);
    assert_eq!(
        again.status.code(),
        Some(1),
        "an existing key is never replaced by create"
    );

    let rotated = json(&tenantry(&profile, &["key", "rotate", "--format", "json"]));
    assert_ne!(rotated["key_id"], created["key_id"]);
    assert_eq!(rotated["endorsement"]["old_key_id"], created["key_id"]);
    assert_eq!(
        json(&tenantry(&profile, &["key", "show", "--format", "json"]))["key_id"],
        rotated["key_id"]
    );
    tenantry_keystore::KeyringStore::new(&profile)
        .delete()
        .expect("clean up");
}
