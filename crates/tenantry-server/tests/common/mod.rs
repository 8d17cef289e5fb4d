//! The real `tenantry-server` binary on a loopback port, over a fresh SQLite file or a
//! throwaway Postgres database, and an HTTP client for it. Never skips: without a
//! Postgres server the Postgres tests fail and say how to provide one.

#![allow(dead_code)] // Each test file uses a different part of this module.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::{Connection, Row};
use tenantry_changeset::changeset::{ChangeSet, Environment, CHANGESET_SCHEMA_VERSION};
use tenantry_changeset::{diff, Envelope, SigningKey};
use tenantry_core::tenant::file::load_document;
use tenantry_core::tenant::Regulation;
use tenantry_core::{ClientName, Industry, TenantDocument, Timestamp};
use tenantry_store::testing::{postgres_admin_url, TEST_PG_URL_ENV};

pub const BIN: &str = env!("CARGO_BIN_EXE_tenantry-server");
/// The organisation the server runs with in these tests (its default).
pub const ORGANISATION: &str = "local";

/// Makes each listed `async fn case(&mut TestServer)` into `sqlite::case` and
/// `postgres::case`, each against its own fresh server and database.
#[macro_export]
macro_rules! on_both_databases {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let mut server = $crate::common::TestServer::sqlite().await;
                    super::$case(&mut server).await;
                    server.stop().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    let mut server = $crate::common::TestServer::postgres().await;
                    super::$case(&mut server).await;
                    server.stop().await;
                }
            )*
        }
    };
}

#[derive(Debug)]
enum Database {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

/// A staff member known to the server under test.
#[derive(Debug)]
pub struct Staff {
    pub key: SigningKey,
    pub key_id: String,
    pub token: String,
}

/// A running server and what it runs on.
#[derive(Debug)]
pub struct TestServer {
    child: Option<Child>,
    pub base: String,
    pub database_url: String,
    database: Database,
    pub admin: Staff,
    pub http: reqwest::Client,
    logs: Arc<Mutex<Vec<String>>>,
}

/// `admin_url` with its database name replaced by `database`.
fn with_database(admin_url: &str, database: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin_url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

/// A new, empty database on the test Postgres server: (admin URL, name, URL).
pub async fn create_postgres_database() -> (String, String, String) {
    let admin_url = postgres_admin_url();
    let name = format!("tenantry_server_test_{}", uuid::Uuid::now_v7().simple());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|error| {
            panic!(
                "the server's Postgres tests need a Postgres server: none answered at the URL in \
                 {TEST_PG_URL_ENV} (default postgres://postgres@127.0.0.1:5432/postgres): {error}. \
                 Start one, set {TEST_PG_URL_ENV}, or run `make test`, which starts its own."
            )
        });
    // The name is made above from a UUID: only [a-z0-9_], so quoting is safe.
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
        .expect("create a throwaway Postgres database");
    admin.close().await.ok();
    let url = with_database(&admin_url, &name);
    (admin_url, name, url)
}

pub async fn drop_postgres_database(admin_url: &str, name: &str) {
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("reconnect to drop the test database");
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop the test database");
}

fn server_command() -> Command {
    let mut command = Command::new(BIN);
    for variable in [
        "TENANTRY_SERVER_LISTEN",
        "TENANTRY_SERVER_DATABASE_URL",
        "TENANTRY_SERVER_ORGANISATION",
        "TENANTRY_SERVER_MAX_BODY_BYTES",
        "TENANTRY_SERVER_MAX_BATCH",
        "TENANTRY_SERVER_RATE_LIMIT_PER_SECOND",
        "TENANTRY_SERVER_RATE_LIMIT_BURST",
        "RUST_LOG",
    ] {
        command.env_remove(variable);
    }
    command.env("TENANTRY_SERVER_LOG", "info");
    command
}

/// Each stored environment's (name, head, change sets after its checkpoint, checkpoint)
/// in the server's database at `database_url`, from the tenants' rows and checkpoints.
pub async fn environment_rows(database_url: &str) -> Vec<(String, String, i64, String)> {
    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(database_url)
        .await
        .expect("connect to the server's database");
    let rows = sqlx::query(
        "SELECT h.environment, h.head_hash, h.behind, d.document_head FROM environment_heads h \
         JOIN tenant_documents d ON d.tenant_id = h.tenant_id AND d.environment = h.environment \
         ORDER BY h.environment",
    )
    .fetch_all(&mut db)
    .await
    .expect("the environments")
    .iter()
    .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3)))
    .collect();
    db.close().await.ok();
    rows
}

/// A database no server has opened yet, to put data in first (e.g. in an older schema).
pub struct Unstarted {
    pub url: String,
    database: Database,
}

impl Unstarted {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("server.db").display());
        Self {
            url,
            database: Database::Sqlite(dir),
        }
    }

    pub async fn postgres() -> Self {
        let (admin_url, name, url) = create_postgres_database().await;
        Self {
            url,
            database: Database::Postgres { admin_url, name },
        }
    }

    /// `sqlite` or `postgres`: the engine's folder under `migrations/server`.
    pub fn engine(&self) -> &'static str {
        match self.database {
            Database::Sqlite(_) => "sqlite",
            Database::Postgres { .. } => "postgres",
        }
    }

    /// The server binary on this database (bootstrapping an admin as usual).
    pub async fn start(self) -> TestServer {
        TestServer::start(self.url, self.database).await
    }
}

impl TestServer {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("server.db").display());
        Self::start(url, Database::Sqlite(dir)).await
    }

    pub async fn postgres() -> Self {
        let (admin_url, name, url) = create_postgres_database().await;
        Self::start(url, Database::Postgres { admin_url, name }).await
    }

    async fn start(database_url: String, database: Database) -> Self {
        let key = SigningKey::generate().expect("a key");
        let output = server_command()
            .args([
                "bootstrap-admin",
                "--name",
                "Root Admin",
                "--public-key",
                &key.public().to_hex(),
                "--database-url",
                &database_url,
            ])
            .output()
            .expect("run tenantry-server bootstrap-admin");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "bootstrap-admin failed: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let token = stdout
            .lines()
            .find_map(|line| line.strip_prefix("token: "))
            .expect("bootstrap-admin prints the token")
            .trim()
            .to_owned();
        let admin = Staff {
            key_id: key.key_id().to_string(),
            key,
            token,
        };
        let mut server = Self {
            child: None,
            base: String::new(),
            database_url,
            database,
            admin,
            http: tenantry_sync::tls::http_client(),
            logs: Arc::new(Mutex::new(Vec::new())),
        };
        server.launch(&[]);
        server
    }

    /// Starts the binary on a free loopback port, and waits until it listens.
    fn launch(&mut self, extra: &[&str]) {
        let (child, base) = spawn_server(&self.database_url, extra, &self.logs);
        self.base = base;
        self.child = Some(child);
    }

    /// A second server process on the same database (e.g. two replicas behind a load
    /// balancer); killed when dropped.
    pub fn another_process(&self) -> OtherProcess {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (child, base) = spawn_server(&self.database_url, &[], &logs);
        OtherProcess { child, base }
    }

    /// Everything the server logged so far.
    pub fn logs(&self) -> String {
        self.logs.lock().expect("logs").join("\n")
    }

    /// Whether the server logs `text` within a few seconds. Its log is read by another
    /// thread, so a line written before an answer may arrive after it.
    pub async fn logged(&self, text: &str) -> bool {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if self.logs().contains(text) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }

    /// SIGKILL: no shutdown, no flush; what was committed must survive.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL the server");
            child.wait().expect("reap the server");
        }
    }

    /// Kills the server and starts it again on the same database (on a new port).
    pub fn restart(&mut self) {
        self.kill();
        self.launch(&[]);
    }

    /// Restarts with extra `serve` flags.
    pub fn restart_with(&mut self, extra: &[&str]) {
        self.kill();
        self.launch(extra);
    }

    pub async fn stop(mut self) {
        self.kill();
        if let Database::Postgres { admin_url, name } = &self.database {
            drop_postgres_database(admin_url, name).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn answer(response: reqwest::Response) -> (StatusCode, Value) {
        let status = response.status();
        let bytes = response.bytes().await.expect("a body");
        let value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            panic!(
                "the answer ({status}) is not JSON: {}",
                String::from_utf8_lossy(&bytes)
            )
        });
        (status, value)
    }

    pub async fn get(&self, token: Option<&str>, path: &str) -> (StatusCode, Value) {
        let mut request = self.http.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Self::answer(request.send().await.expect("GET")).await
    }

    pub async fn post(
        &self,
        token: Option<&str>,
        path: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Self::answer(request.send().await.expect("POST")).await
    }

    /// Pushes one envelope or a batch body with `token`.
    pub async fn push(&self, token: &str, body: &[u8]) -> (StatusCode, Value) {
        self.post(Some(token), "/v1/changesets", body.to_vec())
            .await
    }

    /// Registers a key for `name` with `role`; returns the staff member (pending).
    pub async fn register(&self, name: &str, role: &str) -> Staff {
        let key = SigningKey::generate().expect("a key");
        let (status, answer) = self
            .post(
                None,
                "/v1/keys",
                registration(&key, name, role, ORGANISATION),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        assert_eq!(answer["state"], "pending");
        assert_eq!(answer["key_id"], key.key_id().as_str());
        Staff {
            key_id: key.key_id().to_string(),
            token: answer["token"].as_str().expect("a token").to_owned(),
            key,
        }
    }

    /// Registers and approves (as the admin) a staff member.
    pub async fn staff(&self, name: &str, role: &str) -> Staff {
        let staff = self.register(name, role).await;
        let (status, answer) = self
            .post(
                Some(&self.admin.token),
                &format!("/v1/keys/{}/approve", staff.key_id),
                Vec::new(),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["state"], "approved");
        staff
    }

    /// Every change set on the server, paging with `limit`.
    pub async fn pull_all(&self, token: &str, limit: usize) -> Vec<Value> {
        let mut after = 0;
        let mut all = Vec::new();
        loop {
            let (status, page) = self
                .get(
                    Some(token),
                    &format!("/v1/changesets?after={after}&limit={limit}"),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{page}");
            let items = page["changesets"].as_array().expect("changesets").clone();
            all.extend(items);
            after = page["next_after"].as_i64().expect("next_after");
            if page["more"] != true {
                return all;
            }
        }
    }
}

/// Starts `tenantry-server serve` on a free loopback port over `database_url`, collects
/// its log lines into `logs`, and returns once it listens.
fn spawn_server(
    database_url: &str,
    extra: &[&str],
    logs: &Arc<Mutex<Vec<String>>>,
) -> (Child, String) {
    let mut child = server_command()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            database_url,
        ])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tenantry-server serve");
    let stderr = child.stderr.take().expect("stderr is piped");
    let (sender, receiver) = mpsc::channel();
    let collected = Arc::clone(logs);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Ok(event) = serde_json::from_str::<Value>(&line) {
                if event["fields"]["message"] == "listening" {
                    if let Some(address) = event["fields"]["address"].as_str() {
                        let _ = sender.send(address.to_owned());
                    }
                }
            }
            collected.lock().expect("logs").push(line);
        }
    });
    let address = receiver
        .recv_timeout(Duration::from_secs(120))
        .unwrap_or_else(|_| {
            panic!(
                "the server did not start:\n{}",
                logs.lock().expect("logs").join("\n")
            )
        });
    (child, format!("http://{address}"))
}

/// Another server process; SIGKILLed when dropped.
#[derive(Debug)]
pub struct OtherProcess {
    child: Child,
    pub base: String,
}

impl Drop for OtherProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // A failed test must not leave a server running.
        self.kill();
    }
}

/// The body of `POST /v1/keys` for `key`, with a valid proof of possession.
pub fn registration(key: &SigningKey, name: &str, role: &str, organisation: &str) -> Vec<u8> {
    let message = format!(
        "tenantry-key-registration-v1 {organisation} {}",
        key.public().to_hex()
    );
    serde_json::to_vec(&json!({
        "name": name,
        "role": role,
        "public_key": key.public().to_hex(),
        "proof": STANDARD.encode(key.sign(message.as_bytes())),
    }))
    .expect("json")
}

/// A complete HIPAA tenant that passes the policy pack (`examples/tenants`).
pub fn hipaa_example() -> TenantDocument {
    load_document(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/tenants/healthcare-hipaa.json"),
    )
    .expect("the HIPAA example loads")
}

/// A new tenant with safe defaults, named `name` (each name makes its own slug).
pub fn new_tenant(name: &str) -> TenantDocument {
    TenantDocument::with_safe_defaults(
        &ClientName::parse(name).expect("a client name"),
        Industry::Retail,
        &[Regulation::Gdpr],
    )
    .expect("safe defaults")
}

fn signed(
    key: &SigningKey,
    tenant: &TenantDocument,
    parent: Option<&str>,
    operations: Vec<tenantry_changeset::Operation>,
    summary: &str,
    organisation: &str,
) -> Vec<u8> {
    let changeset = ChangeSet {
        schema_version: CHANGESET_SCHEMA_VERSION,
        id: ChangeSet::new_id(),
        organisation: organisation.to_owned(),
        tenant: tenant.tenant.id.clone(),
        environment: Environment::Draft,
        parent: parent.map(str::to_owned),
        operations,
        summary: summary.to_owned(),
        justifications: tenant.justifications.clone(),
        author: key.key_id(),
        created_at: Timestamp::now(),
    };
    Envelope::sign(&changeset, key).to_json()
}

/// The envelope creating `doc`, signed by `key`.
pub fn creation(key: &SigningKey, doc: &TenantDocument) -> Vec<u8> {
    signed(
        key,
        doc,
        None,
        vec![ChangeSet::creation(doc)],
        "Onboard a client",
        ORGANISATION,
    )
}

/// [`creation`] for another organisation.
pub fn creation_for(key: &SigningKey, doc: &TenantDocument, organisation: &str) -> Vec<u8> {
    signed(
        key,
        doc,
        None,
        vec![ChangeSet::creation(doc)],
        "Onboard a client",
        organisation,
    )
}

/// The envelope taking the tenant from `before` to `after`, on top of `parent`.
pub fn change(
    key: &SigningKey,
    before: &TenantDocument,
    after: &TenantDocument,
    parent: &str,
) -> Vec<u8> {
    let operations = diff::operations(
        &serde_json::to_value(before).expect("json"),
        &serde_json::to_value(after).expect("json"),
    );
    assert!(!operations.is_empty(), "the edit changes nothing");
    signed(
        key,
        after,
        Some(parent),
        operations,
        "Edit the client",
        ORGANISATION,
    )
}

/// The change set hash of an envelope (SHA-256 of its payload bytes).
pub fn hash_of(envelope: &[u8]) -> String {
    let envelope = Envelope::parse(envelope).expect("an envelope");
    let payload = envelope.payload_bytes().expect("payload");
    Sha256::digest(&payload)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The envelope with one byte of its payload flipped (signatures unchanged).
pub fn flip_payload_byte(envelope: &[u8]) -> Vec<u8> {
    let mut parsed = Envelope::parse(envelope).expect("an envelope");
    let mut payload = parsed.payload_bytes().expect("payload");
    let middle = payload.len() / 2;
    payload[middle] ^= 0x01;
    parsed.payload = STANDARD.encode(&payload);
    parsed.to_json()
}

/// A batch body holding `envelopes` byte for byte.
pub fn batch(envelopes: &[&[u8]]) -> Vec<u8> {
    let mut body = b"{\"envelopes\":[".to_vec();
    for (index, envelope) in envelopes.iter().enumerate() {
        if index > 0 {
            body.push(b',');
        }
        body.extend_from_slice(envelope);
    }
    body.extend_from_slice(b"]}");
    body
}

/// The envelope taking the tenant's `environment` from `before` (`None`: nothing there
/// yet, so a creation) to `after`, on top of the tenant's head `parent`.
pub fn change_in(
    key: &SigningKey,
    environment: Environment,
    before: Option<&TenantDocument>,
    after: &TenantDocument,
    parent: Option<&str>,
) -> Vec<u8> {
    let operations = match before {
        None => vec![ChangeSet::creation(after)],
        Some(before) => diff::operations(
            &serde_json::to_value(before).expect("json"),
            &serde_json::to_value(after).expect("json"),
        ),
    };
    let changeset = ChangeSet {
        schema_version: CHANGESET_SCHEMA_VERSION,
        id: ChangeSet::new_id(),
        organisation: ORGANISATION.to_owned(),
        tenant: after.tenant.id.clone(),
        environment,
        parent: parent.map(str::to_owned),
        operations,
        summary: format!("Change {environment:?}"),
        justifications: after.justifications.clone(),
        author: key.key_id(),
        created_at: Timestamp::now(),
    };
    Envelope::sign(&changeset, key).to_json()
}
