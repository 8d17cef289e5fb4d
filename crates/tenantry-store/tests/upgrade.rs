//! A mirror made by the previous schema (only the first migration: drafts) is brought up
//! to date in place when the app opens it: the drafts survive and the signed ledger works.
//! Runs on a real SQLite file and a real Postgres database.

use std::path::Path;

use sqlx::migrate::Migrator;
use sqlx::Connection;
use tenantry_changeset::changeset::ChangeSet;
use tenantry_changeset::{Envelope, SigningKey};
use tenantry_core::tenant::Regulation;
use tenantry_core::{ClientName, Industry, NewDraft, TenantDocument, Timestamp};
use tenantry_store::testing::postgres_admin_url;
use tenantry_store::{Location, Store};

const FIRST_MIGRATION: &str = "20261124000000_drafts.sql";

/// A migrator holding only the first migration of `backend` (same bytes, same checksum).
async fn first_migration_only(backend: &str, scratch: &Path) -> Migrator {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../migrations")
        .join(backend)
        .join(FIRST_MIGRATION);
    let dir = scratch.join(backend);
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::copy(&source, dir.join(FIRST_MIGRATION)).expect("copy the first migration");
    Migrator::new(dir.as_path())
        .await
        .expect("read the migration")
}

async fn upgraded_mirror_keeps_drafts_and_records(location: Location) {
    let store = Store::open(location).await.expect("the upgrade runs");
    let drafts = store.list_drafts().await.expect("drafts");
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].client_name, "Made Before The Upgrade");
    assert_eq!(drafts[0].slug, "made-before-the-upgrade");
    // The old draft gets its tenant document the first time it is opened, once.
    let opened = store
        .open_draft(&drafts[0].id)
        .await
        .expect("open an old draft");
    assert_eq!(
        opened.document.tenant.display_name,
        "Made Before The Upgrade"
    );
    assert_eq!(
        opened.document.classification.industry,
        Some(Industry::Retail)
    );
    let again = store.open_draft(&drafts[0].id).await.expect("open again");
    assert_eq!(again.document.tenant.id, opened.document.tenant.id);

    let key = SigningKey::generate().expect("key");
    store
        .add_signing_key(&key.public(), "test")
        .await
        .expect("trust");
    let doc = TenantDocument::with_safe_defaults(
        &ClientName::parse("Acme Health").expect("name"),
        Industry::Healthcare,
        &[Regulation::Hipaa],
    )
    .expect("defaults");
    let changeset = ChangeSet {
        schema_version: tenantry_changeset::CHANGESET_SCHEMA_VERSION,
        id: ChangeSet::new_id(),
        organisation: "org-example".into(),
        tenant: doc.tenant.id.clone(),
        environment: tenantry_changeset::Environment::Draft,
        parent: None,
        operations: vec![ChangeSet::creation(&doc)],
        summary: "Onboard".into(),
        justifications: Default::default(),
        author: key.key_id(),
        created_at: Timestamp::now(),
    };
    store
        .record(&Envelope::sign(&changeset, &key).to_json())
        .await
        .expect("the ledger works after the upgrade");
    store.close().await;
}

fn old_draft() -> (String, String, String, i64) {
    let draft = NewDraft {
        client_name: "Made Before The Upgrade".into(),
        industry: "retail".into(),
    };
    let valid = draft.validate().expect("valid");
    let created = tenantry_core::Draft::start(&valid, Timestamp::now());
    (
        created.id.as_str().to_owned(),
        created.client_name,
        created.industry.id().to_owned(),
        created.created_at.unix_millis(),
    )
}

#[tokio::test]
async fn a_sqlite_mirror_from_the_previous_schema_upgrades_in_place() {
    let scratch = tempfile::tempdir().expect("dir");
    let path = scratch.path().join("old.sqlite3");
    let mut conn =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .expect("create");
    first_migration_only("sqlite", scratch.path())
        .await
        .run(&mut conn)
        .await
        .expect("old schema");
    let (id, name, industry, at) = old_draft();
    sqlx::query("INSERT INTO drafts (id, client_name, industry, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $4)")
        .bind(id)
        .bind(name)
        .bind(industry)
        .bind(at)
        .execute(&mut conn)
        .await
        .expect("an old draft");
    conn.close().await.ok();
    upgraded_mirror_keeps_drafts_and_records(Location::SqliteFile(path)).await;
}

#[tokio::test]
async fn a_postgres_mirror_from_the_previous_schema_upgrades_in_place() {
    let scratch = tempfile::tempdir().expect("dir");
    let admin_url = postgres_admin_url();
    let name = format!("tenantry_upgrade_{}", uuid_suffix());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("Postgres for tests (make test provides one)");
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
        .expect("create database");
    let url = match admin_url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("admin URL without a database: {admin_url}"),
    };
    let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
    first_migration_only("postgres", scratch.path())
        .await
        .run(&mut conn)
        .await
        .expect("old schema");
    let (id, client, industry, at) = old_draft();
    sqlx::query("INSERT INTO drafts (id, client_name, industry, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $4)")
        .bind(id)
        .bind(client)
        .bind(industry)
        .bind(at)
        .execute(&mut conn)
        .await
        .expect("an old draft");
    conn.close().await.ok();
    upgraded_mirror_keeps_drafts_and_records(Location::Postgres(url)).await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop");
}

/// Lowercase hex, safe inside a quoted identifier.
fn uuid_suffix() -> String {
    ChangeSet::new_id().replace('-', "")
}
