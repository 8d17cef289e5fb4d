//! The store's behaviour, run once on a real SQLite file and once on a real Postgres
//! database. A case is an `async fn(&TestMirror)`; `on_both_backends!` makes one test
//! per backend so a failure names the engine.

use tenantry_core::{DraftId, Field, Industry, NewDraft, SubmissionState, TenantDocument};
use tenantry_store::testing::TestMirror;
use tenantry_store::{CreateDraftError, DatabaseKind, DraftError, Location, Store, StoreError};

tenantry_store::on_both_backends!(
    a_new_mirror_has_no_drafts,
    a_created_draft_is_listed_with_what_was_typed,
    drafts_are_listed_newest_first,
    drafts_survive_a_restart,
    invalid_input_writes_nothing,
    migrations_are_idempotent,
    a_row_written_behind_the_apps_back_is_reported_not_guessed,
    a_draft_opens_with_its_starting_document,
    autosaved_edits_survive_a_restart_and_show_in_the_list,
    saving_an_unchanged_document_writes_nothing,
    a_draft_never_changes_tenant,
    an_oversized_document_is_refused_and_the_draft_kept,
    an_unknown_draft_is_named_in_the_error,
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

async fn a_draft_opens_with_its_starting_document(mirror: &TestMirror) {
    let created = mirror
        .store
        .create_draft(&new_draft("Acme Health", "healthcare"))
        .await
        .expect("create");
    assert_eq!(created.slug, "acme-health");
    let opened = mirror.store.open_draft(&created.id).await.expect("open");
    assert_eq!(opened.draft, created);
    assert_eq!(opened.document.tenant.display_name, "Acme Health");
    assert_eq!(opened.document.tenant.slug.as_str(), "acme-health");
    assert_eq!(
        opened.document.classification.industry,
        Some(Industry::Healthcare)
    );
    assert_eq!(opened.submitted_hash, None);
    // The tenant id is fixed when the draft is made, not each time it is opened.
    let again = mirror.store.open_draft(&created.id).await.expect("open");
    assert_eq!(again.document.tenant.id, opened.document.tenant.id);
}

fn edited(mut document: TenantDocument, name: &str, legal: &str) -> TenantDocument {
    document.tenant.display_name = name.to_owned();
    document.tenant.metadata.legal_name = Some(legal.to_owned());
    document.classification.industry = Some(Industry::Insurance);
    document
}

async fn autosaved_edits_survive_a_restart_and_show_in_the_list(mirror: &TestMirror) {
    let created = mirror
        .store
        .create_draft(&new_draft("Acme", "retail"))
        .await
        .expect("create");
    let document = mirror
        .store
        .open_draft(&created.id)
        .await
        .expect("open")
        .document;
    let document = edited(document, "Acme Mutual", "Acme Mutual Insurance Ltd");
    let saved = mirror
        .store
        .save_draft(&created.id, &document)
        .await
        .expect("save");
    assert_eq!(saved.client_name, "Acme Mutual");
    assert_eq!(saved.industry, Industry::Insurance);
    assert!(saved.updated_at >= created.updated_at);
    assert_eq!(saved.submission, SubmissionState::NotSubmitted);

    let reopened = Store::open(mirror.location().clone())
        .await
        .expect("reopen");
    assert_eq!(
        reopened
            .open_draft(&created.id)
            .await
            .expect("open")
            .document,
        document
    );
    assert_eq!(reopened.list_drafts().await.expect("list"), vec![saved]);
    reopened.close().await;

    // A name half-typed (empty) is kept in the document but the list keeps the last
    // good name, so the list never shows a blank client.
    let half_typed = edited(document, "", "Acme Mutual Insurance Ltd");
    let saved = mirror
        .store
        .save_draft(&created.id, &half_typed)
        .await
        .expect("save");
    assert_eq!(saved.client_name, "Acme Mutual");
    let opened = mirror.store.open_draft(&created.id).await.expect("open");
    assert_eq!(opened.document.tenant.display_name, "");
}

async fn saving_an_unchanged_document_writes_nothing(mirror: &TestMirror) {
    let created = mirror
        .store
        .create_draft(&new_draft("Acme", "retail"))
        .await
        .expect("create");
    let document = mirror
        .store
        .open_draft(&created.id)
        .await
        .expect("open")
        .document;
    std::thread::sleep(std::time::Duration::from_millis(5));
    let saved = mirror
        .store
        .save_draft(&created.id, &document)
        .await
        .expect("save");
    assert_eq!(saved.updated_at, created.updated_at);
}

async fn a_draft_never_changes_tenant(mirror: &TestMirror) {
    let first = mirror
        .store
        .create_draft(&new_draft("Acme", "retail"))
        .await
        .expect("create");
    let other = mirror
        .store
        .create_draft(&new_draft("Globex", "retail"))
        .await
        .expect("create");
    let before = mirror.store.open_draft(&first.id).await.expect("open");
    let foreign = mirror
        .store
        .open_draft(&other.id)
        .await
        .expect("open")
        .document;
    match mirror.store.save_draft(&first.id, &foreign).await {
        Err(DraftError::OtherTenant { expected, found }) => {
            assert_eq!(expected, before.document.tenant.id.to_string());
            assert_eq!(found, foreign.tenant.id.to_string());
        }
        other => panic!("expected OtherTenant, got {other:?}"),
    }
    assert_eq!(
        mirror.store.open_draft(&first.id).await.expect("open"),
        before
    );
}

async fn an_oversized_document_is_refused_and_the_draft_kept(mirror: &TestMirror) {
    let created = mirror
        .store
        .create_draft(&new_draft("Acme", "retail"))
        .await
        .expect("create");
    let before = mirror.store.open_draft(&created.id).await.expect("open");
    let mut huge = before.document.clone();
    huge.tenant.metadata.legal_name = Some("x".repeat(2 * 1024 * 1024));
    match mirror.store.save_draft(&created.id, &huge).await {
        Err(error @ DraftError::TooLarge { .. }) => {
            assert!(error.to_string().contains("nothing was saved"), "{error}")
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert_eq!(
        mirror.store.open_draft(&created.id).await.expect("open"),
        before
    );
}

async fn an_unknown_draft_is_named_in_the_error(mirror: &TestMirror) {
    let missing = DraftId::generate();
    match mirror.store.open_draft(&missing).await {
        Err(DraftError::NotFound(id)) => assert_eq!(id, missing.as_str()),
        other => panic!("expected NotFound, got {other:?}"),
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
