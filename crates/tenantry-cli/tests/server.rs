//! `tenantry server register|push|pull|sync|server-status` against the real
//! `tenantry-server` binary on loopback (built by `cargo build --workspace`; `make test`
//! does). Registration keeps the token in the OS keyring, so this file runs, like
//! keyring.rs, under `dbus-run-session -- scripts/with-keyring.sh`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

struct Server {
    child: Child,
    url: String,
    admin_token: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server_binary() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_tenantry"))
        .parent()
        .expect("target/<profile>")
        .join("tenantry-server");
    assert!(
        path.is_file(),
        "{} is missing: build it first (`cargo build -p tenantry-server`; `make test` does)",
        path.display()
    );
    path
}

/// A server whose bootstrap admin is the key in `admin_key_hex`.
fn start_server(admin_key_hex: &str) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite://{}", dir.path().join("server.db").display());
    let output = Command::new(server_binary())
        .args([
            "bootstrap-admin",
            "--name",
            "Admin",
            "--public-key",
            admin_key_hex,
        ])
        .args(["--database-url", &database])
        .env_remove("TENANTRY_SERVER_ORGANISATION")
        .output()
        .expect("bootstrap-admin");
    assert!(output.status.success(), "{}", stderr(&output));
    let admin_token = stdout(&output)
        .lines()
        .find_map(|line| line.strip_prefix("token: ").map(str::to_owned))
        .expect("a token");
    let mut child = Command::new(server_binary())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &database,
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
        admin_token,
        _dir: dir,
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn tenantry(dir: &Path, data: &str, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tenantry"));
    command
        .args(args)
        .current_dir(dir)
        .env("TENANTRY_DATA_DIR", dir.join(data))
        .env_remove("TENANTRY_DATABASE_URL")
        .env_remove("TENANTRY_KEY_FILE")
        .env_remove("TENANTRY_SERVER_URL")
        .env_remove("TENANTRY_SERVER_TOKEN");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run tenantry")
}

fn json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "{}\n{}",
        stdout(output),
        stderr(output)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

fn example(dir: &Path) -> PathBuf {
    let path = dir.join("tenant.json");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tenants/healthcare-hipaa.json"),
        &path,
    )
    .expect("copy the example");
    path
}

#[test]
fn a_submitted_change_set_is_pushed_and_pulled_into_another_mirror() {
    let dir = tempfile::tempdir().expect("temp dir");
    let work = dir.path();
    let created = tenantry(
        work,
        "a",
        &[],
        &["key", "create", "--key-file", "admin.key"],
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let shown = json(&tenantry(
        work,
        "a",
        &[],
        &["key", "show", "--key-file", "admin.key", "--format", "json"],
    ));
    let public = shown["public_key"]["keyval"]["public"]
        .as_str()
        .expect("hex")
        .to_owned();
    let server = start_server(&public);
    let env = [
        ("TENANTRY_SERVER_URL", server.url.as_str()),
        ("TENANTRY_SERVER_TOKEN", server.admin_token.as_str()),
        ("TENANTRY_KEY_FILE", "admin.key"),
    ];

    let file = example(work);
    let submitted = tenantry(
        work,
        "a",
        &env,
        &[
            "submit",
            file.to_str().expect("utf-8"),
            "--summary",
            "Onboard",
        ],
    );
    assert!(submitted.status.success(), "{}", stderr(&submitted));
    let status = json(&tenantry(
        work,
        "a",
        &env,
        &["server-status", "--format", "json"],
    ));
    assert_eq!(status["status"]["online"], true);
    assert_eq!(status["status"]["outbox"], 1);
    // The server's own word on the key: registered, approved, and as what.
    assert_eq!(status["key"]["state"], "approved", "{status}");
    assert_eq!(status["key"]["role"], "admin");
    assert_eq!(status["key_error"], Value::Null);
    let text = tenantry(work, "a", &env, &["server-status"]);
    assert!(
        stdout(&text).contains("Key:        approved as admin ("),
        "{}",
        stdout(&text)
    );

    let pushed = json(&tenantry(work, "a", &env, &["push", "--format", "json"]));
    assert_eq!(pushed["sent"], 1);
    let status = json(&tenantry(
        work,
        "a",
        &env,
        &["server-status", "--format", "json"],
    ));
    assert_eq!(status["status"]["outbox"], 0);
    assert_eq!(status["status"]["ready"], true);

    let pulled = json(&tenantry(work, "b", &env, &["pull", "--format", "json"]));
    assert_eq!(pulled["ingested"], 1);
    let history = json(&tenantry(
        work,
        "b",
        &env,
        &["history", "cedar-valley-health", "--format", "json"],
    ));
    assert_eq!(history.as_array().map(Vec::len), Some(1));
    let synced = tenantry(work, "b", &env, &["sync"]);
    assert!(synced.status.success(), "{}", stderr(&synced));
    assert!(stdout(&synced).contains("Pulled"), "{}", stdout(&synced));
}

#[test]
fn an_unreachable_server_and_a_missing_token_are_clear_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let work = dir.path();
    let unreachable = tenantry(
        work,
        "a",
        &[("TENANTRY_SERVER_TOKEN", "t")],
        &["pull", "--server", "http://127.0.0.1:9"],
    );
    assert_eq!(unreachable.status.code(), Some(1));
    assert!(
        stderr(&unreachable).contains("cannot be reached"),
        "{}",
        stderr(&unreachable)
    );
    let status = tenantry(
        work,
        "a",
        &[("TENANTRY_SERVER_TOKEN", "t")],
        &["server-status", "--server", "http://127.0.0.1:9"],
    );
    assert_eq!(status.status.code(), Some(1));
    assert!(
        stdout(&status).contains("Reachable:  no"),
        "{}",
        stdout(&status)
    );

    let profile = format!("cli-no-token-{}", std::process::id());
    let missing = tenantry(
        work,
        "a",
        &[("TENANTRY_PROFILE", profile.as_str())],
        &["pull", "--server", "http://127.0.0.1:9"],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("tenantry server register"),
        "{}",
        stderr(&missing)
    );
    let usage = tenantry(work, "a", &[], &["push"]);
    assert_eq!(usage.status.code(), Some(2), "--server is required");
}

#[test]
fn register_keeps_the_token_in_the_keyring_and_an_unapproved_key_is_told_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let work = dir.path();
    let admin = tenantry(
        work,
        "a",
        &[],
        &["key", "create", "--key-file", "admin.key"],
    );
    assert!(admin.status.success());
    let shown = json(&tenantry(
        work,
        "a",
        &[],
        &["key", "show", "--key-file", "admin.key", "--format", "json"],
    ));
    let server = start_server(
        shown["public_key"]["keyval"]["public"]
            .as_str()
            .expect("hex"),
    );
    let profile = format!(
        "cli-register-{}-{}",
        std::process::id(),
        tenantry_changeset::ChangeSet::new_id()
    );
    let env = [
        ("TENANTRY_PROFILE", profile.as_str()),
        ("TENANTRY_SERVER_URL", server.url.as_str()),
    ];
    let registered = json(&tenantry(
        work,
        "a",
        &env,
        &["server", "register", "--name", "Casey", "--format", "json"],
    ));
    assert_eq!(registered["state"], "pending");
    let key_id = registered["key_id"].as_str().expect("key id").to_owned();
    let again = tenantry(work, "a", &env, &["server", "register", "--name", "Casey"]);
    assert_eq!(
        again.status.code(),
        Some(1),
        "the server knows this key already"
    );

    let pending = tenantry(work, "a", &env, &["pull"]);
    assert_eq!(pending.status.code(), Some(1));
    assert!(
        stderr(&pending).contains("not approved"),
        "{}",
        stderr(&pending)
    );
    let status = tenantry(work, "a", &env, &["server-status"]);
    assert!(status.status.success(), "{}", stderr(&status));
    assert!(
        stdout(&status).contains("Key:        pending (account_manager, key ")
            && stdout(&status).contains("an admin must approve it"),
        "{}",
        stdout(&status)
    );

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let approved = runtime.block_on(async {
        tenantry_sync::tls::http_client()
            .post(format!("{}/v1/keys/{key_id}/approve", server.url))
            .bearer_auth(&server.admin_token)
            .send()
            .await
            .expect("approve")
            .status()
    });
    assert!(approved.is_success(), "{approved}");
    let pulled = tenantry(work, "a", &env, &["pull"]);
    assert!(pulled.status.success(), "{}", stderr(&pulled));
    tenantry_keystore::delete_server_token(&profile, &server.url).expect("clean up the token");
    tenantry_keystore::KeyringStore::new(&profile)
        .delete()
        .expect("clean up the key");
}

#[test]
fn a_token_given_by_an_admin_is_kept_from_stdin_and_used() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("temp dir");
    let work = dir.path();
    let profile = format!("use-token-{}", std::process::id());
    let created = tenantry(
        work,
        "a",
        &[("TENANTRY_PROFILE", &profile)],
        &["key", "create", "--format", "json"],
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let public = json(&created)["public_key"]["keyval"]["public"]
        .as_str()
        .expect("hex")
        .to_owned();
    let server = start_server(&public);

    let keep = |token: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tenantry"))
            .args(["server", "use-token", "--server", &server.url])
            .env("TENANTRY_PROFILE", &profile)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run tenantry");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{token}\n").as_bytes())
            .expect("write the token");
        child.wait_with_output().expect("wait")
    };
    let refused = keep("not-a-token");
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("not a server token"),
        "{}",
        stderr(&refused)
    );

    let kept = keep(&server.admin_token);
    assert!(kept.status.success(), "{}", stderr(&kept));
    assert!(
        !stdout(&kept).contains(&server.admin_token),
        "the token is never printed"
    );
    // The keyring's token opens the server: no TENANTRY_SERVER_TOKEN needed.
    let pulled = json(&tenantry(
        work,
        "a",
        &[
            ("TENANTRY_PROFILE", &profile),
            ("TENANTRY_SERVER_URL", &server.url),
        ],
        &["pull", "--format", "json"],
    ));
    assert_eq!(pulled["ingested"], 0);
}

/// A copy of the example with its AI budget set to `cents`, as a person edits a file.
fn with_budget(dir: &Path, name: &str, cents: u64) -> PathBuf {
    let mut document: Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../examples/tenants/healthcare-hipaa.json"),
        )
        .expect("read the example"),
    )
    .expect("JSON");
    document["ai"]["monthly_budget_cents"] = Value::from(cents);
    let path = dir.join(name);
    std::fs::write(&path, document.to_string()).expect("write");
    path
}

#[test]
fn the_same_field_changed_on_two_mirrors_is_a_conflict_settled_from_the_cli() {
    let dir = tempfile::tempdir().expect("temp dir");
    let work = dir.path();
    assert!(tenantry(
        work,
        "a",
        &[],
        &["key", "create", "--key-file", "admin.key"]
    )
    .status
    .success());
    let public = json(&tenantry(
        work,
        "a",
        &[],
        &["key", "show", "--key-file", "admin.key", "--format", "json"],
    ))["public_key"]["keyval"]["public"]
        .as_str()
        .expect("hex")
        .to_owned();
    let server = start_server(&public);
    let env = [
        ("TENANTRY_SERVER_URL", server.url.as_str()),
        ("TENANTRY_SERVER_TOKEN", server.admin_token.as_str()),
        ("TENANTRY_KEY_FILE", "admin.key"),
    ];
    let submit = |mirror: &str, file: &Path, summary: &str| {
        let output = tenantry(
            work,
            mirror,
            &env,
            &[
                "submit",
                file.to_str().expect("utf-8"),
                "--summary",
                summary,
            ],
        );
        assert!(output.status.success(), "{}", stderr(&output));
    };

    // Both mirrors start from the same tenant.
    submit("a", &example(work), "Onboard");
    json(&tenantry(work, "a", &env, &["push", "--format", "json"]));
    json(&tenantry(work, "b", &env, &["pull", "--format", "json"]));

    // The same field, offline, two values: A gets there first.
    submit("a", &with_budget(work, "a.json", 70_000), "Budget 700");
    submit("b", &with_budget(work, "b.json", 90_000), "Budget 900");
    json(&tenantry(work, "a", &env, &["push", "--format", "json"]));
    let pushed = tenantry(work, "b", &env, &["push"]);
    assert_eq!(
        pushed.status.code(),
        Some(1),
        "a conflict waits: {}",
        stdout(&pushed)
    );

    let listed = tenantry(work, "b", &env, &["conflicts", "--format", "json"]);
    assert_eq!(listed.status.code(), Some(1));
    let conflicts: Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    let conflict = &conflicts[0];
    assert_eq!(conflict["fields"][0]["path"], "/ai/monthly_budget_cents");
    assert_eq!(conflict["fields"][0]["theirs"], 70_000);
    assert_eq!(conflict["fields"][0]["mine"], 90_000);
    let hash = conflict["changeset"].as_str().expect("hash");

    // A side for a field that is not in conflict, or none: refused, nothing changes.
    let none = tenantry(work, "b", &env, &["resolve", &hash[..12]]);
    assert_eq!(none.status.code(), Some(1));
    assert!(stderr(&none).contains("choose a side"), "{}", stderr(&none));

    let resolved = tenantry(
        work,
        "b",
        &env,
        &["resolve", &hash[..12], "--mine", "/ai/monthly_budget_cents"],
    );
    assert!(resolved.status.success(), "{}", stderr(&resolved));
    assert!(
        stdout(&resolved).contains("Resolved"),
        "{}",
        stdout(&resolved)
    );
    let pushed = json(&tenantry(work, "b", &env, &["push", "--format", "json"]));
    assert_eq!(pushed["sent"], 1, "{pushed}");

    // A pulls B's resolution: both mirrors end on the same head, with B's value.
    json(&tenantry(work, "a", &env, &["pull", "--format", "json"]));
    let head = |mirror: &str| {
        json(&tenantry(
            work,
            mirror,
            &env,
            &["history", "cedar-valley-health", "--format", "json"],
        ))
        .as_array()
        .and_then(|entries| entries.last().cloned())
        .expect("a history")["hash"]
            .clone()
    };
    assert_eq!(head("a"), head("b"));
    let diff = json(&tenantry(
        work,
        "a",
        &env,
        &["diff", "cedar-valley-health", "2", "3", "--format", "json"],
    ));
    assert!(diff.to_string().contains("90000"), "{diff}");
}
