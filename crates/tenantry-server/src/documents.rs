//! The tenants' current documents, as a push reads and writes them.
//!
//! A document is the replay of its environment's change sets, and those are stored
//! anyway, so `tenant_documents.document` is a **checkpoint**: the result of the change
//! set `document_head`, which may lie up to [`CHECKPOINT_EVERY`] − 1 change sets of the
//! environment behind its head. The heads and those counts are in the tenant's row
//! (`draft_head`, `draft_behind`, …; the view `environment_heads` has one row per
//! environment). Reading replays the change sets after the checkpoint; a push writes the
//! whole document only when the count would reach [`CHECKPOINT_EVERY`], and otherwise
//! moves the head and the count in the tenant's row, which it rewrites for the tenant's
//! head anyway. Before, every push rewrote the ~10 KB document of every tenant it touched
//! under the sequence lock (~80 µs of Postgres' time each), and then a separate row per
//! environment (~30 µs per change set).
//!
//! A process also keeps recent heads' documents in memory ([`DocumentCache`]), keyed by
//! the head's hash. A document is a pure function of its head (the replay of the chain
//! ending there), so an entry is never stale: it is used only when the database names
//! the same head, whichever process wrote it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use sqlx::{AnyConnection, Row};
use tenantry_changeset::changeset::{ChangeSet, Environment};
use tenantry_changeset::envelope::Envelope;
use tenantry_core::tenant::DocumentJson;
use tenantry_core::TenantDocument;
use tenantry_policy::EvaluationMemo;

use crate::push::{corrupt, environment_id, select_in, values_rows};
use crate::storage::StorageError;

/// A checkpoint is written when an environment is this many change sets past the last
/// one, so a read replays at most `CHECKPOINT_EVERY - 1` change sets.
pub const CHECKPOINT_EVERY: i64 = 16;

/// One environment's current document and the change set it is the result of.
#[derive(Debug, Clone)]
pub(crate) struct Current {
    pub head: String,
    pub document: DocumentJson,
    /// What the policy pack kept of its evaluation of `document`, when this process
    /// evaluated it (the next change set's evaluation starts from it).
    pub memo: Option<Arc<EvaluationMemo>>,
}

/// Recent heads' documents, in two generations (what was used since the last turnover
/// survives it), at most [`DocumentCache::ENTRIES`] in all.
#[derive(Debug, Default)]
pub struct DocumentCache {
    inner: Mutex<Generations>,
}

type Key = (String, Environment);

#[derive(Debug, Default)]
struct Generations {
    current: HashMap<Key, Current>,
    previous: HashMap<Key, Current>,
}

impl DocumentCache {
    /// Environments' documents kept. The acceptance benchmark's 2 000 tenants stay warm,
    /// and its server's peak memory was the same with and without the cache (229 and
    /// 227 MiB, BENCHMARKS.md): the pushes' predictions hold those documents anyway.
    pub const ENTRIES: usize = 4096;

    /// The document of `tenant`'s `environment` at `head`, if this process has it.
    pub(crate) fn get(
        &self,
        tenant: &str,
        environment: Environment,
        head: &str,
    ) -> Option<Current> {
        let mut generations = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (tenant.to_owned(), environment);
        if let Some(found) = generations.current.get(&key) {
            return (found.head == head).then(|| found.clone());
        }
        let found = generations.previous.remove(&key)?;
        let wanted = (found.head == head).then(|| found.clone());
        let mut released = Released::default();
        generations.insert(key, found, &mut released);
        // The old generation's documents are freed after the lock is released.
        drop(generations);
        drop(released);
        wanted
    }

    /// Remembers `current` as the document of `tenant`'s `environment` (replacing an
    /// older head's).
    pub(crate) fn put(&self, tenant: &str, environment: Environment, current: Current) {
        let mut released = Released::default();
        let mut generations = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        generations.insert((tenant.to_owned(), environment), current, &mut released);
        drop(generations);
        drop(released);
    }

    /// [`Self::put`] of each of `entries`, under one lock; returns what the cache let go
    /// of, for the caller to free where it suits it.
    pub(crate) fn put_all(
        &self,
        entries: impl IntoIterator<Item = (String, Environment, Current)>,
    ) -> Released {
        let mut released = Released::default();
        let mut generations = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        for (tenant, environment, current) in entries {
            generations.insert((tenant, environment), current, &mut released);
        }
        released
    }

    /// How many documents are kept.
    pub fn len(&self) -> usize {
        let generations = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        generations.current.len() + generations.previous.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What the cache let go of: the entries a newer head replaced and the generations it
/// forgot. Freeing a document with its JSON value and the policy pack's memo is
/// thousands of deallocations, so it is left to the caller, outside the cache's lock
/// (a push hands it to a blocking thread: done inline on the async side, it took 11 %
/// of the server's time in the acceptance benchmark).
#[derive(Debug, Default)]
#[must_use]
pub(crate) struct Released {
    replaced: Vec<Current>,
    generations: Vec<HashMap<Key, Current>>,
}

impl Released {
    pub(crate) fn is_empty(&self) -> bool {
        self.replaced.is_empty() && self.generations.is_empty()
    }

    /// How many entries the forgotten generations held.
    #[cfg(test)]
    fn forgotten(&self) -> usize {
        self.generations.iter().map(HashMap::len).sum()
    }
}

impl Generations {
    /// Keeps `current` under `key`; what it replaces or forgets goes to `released`.
    fn insert(&mut self, key: Key, current: Current, released: &mut Released) {
        if !self.current.contains_key(&key) && self.current.len() >= DocumentCache::ENTRIES / 2 {
            let forgotten =
                std::mem::replace(&mut self.previous, std::mem::take(&mut self.current));
            if !forgotten.is_empty() {
                released.generations.push(forgotten);
            }
        }
        released.replaced.extend(self.previous.remove(&key));
        released.replaced.extend(self.current.insert(key, current));
    }
}

fn environment_of(tenant: &str, text: &str) -> Result<Environment, StorageError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|error| corrupt("tenant_documents", tenant, error))
}

/// The columns of a `tenants` row that name its environments' heads, in
/// [`ENVIRONMENTS`] order (read with [`environment_heads`]).
pub(crate) const HEAD_COLUMNS: &str = "draft_head, staging_head, production_head";

/// The stored environments of a `tenants` row read with [`HEAD_COLUMNS`], and their
/// heads.
pub(crate) fn environment_heads(
    row: &sqlx::any::AnyRow,
) -> Result<Vec<(Environment, String)>, StorageError> {
    let mut heads = Vec::new();
    for (environment, name) in ALL.into_iter().zip(ENVIRONMENTS) {
        let head: Option<String> = row.try_get(format!("{name}_head").as_str())?;
        heads.extend(head.map(|head| (environment, head)));
    }
    Ok(heads)
}

/// The current document of each stored environment in `heads` ((tenant, environment,
/// head), as read from the tenants' rows): from `cache` when it holds that head, else
/// the checkpoint with the change sets after it replayed (and then remembered in
/// `cache`).
pub(crate) async fn load(
    conn: &mut AnyConnection,
    heads: &[(String, Environment, String)],
    cache: &DocumentCache,
) -> Result<HashMap<String, HashMap<Environment, Current>>, StorageError> {
    let mut found: HashMap<String, HashMap<Environment, Current>> = HashMap::new();
    // (tenant, environment) whose document is not in the cache.
    let mut missing: HashSet<(String, Environment)> = HashSet::new();
    for (tenant, environment, head) in heads {
        match cache.get(tenant, *environment, head) {
            Some(current) => {
                found
                    .entry(tenant.clone())
                    .or_default()
                    .insert(*environment, current);
            }
            None => {
                missing.insert((tenant.clone(), *environment));
            }
        }
    }
    if missing.is_empty() {
        return Ok(found);
    }
    // The checkpoint and the head are read together: the replay below goes from this
    // checkpoint to this head, whatever commits meanwhile.
    let mut wanted: Vec<&str> = missing.iter().map(|(tenant, _)| tenant.as_str()).collect();
    wanted.sort_unstable();
    wanted.dedup();
    for row in select_in(
        conn,
        "SELECT d.tenant_id, d.environment, d.document_head, d.document, \
         t.draft_head, t.draft_behind, t.staging_head, t.staging_behind, \
         t.production_head, t.production_behind \
         FROM tenant_documents d JOIN tenants t ON t.id = d.tenant_id WHERE d.tenant_id",
        &wanted,
    )
    .await?
    {
        let tenant: String = row.try_get("tenant_id")?;
        let environment = environment_of(&tenant, &row.try_get::<String, _>("environment")?)?;
        if !missing.contains(&(tenant.clone(), environment)) {
            continue;
        }
        let name = ENVIRONMENTS[slot(environment)];
        let head: Option<String> = row.try_get(format!("{name}_head").as_str())?;
        let Some(head) = head else {
            return Err(corrupt(
                "tenant_documents",
                &tenant,
                format!("a checkpoint of {name}, which has no head"),
            ));
        };
        let behind: i64 = row.try_get(format!("{name}_behind").as_str())?;
        let checkpoint: String = row.try_get("document_head")?;
        let text: String = row.try_get("document")?;
        let document: TenantDocument = serde_json::from_str(&text)
            .map_err(|error| corrupt("tenant_documents", &tenant, error))?;
        let mut document = DocumentJson::new(Arc::new(document))
            .map_err(|error| corrupt("tenant_documents", &tenant, error))?;
        if behind > 0 {
            document = replay(
                conn,
                &tenant,
                environment,
                &checkpoint,
                &head,
                behind,
                document,
            )
            .await?;
        } else if checkpoint != head {
            return Err(corrupt(
                "tenant_documents",
                &tenant,
                "the document is not its head's, yet nothing is to replay",
            ));
        }
        missing.remove(&(tenant.clone(), environment));
        let current = Current {
            head,
            document,
            memo: None,
        };
        cache.put(&tenant, environment, current.clone());
        found
            .entry(tenant)
            .or_default()
            .insert(environment, current);
    }
    if let Some((tenant, environment)) = missing.into_iter().next() {
        return Err(corrupt(
            "tenant_documents",
            &tenant,
            format!(
                "{} has a head but no checkpoint",
                environment_id(environment)
            ),
        ));
    }
    Ok(found)
}

/// `document`, the result of `checkpoint`, with the `behind` change sets of the
/// environment after it applied in sequence order, up to `head`. The stored envelopes
/// were verified when they were accepted; each is checked to be the change set its row
/// names (its hash) and to link up to `head`.
async fn replay(
    conn: &mut AnyConnection,
    tenant: &str,
    environment: Environment,
    checkpoint: &str,
    head: &str,
    behind: i64,
    mut document: DocumentJson,
) -> Result<DocumentJson, StorageError> {
    let rows = sqlx::query(
        "SELECT hash, envelope FROM changesets WHERE tenant_id = $1 AND environment = $2 \
         AND seq > (SELECT seq FROM changesets WHERE hash = $3) \
         AND seq <= (SELECT seq FROM changesets WHERE hash = $4) ORDER BY seq",
    )
    .bind(tenant)
    .bind(environment_id(environment))
    .bind(checkpoint)
    .bind(head)
    .fetch_all(&mut *conn)
    .await?;
    if i64::try_from(rows.len()).ok() != Some(behind) {
        return Err(corrupt(
            "tenant_documents",
            tenant,
            format!(
                "{} change sets after the checkpoint, but {behind} recorded",
                rows.len()
            ),
        ));
    }
    let mut last = checkpoint.to_owned();
    for row in rows {
        let hash: String = row.try_get("hash")?;
        let bytes: Vec<u8> = row.try_get("envelope")?;
        let envelope =
            Envelope::parse(&bytes).map_err(|error| corrupt("changesets", &hash, error))?;
        if envelope
            .hash()
            .map_err(|error| corrupt("changesets", &hash, error))?
            .0
            != hash
        {
            return Err(corrupt(
                "changesets",
                &hash,
                "the envelope is not this change set",
            ));
        }
        let payload = envelope
            .payload_bytes()
            .map_err(|error| corrupt("changesets", &hash, error))?;
        let changeset = ChangeSet::from_payload(&payload)
            .map_err(|error| corrupt("changesets", &hash, error))?;
        document = changeset
            .apply_to_json(&document)
            .map_err(|error| corrupt("changesets", &hash, error))?;
        last = hash;
    }
    if last != head {
        return Err(corrupt(
            "tenant_documents",
            tenant,
            "the replay does not end at the head",
        ));
    }
    Ok(document)
}

/// One environment a push changed: its new head, how many of the push's change sets it
/// took, and its document at that head.
#[derive(Debug)]
pub(crate) struct Changed {
    pub tenant: String,
    pub environment: Environment,
    pub head: String,
    pub applied: i64,
    pub document: DocumentJson,
    pub memo: Option<Arc<EvaluationMemo>>,
}

/// The tenant heads a push moves without rewriting the tenant's row otherwise: tenant →
/// (newest change set, its sequence number).
pub(crate) type TenantHeads = HashMap<String, (String, i64)>;

/// Records the new heads of `changed` and of `heads` (in the push's transaction), in
/// the tenants' rows, one statement per 500 tenants; then a checkpoint for each
/// environment that is new or [`CHECKPOINT_EVERY`] change sets past its last. Every
/// tenant of `heads` must have an environment in `changed` (it took a change set).
/// Returns when the heads were written (the rest of the time went to checkpoints).
pub(crate) async fn flush(
    conn: &mut AnyConnection,
    changed: &[Changed],
    heads: &TenantHeads,
) -> Result<Instant, StorageError> {
    // Per tenant: its head if it moves here, and each environment's new head and how
    // many change sets it took.
    let mut moves: Vec<TenantMove> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for change in changed {
        let at = *index.entry(change.tenant.as_str()).or_insert_with(|| {
            moves.push(TenantMove {
                tenant: change.tenant.as_str(),
                head: heads.get(&change.tenant),
                environments: [None; 3],
            });
            moves.len() - 1
        });
        moves[at].environments[slot(change.environment)] = Some(change);
    }
    if let Some(tenant) = heads
        .keys()
        .find(|tenant| !index.contains_key(tenant.as_str()))
    {
        return Err(corrupt(
            "tenants",
            tenant,
            "a head moves with no document changed",
        ));
    }
    // An environment's count grows in the database (whatever this process believes);
    // it goes back to 0 where a checkpoint is due, which RETURNING reports.
    let mut set = vec![
        "head_hash = COALESCE(v.column2, tenants.head_hash)".to_owned(),
        "head_seq = COALESCE(v.column3, tenants.head_seq)".to_owned(),
    ];
    for (position, environment) in ENVIRONMENTS.iter().enumerate() {
        let (head, applied) = (4 + 2 * position, 5 + 2 * position);
        set.push(format!(
            "{environment}_head = COALESCE(v.column{head}, tenants.{environment}_head)"
        ));
        set.push(format!(
            "{environment}_behind = CASE WHEN v.column{head} IS NULL THEN tenants.{environment}_behind \
             WHEN tenants.{environment}_head IS NULL \
             OR tenants.{environment}_behind + v.column{applied} >= {CHECKPOINT_EVERY} THEN 0 \
             ELSE tenants.{environment}_behind + v.column{applied} END"
        ));
    }
    let set = set.join(", ");
    let mut due: HashSet<(&str, usize)> = HashSet::new();
    // 500 tenants (9 values each) a statement: a batch of the default size moves all
    // its tenants' heads in one.
    for chunk in moves.chunks(500) {
        // `VALUES` names its columns column1, column2, … on both engines.
        let sql = format!(
            "UPDATE tenants SET {set} FROM (VALUES {}) AS v WHERE tenants.id = v.column1 \
             RETURNING tenants.id, tenants.draft_behind, tenants.staging_behind, tenants.production_behind",
            values_rows(chunk.len(), 9)
        );
        let mut update = sqlx::query(&sql);
        for one in chunk {
            update = update
                .bind(one.tenant)
                .bind(one.head.map(|(hash, _)| hash.as_str()))
                .bind(one.head.map(|(_, seq)| *seq));
            for change in one.environments {
                update = update
                    .bind(change.map(|change| change.head.as_str()))
                    .bind(change.map_or(0, |change| change.applied));
            }
        }
        let rows = update.fetch_all(&mut *conn).await?;
        if rows.len() != chunk.len() {
            return Err(corrupt(
                "tenants",
                "",
                format!("{} of {} tenants' heads moved", rows.len(), chunk.len()),
            ));
        }
        let at: HashMap<&str, usize> = chunk
            .iter()
            .enumerate()
            .map(|(at, one)| (one.tenant, at))
            .collect();
        for row in rows {
            let tenant: String = row.try_get(0)?;
            let Some(one) = at.get(tenant.as_str()).map(|at| &chunk[*at]) else {
                return Err(corrupt("tenants", &tenant, "a row no head was moved for"));
            };
            for (position, change) in one.environments.iter().enumerate() {
                let behind: i64 = row.try_get(1 + position)?;
                if change.is_some() && behind == 0 {
                    due.insert((one.tenant, position));
                }
            }
        }
    }
    let heads_moved = Instant::now();
    let mut checkpoints: Vec<(&Changed, String)> = Vec::new();
    for change in changed {
        if !due.contains(&(change.tenant.as_str(), slot(change.environment))) {
            continue;
        }
        // Written from the JSON value, members in key order (the typed document is not
        // made for this).
        let text = serde_json::to_string(change.document.json())
            .map_err(|error| corrupt("tenant_documents", &change.tenant, error))?;
        checkpoints.push((change, text));
    }
    for chunk in checkpoints.chunks(500) {
        let sql = format!(
            "INSERT INTO tenant_documents (tenant_id, environment, document_head, document) \
             VALUES {} ON CONFLICT (tenant_id, environment) DO UPDATE SET \
             document_head = excluded.document_head, document = excluded.document",
            values_rows(chunk.len(), 4)
        );
        let mut upsert = sqlx::query(&sql);
        for (change, text) in chunk {
            upsert = upsert
                .bind(change.tenant.as_str())
                .bind(environment_id(change.environment))
                .bind(change.head.as_str())
                .bind(text.as_str());
        }
        upsert.execute(&mut *conn).await?;
    }
    Ok(heads_moved)
}

/// One tenant's part of [`flush`]: its head if it moves here, and each environment's
/// change (new head, change sets taken), in [`ENVIRONMENTS`] order.
struct TenantMove<'a> {
    tenant: &'a str,
    head: Option<&'a (String, i64)>,
    environments: [Option<&'a Changed>; 3],
}

/// The environments in the order of the tenants' columns (`draft_head`, …).
const ENVIRONMENTS: [&str; 3] = ["draft", "staging", "production"];
const ALL: [Environment; 3] = [
    Environment::Draft,
    Environment::Staging,
    Environment::Production,
];

fn slot(environment: Environment) -> usize {
    match environment {
        Environment::Draft => 0,
        Environment::Staging => 1,
        Environment::Production => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tenantry_core::tenant::Regulation;
    use tenantry_core::{ClientName, Industry};

    fn document(name: &str) -> DocumentJson {
        let document = TenantDocument::with_safe_defaults(
            &ClientName::parse(name).expect("name"),
            Industry::Retail,
            &[Regulation::Gdpr],
        )
        .expect("defaults");
        DocumentJson::new(Arc::new(document)).expect("json")
    }

    fn current(head: &str, document: &DocumentJson) -> Current {
        Current {
            head: head.to_owned(),
            document: document.clone(),
            memo: None,
        }
    }

    #[test]
    fn a_document_is_given_only_for_the_head_it_was_kept_under() {
        let cache = DocumentCache::default();
        assert!(cache.is_empty());
        let first = document("Harbour Retail");
        cache.put("t1", Environment::Draft, current("h1", &first));
        let found = cache.get("t1", Environment::Draft, "h1").expect("kept");
        assert!(found.document.same(&first));
        // Another head, environment or tenant: not this document.
        assert!(cache.get("t1", Environment::Draft, "h2").is_none());
        assert!(cache.get("t1", Environment::Staging, "h1").is_none());
        assert!(cache.get("t2", Environment::Draft, "h1").is_none());
        // A newer head replaces it, and the replaced entry is handed back to be freed.
        let second = document("Harbour Retail Two");
        let released =
            cache.put_all([("t1".to_owned(), Environment::Draft, current("h2", &second))]);
        assert_eq!(released.replaced.len(), 1);
        assert!(released.replaced[0].document.same(&first));
        assert_eq!(released.forgotten(), 0);
        assert!(cache.get("t1", Environment::Draft, "h1").is_none());
        assert!(cache.get("t1", Environment::Draft, "h2").is_some());
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn the_cache_is_bounded_and_keeps_what_was_used_since_the_last_turnover() {
        let cache = DocumentCache::default();
        let shared = document("Bounded Retail");
        let entries = |from: usize, to: usize| {
            (from..to)
                .map(|index| {
                    (
                        format!("t{index}"),
                        Environment::Draft,
                        current(&format!("h{index}"), &shared),
                    )
                })
                .collect::<Vec<_>>()
        };
        let half = DocumentCache::ENTRIES / 2;
        assert!(
            cache.put_all(entries(0, half)).is_empty(),
            "no turnover yet"
        );
        // Used again after the turnover below: moves to the new generation.
        let released = cache.put_all(entries(half, 2 * half));
        assert_eq!(released.forgotten(), 0, "nothing dropped yet");
        assert!(cache.get("t0", Environment::Draft, "h0").is_some());
        let released = cache.put_all(entries(2 * half, 3 * half));
        assert!(
            released.forgotten() > 0,
            "the oldest generation is handed back to be freed"
        );
        assert!(cache.len() <= DocumentCache::ENTRIES);
        assert!(
            cache.get("t0", Environment::Draft, "h0").is_some(),
            "used since the last turnover, so kept"
        );
        assert!(
            cache.get("t1", Environment::Draft, "h1").is_none(),
            "forgotten"
        );
    }
}
