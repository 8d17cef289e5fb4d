//! Pulled history in bulk: envelopes that other machines signed and the server already
//! accepted. Every envelope is verified first; then each tenant's chain is checked and
//! replayed in memory, and everything is written in one transaction with batched
//! inserts. All or nothing: one bad envelope and no row is written. Pulled change sets
//! are not queued in the outbox (they are not this machine's to send).

use std::collections::{HashMap, HashSet};

use tenantry_changeset::changeset::Environment;
use tenantry_changeset::envelope::{Envelope, VerifiedChangeSet};
use tenantry_core::tenant::TenantId;
use tenantry_core::{TenantDocument, Timestamp};

use crate::ledger::{env_id, RecordError};
use crate::store::on_pool;
use crate::store::BeginWrite;
use crate::{Store, StoreError};

/// Rows per multi-row INSERT: 10 parameters each stays far below both engines' limits.
const ROWS_PER_INSERT: usize = 500;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IngestReport {
    pub ingested: usize,
    /// Envelopes the mirror already had (pulling twice is harmless).
    pub already_present: usize,
    pub tenants: usize,
}

/// One tenant's state while its pulled change sets are replayed.
struct TenantState {
    head: Option<String>,
    seq: i64,
    known: HashSet<String>,
    documents: HashMap<Environment, TenantDocument>,
    /// Environments this batch changed, with the hash of their newest change set.
    touched: HashMap<Environment, String>,
    is_new: bool,
}

struct Row<'a> {
    verified: &'a VerifiedChangeSet,
    bytes: &'a [u8],
    seq: i64,
}

impl Store {
    /// Verifies and records `envelopes` (oldest first within each tenant) in one
    /// transaction. See the module documentation.
    pub async fn ingest(&self, envelopes: &[Vec<u8>]) -> Result<IngestReport, RecordError> {
        let verified = self.verify_all(envelopes).await?;
        on_pool!(&self.backend, |pool| {
            let mut tx = pool.begin_write().await?;
            let report = ingest_in(&mut tx, &verified, envelopes).await?;
            tx.commit().await?;
            Ok(report)
        })
    }

    /// Every envelope verified against the trusted keys, or the first failure.
    pub(crate) async fn verify_all(
        &self,
        envelopes: &[Vec<u8>],
    ) -> Result<Vec<VerifiedChangeSet>, RecordError> {
        let keys = self.signing_keys().await?;
        Ok(envelopes
            .iter()
            .map(|bytes| {
                Envelope::parse(bytes)
                    .and_then(|envelope| envelope.verify(|id| keys.get(id).cloned()))
            })
            .collect::<Result<Vec<_>, _>>()?)
    }
}

/// What each tenant of `verified` has in the mirror (its chain's hashes and head, its
/// documents), read for all of them at once: a pulled page often touches hundreds of
/// tenants, and a few queries per tenant made a Postgres pull several times slower than
/// an SQLite one (one round trip each).
async fn load_states<'c, DB>(
    tx: &mut sqlx::Transaction<'c, DB>,
    verified: &[VerifiedChangeSet],
) -> Result<HashMap<TenantId, TenantState>, RecordError>
where
    DB: sqlx::Database,
    for<'e> &'e mut <DB as sqlx::Database>::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'r> (String, String, i64): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String, String, String): sqlx::FromRow<'r, DB::Row>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    // By the id's text: rows answer with text.
    let mut tenants: HashMap<String, (TenantId, TenantState)> = HashMap::new();
    let mut ids: Vec<&TenantId> = Vec::new();
    for item in verified {
        let tenant = &item.changeset.tenant;
        if !tenants.contains_key(tenant.as_str()) {
            tenants.insert(
                tenant.as_str().to_owned(),
                (
                    tenant.clone(),
                    TenantState {
                        head: None,
                        seq: 0,
                        known: HashSet::new(),
                        documents: HashMap::new(),
                        touched: HashMap::new(),
                        is_new: true,
                    },
                ),
            );
            ids.push(tenant);
        }
    }
    for chunk in ids.chunks(ROWS_PER_INSERT) {
        let list = placeholders(chunk.len());
        let sql =
            format!("SELECT tenant_id, hash, seq FROM changesets WHERE tenant_id IN ({list})");
        let mut query = sqlx::query_as::<DB, (String, String, i64)>(&sql);
        for id in chunk {
            query = query.bind(id.as_str());
        }
        for (tenant, hash, seq) in query.fetch_all(&mut **tx).await? {
            let Some((_, state)) = tenants.get_mut(&tenant) else {
                continue;
            };
            if seq > state.seq {
                state.seq = seq;
                state.head = Some(hash.clone());
            }
            state.is_new = false;
            state.known.insert(hash);
        }
        let sql = format!(
            "SELECT tenant_id, environment, document FROM tenant_documents WHERE tenant_id IN ({list})"
        );
        let mut query = sqlx::query_as::<DB, (String, String, String)>(&sql);
        for id in chunk {
            query = query.bind(id.as_str());
        }
        for (tenant, environment, text) in query.fetch_all(&mut **tx).await? {
            let corrupt = |detail: String| StoreError::CorruptRow {
                table: "tenant_documents",
                id: tenant.clone(),
                detail,
            };
            let environment: Environment =
                serde_json::from_value(serde_json::Value::String(environment))
                    .map_err(|error| corrupt(error.to_string()))?;
            let document: TenantDocument =
                serde_json::from_str(&text).map_err(|error| corrupt(error.to_string()))?;
            if let Some((_, state)) = tenants.get_mut(&tenant) {
                state.documents.insert(environment, document);
            }
        }
    }
    Ok(tenants.into_values().collect())
}

/// `$1, $2, …` for `count` values.
fn placeholders(count: usize) -> String {
    (1..=count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The transactional part of [`Store::ingest`] (also used by a pull, which confirms and
/// sets aside local change sets in the same transaction), generic over the backend.
pub(crate) async fn ingest_in<'c, DB>(
    tx: &mut sqlx::Transaction<'c, DB>,
    verified: &[VerifiedChangeSet],
    envelopes: &[Vec<u8>],
) -> Result<IngestReport, RecordError>
where
    DB: sqlx::Database,
    for<'e> &'e mut <DB as sqlx::Database>::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'r> (String,): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String, i64): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String, String): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String, String, i64): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String, String, String): sqlx::FromRow<'r, DB::Row>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q [u8]: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let mut tenants = load_states(tx, verified).await?;
    let mut rows: Vec<Row> = Vec::with_capacity(verified.len());
    let mut report = IngestReport::default();

    for (verified, bytes) in verified.iter().zip(envelopes) {
        let changeset = &verified.changeset;
        let Some(state) = tenants.get_mut(&changeset.tenant) else {
            continue;
        };
        if state.known.contains(&verified.hash.0) {
            report.already_present += 1;
            continue;
        }
        if changeset.parent != state.head {
            return Err(RecordError::NotHead {
                expected: state
                    .head
                    .clone()
                    .unwrap_or_else(|| "none (a first change set)".to_owned()),
                found: changeset
                    .parent
                    .clone()
                    .unwrap_or_else(|| "none (a first change set)".to_owned()),
            });
        }
        let next = match state.documents.get(&changeset.environment) {
            None => changeset.initial_document()?,
            Some(current) => changeset.apply_to(current)?,
        };
        state.documents.insert(changeset.environment, next);
        state
            .touched
            .insert(changeset.environment, verified.hash.0.clone());
        state.seq += 1;
        state.head = Some(verified.hash.0.clone());
        state.known.insert(verified.hash.0.clone());
        rows.push(Row {
            verified,
            bytes,
            seq: state.seq,
        });
    }

    let now = Timestamp::now().unix_millis();
    for (tenant, state) in &tenants {
        let Some(document) = state
            .touched
            .keys()
            .next()
            .and_then(|env| state.documents.get(env))
        else {
            continue;
        };
        let slug = document.tenant.slug.clone();
        let skeleton = slug.skeleton();
        let clash: Option<(String,)> =
            sqlx::query_as("SELECT slug FROM tenants WHERE slug_skeleton = $1 AND id <> $2")
                .bind(skeleton.as_str())
                .bind(tenant.as_str())
                .fetch_optional(&mut **tx)
                .await?;
        if let Some((existing,)) = clash {
            return Err(RecordError::SlugTaken {
                slug: slug.to_string(),
                existing,
            });
        }
        if state.is_new {
            sqlx::query("INSERT INTO tenants (id, slug, slug_skeleton, created_at_ms) VALUES ($1, $2, $3, $4)")
                .bind(tenant.as_str())
                .bind(slug.as_str())
                .bind(skeleton.as_str())
                .bind(now)
                .execute(&mut **tx)
                .await?;
        } else {
            sqlx::query("UPDATE tenants SET slug = $1, slug_skeleton = $2 WHERE id = $3")
                .bind(slug.as_str())
                .bind(skeleton.as_str())
                .bind(tenant.as_str())
                .execute(&mut **tx)
                .await?;
        }
    }

    for chunk in rows.chunks(ROWS_PER_INSERT) {
        // A multi-row INSERT spelled out: sqlx's QueryBuilder cannot be used generically
        // over the backend (its arguments' lifetime is invariant there).
        let mut sql = String::from(
            "INSERT INTO changesets (hash, id, tenant_id, seq, parent_hash, environment, author, summary, envelope, created_at_ms) VALUES ",
        );
        for index in 0..chunk.len() {
            let first = index * 10;
            if index > 0 {
                sql.push_str(", ");
            }
            let placeholders: Vec<String> = (1..=10).map(|n| format!("${}", first + n)).collect();
            sql.push('(');
            sql.push_str(&placeholders.join(", "));
            sql.push(')');
        }
        let mut insert = sqlx::query::<DB>(&sql);
        for item in chunk {
            let changeset = &item.verified.changeset;
            insert = insert
                .bind(item.verified.hash.0.as_str())
                .bind(changeset.id.as_str())
                .bind(changeset.tenant.as_str())
                .bind(item.seq)
                .bind(changeset.parent.as_deref())
                .bind(env_id(changeset.environment))
                .bind(changeset.author.as_str())
                .bind(changeset.summary.as_str())
                .bind(item.bytes)
                .bind(changeset.created_at.unix_millis());
        }
        insert.execute(&mut **tx).await?;
    }

    for (tenant, state) in &tenants {
        for (environment, head) in &state.touched {
            let Some(document) = state.documents.get(environment) else {
                continue;
            };
            let text = serde_json::to_string(document).map_err(|error| StoreError::CorruptRow {
                table: "tenant_documents",
                id: tenant.to_string(),
                detail: error.to_string(),
            })?;
            sqlx::query(
                "INSERT INTO tenant_documents (tenant_id, environment, head_hash, document) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (tenant_id, environment) DO UPDATE SET head_hash = excluded.head_hash, document = excluded.document",
            )
            .bind(tenant.as_str())
            .bind(env_id(*environment))
            .bind(head.as_str())
            .bind(text)
            .execute(&mut **tx)
            .await?;
        }
    }

    report.ingested = rows.len();
    report.tenants = tenants.len();
    Ok(report)
}
