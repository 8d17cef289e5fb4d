//! The signed catalog end to end, with the real `tenantry-server` binary: the platform
//! key made with `platform-key init`, catalogs published with `catalog publish`, pulled
//! by clients into a SQLite and a Postgres mirror. A rollback to an older version, an
//! expired catalog, one signed by another key and one for another organisation are each
//! refused with their own error, and the mirror keeps the catalog it had.
//!
//! Run `cargo build -p tenantry-server` first (see docs/sync.md, "Tests").

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tenantry_changeset::catalog::CatalogError;
use tenantry_changeset::PublicKey;
use tenantry_core::catalog::BUNDLED_CATALOG_JSON;
use tenantry_store::testing::TestMirror;
use tenantry_store::{CatalogAcceptance, Store};
use tenantry_sync::{CatalogPullError, CatalogTrust, RetryPolicy, SyncConfig, Syncer};

const ORGANISATION: &str = "acme";

fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join("tenantry-server"))
        .expect("the test executable lives in target/<profile>/deps");
    assert!(
        path.is_file(),
        "{} is missing: build it first with `cargo build -p tenantry-server`",
        path.display()
    );
    path
}

/// Runs `tenantry-server args…`; (success, stdout, stderr).
fn run(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(server_binary())
        .args(args)
        .env_remove("TENANTRY_SERVER_ORGANISATION")
        .env_remove("TENANTRY_SERVER_PLATFORM_KEY_FILE")
        .output()
        .expect("run tenantry-server");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn field(stdout: &str, name: &str) -> String {
    stdout
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in {stdout}"))
        .trim()
        .to_owned()
}

/// Makes a platform key file with the binary; returns its public key.
fn platform_key(path: &Path) -> PublicKey {
    let path = path.to_str().expect("utf-8 path");
    let (ok, stdout, stderr) = run(&["platform-key", "init", "--key-file", path]);
    assert!(ok, "platform-key init failed: {stderr}");
    let public = PublicKey::from_hex(&field(&stdout, "public_key")).expect("a public key");
    assert_eq!(field(&stdout, "key_id"), public.key_id().to_string());
    public
}

/// `tenantry-server catalog publish` of the bundled catalog as `version`.
fn publish(
    key_file: &Path,
    version: u64,
    organisation: &str,
    expires_in: &str,
    database: &str,
    dir: &Path,
) -> (bool, String, String) {
    let catalog = dir.join("catalog.json");
    std::fs::write(&catalog, BUNDLED_CATALOG_JSON).expect("write the catalog");
    run(&[
        "catalog",
        "publish",
        "--key-file",
        key_file.to_str().expect("utf-8"),
        "--catalog",
        catalog.to_str().expect("utf-8"),
        "--version",
        &version.to_string(),
        "--expires-in",
        expires_in,
        "--organisation",
        organisation,
        "--database-url",
        database,
    ])
}

/// A server process over its own SQLite file, with an admin token, serving one
/// published catalog.
struct Server {
    child: Child,
    url: String,
    token: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Publishes `version` signed with `key_file` for `organisation`, valid for
    /// `expires_in`, then serves it. Version 0: nothing is published.
    fn start(key_file: &Path, version: u64, organisation: &str, expires_in: &str) -> Self {
        let dir = tempfile::tempdir().expect("dir");
        let database = format!("sqlite://{}", dir.path().join("server.db").display());
        let admin = tenantry_changeset::SigningKey::generate().expect("key");
        let (ok, stdout, stderr) = run(&[
            "bootstrap-admin",
            "--name",
            "Root Admin",
            "--public-key",
            &admin.public().to_hex(),
            "--database-url",
            &database,
        ]);
        assert!(ok, "bootstrap-admin failed: {stderr}");
        let token = field(&stdout, "token");
        if version > 0 {
            let (ok, stdout, stderr) = publish(
                key_file,
                version,
                organisation,
                expires_in,
                &database,
                dir.path(),
            );
            assert!(ok, "catalog publish failed: {stderr}");
            assert_eq!(field(&stdout, "version"), version.to_string());
        }

        let mut child = Command::new(server_binary())
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--database-url",
                &database,
                "--organisation",
                organisation,
                "--rate-limit-per-second",
                "0",
            ])
            .env("TENANTRY_SERVER_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tenantry-server serve");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) {
                    if event["fields"]["message"] == "listening" {
                        if let Some(address) = event["fields"]["address"].as_str() {
                            let _ = sender.send(address.to_owned());
                        }
                    }
                }
            }
        });
        let address = receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("the server starts and logs its address");
        Self {
            child,
            url: format!("http://{address}"),
            token,
            _dir: dir,
        }
    }

    fn syncer(&self, store: &Store) -> Syncer {
        let mut config = SyncConfig::new(&self.url, Some(self.token.clone()));
        config.retry = RetryPolicy {
            attempts: 2,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(100),
        };
        Syncer::new(store.clone(), config).expect("a syncer")
    }
}

fn refusal(outcome: Result<tenantry_sync::CatalogPull, CatalogPullError>) -> CatalogError {
    match outcome {
        Err(CatalogPullError::Refused { error, .. }) => *error,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn clients_take_only_a_fresh_newer_catalog_signed_by_the_platform_key() {
    let keys = tempfile::tempdir().expect("dir");
    let platform_file = keys.path().join("platform.key");
    let platform = platform_key(&platform_file);
    let (ok, _, stderr) = run(&[
        "platform-key",
        "init",
        "--key-file",
        platform_file.to_str().expect("utf-8"),
    ]);
    assert!(
        !ok && stderr.contains("platform.key"),
        "no overwrite: {stderr}"
    );
    let impostor_file = keys.path().join("impostor.key");
    platform_key(&impostor_file);

    // Started first: its catalog must be expired by the time it is pulled.
    let expiring = Server::start(&platform_file, 9, ORGANISATION, "3s");
    let expiring_since = Instant::now();
    let current = Server::start(&platform_file, 5, ORGANISATION, "30d");
    let rollback = Server::start(&platform_file, 3, ORGANISATION, "30d");
    let impostor = Server::start(&impostor_file, 10, ORGANISATION, "30d");

    let sqlite = TestMirror::sqlite().await;
    let postgres = TestMirror::postgres().await;
    let trust = CatalogTrust::Key(platform.clone());

    for mirror in [&sqlite, &postgres] {
        let store = &mirror.store;
        let pulled = current
            .syncer(store)
            .pull_catalog(&trust, ORGANISATION)
            .await
            .expect("the published catalog is taken");
        assert_eq!(pulled.outcome, CatalogAcceptance::Stored);
        assert_eq!(pulled.version, 5);
        assert_eq!(pulled.key_id, platform.key_id().to_string());
        assert!(!pulled.key_from_server);
        let again = current
            .syncer(store)
            .pull_catalog(&CatalogTrust::Pinned, ORGANISATION)
            .await
            .expect("pinned to the held catalog's key");
        assert_eq!(again.outcome, CatalogAcceptance::AlreadyCurrent);
        let held = current
            .syncer(store)
            .current_catalog()
            .await
            .expect("read")
            .expect("held");
        assert_eq!(held.version, 5);
        assert_eq!(held.source, current.url);

        let error = refusal(
            rollback
                .syncer(store)
                .pull_catalog(&trust, ORGANISATION)
                .await,
        );
        assert_eq!(
            error,
            CatalogError::Older {
                version: 3,
                stored: 5
            }
        );

        let error = refusal(
            impostor
                .syncer(store)
                .pull_catalog(&trust, ORGANISATION)
                .await,
        );
        assert!(
            matches!(&error, CatalogError::NotSignedByPlatformKey { expected, .. } if *expected == platform.key_id()),
            "{error}"
        );
        // Pinned to the held catalog's key, the impostor is refused the same way.
        assert!(matches!(
            refusal(
                impostor
                    .syncer(store)
                    .pull_catalog(&CatalogTrust::TrustOnFirstUse, ORGANISATION)
                    .await
            ),
            CatalogError::NotSignedByPlatformKey { .. }
        ));

        let error = refusal(current.syncer(store).pull_catalog(&trust, "globex").await);
        assert!(matches!(
            error,
            CatalogError::WrongOrganisation { version: 5, .. }
        ));

        let unchanged = store.current_catalog().await.expect("read").expect("held");
        assert_eq!(unchanged, held, "every refusal kept version 5");
    }

    // The expiring catalog, once its time is up.
    let wait = Duration::from_millis(3500).saturating_sub(expiring_since.elapsed());
    tokio::time::sleep(wait).await;
    for mirror in [&sqlite, &postgres] {
        let store = &mirror.store;
        let error = refusal(
            expiring
                .syncer(store)
                .pull_catalog(&trust, ORGANISATION)
                .await,
        );
        assert!(
            matches!(error, CatalogError::Expired { version: 9, .. }),
            "{error}"
        );
        assert!(error.to_string().contains("expired at"), "{error}");
        assert_eq!(
            store
                .current_catalog()
                .await
                .expect("read")
                .expect("held")
                .version,
            5
        );
    }
    sqlite.remove().await;
    postgres.remove().await;
}

#[tokio::test]
async fn the_key_is_configured_or_trusted_on_first_use_only_when_asked() {
    let keys = tempfile::tempdir().expect("dir");
    let platform_file = keys.path().join("platform.key");
    let platform = platform_key(&platform_file);
    let server = Server::start(&platform_file, 2, ORGANISATION, "30d");
    let mirror = TestMirror::sqlite().await;
    let syncer = server.syncer(&mirror.store);

    assert!(matches!(
        syncer
            .pull_catalog(&CatalogTrust::Pinned, ORGANISATION)
            .await,
        Err(CatalogPullError::NoPlatformKey)
    ));
    assert_eq!(mirror.store.current_catalog().await.expect("read"), None);

    let pulled = syncer
        .pull_catalog(&CatalogTrust::TrustOnFirstUse, ORGANISATION)
        .await
        .expect("trusted on first use");
    assert!(pulled.key_from_server);
    assert_eq!(pulled.key_id, platform.key_id().to_string());
    assert_eq!(pulled.version, 2);

    mirror.remove().await;
}

#[tokio::test]
async fn nothing_published_is_its_own_answer_and_publishing_only_goes_up() {
    let keys = tempfile::tempdir().expect("dir");
    let platform_file = keys.path().join("platform.key");
    let platform = platform_key(&platform_file);
    let server = Server::start(&platform_file, 0, ORGANISATION, "30d");
    let mirror = TestMirror::sqlite().await;
    let error = server
        .syncer(&mirror.store)
        .pull_catalog(&CatalogTrust::Key(platform), ORGANISATION)
        .await
        .expect_err("nothing to pull");
    assert!(
        matches!(&error, CatalogPullError::NoCatalog { url } if *url == server.url),
        "{error}"
    );
    assert_eq!(mirror.store.current_catalog().await.expect("read"), None);

    // Against a database that has version 4, version 4 again and 3 are refused.
    let dir = tempfile::tempdir().expect("dir");
    let database = format!("sqlite://{}", dir.path().join("server.db").display());
    let (ok, _, stderr) = publish(
        &platform_file,
        4,
        ORGANISATION,
        "30d",
        &database,
        dir.path(),
    );
    assert!(ok, "{stderr}");
    for version in [4, 3] {
        let (ok, _, stderr) = publish(
            &platform_file,
            version,
            ORGANISATION,
            "30d",
            &database,
            dir.path(),
        );
        assert!(
            !ok && stderr.contains(&format!(
                "version {version} is not newer than the published version 4"
            )),
            "{stderr}"
        );
    }
    mirror.remove().await;
}
