//! The signed catalog on the server, in process on SQLite and Postgres: publishing
//! (versions only go up), `GET /v1/catalog` and `/v1/catalog/key`, and a build without
//! the OS keyring.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;
use tenantry_changeset::catalog::verify_fresh_catalog;
use tenantry_changeset::keys::PublicKey;
use tenantry_core::catalog::Catalog;
use tenantry_core::Timestamp;
use tenantry_server::catalog::{init_platform_key, publish, Publication, PublishError};
use tenantry_server::{
    bootstrap_admin, openapi, router, AppState, BootstrapOutcome, Database, DatabaseUrl,
    ServerConfig,
};
use tower::ServiceExt;

async fn get(app: &axum::Router, path: &str, token: Option<&str>) -> (StatusCode, Value) {
    let mut request = Request::get(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("a response");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn publication<'a>(key_file: &'a std::path::Path, version: Option<u64>) -> Publication<'a> {
    Publication {
        key_file,
        catalog: Catalog::bundled(),
        organisation: "acme",
        version,
        valid_for: Duration::from_secs(3600),
    }
}

async fn exercise(url: &DatabaseUrl) {
    let db = Database::open(url).await.expect("open");
    let admin = tenantry_changeset::SigningKey::generate().expect("key");
    let BootstrapOutcome::Created { token, .. } =
        bootstrap_admin(&db, "Root", &admin.public().to_hex())
            .await
            .expect("bootstrap")
    else {
        panic!("no admin made");
    };
    let config = ServerConfig {
        organisation: "acme".to_owned(),
        ..ServerConfig::default()
    };
    let app = router(AppState::new(db.clone(), config));

    // Nothing published: the server does not make one up.
    for path in ["/v1/catalog", "/v1/catalog/key"] {
        let (status, body) = get(&app, path, Some(&token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["code"], "no_catalog", "{path}");
        let (status, body) = get(&app, path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(body["code"], "unauthenticated", "{path}");
    }

    let dir = tempfile::tempdir().expect("dir");
    let key_file = dir.path().join("platform.key");
    let platform = init_platform_key(&key_file).expect("platform key");

    let first = publish(&db, publication(&key_file, None))
        .await
        .expect("published");
    assert_eq!(first.version, 1, "the first version defaults to 1");
    let fifth = publish(&db, publication(&key_file, Some(5)))
        .await
        .expect("published");
    assert_eq!(fifth.version, 5);
    for version in [Some(5), Some(4)] {
        let error = publish(&db, publication(&key_file, version))
            .await
            .expect_err("not newer");
        assert!(
            matches!(
                error,
                PublishError::NotNewer {
                    current: 5,
                    next: 6,
                    ..
                }
            ),
            "{error}"
        );
        assert!(error.to_string().contains("version 6"), "{error}");
    }
    assert_eq!(db.catalog_version().await.expect("read"), Some(5));
    let next = publish(&db, publication(&key_file, None))
        .await
        .expect("published");
    assert_eq!(next.version, 6);

    let (status, body) = get(&app, "/v1/catalog", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 6);
    assert_eq!(body["key_id"], platform.key_id().as_str());
    let envelope = STANDARD
        .decode(body["envelope"].as_str().expect("envelope"))
        .expect("base64");
    assert_eq!(envelope, next.envelope, "the exact stored bytes");
    let verified =
        verify_fresh_catalog(&envelope, &platform, "acme", Timestamp::now()).expect("verifies");
    assert_eq!(verified.document.version, 6);
    assert_eq!(verified.document.catalog, Catalog::bundled());
    assert_eq!(body["expires_at"], verified.document.expires_at.to_string());

    let (status, body) = get(&app, "/v1/catalog/key", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        PublicKey::from_hex(body["public_key"].as_str().expect("hex")).expect("key"),
        platform
    );
    assert_eq!(body["key_id"], platform.key_id().as_str());

    // A missing key file publishes nothing.
    let missing = dir.path().join("missing.key");
    assert!(matches!(
        publish(&db, publication(&missing, Some(9))).await,
        Err(PublishError::Key(_))
    ));
    assert_eq!(db.catalog_version().await.expect("read"), Some(6));
    db.close().await;
}

#[tokio::test]
async fn catalogs_are_published_and_served_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    exercise(&DatabaseUrl::sqlite_file(&dir.path().join("server.db"))).await;
}

#[tokio::test]
async fn catalogs_are_published_and_served_on_postgres() {
    let (admin_url, name, url) = common::create_postgres_database().await;
    exercise(&DatabaseUrl::parse(&url).expect("url")).await;
    common::drop_postgres_database(&admin_url, &name).await;
}

#[test]
fn the_openapi_document_describes_the_catalog_routes() {
    let document = serde_json::to_value(openapi()).expect("json");
    for path in ["/v1/catalog", "/v1/catalog/key"] {
        let responses = &document["paths"][path]["get"]["responses"];
        for status in ["200", "401", "404", "429", "503"] {
            assert!(responses[status].is_object(), "{path} {status}");
        }
    }
    let schemas = &document["components"]["schemas"];
    assert!(schemas["SignedCatalogView"]["properties"]["envelope"].is_object());
    assert!(schemas["PlatformKeyView"]["properties"]["public_key"].is_object());
    assert!(schemas["ErrorCode"].to_string().contains("no_catalog"));
}

#[test]
fn the_server_links_no_os_keyring() {
    let output = std::process::Command::new(env!("CARGO"))
        .args([
            "tree",
            "--edges",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
            "-p",
            "tenantry-server",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8(output.stdout).expect("utf-8");
    assert!(
        tree.contains("tenantry-keystore"),
        "the key-file part is used"
    );
    let linked: Vec<&str> = tree
        .lines()
        .filter(|line| {
            let name = line.split_whitespace().next().unwrap_or_default();
            name.contains("keyring") || name.contains("dbus")
        })
        .collect();
    assert!(linked.is_empty(), "the server links {linked:?}");
}
