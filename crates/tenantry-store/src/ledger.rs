//! The signed history in the mirror: every change set is stored as the exact envelope
//! bytes it arrived as, chained per tenant by parent hash, with the materialised
//! document per tenant and environment kept beside it. Recording is one transaction:
//! verify, check the parent is the head, apply, store; anything wrong stores nothing.

use std::collections::HashMap;

use serde::Serialize;
use tenantry_changeset::chain::{verify_chain, ChainBreak, Replay};
use tenantry_changeset::changeset::{ChangeSet, ChangeSetError, Environment};
use tenantry_changeset::envelope::{Envelope, EnvelopeError, PayloadHash, VerifiedChangeSet};
use tenantry_changeset::keys::{KeyId, PublicKey};
use tenantry_core::tenant::TenantId;
use tenantry_core::{TenantDocument, Timestamp};

use crate::store::on_pool;
use crate::store::BeginWrite;
use crate::{Store, StoreError};

/// A change set now in the mirror.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    pub hash: PayloadHash,
    pub seq: i64,
    pub changeset: ChangeSet,
    pub document: TenantDocument,
    /// False when this exact envelope was already recorded (recording is idempotent).
    pub newly_recorded: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    #[error("the change set's parent is {found}, but the tenant's head is {expected}: another change got there first")]
    NotHead { expected: String, found: String },
    #[error(transparent)]
    Apply(#[from] ChangeSetError),
    #[error("the slug '{slug}' looks too much like the existing tenant slug '{existing}'")]
    SlugTaken { slug: String, existing: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for RecordError {
    fn from(error: sqlx::Error) -> Self {
        RecordError::Store(StoreError::Query(error))
    }
}

/// One line of a tenant's history.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
pub struct HistoryEntry {
    pub seq: i32,
    pub hash: String,
    pub id: String,
    pub environment: Environment,
    pub author: String,
    pub summary: String,
    #[specta(type = String)]
    pub created_at: Timestamp,
}

/// What `verify_mirror` found.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MirrorReport {
    pub tenants_checked: usize,
    pub changesets_checked: usize,
    /// The first problem per broken tenant.
    pub problems: Vec<ChainProblem>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChainProblem {
    pub tenant: String,
    pub seq: Option<i64>,
    pub problem: String,
}

pub(crate) fn env_id(environment: Environment) -> &'static str {
    match environment {
        Environment::Draft => "draft",
        Environment::Staging => "staging",
        Environment::Production => "production",
    }
}

fn none_or(hash: &Option<String>) -> String {
    hash.clone()
        .unwrap_or_else(|| "none (a first change set)".to_owned())
}

impl Store {
    /// Trusts `key` to sign change sets (the key registry is mirrored from the server later).
    pub async fn add_signing_key(&self, key: &PublicKey, label: &str) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO signing_keys (key_id, public_key, label, added_at_ms) VALUES ($1, $2, $3, $4) \
                           ON CONFLICT (key_id) DO NOTHING";
        on_pool!(&self.backend, |pool| {
            sqlx::query(SQL)
                .bind(key.key_id().as_str())
                .bind(key.to_hex())
                .bind(label)
                .bind(Timestamp::now().unix_millis())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Every trusted public key by id.
    pub async fn signing_keys(&self) -> Result<HashMap<KeyId, PublicKey>, StoreError> {
        const SQL: &str = "SELECT key_id, public_key FROM signing_keys";
        let rows: Vec<(String, String)> = on_pool!(&self.backend, |pool| sqlx::query_as(SQL)
            .fetch_all(pool)
            .await?);
        let mut keys = HashMap::with_capacity(rows.len());
        for (id, public) in rows {
            let corrupt = |detail: String| StoreError::CorruptRow {
                table: "signing_keys",
                id: id.clone(),
                detail,
            };
            let key = PublicKey::from_hex(&public).map_err(|error| corrupt(error.to_string()))?;
            if key.key_id().as_str() != id {
                return Err(corrupt(
                    "the key id does not match the public key".to_owned(),
                ));
            }
            keys.insert(key.key_id(), key);
        }
        Ok(keys)
    }

    /// Every trusted key's label by key id: the name the key was given when it was
    /// trusted (e.g. `server: Ana Lima` for a key learnt from the server's registry).
    pub async fn key_labels(&self) -> Result<HashMap<String, String>, StoreError> {
        const SQL: &str = "SELECT key_id, label FROM signing_keys";
        let rows: Vec<(String, String)> = on_pool!(&self.backend, |pool| sqlx::query_as(SQL)
            .fetch_all(pool)
            .await?);
        Ok(rows.into_iter().collect())
    }

    /// Verifies `envelope_bytes` against the trusted keys and records the change set, or
    /// records nothing and says why. Recording the same envelope twice is harmless.
    pub async fn record(&self, envelope_bytes: &[u8]) -> Result<Recorded, RecordError> {
        let envelope = Envelope::parse(envelope_bytes)?;
        let keys = self.signing_keys().await?;
        let verified = envelope.verify(|id| keys.get(id).cloned())?;
        let result = on_pool!(&self.backend, |pool| {
            let mut tx = pool.begin_write().await?;
            let outcome = record_in(&mut tx, envelope_bytes, &verified).await;
            if outcome
                .as_ref()
                .is_ok_and(|recorded| recorded.newly_recorded)
            {
                tx.commit().await?;
            }
            outcome
        });
        if let Ok(recorded) = &result {
            if recorded.newly_recorded {
                tracing::info!(hash = %recorded.hash, seq = recorded.seq, tenant = %recorded.changeset.tenant, "change set recorded");
            }
        }
        result
    }

    /// The materialised document of `tenant` in `environment`, if it has one.
    pub async fn document(
        &self,
        tenant: &TenantId,
        environment: Environment,
    ) -> Result<Option<TenantDocument>, StoreError> {
        const SQL: &str =
            "SELECT document FROM tenant_documents WHERE tenant_id = $1 AND environment = $2";
        let row: Option<(String,)> = on_pool!(&self.backend, |pool| {
            sqlx::query_as(SQL)
                .bind(tenant.as_str())
                .bind(env_id(environment))
                .fetch_optional(pool)
                .await?
        });
        row.map(|(text,)| {
            serde_json::from_str(&text).map_err(|error| StoreError::CorruptRow {
                table: "tenant_documents",
                id: tenant.to_string(),
                detail: error.to_string(),
            })
        })
        .transpose()
    }

    /// A tenant's change sets, oldest first.
    pub async fn history(&self, tenant: &TenantId) -> Result<Vec<HistoryEntry>, StoreError> {
        const SQL: &str =
            "SELECT seq, hash, id, environment, author, summary, created_at_ms FROM changesets \
                           WHERE tenant_id = $1 ORDER BY seq";
        type Row = (i64, String, String, String, String, String, i64);
        let rows: Vec<Row> = on_pool!(&self.backend, |pool| sqlx::query_as(SQL)
            .bind(tenant.as_str())
            .fetch_all(pool)
            .await?);
        rows.into_iter()
            .map(|(seq, hash, id, environment, author, summary, created)| {
                let corrupt = |detail: String| StoreError::CorruptRow {
                    table: "changesets",
                    id: hash.clone(),
                    detail,
                };
                let environment = serde_json::from_value(serde_json::Value::String(environment))
                    .map_err(|error| corrupt(error.to_string()))?;
                Ok(HistoryEntry {
                    seq: i32::try_from(seq).map_err(|error| corrupt(error.to_string()))?,
                    created_at: Timestamp::from_unix_millis(created)
                        .map_err(|error| corrupt(error.to_string()))?,
                    hash: hash.clone(),
                    id,
                    environment,
                    author,
                    summary,
                })
            })
            .collect()
    }

    /// The exact stored envelope bytes of a tenant's change sets, oldest first.
    pub async fn envelopes(&self, tenant: &TenantId) -> Result<Vec<Vec<u8>>, StoreError> {
        const SQL: &str = "SELECT envelope FROM changesets WHERE tenant_id = $1 ORDER BY seq";
        let rows: Vec<(Vec<u8>,)> = on_pool!(&self.backend, |pool| sqlx::query_as(SQL)
            .bind(tenant.as_str())
            .fetch_all(pool)
            .await?);
        Ok(rows.into_iter().map(|(bytes,)| bytes).collect())
    }

    /// The tenant's document after each of its change sets (oldest first, with the
    /// environment it changed), re-verified and replayed from the stored envelopes.
    pub async fn versions(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<(Environment, TenantDocument)>, StoreError> {
        let keys = self.signing_keys().await?;
        let broken = |detail: String| StoreError::CorruptRow {
            table: "changesets",
            id: tenant.to_string(),
            detail: format!("{detail}; run `tenantry verify-mirror`"),
        };
        let mut replay = Replay::default();
        let mut versions = Vec::new();
        for bytes in self.envelopes(tenant).await? {
            let verified = Envelope::parse(&bytes)
                .and_then(|envelope| envelope.verify(|id| keys.get(id).cloned()))
                .map_err(|error| broken(format!("a stored envelope does not verify: {error}")))?;
            let document = replay
                .apply(&verified.changeset)
                .map_err(|error| broken(format!("a stored change set does not replay: {error}")))?;
            versions.push((verified.changeset.environment, document.clone()));
        }
        Ok(versions)
    }

    /// The tenant named by `id_or_slug`: its id, or its current slug.
    pub async fn find_tenant(&self, id_or_slug: &str) -> Result<Option<TenantId>, StoreError> {
        const SQL: &str = "SELECT id FROM tenants WHERE id = $1 OR slug = $1";
        let row: Option<(String,)> = on_pool!(&self.backend, |pool| sqlx::query_as(SQL)
            .bind(id_or_slug)
            .fetch_optional(pool)
            .await?);
        row.map(|(id,)| {
            TenantId::parse(&id).map_err(|error| StoreError::CorruptRow {
                table: "tenants",
                id,
                detail: error.to_string(),
            })
        })
        .transpose()
    }

    /// The hash of the tenant's newest change set, if it has any.
    pub async fn head(&self, tenant: &TenantId) -> Result<Option<String>, StoreError> {
        const SQL: &str =
            "SELECT hash FROM changesets WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1";
        let row: Option<(String,)> = on_pool!(&self.backend, |pool| sqlx::query_as(SQL)
            .bind(tenant.as_str())
            .fetch_optional(pool)
            .await?);
        Ok(row.map(|(hash,)| hash))
    }

    /// How many change sets wait in the outbox to be sent to the platform.
    pub async fn outbox_len(&self) -> Result<u64, StoreError> {
        const SQL: &str = "SELECT COUNT(*) FROM outbox";
        let (count,): (i64,) = on_pool!(&self.backend, |pool| sqlx::query_as(SQL)
            .fetch_one(pool)
            .await?);
        Ok(u64::try_from(count).unwrap_or_default())
    }

    /// The stored envelope of the change set with this id (or payload hash).
    pub async fn envelope_by_id(&self, id_or_hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        const SQL: &str = "SELECT envelope FROM changesets WHERE id = $1 OR hash = $1";
        let row: Option<(Vec<u8>,)> = on_pool!(&self.backend, |pool| sqlx::query_as(SQL)
            .bind(id_or_hash)
            .fetch_optional(pool)
            .await?);
        Ok(row.map(|(bytes,)| bytes))
    }

    /// The change set recorded under `id_or_hash` (its id or its envelope's hash),
    /// decoded from the envelope this mirror verified when it recorded it; `None` when
    /// the mirror does not hold it. Bytes that no longer decode are a corrupt row.
    pub async fn recorded_changeset(
        &self,
        id_or_hash: &str,
    ) -> Result<Option<ChangeSet>, StoreError> {
        let Some(bytes) = self.envelope_by_id(id_or_hash).await? else {
            return Ok(None);
        };
        let corrupt = |detail: String| StoreError::CorruptRow {
            table: "changesets",
            id: id_or_hash.to_owned(),
            detail,
        };
        let payload = Envelope::parse(&bytes)
            .and_then(|envelope| envelope.payload_bytes())
            .map_err(|error| corrupt(error.to_string()))?;
        ChangeSet::from_payload(&payload)
            .map(Some)
            .map_err(|error| corrupt(error.to_string()))
    }

    /// Every tenant id in the mirror's history.
    pub async fn tenant_ids(&self) -> Result<Vec<TenantId>, StoreError> {
        const SQL: &str = "SELECT id FROM tenants ORDER BY id";
        let rows: Vec<(String,)> = on_pool!(&self.backend, |pool| sqlx::query_as(SQL)
            .fetch_all(pool)
            .await?);
        rows.into_iter()
            .map(|(id,)| {
                TenantId::parse(&id).map_err(|error| StoreError::CorruptRow {
                    table: "tenants",
                    id,
                    detail: error.to_string(),
                })
            })
            .collect()
    }

    /// Walks every tenant's chain: re-verifies each stored envelope's signatures, the
    /// parent links and sequence numbers, and replays the operations to check the stored
    /// documents. Reports the first break per tenant; an intact mirror reports none.
    pub async fn verify_mirror(&self) -> Result<MirrorReport, StoreError> {
        let keys = self.signing_keys().await?;
        let mut report = MirrorReport::default();
        for tenant in self.tenant_ids().await? {
            report.tenants_checked += 1;
            let stored = self.stored_chain(&tenant).await?;
            report.changesets_checked += stored.len();
            if let Some(problem) = self.check_chain(&tenant, &stored, &keys).await? {
                report.problems.push(problem);
            }
        }
        Ok(report)
    }

    async fn stored_chain(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<(i64, String, Vec<u8>)>, StoreError> {
        const SQL: &str =
            "SELECT seq, hash, envelope FROM changesets WHERE tenant_id = $1 ORDER BY seq";
        Ok(on_pool!(&self.backend, |pool| sqlx::query_as(SQL)
            .bind(tenant.as_str())
            .fetch_all(pool)
            .await?))
    }

    async fn check_chain(
        &self,
        tenant: &TenantId,
        stored: &[(i64, String, Vec<u8>)],
        keys: &HashMap<KeyId, PublicKey>,
    ) -> Result<Option<ChainProblem>, StoreError> {
        let problem = |seq: Option<i64>, problem: String| {
            Some(ChainProblem {
                tenant: tenant.to_string(),
                seq,
                problem,
            })
        };
        let mut verified = Vec::with_capacity(stored.len());
        let mut replay = Replay::default();
        for (position, (seq, hash, bytes)) in stored.iter().enumerate() {
            let expected_seq = i64::try_from(position).unwrap_or(i64::MAX) + 1;
            if *seq != expected_seq {
                return Ok(problem(
                    Some(*seq),
                    format!("sequence number {seq} where {expected_seq} was expected"),
                ));
            }
            let checked = Envelope::parse(bytes)
                .and_then(|envelope| envelope.verify(|id| keys.get(id).cloned()));
            let entry = match checked {
                Ok(entry) => entry,
                Err(error) => {
                    return Ok(problem(
                        Some(*seq),
                        format!("the stored envelope does not verify: {error}"),
                    ))
                }
            };
            if entry.hash.0 != *hash {
                return Ok(problem(
                    Some(*seq),
                    format!(
                        "stored under hash {hash}, but its payload hashes to {}",
                        entry.hash
                    ),
                ));
            }
            if entry.changeset.tenant != *tenant {
                return Ok(problem(
                    Some(*seq),
                    format!("belongs to tenant {}", entry.changeset.tenant),
                ));
            }
            if let Err(error) = replay.apply(&entry.changeset) {
                return Ok(problem(Some(*seq), format!("does not replay: {error}")));
            }
            verified.push(entry);
        }
        if let Err(error) = verify_chain(&verified) {
            let index = match error {
                ChainBreak::WrongParent { index, .. }
                | ChainBreak::Repeated { index, .. }
                | ChainBreak::OtherTenant { index, .. } => index,
            };
            let seq = stored.get(index).map(|(seq, ..)| *seq);
            return Ok(problem(seq, error.to_string()));
        }
        for (environment, replayed) in replay.into_documents() {
            match self.document(tenant, environment).await {
                Ok(Some(stored_doc)) if stored_doc == replayed => {}
                Ok(Some(_)) => {
                    return Ok(problem(
                        None,
                        format!(
                            "the stored {} document differs from what its change sets produce",
                            env_id(environment)
                        ),
                    ))
                }
                Ok(None) => {
                    return Ok(problem(
                        None,
                        format!("the {} document is missing", env_id(environment)),
                    ))
                }
                Err(error) => {
                    return Ok(problem(
                        None,
                        format!(
                            "the {} document cannot be read: {error}",
                            env_id(environment)
                        ),
                    ))
                }
            }
        }
        Ok(None)
    }
}

/// The transactional part of [`Store::record`], generic over the backend's transaction.
pub(crate) async fn record_in<'c, DB>(
    tx: &mut sqlx::Transaction<'c, DB>,
    envelope_bytes: &[u8],
    verified: &VerifiedChangeSet,
) -> Result<Recorded, RecordError>
where
    DB: sqlx::Database,
    for<'e> &'e mut <DB as sqlx::Database>::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'r> (String,): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String, i64): sqlx::FromRow<'r, DB::Row>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q [u8]: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let changeset = &verified.changeset;
    let tenant = changeset.tenant.as_str();
    let environment = env_id(changeset.environment);

    // Idempotent: the same envelope again gets the same answer and is stored once.
    let existing: Option<(i64,)> = sqlx::query_as("SELECT seq FROM changesets WHERE hash = $1")
        .bind(verified.hash.0.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    if let Some((seq,)) = existing {
        let document = current_document(tx, tenant, environment).await?;
        return Ok(Recorded {
            hash: verified.hash.clone(),
            seq,
            changeset: changeset.clone(),
            document: document.ok_or_else(|| StoreError::CorruptRow {
                table: "tenant_documents",
                id: tenant.to_owned(),
                detail: "a recorded change set's document is missing".to_owned(),
            })?,
            newly_recorded: false,
        });
    }

    let head: Option<(String, i64)> = sqlx::query_as(
        "SELECT hash, seq FROM changesets WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(tenant)
    .fetch_optional(&mut **tx)
    .await?;
    let head_hash = head.as_ref().map(|(hash, _)| hash.clone());
    if changeset.parent != head_hash {
        return Err(RecordError::NotHead {
            expected: none_or(&head_hash),
            found: none_or(&changeset.parent),
        });
    }
    let seq = head.map_or(1, |(_, seq)| seq + 1);

    let document = match current_document(tx, tenant, environment).await? {
        None => changeset.initial_document()?,
        Some(current) => changeset.apply_to(&current)?,
    };

    let slug = document.tenant.slug.clone();
    let skeleton = slug.skeleton();
    let clash: Option<(String,)> =
        sqlx::query_as("SELECT slug FROM tenants WHERE slug_skeleton = $1 AND id <> $2")
            .bind(skeleton.as_str())
            .bind(tenant)
            .fetch_optional(&mut **tx)
            .await?;
    if let Some((existing,)) = clash {
        return Err(RecordError::SlugTaken {
            slug: slug.to_string(),
            existing,
        });
    }
    let now = Timestamp::now().unix_millis();
    if seq == 1 {
        sqlx::query(
            "INSERT INTO tenants (id, slug, slug_skeleton, created_at_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(tenant)
        .bind(slug.as_str())
        .bind(skeleton.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    } else {
        sqlx::query("UPDATE tenants SET slug = $1, slug_skeleton = $2 WHERE id = $3")
            .bind(slug.as_str())
            .bind(skeleton.as_str())
            .bind(tenant)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO changesets (hash, id, tenant_id, seq, parent_hash, environment, author, summary, envelope, created_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(verified.hash.0.as_str())
    .bind(changeset.id.as_str())
    .bind(tenant)
    .bind(seq)
    .bind(changeset.parent.clone())
    .bind(environment)
    .bind(changeset.author.as_str())
    .bind(changeset.summary.as_str())
    .bind(envelope_bytes)
    .bind(changeset.created_at.unix_millis())
    .execute(&mut **tx)
    .await?;
    let document_json = serde_json::to_string(&document)
        .map_err(|error| ChangeSetError::InvalidResult(error.to_string()))?;
    sqlx::query(
        "INSERT INTO tenant_documents (tenant_id, environment, head_hash, document) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (tenant_id, environment) DO UPDATE SET head_hash = excluded.head_hash, document = excluded.document",
    )
    .bind(tenant)
    .bind(environment)
    .bind(verified.hash.0.as_str())
    .bind(document_json)
    .execute(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO outbox (hash, queued_at_ms) VALUES ($1, $2)")
        .bind(verified.hash.0.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(Recorded {
        hash: verified.hash.clone(),
        seq,
        changeset: changeset.clone(),
        document,
        newly_recorded: true,
    })
}

async fn current_document<'c, DB>(
    tx: &mut sqlx::Transaction<'c, DB>,
    tenant: &str,
    environment: &str,
) -> Result<Option<TenantDocument>, RecordError>
where
    DB: sqlx::Database,
    for<'e> &'e mut <DB as sqlx::Database>::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'r> (String,): sqlx::FromRow<'r, DB::Row>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT document FROM tenant_documents WHERE tenant_id = $1 AND environment = $2",
    )
    .bind(tenant)
    .bind(environment)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|(text,)| {
        serde_json::from_str(&text).map_err(|error| {
            RecordError::Store(StoreError::CorruptRow {
                table: "tenant_documents",
                id: tenant.to_owned(),
                detail: error.to_string(),
            })
        })
    })
    .transpose()
}
