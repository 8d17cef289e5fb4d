//! The library in-process: the router without a socket, the OpenAPI document, the
//! bootstrap and the database on both engines.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tenantry_changeset::SigningKey;
use tenantry_server::{
    bootstrap_admin, openapi, router, AppState, BootstrapError, BootstrapOutcome, Database,
    DatabaseUrl, ServerConfig,
};
use tower::ServiceExt;

async fn exercise(url: &DatabaseUrl) {
    // Opening twice applies the migrations once and finds them applied the second time.
    let db = Database::open(url).await.expect("open");
    db.close().await;
    let db = Database::open(url).await.expect("reopen");
    db.check_ready().await.expect("ready");

    let key = SigningKey::generate().expect("key");
    let created = bootstrap_admin(&db, " Root Admin ", &key.public().to_hex())
        .await
        .expect("bootstrap");
    let BootstrapOutcome::Created { key_id, token } = created else {
        panic!("expected Created, got {created:?}");
    };
    assert_eq!(key_id, key.key_id().as_str());
    assert_eq!(token.len(), 64);
    let stored = db.key(&key.key_id()).await.expect("read").expect("stored");
    assert_eq!(stored.name, "Root Admin");
    let other = SigningKey::generate().expect("key");
    assert_eq!(
        bootstrap_admin(&db, "Second", &other.public().to_hex())
            .await
            .expect("answer"),
        BootstrapOutcome::AdminExists
    );
    assert!(matches!(
        bootstrap_admin(&db, "Bad", "xyz").await,
        Err(BootstrapError::BadPublicKey)
    ));
    assert!(matches!(
        bootstrap_admin(&db, "  ", &other.public().to_hex()).await,
        Err(BootstrapError::BadName)
    ));

    let app = router(AppState::new(db.clone(), ServerConfig::default()));
    for (path, status) in [
        ("/healthz", StatusCode::OK),
        ("/readyz", StatusCode::OK),
        ("/openapi.json", StatusCode::OK),
        ("/v1/keys", StatusCode::UNAUTHORIZED),
    ] {
        let response = app
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).expect("request"))
            .await
            .expect("a response");
        assert_eq!(response.status(), status, "{path}");
        assert!(response.headers().contains_key("x-request-id"), "{path}");
    }
    let response = app
        .oneshot(
            Request::get("/v1/keys")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("a response");
    assert_eq!(response.status(), StatusCode::OK);
    db.close().await;
}

#[tokio::test]
async fn the_library_runs_in_process_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let url = DatabaseUrl::sqlite_file(&dir.path().join("nested/dir/server.db"));
    exercise(&url).await;
}

#[tokio::test]
async fn the_library_runs_in_process_on_postgres() {
    let (admin_url, name, url) = common::create_postgres_database().await;
    exercise(&DatabaseUrl::parse(&url).expect("url")).await;
    common::drop_postgres_database(&admin_url, &name).await;
}

#[test]
fn the_openapi_document_is_3_1_and_names_every_area() {
    let document = serde_json::to_value(openapi()).expect("json");
    assert!(document["openapi"]
        .as_str()
        .is_some_and(|version| version.starts_with("3.1.")));
    let paths = document["paths"].as_object().expect("paths");
    for path in [
        "/v1/keys",
        "/v1/changesets",
        "/v1/changesets/{hash}/approvals",
        "/v1/tenants/heads",
        "/metrics",
    ] {
        assert!(paths.contains_key(path), "{path}");
    }
    // Every operation documents its error answers with the one error schema.
    assert!(document["components"]["schemas"]["ErrorBody"].is_object());
    assert!(document["components"]["schemas"]["Envelope"].is_object());
}
