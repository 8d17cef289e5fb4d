//! The core crates must build on a server with no desktop stack: no tauri, GTK or web
//! view anywhere in their dependency trees.

use std::process::Command;

const DESKTOP_CRATES: [&str; 6] = ["tauri", "wry", "tao", "gtk", "webkit2gtk", "javascriptcore"];

fn normal_dependencies(package: &str) -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree", "--edges", "normal", "--prefix", "none", "--format", "{p}", "-p", package,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect()
}

fn assert_headless(package: &str) {
    let dependencies = normal_dependencies(package);
    assert!(
        dependencies.len() > 3,
        "cargo tree listed too little for {package}: {dependencies:?}"
    );
    let offending: Vec<_> = dependencies
        .iter()
        .filter(|name| {
            DESKTOP_CRATES
                .iter()
                .any(|desktop| *name == desktop || name.starts_with(&format!("{desktop}-")))
        })
        .collect();
    assert!(
        offending.is_empty(),
        "{package} depends on desktop crates: {offending:?}"
    );
}

#[test]
fn tenantry_core_has_no_desktop_dependency() {
    assert_headless("tenantry-core");
}

#[test]
fn tenantry_forms_has_no_desktop_dependency() {
    assert_headless("tenantry-forms");
}

#[test]
fn tenantry_store_has_no_desktop_dependency() {
    assert_headless("tenantry-store");
}

#[test]
fn tenantry_cli_has_no_desktop_dependency() {
    assert_headless("tenantry-cli");
}

#[test]
fn the_other_core_crates_have_no_desktop_dependency() {
    for package in [
        "tenantry-changeset",
        "tenantry-policy",
        "tenantry-keystore",
        "tenantry-workflow",
        "tenantry-server",
    ] {
        assert_headless(package);
    }
}

#[test]
fn the_desktop_shell_does_depend_on_tauri() {
    // Proves the check above can see a desktop crate when one is there.
    assert!(normal_dependencies("tenantry-desktop")
        .iter()
        .any(|name| name == "tauri"));
}

#[test]
fn tenantry_sync_has_no_desktop_dependency() {
    assert_headless("tenantry-sync");
}
