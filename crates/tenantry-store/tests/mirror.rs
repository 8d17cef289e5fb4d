//! The store's behaviour, run once on a real SQLite file and once on a real Postgres
//! database. A case is an `async fn(&TestMirror)`; `on_both_backends!` makes one test
//! per backend so a failure names the engine.

use tenantry_core::{Field, Industry, NewDraft};
use tenantry_store::testing::TestMirror;
use tenantry_store::{CreateDraftError, DatabaseKind, Location, Store, StoreError};

tenantry_store::on_both_backends!(
    a_new_mirror_has_no_drafts,
    a_created_draft_is_listed_with_what_was_typed,
    drafts_are_listed_newest_first,
    drafts_survive_a_restart,
    invalid_input_writes_nothing,
    migrations_are_idempotent,
    a_row_written_behind_the_apps_back_is_reported_not_guessed,
);

fn new_draft(name: &str, industry: &str) -> NewDraft {
    NewDraft {
        client_name: name.to_owned(),
        industry: industry.to_owned(),
    }
}

async fn a_new_mirror_has_no_drafts(mirror: &TestMirror) {
    assert!(mirror.store.list_drafts().await.expect("list").is_empty());
}

async fn a_created_draft_is_listed_with_what_was_typed(mirror: &TestMirror) {
    let created = mirror
        .store
        .create_draft(&new_draft("  Acme Health  ", "healthcare"))
        .await
        .expect("create");
    assert_eq!(created.client_name, "Acme Health");
    let listed = mirror.store.list_drafts().await.expect("list");
    assert_eq!(listed, vec![created]);
    assert_eq!(listed[0].industry, Industry::Healthcare);
}

async fn drafts_are_listed_newest_first(mirror: &TestMirror) {
    let mut made = Vec::new();
    for name in ["First", "Second", "Third"] {
        made.push(
            mirror
                .store
                .create_draft(&new_draft(name, "retail"))
                .await
                .expect("create"),
        );
    }
    let names: Vec<_> = mirror
        .store
        .list_drafts()
        .await
        .expect("list")
        .into_iter()
        .map(|draft| draft.client_name)
        .collect();
    // Same-millisecond drafts are ordered by their time-ordered ids.
    assert_eq!(names, ["Third", "Second", "First"]);
}

async fn drafts_survive_a_restart(mirror: &TestMirror) {
    let created = mirror
        .store
        .create_draft(&new_draft("Northwind Bank", "financial_services"))
        .await
        .expect("create");
    let reopened = Store::open(mirror.location().clone())
        .await
        .expect("reopen");
    assert_eq!(reopened.list_drafts().await.expect("list"), vec![created]);
    reopened.close().await;
}

async fn invalid_input_writes_nothing(mirror: &TestMirror) {
    let hostile = [
        new_draft("", "retail"),
        new_draft("    ", "retail"),
        new_draft(&"x".repeat(10_000), "retail"),
        new_draft("Acme\u{0}Corp", "retail"),
        new_draft("Acme\nCorp", "retail"),
        new_draft("Acme", ""),
        new_draft("Acme", "retail'; DROP TABLE drafts; --"),
    ];
    for input in hostile {
        match mirror.store.create_draft(&input).await {
            Err(CreateDraftError::Invalid(error)) => {
                assert!(!error.issues().is_empty());
                assert!(error
                    .issues()
                    .iter()
                    .all(|issue| matches!(issue.field, Field::ClientName | Field::Industry)));
            }
            other => panic!("{input:?} should be refused as invalid, got {other:?}"),
        }
    }
    assert!(mirror.store.list_drafts().await.expect("list").is_empty());
}

async fn migrations_are_idempotent(mirror: &TestMirror) {
    // Opening an up-to-date mirror again runs no migration and keeps the data.
    mirror
        .store
        .create_draft(&new_draft("Acme", "media"))
        .await
        .expect("create");
    for _ in 0..2 {
        let again = Store::open(mirror.location().clone())
            .await
            .expect("reopen");
        assert_eq!(again.list_drafts().await.expect("list").len(), 1);
        again.close().await;
    }
}

async fn a_row_written_behind_the_apps_back_is_reported_not_guessed(mirror: &TestMirror) {
    let created = mirror
        .store
        .create_draft(&new_draft("Acme", "media"))
        .await
        .expect("create");
    tamper_industry(mirror.location(), created.id.as_str()).await;
    match mirror.store.list_drafts().await {
        Err(StoreError::CorruptRow { table, id, detail }) => {
            assert_eq!(table, "drafts");
            assert_eq!(id, created.id.as_str());
            assert!(detail.contains("unknown industry 'astrology'"), "{detail}");
        }
        other => panic!("expected a corrupt-row error, got {other:?}"),
    }
}

/// Edits a row with a separate connection, as a person with a SQL shell could.
async fn tamper_industry(location: &Location, id: &str) {
    use sqlx::Connection;
    const SQL: &str = "UPDATE drafts SET industry = 'astrology' WHERE id = $1";
    match location {
        Location::SqliteFile(path) => {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .expect("connect");
            sqlx::query(SQL)
                .bind(id)
                .execute(&mut conn)
                .await
                .expect("tamper");
        }
        Location::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query(SQL)
                .bind(id)
                .execute(&mut conn)
                .await
                .expect("tamper");
        }
    }
}

#[tokio::test]
async fn each_backend_reports_its_kind() {
    let sqlite = TestMirror::sqlite().await;
    assert_eq!(sqlite.store.kind(), DatabaseKind::Sqlite);
    assert!(sqlite.data_dir().is_some());
    sqlite.remove().await;
    let postgres = TestMirror::postgres().await;
    assert_eq!(postgres.store.kind(), DatabaseKind::Postgres);
    assert!(postgres
        .store
        .location()
        .to_string()
        .starts_with("postgres://"));
    postgres.remove().await;
}

#[tokio::test]
async fn the_sqlite_mirror_keeps_a_write_ahead_log() {
    use sqlx::Connection;
    let mirror = TestMirror::sqlite().await;
    let Location::SqliteFile(path) = mirror.location() else {
        panic!("a SQLite mirror")
    };
    // The journal mode is a property of the file: a separate connection sees it.
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("connect");
    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .expect("pragma");
    assert_eq!(mode, "wal");
    conn.close().await.ok();
    mirror.remove().await;
}

#[tokio::test]
async fn an_unreachable_postgres_is_a_clear_error_without_the_password() {
    let location = Location::Postgres("postgres://app:s3cret@127.0.0.1:1/tenantry".into());
    let error = Store::open(location)
        .await
        .expect_err("nothing listens on port 1");
    let message = error.to_string();
    assert!(
        message.starts_with("could not open the mirror at postgres://app:***@127.0.0.1:1/tenantry"),
        "{message}"
    );
    assert!(!message.contains("s3cret"));
}

#[tokio::test]
async fn a_data_dir_that_cannot_be_created_is_named() {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    // A regular file where the data directory should be.
    let location = Location::SqliteFile(file.path().join("sub").join("tenantry.sqlite3"));
    match Store::open(location).await {
        Err(StoreError::CreateDataDir { path, .. }) => assert_eq!(path, file.path().join("sub")),
        other => panic!("expected CreateDataDir, got {other:?}"),
    }
}
