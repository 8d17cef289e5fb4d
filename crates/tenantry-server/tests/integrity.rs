//! The database itself refuses rows that name what is not there (its foreign keys, on
//! SQLite and Postgres alike): a change set of an unknown tenant, author or parent, a
//! document head that is not a stored change set, and the deletion of a tenant or key
//! that change sets name. Written straight to the server's database, as a bug or a hand
//! at a SQL prompt would; each is refused and nothing changes. (The keys cost the push
//! time under the sequence lock; replacing them with per-statement checks was measured
//! and not worth it: BENCHMARKS.md, 2026-12-06 afternoon.)

mod common;

use reqwest::StatusCode;
use sqlx::{AnyConnection, Connection, Row};

use common::{creation, hash_of, hipaa_example, TestServer};

on_both_databases!(rows_naming_what_is_not_there_are_refused);

const UNKNOWN: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Inserts one change-set row after the stored one, naming `tenant`, `author` and
/// `parent`.
async fn insert_changeset(
    db: &mut AnyConnection,
    tenant: &str,
    author: &str,
    parent: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO changesets (seq, hash, id, tenant_id, parent_hash, environment, author, \
         envelope, received_at_ms) VALUES (2, $1, $2, $3, $4, 'draft', $5, $6, 0)",
    )
    .bind("1111111111111111111111111111111111111111111111111111111111111111")
    .bind("01a10b56-13e8-7592-9beb-ccfda2ed0000")
    .bind(tenant)
    .bind(parent)
    .bind(author)
    .bind(b"{}".to_vec())
    .execute(&mut *db)
    .await
    .map(|_| ())
}

async fn count(db: &mut AnyConnection, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&mut *db)
        .await
        .expect("count")
        .get(0)
}

async fn rows_naming_what_is_not_there_are_refused(server: &mut TestServer) {
    let manager = server.staff("Ana Lima", "account_manager").await;
    let doc = hipaa_example();
    let first = creation(&manager.key, &doc);
    let (status, answer) = server.push(&manager.token, &first).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let head = hash_of(&first);
    let tenant = doc.tenant.id.to_string();

    sqlx::any::install_default_drivers();
    let mut db = AnyConnection::connect(&server.database_url)
        .await
        .expect("connect to the server's database");

    let refused = [
        (
            "an unknown tenant",
            UNKNOWN,
            manager.key_id.as_str(),
            head.as_str(),
        ),
        (
            "an unknown author",
            tenant.as_str(),
            "not-a-key",
            head.as_str(),
        ),
        (
            "an unknown parent",
            tenant.as_str(),
            manager.key_id.as_str(),
            UNKNOWN,
        ),
    ];
    for (what, tenant, author, parent) in refused {
        assert!(
            insert_changeset(&mut db, tenant, author, parent)
                .await
                .is_err(),
            "a change set naming {what} is refused"
        );
    }
    // The same row with every name right is taken: the refusals above were about them.
    let mut tx = db.begin().await.expect("begin");
    insert_changeset(&mut tx, &tenant, &manager.key_id, &head)
        .await
        .expect("a row naming what is there");
    tx.rollback().await.expect("rollback");

    assert!(
        sqlx::query("UPDATE tenants SET draft_head = $1")
            .bind(UNKNOWN)
            .execute(&mut db)
            .await
            .is_err(),
        "a document head must be a stored change set"
    );
    assert!(
        sqlx::query("DELETE FROM tenants")
            .execute(&mut db)
            .await
            .is_err(),
        "a tenant named by change sets stays"
    );
    assert!(
        sqlx::query("DELETE FROM staff_keys WHERE key_id = $1")
            .bind(&manager.key_id)
            .execute(&mut db)
            .await
            .is_err(),
        "a key named by change sets stays"
    );

    assert_eq!(count(&mut db, "SELECT COUNT(*) FROM changesets").await, 1);
    assert_eq!(count(&mut db, "SELECT COUNT(*) FROM tenants").await, 1);
    let stored: String = sqlx::query("SELECT draft_head FROM tenants")
        .fetch_one(&mut db)
        .await
        .expect("the document row")
        .get(0);
    assert_eq!(stored, head, "the head did not move");
    assert_eq!(server.pull_all(&manager.token, 10).await.len(), 1);
}
