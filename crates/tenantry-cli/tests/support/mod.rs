//! What the CLI's integration tests share: a temporary workspace with its own data
//! directory and an owner-only key file, the `tenantry` binary run in it, and copies of
//! the shipped HIPAA example to submit. Each test file uses the parts it needs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    /// An empty workspace with a signing key in `author.key`.
    pub fn new() -> Self {
        let workspace = Self {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        assert_ok(&workspace.run(&["key", "create", "--key-file", "author.key"]));
        workspace
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `tenantry ARGS` in the workspace, on its own SQLite mirror.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_data_dir(args, &self.path("data"))
    }

    /// `tenantry ARGS` in the workspace with another data directory (another machine).
    pub fn run_with_data_dir(&self, args: &[&str], data_dir: &Path) -> Output {
        Command::new(env!("CARGO_BIN_EXE_tenantry"))
            .args(args)
            .current_dir(self.dir.path())
            .env("TENANTRY_DATA_DIR", data_dir)
            .env_remove("TENANTRY_DATABASE_URL")
            .env_remove("TENANTRY_KEY_FILE")
            .output()
            .expect("run tenantry")
    }

    /// A copy of the HIPAA example, edited by `edit`.
    pub fn document(&self, name: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
        let example = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/tenants/healthcare-hipaa.json");
        let mut doc: Value =
            serde_json::from_slice(&std::fs::read(example).expect("example")).expect("JSON");
        edit(&mut doc);
        let path = self.path(name);
        std::fs::write(&path, serde_json::to_vec_pretty(&doc).expect("JSON")).expect("write");
        path
    }

    /// `tenantry submit FILE` signed with `author.key`, the envelope written to `out`.
    pub fn submit(&self, file: &Path, summary: &str, out: &str) -> Output {
        self.run(&[
            "submit",
            file.to_str().expect("utf-8"),
            "--summary",
            summary,
            "--key-file",
            "author.key",
            "--out",
            out,
        ])
    }
}

impl Workspace {
    /// `tenantry history TENANT --format json`, parsed.
    pub fn history(&self, tenant: &str) -> Vec<Value> {
        let output = self.run(&["history", tenant, "--format", "json"]);
        assert_ok(&output);
        serde_json::from_slice(&output.stdout).expect("JSON")
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn assert_ok(output: &Output) {
    assert!(
        output.status.success(),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
}
