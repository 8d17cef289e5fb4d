//! The real `tenantry-server` binary on loopback (SQLite or Postgres), staff keys approved by its
//! bootstrap admin, a fault-injecting TCP proxy, and clients with their own mirrors.
//!
//! The binary is the workspace's `target/<profile>/tenantry-server`: `make test` and
//! `cargo test --workspace` build it first; for this crate alone run
//! `cargo build -p tenantry-server && cargo test -p tenantry-sync`.

#![allow(dead_code)] // Each test file uses a different part of this module.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tenantry_changeset::changeset::{ChangeSet, Environment, CHANGESET_SCHEMA_VERSION};
use tenantry_changeset::{diff, Envelope, SigningKey};
use tenantry_core::tenant::{Regulation, TenantId};
use tenantry_core::{ClientName, Industry, TenantDocument, Timestamp};
use tenantry_store::testing::TestPostgresDatabase;
use tenantry_store::Store;
use tenantry_sync::{RetryPolicy, Role, SyncConfig, Syncer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const ORGANISATION: &str = "local";

fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test>-<hash>
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join("tenantry-server"))
        .expect("the test executable lives in target/<profile>/deps");
    assert!(
        path.is_file(),
        "{} is missing: build it first with `cargo build -p tenantry-server` \
         (`make test` and `cargo test --workspace` do)",
        path.display()
    );
    path
}

/// A staff member: key and bearer token.
#[derive(Debug)]
pub struct Staff {
    pub key: SigningKey,
    pub token: String,
}

impl Staff {
    pub fn signer(&self) -> impl Fn() -> Result<SigningKey, String> + Send + Sync + 'static {
        let bytes = self.key.to_bytes();
        let bytes = bytes.to_vec();
        move || SigningKey::from_bytes(&bytes).map_err(|error| error.to_string())
    }
}

/// The server process over a database that survives restarts: a SQLite file, or a
/// throwaway database on the test Postgres server.
#[derive(Debug)]
pub struct TestServer {
    child: Option<Child>,
    pub address: SocketAddr,
    database_url: String,
    _dir: tempfile::TempDir,
    postgres: Option<TestPostgresDatabase>,
    pub admin: Staff,
    logs: Arc<Mutex<Vec<String>>>,
}

impl TestServer {
    /// The server on a SQLite file (the sandbox's set-up).
    pub async fn start() -> Self {
        Self::start_on(None).await
    }

    /// The server on Postgres (production's set-up); `stop` drops the database.
    pub async fn start_postgres() -> Self {
        Self::start_on(Some(
            TestPostgresDatabase::create("tenantry_sync_server").await,
        ))
        .await
    }

    /// Kills the server and drops its Postgres database, if it has one.
    pub async fn stop(mut self) {
        self.kill();
        if let Some(database) = self.postgres.take() {
            database.remove().await;
        }
    }

    async fn start_on(postgres: Option<TestPostgresDatabase>) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let database_url = match &postgres {
            Some(database) => database.url.clone(),
            None => format!("sqlite://{}", dir.path().join("server.db").display()),
        };
        let key = SigningKey::generate().expect("a key");
        let output = Command::new(server_binary())
            .args([
                "bootstrap-admin",
                "--name",
                "Root Admin",
                "--public-key",
                &key.public().to_hex(),
                "--database-url",
                &database_url,
            ])
            .env_remove("TENANTRY_SERVER_ORGANISATION")
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
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (child, address) = spawn(&database_url, &logs);
        Self {
            child: Some(child),
            address,
            database_url,
            _dir: dir,
            postgres,
            admin: Staff { key, token },
            logs,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn logs(&self) -> String {
        self.logs.lock().expect("logs").join("\n")
    }

    /// SIGKILL: what was committed must survive.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the server and starts it on the same database (a new port).
    pub fn restart(&mut self) {
        self.kill();
        let (child, address) = spawn(&self.database_url, &self.logs);
        self.child = Some(child);
        self.address = address;
    }

    async fn post(&self, token: &str, path: &str, body: Vec<u8>) -> (u16, Value) {
        let response = tenantry_sync::tls::http_client()
            .post(format!("{}{path}", self.url()))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("POST");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Registers (through the sync crate's registration) and approves a staff member.
    pub async fn staff(&self, name: &str, role: Role) -> Staff {
        let key = SigningKey::generate().expect("a key");
        let registration = tenantry_sync::register_key(&self.url(), &key, name, role, ORGANISATION)
            .await
            .expect("register");
        assert_eq!(registration.state, "pending");
        self.approve(&registration.key_id).await;
        Staff {
            key,
            token: registration.token,
        }
    }

    pub async fn approve(&self, key_id: &str) {
        let (status, answer) = self
            .post(
                &self.admin.token,
                &format!("/v1/keys/{key_id}/approve"),
                Vec::new(),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
    }

    pub async fn revoke(&self, key_id: &str) {
        let (status, answer) = self
            .post(
                &self.admin.token,
                &format!("/v1/keys/{key_id}/revoke"),
                Vec::new(),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
    }

    /// Every change set on the server: (seq, hash, tenant).
    pub async fn all(&self) -> Vec<(i64, String, String)> {
        let mut after = 0;
        let mut all = Vec::new();
        loop {
            let page: Value = tenantry_sync::tls::http_client()
                .get(format!(
                    "{}/v1/changesets?after={after}&limit=1000",
                    self.url()
                ))
                .bearer_auth(&self.admin.token)
                .send()
                .await
                .expect("GET")
                .json()
                .await
                .expect("JSON");
            for item in page["changesets"].as_array().expect("changesets") {
                all.push((
                    item["seq"].as_i64().expect("seq"),
                    item["hash"].as_str().expect("hash").to_owned(),
                    item["tenant"].as_str().expect("tenant").to_owned(),
                ));
            }
            after = page["next_after"].as_i64().expect("next_after");
            if page["more"] != true {
                return all;
            }
        }
    }

    /// The server's head per tenant.
    pub async fn head(&self, tenant: &TenantId) -> Option<String> {
        let heads: Value = tenantry_sync::tls::http_client()
            .get(format!("{}/v1/tenants/heads", self.url()))
            .bearer_auth(&self.admin.token)
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("JSON");
        heads["tenants"][tenant.as_str()]["head"]
            .as_str()
            .map(str::to_owned)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn spawn(database_url: &str, logs: &Arc<Mutex<Vec<String>>>) -> (Child, SocketAddr) {
    let mut child = Command::new(server_binary())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            database_url,
            "--rate-limit-per-second",
            "0",
        ])
        .env_remove("TENANTRY_SERVER_ORGANISATION")
        .env("TENANTRY_SERVER_LOG", "info")
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
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| {
            panic!(
                "the server did not start:\n{}",
                logs.lock().expect("logs").join("\n")
            )
        });
    (child, address.parse().expect("a socket address"))
}

/// What the proxy does to one connection (numbered from 0 in accept order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Pass,
    /// Waits this long before forwarding anything (a slow network).
    Delay(Duration),
    /// Reads part of the request and closes: the server never sees it whole.
    CutRequest,
    /// Forwards the request, waits for the answer to start, then closes without
    /// passing it on: the server acted, the client does not know.
    LoseAnswer,
    /// Answers 500 itself without forwarding: a failing gateway before the server.
    Error500,
    /// Forwards the request, drops the server's answer and answers 500 instead: the
    /// server acted, the client is told it failed.
    Error500AfterServer,
}

/// A TCP proxy in front of the server whose faults a test plans per connection.
#[derive(Debug, Clone)]
pub struct Proxy {
    pub address: SocketAddr,
    upstream: Arc<Mutex<SocketAddr>>,
    plan: Arc<Mutex<Vec<Fault>>>,
    pub connections: Arc<AtomicUsize>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let proxy = Self {
            address: listener.local_addr().expect("address"),
            upstream: Arc::new(Mutex::new(upstream)),
            plan: Arc::new(Mutex::new(Vec::new())),
            connections: Arc::new(AtomicUsize::new(0)),
        };
        let state = proxy.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let index = state.connections.fetch_add(1, Ordering::SeqCst);
                let fault = state
                    .plan
                    .lock()
                    .expect("plan")
                    .get(index)
                    .copied()
                    .unwrap_or(Fault::Pass);
                let upstream = *state.upstream.lock().expect("upstream");
                tokio::spawn(relay(client, upstream, fault));
            }
        });
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Faults for the connections from now on (the first entry is the next one).
    pub fn plan(&self, faults: &[Fault]) {
        let next = self.connections.load(Ordering::SeqCst);
        let mut plan = self.plan.lock().expect("plan");
        plan.resize(next, Fault::Pass);
        plan.extend_from_slice(faults);
    }

    pub fn point_at(&self, upstream: SocketAddr) {
        *self.upstream.lock().expect("upstream") = upstream;
    }
}

async fn relay(mut client: TcpStream, upstream: SocketAddr, fault: Fault) {
    match fault {
        Fault::CutRequest => {
            let mut buffer = [0u8; 64];
            let _ = client.read(&mut buffer).await;
            return;
        }
        Fault::Delay(delay) => tokio::time::sleep(delay).await,
        Fault::Error500 => {
            read_request(&mut client).await;
            answer_500(&mut client).await;
            return;
        }
        Fault::Pass | Fault::LoseAnswer | Fault::Error500AfterServer => {}
    }
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    if fault == Fault::Error500AfterServer {
        let request = read_request(&mut client).await;
        if server.write_all(&request).await.is_err() {
            return;
        }
        // The server's whole answer (it closes nothing: read until it has sent a
        // complete response, which for these small JSON answers is one read or a few).
        let mut answer = Vec::new();
        let mut buffer = [0u8; 8192];
        while !complete_http_message(&answer) {
            match server.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(read) => answer.extend_from_slice(&buffer[..read]),
            }
        }
        answer_500(&mut client).await;
        return;
    }
    if fault == Fault::LoseAnswer {
        let (mut client_read, _client_write) = client.split();
        let (mut server_read, mut server_write) = server.split();
        let forward = tokio::io::copy(&mut client_read, &mut server_write);
        let mut first = [0u8; 1];
        tokio::select! {
            _ = forward => {}
            _ = server_read.read(&mut first) => {}
        }
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    let _ = client.shutdown().await;
}

/// Reads one HTTP/1.1 request (head and `content-length` body) from `stream`.
async fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let mut request = Vec::new();
    let mut buffer = [0u8; 8192];
    while !complete_http_message(&request) {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => request.extend_from_slice(&buffer[..read]),
        }
    }
    request
}

/// Whether `bytes` hold a whole HTTP/1.1 message with a `content-length` body (or none).
fn complete_http_message(bytes: &[u8]) -> bool {
    let Some(head_end) = bytes.windows(4).position(|window| window == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    bytes.len() >= head_end + 4 + length
}

async fn answer_500(stream: &mut TcpStream) {
    let body = br#"{"code":"internal","message":"gateway failure injected by the test"}"#;
    let head = format!(
        "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body).await;
    let _ = stream.shutdown().await;
}

/// A client: its own mirror, a staff member's key and token, and a syncer config.
pub struct Client {
    pub store: Store,
    pub staff: Staff,
}

impl Client {
    pub fn config(&self, url: &str) -> SyncConfig {
        let mut config = SyncConfig::new(url, Some(self.staff.token.clone()));
        config.retry = RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
        };
        config.request_timeout = Duration::from_secs(10);
        config
    }

    pub fn syncer(&self, url: &str) -> Syncer {
        Syncer::new(self.store.clone(), self.config(url)).expect("a syncer")
    }

    /// Records the change from the mirror's current document of `tenant` (draft) to
    /// `edit` of it, signed by this client's key, as `tenantry submit` would.
    pub async fn edit(&self, tenant: &TenantId, edit: impl FnOnce(&mut TenantDocument)) -> String {
        let before = self
            .store
            .document(tenant, Environment::Draft)
            .await
            .expect("document")
            .expect("the tenant is in the mirror");
        let mut after = before.clone();
        edit(&mut after);
        let operations = diff::operations(
            &serde_json::to_value(&before).expect("json"),
            &serde_json::to_value(&after).expect("json"),
        );
        let parent = self.store.head(tenant).await.expect("head");
        self.record(&after, parent, operations).await
    }

    /// Records the creation of `doc`.
    pub async fn create(&self, doc: &TenantDocument) -> String {
        self.record(doc, None, vec![ChangeSet::creation(doc)]).await
    }

    async fn record(
        &self,
        doc: &TenantDocument,
        parent: Option<String>,
        operations: Vec<tenantry_changeset::Operation>,
    ) -> String {
        self.store
            .add_signing_key(&self.staff.key.public(), "this machine")
            .await
            .expect("trust own key");
        let changeset = ChangeSet {
            schema_version: CHANGESET_SCHEMA_VERSION,
            id: ChangeSet::new_id(),
            organisation: ORGANISATION.to_owned(),
            tenant: doc.tenant.id.clone(),
            environment: Environment::Draft,
            parent,
            operations,
            summary: "Edit the client".to_owned(),
            justifications: doc.justifications.clone(),
            author: self.staff.key.key_id(),
            created_at: Timestamp::now(),
        };
        let envelope = Envelope::sign(&changeset, &self.staff.key).to_json();
        self.store.record(&envelope).await.expect("record").hash.0
    }

    pub async fn document(&self, tenant: &TenantId) -> TenantDocument {
        self.store
            .document(tenant, Environment::Draft)
            .await
            .expect("document")
            .expect("present")
    }
}

/// A complete tenant that passes the bundled policy pack (`examples/tenants`).
pub fn hipaa_example() -> TenantDocument {
    tenantry_core::tenant::file::load_document(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/tenants/healthcare-hipaa.json"),
    )
    .expect("the HIPAA example loads")
}

/// A new tenant with safe defaults (each name makes its own slug).
pub fn new_tenant(name: &str) -> TenantDocument {
    TenantDocument::with_safe_defaults(
        &ClientName::parse(name).expect("a client name"),
        Industry::Retail,
        &[Regulation::Gdpr],
    )
    .expect("safe defaults")
}
