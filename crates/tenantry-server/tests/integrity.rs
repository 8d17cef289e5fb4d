//! The database itself refuses rows that name what is not there, on SQLite (foreign
//! keys) and Postgres (the same rules checked once per statement, see
//! `migrations/server/postgres/20261222000000_reference_checks_per_statement.sql`) alike:
//! a change set of an unknown tenant, author or parent, a document head that is not a
//! stored change set, the deletion of a tenant or key that change sets name, a changed
//! tenant or key id, and any rewrite of a stored change set. Written straight to the
//! server's database, as a bug or a hand at a SQL prompt would; each is refused and
//! nothing changes. A statement of many rows is refused whole for one bad row, and a
//! row may name a parent written by the same statement (as a push writes them).

mod common;

use reqwest::StatusCode;
use sqlx::{AnyConnection, Connection, Row};

use common::{creation, hash_of, hipaa_example, TestServer};

on_both_databases!(rows_naming_what_is_not_there_are_refused);

const UNKNOWN: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One change-set row to write: (seq, hash, id, tenant, author, parent).
type NewRow<'a> = (i64, &'a str, &'a str, &'a str, &'a str, &'a str);

/// Writes `rows` in one statement.
async fn insert_changesets(db: &mut AnyConnection, rows: &[NewRow<'_>]) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO changesets (seq, hash, id, tenant_id, parent_hash, environment, author, \
         envelope, received_at_ms) VALUES {}",
        (0..rows.len())
            .map(|row| {
                let at = row * 7;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, 'draft', ${}, ${}, 0)",
                    at + 1,
                    at + 2,
                    at + 3,
                    at + 4,
                    at + 5,
                    at + 6,
                    at + 7
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut insert = sqlx::query(&sql);
    for (seq, hash, id, tenant, author, parent) in rows {
        insert = insert
            .bind(*seq)
            .bind(*hash)
            .bind(*id)
            .bind(*tenant)
            .bind(*parent)
            .bind(*author)
            .bind(b"{}".to_vec());
    }
    insert.execute(&mut *db).await.map(|_| ())
}

/// Inserts one change-set row after the stored one, naming `tenant`, `author` and
/// `parent`.
async fn insert_changeset(
    db: &mut AnyConnection,
    tenant: &str,
    author: &str,
    parent: &str,
) -> Result<(), sqlx::Error> {
    insert_changesets(db, &[(2, SECOND, SECOND_ID, tenant, author, parent)]).await
}

const SECOND: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const SECOND_ID: &str = "01a10b56-13e8-7592-9beb-ccfda2ed0000";
const THIRD: &str = "2222222222222222222222222222222222222222222222222222222222222222";
const THIRD_ID: &str = "01a10b56-13e8-7592-9beb-ccfda2ed0001";

async fn is_refused(db: &mut AnyConnection, sql: &str) -> bool {
    sqlx::query(sql).execute(&mut *db).await.is_err()
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
    // Two rows in one statement, the second the child of the first: taken (a push
    // writes a tenant's chain so) ...
    let key = manager.key_id.as_str();
    let mut tx = db.begin().await.expect("begin");
    insert_changesets(
        &mut tx,
        &[
            (2, SECOND, SECOND_ID, &tenant, key, &head),
            (3, THIRD, THIRD_ID, &tenant, key, SECOND),
        ],
    )
    .await
    .expect("a parent written by the same statement");
    tx.rollback().await.expect("rollback");
    // ... and refused whole when one of them names an unknown parent.
    assert!(
        insert_changesets(
            &mut db,
            &[
                (2, SECOND, SECOND_ID, &tenant, key, &head),
                (3, THIRD, THIRD_ID, &tenant, key, UNKNOWN),
            ],
        )
        .await
        .is_err(),
        "one bad row refuses the statement"
    );
    assert!(
        sqlx::query(
            "INSERT INTO tenants (id, slug, slug_skeleton, head_hash, head_seq, created_at_ms, draft_head) \
             VALUES ('another', 'another', 'another', $1, 1, 0, $1)",
        )
        .bind(UNKNOWN)
        .execute(&mut db)
        .await
        .is_err(),
        "a new tenant's head must be a stored change set"
    );

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
    // Keys: one that authored a change set stays even without its tokens; one that
    // authored nothing may go once nothing else names it.
    let idle = server.staff("Bo Idle", "account_manager").await;
    for (key, authored) in [(&manager.key_id, true), (&idle.key_id, false)] {
        let mut tx = db.begin().await.expect("begin");
        sqlx::query("DELETE FROM access_tokens WHERE key_id = $1")
            .bind(key)
            .execute(&mut *tx)
            .await
            .expect("tokens go");
        let deleted = sqlx::query("DELETE FROM staff_keys WHERE key_id = $1")
            .bind(key)
            .execute(&mut *tx)
            .await;
        assert_eq!(
            deleted.is_err(),
            authored,
            "deleting a key that authored {}: {deleted:?}",
            if authored { "a change set" } else { "nothing" }
        );
        tx.rollback().await.expect("rollback");
    }

    for (what, sql) in [
        (
            "a stored change set's bytes",
            "UPDATE changesets SET envelope = envelope || envelope",
        ),
        ("a stored change set", "DELETE FROM changesets"),
        ("a tenant's id", "UPDATE tenants SET id = 'renamed'"),
    ] {
        assert!(is_refused(&mut db, sql).await, "{what} cannot change");
    }
    assert!(
        sqlx::query("UPDATE staff_keys SET key_id = $1 WHERE key_id = $2")
            .bind(THIRD)
            .bind(&manager.key_id)
            .execute(&mut db)
            .await
            .is_err(),
        "a key's id cannot change"
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
