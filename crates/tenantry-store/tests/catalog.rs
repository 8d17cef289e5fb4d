//! The signed catalog in the mirror, on SQLite and Postgres: only a fresh, newer catalog
//! signed by the platform key is stored; every refusal leaves the held one in place.

use sqlx::Connection;
use tenantry_changeset::catalog::{CatalogDocument, CatalogError};
use tenantry_changeset::SigningKey;
use tenantry_core::catalog::Catalog;
use tenantry_core::Timestamp;
use tenantry_store::testing::TestMirror;
use tenantry_store::{AcceptCatalogError, CatalogAcceptance, Location, StoreError};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const SOURCE: &str = "http://127.0.0.1:8480";

fn at(millis: i64) -> Timestamp {
    Timestamp::from_unix_millis(millis).expect("in range")
}

/// A catalog of `version` signed by `key`, issued a second ago and valid for `days`.
fn signed(key: &SigningKey, version: u64, organisation: &str, days: i64) -> Vec<u8> {
    let now = Timestamp::now().unix_millis();
    let mut catalog = Catalog::bundled();
    catalog.version = format!("2026.12.{version}");
    CatalogDocument::new(
        organisation,
        version,
        at(now - 1000),
        at(now + days * DAY_MS),
        catalog,
    )
    .expect("document")
    .sign(key)
    .to_json()
}

fn refused(outcome: Result<CatalogAcceptance, AcceptCatalogError>) -> CatalogError {
    match outcome {
        Err(AcceptCatalogError::Refused(error)) => error,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn a_newer_catalog_replaces_and_refusals_change_nothing(mirror: &TestMirror) {
    let store = &mirror.store;
    let platform = SigningKey::generate().expect("key");
    let now = Timestamp::now();
    assert_eq!(store.current_catalog().await.expect("read"), None);

    let five = signed(&platform, 5, "acme", 30);
    assert_eq!(
        store
            .accept_catalog(&five, &platform.public(), "acme", now, SOURCE)
            .await
            .expect("stored"),
        CatalogAcceptance::Stored
    );
    let held = store.current_catalog().await.expect("read").expect("held");
    assert_eq!(held.version, 5);
    assert_eq!(held.catalog.version, "2026.12.5");
    assert_eq!(held.envelope, five);
    assert_eq!(held.key_id, platform.key_id().to_string());
    assert_eq!(held.source, SOURCE);
    assert!(!held.is_expired(now));
    assert_eq!(
        held.platform_key().expect("key").key_id(),
        platform.key_id()
    );

    // The same bytes again: nothing to do.
    assert_eq!(
        store
            .accept_catalog(&five, &platform.public(), "acme", now, SOURCE)
            .await
            .expect("same"),
        CatalogAcceptance::AlreadyCurrent
    );

    let older = signed(&platform, 4, "acme", 30);
    let error = refused(
        store
            .accept_catalog(&older, &platform.public(), "acme", now, SOURCE)
            .await,
    );
    assert_eq!(
        error,
        CatalogError::Older {
            version: 4,
            stored: 5
        }
    );

    let other_five = signed(&platform, 5, "acme", 60);
    assert_eq!(
        refused(
            store
                .accept_catalog(&other_five, &platform.public(), "acme", now, SOURCE)
                .await
        ),
        CatalogError::Conflicting { version: 5 }
    );

    let stranger = SigningKey::generate().expect("key");
    let forged = signed(&stranger, 6, "acme", 30);
    assert!(matches!(
        refused(
            store
                .accept_catalog(&forged, &platform.public(), "acme", now, SOURCE)
                .await
        ),
        CatalogError::NotSignedByPlatformKey { .. }
    ));

    let elsewhere = signed(&platform, 6, "globex", 30);
    assert!(matches!(
        refused(
            store
                .accept_catalog(&elsewhere, &platform.public(), "acme", now, SOURCE)
                .await
        ),
        CatalogError::WrongOrganisation { version: 6, .. }
    ));

    // Valid for a day, checked two days later.
    let short = signed(&platform, 6, "acme", 1);
    let later = at(now.unix_millis() + 2 * DAY_MS);
    assert!(matches!(
        refused(
            store
                .accept_catalog(&short, &platform.public(), "acme", later, SOURCE)
                .await
        ),
        CatalogError::Expired { version: 6, .. }
    ));

    // A clock a day behind sees a catalog from its future.
    let behind = at(now.unix_millis() - DAY_MS);
    assert!(matches!(
        refused(
            store
                .accept_catalog(&short, &platform.public(), "acme", behind, SOURCE)
                .await
        ),
        CatalogError::NotYetValid { version: 6, .. }
    ));

    let still = store.current_catalog().await.expect("read").expect("held");
    assert_eq!(still, held, "every refusal left version 5 in place");

    let seven = signed(&platform, 7, "acme", 30);
    assert_eq!(
        store
            .accept_catalog(&seven, &platform.public(), "acme", now, SOURCE)
            .await
            .expect("stored"),
        CatalogAcceptance::Stored
    );
    let held = store.current_catalog().await.expect("read").expect("held");
    assert_eq!(held.version, 7);
    assert_eq!(held.envelope, seven);
}

async fn the_held_catalog_survives_a_reopen(mirror: &TestMirror) {
    let platform = SigningKey::generate().expect("key");
    let envelope = signed(&platform, 2, "acme", 30);
    mirror
        .store
        .accept_catalog(
            &envelope,
            &platform.public(),
            "acme",
            Timestamp::now(),
            SOURCE,
        )
        .await
        .expect("stored");
    let reopened = tenantry_store::Store::open(mirror.location().clone())
        .await
        .expect("reopen");
    let held = reopened
        .current_catalog()
        .await
        .expect("read")
        .expect("held");
    assert_eq!(held.version, 2);
    assert_eq!(held.envelope, envelope);
    reopened.close().await;
}

/// Rewrites one byte of the held envelope behind the store's back, as a disk error or
/// a hand edit would.
async fn tamper(mirror: &TestMirror) {
    const SQL: &str = "UPDATE platform_catalogs SET envelope = $1";
    let mut envelope = mirror
        .store
        .current_catalog()
        .await
        .expect("read")
        .expect("held")
        .envelope;
    let at = envelope.len() / 2;
    envelope[at] = if envelope[at] == b'A' { b'B' } else { b'A' };
    match mirror.location() {
        Location::SqliteFile(path) => {
            let mut connection =
                sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                    .await
                    .expect("connect");
            sqlx::query(SQL)
                .bind(envelope)
                .execute(&mut connection)
                .await
                .expect("update");
        }
        Location::Postgres(url) => {
            let mut connection = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query(SQL)
                .bind(envelope)
                .execute(&mut connection)
                .await
                .expect("update");
        }
    }
}

async fn an_altered_stored_catalog_is_never_served(mirror: &TestMirror) {
    let platform = SigningKey::generate().expect("key");
    mirror
        .store
        .accept_catalog(
            &signed(&platform, 3, "acme", 30),
            &platform.public(),
            "acme",
            Timestamp::now(),
            SOURCE,
        )
        .await
        .expect("stored");
    tamper(mirror).await;
    let error = mirror.store.current_catalog().await.expect_err("corrupt");
    assert!(
        matches!(&error, StoreError::CorruptRow { table: "platform_catalogs", id, .. } if id == "3"),
        "{error}"
    );
}

tenantry_store::on_both_backends!(
    a_newer_catalog_replaces_and_refusals_change_nothing,
    the_held_catalog_survives_a_reopen,
    an_altered_stored_catalog_is_never_served,
);
