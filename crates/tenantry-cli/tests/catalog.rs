//! `tenantry catalog pull` and `tenantry catalog show` against the real `tenantry-server`
//! binary (build it first: `cargo build -p tenantry-server`). The token comes from
//! `TENANTRY_SERVER_TOKEN`, so no keyring is needed.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

fn server_binary() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_tenantry"))
        .parent()
        .expect("target/<profile>")
        .join("tenantry-server");
    assert!(
        path.is_file(),
        "{} is missing: build it first (`cargo build -p tenantry-server`)",
        path.display()
    );
    path
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn server(args: &[&str]) -> Output {
    Command::new(server_binary())
        .args(args)
        .env_remove("TENANTRY_SERVER_ORGANISATION")
        .env_remove("TENANTRY_SERVER_PLATFORM_KEY_FILE")
        .output()
        .expect("run tenantry-server")
}

fn field(output: &Output, name: &str) -> String {
    text(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name}: ")).map(str::to_owned))
        .unwrap_or_else(|| panic!("no {name}: {}", text(&output.stdout)))
}

struct Server {
    child: Child,
    url: String,
    token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(database: &str) -> Server {
    let admin = tenantry_changeset::SigningKey::generate().expect("key");
    let output = server(&[
        "bootstrap-admin",
        "--name",
        "Admin",
        "--public-key",
        &admin.public().to_hex(),
        "--database-url",
        database,
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let token = field(&output, "token");
    let mut child = Command::new(server_binary())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            database,
        ])
        .env_remove("TENANTRY_SERVER_ORGANISATION")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("serve");
    let stderr = child.stderr.take().expect("piped");
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Ok(event) = serde_json::from_str::<Value>(&line) {
                if let Some(address) = event["fields"]["address"].as_str() {
                    let _ = sender.send(address.to_owned());
                }
            }
        }
    });
    let address = receiver
        .recv_timeout(Duration::from_secs(60))
        .expect("the server listens");
    Server {
        child,
        url: format!("http://{address}"),
        token,
    }
}

fn tenantry(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tenantry"));
    command
        .args(args)
        .env("TENANTRY_DATA_DIR", dir.join("mirror"))
        .env_remove("TENANTRY_DATABASE_URL")
        .env_remove("TENANTRY_SERVER_URL")
        .env_remove("TENANTRY_PLATFORM_KEY")
        .env_remove("TENANTRY_ORGANISATION");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run tenantry")
}

#[test]
fn a_pulled_catalog_is_shown_and_a_rollback_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let key_file = dir.path().join("platform.key");
    let output = server(&[
        "platform-key",
        "init",
        "--key-file",
        key_file.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let platform_key = field(&output, "public_key");
    let key_id = field(&output, "key_id");

    let database = format!("sqlite://{}", dir.path().join("server.db").display());
    let running = serve(&database);
    let env = [
        ("TENANTRY_SERVER_URL", running.url.as_str()),
        ("TENANTRY_SERVER_TOKEN", running.token.as_str()),
    ];

    // Nothing held yet: the bundled catalog, shown as before.
    let shown = tenantry(dir.path(), &env, &["catalog", "show"]);
    assert!(shown.status.success(), "{}", text(&shown.stderr));
    assert!(text(&shown.stdout)
        .starts_with("Catalog 2026.11.1 (bundled with this version of Tenantry)"));

    // Nothing published yet.
    let pulled = tenantry(
        dir.path(),
        &env,
        &["catalog", "pull", "--platform-key", &platform_key],
    );
    assert_eq!(pulled.status.code(), Some(1));
    assert!(
        text(&pulled.stderr).contains("no catalog has been published"),
        "{}",
        text(&pulled.stderr)
    );

    // No key configured and no catalog held: refused, with what to do.
    let pulled = tenantry(dir.path(), &env, &["catalog", "pull"]);
    assert_eq!(pulled.status.code(), Some(1));
    assert!(
        text(&pulled.stderr).contains("TENANTRY_PLATFORM_KEY"),
        "{}",
        text(&pulled.stderr)
    );
    // Both a key and trust on first use: a usage error.
    let both = tenantry(
        dir.path(),
        &env,
        &[
            "catalog",
            "pull",
            "--platform-key",
            &platform_key,
            "--trust-on-first-use",
        ],
    );
    assert_eq!(both.status.code(), Some(2));

    let mut custom: Value =
        serde_json::from_str(tenantry_core::catalog::BUNDLED_CATALOG_JSON).expect("json");
    custom["version"] = "2027.1.0".into();
    let catalog_file = dir.path().join("catalog.json");
    std::fs::write(&catalog_file, custom.to_string()).expect("write");
    let published = server(&[
        "catalog",
        "publish",
        "--key-file",
        key_file.to_str().expect("utf-8"),
        "--catalog",
        catalog_file.to_str().expect("utf-8"),
        "--version",
        "4",
        "--database-url",
        &database,
    ]);
    assert!(published.status.success(), "{}", text(&published.stderr));

    let key_env = [
        env[0],
        env[1],
        ("TENANTRY_PLATFORM_KEY", platform_key.as_str()),
    ];
    let pulled = tenantry(
        dir.path(),
        &key_env,
        &["catalog", "pull", "--format", "json"],
    );
    assert!(pulled.status.success(), "{}", text(&pulled.stderr));
    let report: Value = serde_json::from_slice(&pulled.stdout).expect("json");
    assert_eq!(report["outcome"], "stored");
    assert_eq!(report["version"], 4);
    assert_eq!(report["key_id"], key_id.as_str());

    let shown = tenantry(dir.path(), &env, &["catalog", "show"]);
    assert!(shown.status.success(), "{}", text(&shown.stderr));
    let header = text(&shown.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(
        header.starts_with(&format!(
            "Catalog 2027.1.0 (signed catalog version 4 from {}, issued ",
            running.url
        )) && header.contains(&format!("platform key {key_id}")),
        "{header}"
    );
    let json = tenantry(dir.path(), &env, &["catalog", "show", "--format", "json"]);
    let shown: Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(shown["version"], "2027.1.0");

    // A second server on a fresh database serves version 2 with the same key: refused.
    drop(running);
    let other_database = format!("sqlite://{}", dir.path().join("other.db").display());
    let published = server(&[
        "catalog",
        "publish",
        "--key-file",
        key_file.to_str().expect("utf-8"),
        "--catalog",
        catalog_file.to_str().expect("utf-8"),
        "--version",
        "2",
        "--database-url",
        &other_database,
    ]);
    assert!(published.status.success(), "{}", text(&published.stderr));
    let other = serve(&other_database);
    let other_env = [
        ("TENANTRY_SERVER_URL", other.url.as_str()),
        ("TENANTRY_SERVER_TOKEN", other.token.as_str()),
    ];
    // Without a configured key the held catalog's key is the pin.
    let pulled = tenantry(dir.path(), &other_env, &["catalog", "pull"]);
    assert_eq!(pulled.status.code(), Some(1));
    let message = text(&pulled.stderr);
    assert!(
        message.contains("catalog version 2 is older than version 4")
            && message.contains("unchanged"),
        "{message}"
    );
    let shown = tenantry(dir.path(), &other_env, &["catalog", "show"]);
    assert!(text(&shown.stdout).starts_with("Catalog 2027.1.0 (signed catalog version 4"));
}
