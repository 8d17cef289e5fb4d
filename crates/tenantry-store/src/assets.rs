//! Images kept in the mirror (a client's logo), content-addressed by their SHA-256.
//!
//! Only a [`CheckedImage`] can be stored, so the mirror never holds bytes that
//! tenantry-core did not recognise as a PNG, JPEG or WebP image. Reading an asset back
//! checks the bytes again against their key: a reference shows the image it was made
//! for, or nothing.

use tenantry_core::asset::{check_image, CheckedImage, ImageKind};
use tenantry_core::Timestamp;

use crate::store::on_pool;
use crate::{Store, StoreError};

impl Store {
    /// Keeps `image` and returns its `asset://sha256/<hex>` reference. Storing the same
    /// bytes again changes nothing.
    pub async fn put_image(&self, image: &CheckedImage) -> Result<String, StoreError> {
        const INSERT: &str = "INSERT INTO assets (sha256, media_type, bytes, created_at_ms) \
                              VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING";
        let now = Timestamp::now().unix_millis();
        on_pool!(&self.backend, |pool| {
            sqlx::query(INSERT)
                .bind(image.sha256())
                .bind(image.kind().media_type())
                .bind(image.bytes())
                .bind(now)
                .execute(pool)
                .await
                .map(drop)?
        });
        Ok(image.reference())
    }

    /// The image with SHA-256 `sha256` (lower-case hex), if the mirror holds it.
    pub async fn image(&self, sha256: &str) -> Result<Option<CheckedImage>, StoreError> {
        const SELECT: &str = "SELECT media_type, bytes FROM assets WHERE sha256 = $1";
        let row: Option<(String, Vec<u8>)> = on_pool!(&self.backend, |pool| {
            sqlx::query_as(SELECT)
                .bind(sha256)
                .fetch_optional(pool)
                .await?
        });
        let Some((media_type, bytes)) = row else {
            return Ok(None);
        };
        let corrupt = |detail: String| StoreError::CorruptRow {
            table: "assets",
            id: sha256.to_owned(),
            detail,
        };
        let image = check_image(bytes).map_err(|error| corrupt(error.to_string()))?;
        if image.sha256() != sha256 {
            return Err(corrupt("the bytes do not match their SHA-256".to_owned()));
        }
        if ImageKind::from_media_type(&media_type) != Some(image.kind()) {
            return Err(corrupt(format!(
                "stored as {media_type} but the bytes are {}",
                image.kind()
            )));
        }
        Ok(Some(image))
    }
}
