//! The reference server and the CLI as the end-to-end tests use them: a real
//! `tenantry-server` on a free loopback port over a fresh SQLite file, with an admin
//! bootstrapped from a key file, and `tenantry` runs on a data directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;

use crate::process::{free_port, wait_for_port, Background};
use crate::workspace::{artifacts_dir, built_binary};

/// Runs the `tenantry` CLI on the mirror in `data_dir`, with `env` and no server settings
/// inherited from the caller.
pub fn tenantry(data_dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(built_binary("tenantry"));
    command
        .args(args)
        .env("TENANTRY_DATA_DIR", data_dir)
        .env_remove("TENANTRY_DATABASE_URL")
        .env_remove("TENANTRY_SERVER_URL")
        .env_remove("TENANTRY_SERVER_TOKEN");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run tenantry")
}

pub fn ok_json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// The reference server on a free loopback port over a fresh SQLite file in `work`, with
/// an admin whose key is in `admin_key` (a key file); its log is `<name>-server.log`. Returns the server, its URL and the
/// admin's token.
pub fn start_server(name: &str, work: &Path, admin_key: &Path) -> (Background, String, String) {
    let public = ok_json(&tenantry(
        work,
        &[],
        &[
            "key",
            "show",
            "--key-file",
            admin_key.to_str().expect("utf-8"),
            "--format",
            "json",
        ],
    ))["public_key"]["keyval"]["public"]
        .as_str()
        .expect("hex")
        .to_owned();
    let database = format!("sqlite://{}", work.join("server.db").display());
    let bootstrap = Command::new(built_binary("tenantry-server"))
        .args([
            "bootstrap-admin",
            "--name",
            "Admin",
            "--public-key",
            &public,
        ])
        .args(["--database-url", &database])
        .output()
        .expect("bootstrap-admin");
    assert!(bootstrap.status.success(), "{bootstrap:?}");
    let token = String::from_utf8_lossy(&bootstrap.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("token: ").map(str::to_owned))
        .expect("an admin token");
    let port = free_port();
    let log: PathBuf = artifacts_dir()
        .join("logs")
        .join(format!("{name}-server.log"));
    std::fs::create_dir_all(log.parent().expect("dir")).expect("log dir");
    let mut command = Command::new(built_binary("tenantry-server"));
    // The desktop harness signs for organisation "org-e2e"; so does this server.
    command.args([
        "serve",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--database-url",
        &database,
        "--organisation",
        "org-e2e",
    ]);
    let server = Background::spawn("tenantry-server", &mut command, &log);
    assert!(
        wait_for_port(port, Duration::from_secs(20)),
        "the server did not listen (log: {})",
        log.display()
    );
    (server, format!("http://127.0.0.1:{port}"), token)
}
