//! Revoking a staff key, and reading keys with the point of their revocation.
//!
//! A revocation records `revoked_after_seq`: the global sequence number up to which
//! change sets signed by the key were accepted. Mirrors trust the key for exactly those
//! (docs/sync.md). For that number to be true, the revocation takes the same lock a
//! push takes (the sequence row, `UPDATE … RETURNING`) and changes the key's state in
//! that transaction: a push that committed first has its numbers counted in, and a
//! push that commits afterwards finds the key revoked (the migration
//! `20261210142300_revoked_after_seq` also refuses, in the database, any change set row
//! signed by a key revoked before its number).

use sqlx::Row;
use tenantry_changeset::keys::{KeyId, PublicKey};

use crate::staff::{KeyState, Role, StaffKey};
use crate::storage::{Database, StorageError};

/// A staff key with the sequence number its revocation was recorded at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRecord {
    pub key: StaffKey,
    /// Set exactly when the key is revoked: change sets it signed with a sequence
    /// number up to this one were accepted, none after.
    pub revoked_after_seq: Option<i64>,
}

/// What [`revoke`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revocation {
    /// Revoked now; the key as it is after the revocation.
    Revoked(KeyRecord),
    /// No key with this id is registered.
    NotFound,
    /// The key is revoked already (nothing was written).
    AlreadyRevoked(KeyRecord),
}

const COLUMNS: &str = "k.key_id, k.public_key, k.name, k.role, k.state, k.registered_at_ms, \
                       k.decided_by, k.decided_at_ms, k.revoked_after_seq";

fn record_from_row(row: &sqlx::any::AnyRow) -> Result<KeyRecord, StorageError> {
    let key_id: String = row.try_get("key_id")?;
    let corrupt = |detail: String| StorageError::Corrupt {
        table: "staff_keys",
        id: key_id.clone(),
        detail,
    };
    let public_key = PublicKey::from_hex(&row.try_get::<String, _>("public_key")?)
        .map_err(|error| corrupt(error.to_string()))?;
    if public_key.key_id().as_str() != key_id {
        return Err(corrupt("the key id does not match the public key".into()));
    }
    let role: String = row.try_get("role")?;
    let state: String = row.try_get("state")?;
    let state =
        KeyState::from_id(&state).ok_or_else(|| corrupt(format!("unknown state {state}")))?;
    let revoked_after_seq: Option<i64> = row.try_get("revoked_after_seq")?;
    // The schema keeps the two together; a row that does not is not one to trust.
    if (state == KeyState::Revoked) != revoked_after_seq.is_some() {
        return Err(corrupt(format!(
            "state {} with revoked_after_seq {revoked_after_seq:?}",
            state.id()
        )));
    }
    Ok(KeyRecord {
        key: StaffKey {
            key_id: public_key.key_id(),
            public_key,
            name: row.try_get("name")?,
            role: Role::from_id(&role).ok_or_else(|| corrupt(format!("unknown role {role}")))?,
            state,
            registered_at_ms: row.try_get("registered_at_ms")?,
            decided_by: row.try_get("decided_by")?,
            decided_at_ms: row.try_get("decided_at_ms")?,
        },
        revoked_after_seq,
    })
}

/// Every registered key, oldest registration first.
pub async fn records(db: &Database) -> Result<Vec<KeyRecord>, StorageError> {
    let mut connection = db.acquire().await?;
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM staff_keys k ORDER BY k.registered_at_ms, k.key_id"
    ))
    .fetch_all(&mut *connection)
    .await?
    .iter()
    .map(record_from_row)
    .collect()
}

/// One key by id.
pub async fn record(db: &Database, key_id: &KeyId) -> Result<Option<KeyRecord>, StorageError> {
    let mut connection = db.acquire().await?;
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM staff_keys k WHERE k.key_id = $1"
    ))
    .bind(key_id.as_str())
    .fetch_optional(&mut *connection)
    .await?
    .as_ref()
    .map(record_from_row)
    .transpose()
}

/// The key a bearer token (given by its SHA-256) stands for, in whatever state.
pub async fn record_for_token(
    db: &Database,
    token_digest: &str,
) -> Result<Option<KeyRecord>, StorageError> {
    let mut connection = db.acquire().await?;
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM access_tokens t JOIN staff_keys k ON k.key_id = t.key_id \
         WHERE t.token_sha256 = $1"
    ))
    .bind(token_digest)
    .fetch_optional(&mut *connection)
    .await?
    .as_ref()
    .map(record_from_row)
    .transpose()
}

/// Revokes `key_id` (pending or approved) as decided by `by` at `at_ms`, recording the
/// sequence number it holds under the push lock. Nothing is written unless it revokes.
pub async fn revoke(
    db: &Database,
    key_id: &KeyId,
    by: &KeyId,
    at_ms: i64,
) -> Result<Revocation, StorageError> {
    let mut tx = db.begin().await?;
    // The push lock, first: on SQLite this also takes the write lock at once rather
    // than failing to upgrade a read later.
    let current: i64 = sqlx::query(
        "UPDATE server_sequences SET value = value WHERE name = 'changesets' RETURNING value",
    )
    .fetch_one(&mut *tx)
    .await?
    .try_get("value")?;
    let changed = sqlx::query(
        "UPDATE staff_keys SET state = 'revoked', decided_by = $1, decided_at_ms = $2, \
         revoked_after_seq = $3 WHERE key_id = $4 AND state IN ('pending', 'approved')",
    )
    .bind(by.as_str())
    .bind(at_ms)
    .bind(current)
    .bind(key_id.as_str())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM staff_keys k WHERE k.key_id = $1"
    ))
    .bind(key_id.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        return Ok(Revocation::NotFound);
    };
    let record = record_from_row(&row)?;
    if changed == 0 {
        tx.rollback().await?;
        return Ok(Revocation::AlreadyRevoked(record));
    }
    tx.commit().await?;
    Ok(Revocation::Revoked(record))
}
