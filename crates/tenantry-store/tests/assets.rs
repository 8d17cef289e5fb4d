//! Images in the mirror, on SQLite and Postgres: stored by the SHA-256 of their bytes,
//! stored once however often they are chosen, and read back only as what was stored.

use sqlx::Connection;
use tenantry_core::asset::samples::{jpeg, png, webp_lossless};
use tenantry_core::asset::{check_image, parse_asset_reference, sha256_hex, ImageKind};
use tenantry_store::testing::TestMirror;
use tenantry_store::{Location, StoreError};

async fn an_image_is_kept_under_its_hash_and_read_back(mirror: &TestMirror) {
    let store = &mirror.store;
    for (bytes, kind) in [
        (png(120, 40), ImageKind::Png),
        (jpeg(64, 64), ImageKind::Jpeg),
        (webp_lossless(32, 16), ImageKind::Webp),
    ] {
        let image = check_image(bytes.clone()).expect("an image");
        let reference = store.put_image(&image).await.expect("stored");
        let hex = parse_asset_reference(&reference).expect("an asset reference");
        assert_eq!(hex, sha256_hex(&bytes));
        let read = store.image(hex).await.expect("read").expect("held");
        assert_eq!(read.kind(), kind);
        assert_eq!(read.bytes(), bytes.as_slice());
        // The same file chosen again is the same asset, not a second row.
        assert_eq!(store.put_image(&image).await.expect("again"), reference);
    }
    assert_eq!(count_assets(mirror).await, 3);
}

async fn an_unknown_hash_is_none(mirror: &TestMirror) {
    let absent = sha256_hex(b"never stored");
    assert!(mirror.store.image(&absent).await.expect("read").is_none());
}

async fn bytes_changed_behind_the_apps_back_are_refused(mirror: &TestMirror) {
    let store = &mirror.store;
    let image = check_image(png(10, 10)).expect("an image");
    store.put_image(&image).await.expect("stored");
    raw(
        mirror,
        "UPDATE assets SET bytes = $1 WHERE sha256 = $2",
        &png(11, 10),
        image.sha256(),
    )
    .await
    .expect("update");
    let error = store.image(image.sha256()).await.expect_err("tampered");
    assert!(
        matches!(
            error,
            StoreError::CorruptRow {
                table: "assets",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("do not match their SHA-256"),
        "{error}"
    );
}

async fn the_schema_refuses_what_is_not_an_image(mirror: &TestMirror) {
    let refused = raw(
        mirror,
        "INSERT INTO assets (sha256, media_type, bytes, created_at_ms) \
         VALUES ($2, 'image/svg+xml', $1, 0)",
        b"<svg/>",
        &sha256_hex(b"<svg/>"),
    )
    .await;
    assert!(refused.is_err(), "an SVG row was accepted");
}

tenantry_store::on_both_backends!(
    an_image_is_kept_under_its_hash_and_read_back,
    an_unknown_hash_is_none,
    bytes_changed_behind_the_apps_back_are_refused,
    the_schema_refuses_what_is_not_an_image,
);

/// Runs `sql` with `$1` = `bytes` and `$2` = `key` on the mirror's engine, behind the
/// store's back (as a damaged disk or another program would).
async fn raw(mirror: &TestMirror, sql: &str, bytes: &[u8], key: &str) -> Result<(), sqlx::Error> {
    match mirror.location() {
        Location::SqliteFile(path) => {
            let mut connection =
                sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await?;
            sqlx::query(sql)
                .bind(bytes)
                .bind(key)
                .execute(&mut connection)
                .await?;
        }
        Location::Postgres(url) => {
            let mut connection = sqlx::PgConnection::connect(url).await?;
            sqlx::query(sql)
                .bind(bytes)
                .bind(key)
                .execute(&mut connection)
                .await?;
        }
    }
    Ok(())
}

async fn count_assets(mirror: &TestMirror) -> i64 {
    const SQL: &str = "SELECT COUNT(*) FROM assets";
    match mirror.location() {
        Location::SqliteFile(path) => {
            let mut connection =
                sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                    .await
                    .expect("connect");
            sqlx::query_scalar(SQL)
                .fetch_one(&mut connection)
                .await
                .expect("count")
        }
        Location::Postgres(url) => {
            let mut connection = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query_scalar(SQL)
                .fetch_one(&mut connection)
                .await
                .expect("count")
        }
    }
}
