//! Where the workspace's built binaries and test artifacts are.

use std::path::PathBuf;

/// `target/<profile>`: the directory holding this test executable's sibling binaries.
pub fn target_profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test>-<hash>
    exe.parent()
        .and_then(|deps| deps.parent())
        .map(PathBuf::from)
        .expect("test executable lives in target/<profile>/deps")
}

/// A binary built by `cargo build --workspace`; fails the test with the fix when missing.
pub fn built_binary(name: &str) -> PathBuf {
    let path = target_profile_dir().join(name);
    assert!(
        path.is_file(),
        "{} is missing: build the workspace first (`cargo build --workspace`, or `make test`)",
        path.display()
    );
    path
}

/// `target/e2e-artifacts`, created on demand: screenshots and logs worth keeping.
pub fn artifacts_dir() -> PathBuf {
    let dir = target_profile_dir()
        .parent()
        .map(|target| target.join("e2e-artifacts"))
        .expect("target directory");
    std::fs::create_dir_all(&dir).expect("create target/e2e-artifacts");
    dir
}
