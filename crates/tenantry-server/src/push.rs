//! Accepting change sets. Each envelope goes through, in order:
//!
//! 1. outside any lock or transaction, spread over the machine's cores:
//!    - strict parsing and signature verification (`tenantry_changeset::Envelope`)
//!      against every registered key;
//!    - a **prediction**: the operations applied to the tenant's documents as last
//!      committed (read without a lock; earlier envelopes of the same batch on top) and
//!      the policy pack evaluated on the result. This is most of a push's work; it is
//!      used only if the parent it was made on is still the head under the lock (below);
//! 2. inside one transaction that first locks the sequence row (so sequence numbers
//!    follow commit order with no gaps, on SQLite and Postgres alike):
//!    - **idempotency**: a change set already stored (by payload hash) is answered as a
//!      duplicate with its original sequence number. This comes before the checks
//!      below on purpose: a client retrying after a lost answer must learn that its
//!      change set is in, even if, say, its key was revoked since;
//!    - the organisation, the signers' state, the author's role, the environment rules;
//!    - the parent must be the tenant's head (else a conflict naming the paths both
//!      sides touched);
//!    - the operations must apply to the tenant's current document, the result must be
//!      a valid tenant document, and the policy pack must not block it. With the parent
//!      still the head, the prediction's document and verdict are this one's (a head's
//!      documents are the replay of its chain); otherwise nothing was predicted, and the
//!      documents are read under the lock, the operations applied and the pack
//!      evaluated here. The approval rules (which approvals the change needs) are
//!      evaluated on the same path, on the same documents before and after it;
//!    - production only: the result must equal the tenant's staging document, then
//!      every approval requirement recorded for the tenant must be met and the staging
//!      head it promotes must carry the approvals the production change set needs
//!      (see [`crate::review`]). The requirements and approvals of the tenants a batch
//!      promotes are read once per batch under the lock;
//!    - then it is stored with the next sequence number, and its approval
//!      requirements with it.
//!
//! A batch is one transaction; every envelope gets its own answer, so one bad envelope
//! never blocks the rest. The stored hashes, ids and tenant heads the batch needs are
//! read in a few queries before the lock, and brought up to date under it with the
//! change sets numbered since (see [`read_known`]); the change-set rows, the
//! new head of each tenant's environments (with the whole document only every few
//! change sets: see [`crate::documents`]) and the heads of tenants whose slug did not
//! change are written in multi-row statements before the commit (the change sets
//! earlier, when a conflict needs them). A new tenant's row, or a new slug, is
//! written at once: the slug checks of the rest of the batch read it.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use sqlx::{Any, AnyConnection, Row, Transaction};
use tenantry_changeset::changeset::{ChangeSet, ChangeSetError, Environment};
use tenantry_changeset::envelope::{Envelope, EnvelopeError, VerifiedChangeSet};
use tenantry_changeset::keys::KeyId;
use tenantry_changeset::pointer;
use tenantry_core::catalog::Catalog;
use tenantry_core::tenant::{DocumentJson, Slug};
use tenantry_core::{TenantDocument, Timestamp};
use tenantry_policy::{
    ApprovalPolicy, ApprovalRequirement, ChangeEnvironment, Evaluation, EvaluationMemo, Finding,
    PolicyError, PolicyPack,
};

use crate::documents::{self, Changed, Current, DocumentCache, TenantHeads};
use crate::error::{ApiError, ErrorCode};
use crate::review::{self, ApprovalsByHash, Owner, RecordedRequirement};
use crate::staff::{Action, KeyState, StaffKey};
use crate::storage::{Database, StorageError};

/// What the push checks against.
#[derive(Debug, Clone, Copy)]
pub struct PushRules<'a> {
    /// The platform organisation every change set must name.
    pub organisation: &'a str,
    pub pack: &'a PolicyPack,
    pub catalog: &'a Arc<Catalog>,
    /// Which changes need approvals before they count.
    pub approvals: &'a ApprovalPolicy,
    /// Recent heads' documents (see [`crate::documents`]).
    pub documents: &'a DocumentCache,
}

/// One envelope's outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Stored now (`duplicate: false`) or earlier (`duplicate: true`), at `seq`.
    Accepted {
        hash: String,
        seq: i64,
        tenant: String,
        duplicate: bool,
    },
    /// Refused; nothing was stored. `hash` is known once the payload could be decoded.
    Refused {
        hash: Option<String>,
        error: ApiError,
    },
}

impl Answer {
    fn refused(hash: Option<&str>, error: ApiError) -> Self {
        Answer::Refused {
            hash: hash.map(str::to_owned),
            error,
        }
    }
}

/// Why an envelope cannot even be read or verified.
pub fn envelope_error(error: EnvelopeError) -> ApiError {
    let code = match &error {
        EnvelopeError::TooLarge(_) => ErrorCode::PayloadTooLarge,
        EnvelopeError::Malformed(_)
        | EnvelopeError::PayloadType(_)
        | EnvelopeError::Base64(_)
        | EnvelopeError::Unsigned
        | EnvelopeError::TooManySignatures(_)
        | EnvelopeError::DuplicateSigner(_)
        | EnvelopeError::BadKeyId { .. } => ErrorCode::MalformedEnvelope,
        EnvelopeError::UnknownKey { .. } => ErrorCode::UnknownKey,
        EnvelopeError::BadSignature { .. } | EnvelopeError::AuthorMissing(_) => {
            ErrorCode::InvalidSignature
        }
        EnvelopeError::ChangeSet(_) => ErrorCode::InvalidChangeset,
    };
    ApiError::new(code, error.to_string())
}

/// Parses and verifies one envelope against every registered key (in any state: the
/// state is checked later, after the duplicate check).
pub fn verify(
    bytes: &[u8],
    registry: &HashMap<KeyId, StaffKey>,
) -> Result<VerifiedChangeSet, ApiError> {
    let envelope = Envelope::parse(bytes).map_err(envelope_error)?;
    envelope
        .verify(|id| registry.get(id).map(|key| key.public_key.clone()))
        .map_err(envelope_error)
}

/// Who may change which environment. Every author role may change every environment;
/// what a production change may contain is checked by [`check_promotion`], and the
/// approvals it waits for by [`crate::review::missing_for_promotion`].
pub fn check_environment_rules(_changeset: &ChangeSet, _author: &StaffKey) -> Result<(), ApiError> {
    Ok(())
}

/// Production is reached only through staging: a production change set must leave
/// production exactly as the tenant's staging configuration is now. A tenant with no
/// staging configuration cannot change production at all.
/// For a production change set: every go-live checklist item the rules require of the
/// resulting configuration has evidence (where to see the proof, and who verified it).
/// Production is a promotion of what was verified, so the evidence must be in the
/// configuration already (staging's copy), not promised for later.
pub fn check_checklist(
    environment: Environment,
    resulting: &TenantDocument,
    required: &[String],
) -> Result<(), ApiError> {
    if environment != Environment::Production {
        return Ok(());
    }
    let missing: Vec<&str> = required
        .iter()
        .filter(|item| {
            !resulting
                .go_live
                .items
                .get(item.as_str())
                .is_some_and(tenantry_core::tenant::Evidence::is_recorded)
        })
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::ChecklistIncomplete,
        format!(
            "production waits for go-live evidence of {} checklist item(s): {}; record the evidence (step 10), then promote it through staging",
            missing.len(),
            missing.join(", ")
        ),
    )
    .with("missing_items", &missing))
}

pub fn check_promotion(
    environment: Environment,
    resulting: &TenantDocument,
    staging: Option<&TenantDocument>,
) -> Result<(), ApiError> {
    if environment != Environment::Production {
        return Ok(());
    }
    let Some(staging) = staging else {
        return Err(ApiError::new(
            ErrorCode::ProductionWithoutStaging,
            "production is reached only through staging, and this tenant has no staging \
             configuration yet: apply and verify the change in staging first",
        ));
    };
    if staging == resulting {
        return Ok(());
    }
    let (Ok(staging), Ok(resulting)) = (
        serde_json::to_value(staging),
        serde_json::to_value(resulting),
    ) else {
        return Err(ApiError::internal());
    };
    let differing: Vec<String> = tenantry_changeset::diff::field_changes(&staging, &resulting)
        .into_iter()
        .map(|change| change.path)
        .collect();
    Err(ApiError::new(
        ErrorCode::ProductionWithoutStaging,
        format!(
            "production would differ from staging in {} field(s) ({}): production is reached \
             only through staging; apply the change to staging first, then promote exactly that",
            differing.len(),
            differing
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
    .with("differing_paths", &differing))
}

/// The JSON pointers of `ours` that touch what any of `theirs` touched: the same
/// location, or one inside the other (the root touches everything). Sorted, once each.
pub fn conflicting_paths<'a>(
    ours: impl IntoIterator<Item = &'a str>,
    theirs: &[String],
) -> Vec<String> {
    // An unparsable pointer is treated as the root: it may touch anything.
    let tokens = |path: &str| pointer::parse(path).unwrap_or_default();
    let theirs: Vec<Vec<String>> = theirs.iter().map(|path| tokens(path)).collect();
    let mut found: Vec<String> = ours
        .into_iter()
        .filter(|path| {
            let mine = tokens(path);
            theirs.iter().any(|other| {
                let shorter = mine.len().min(other.len());
                mine[..shorter] == other[..shorter]
            })
        })
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

/// One tenant's state while a push (or batch) is decided.
#[derive(Clone, Default)]
struct TenantState {
    exists: bool,
    head: Option<String>,
    /// The `slug` and `slug_skeleton` of its row (none before it exists).
    slug: Option<String>,
    skeleton: Option<String>,
    /// Every environment's document is in `documents` (else only those this batch
    /// changed: see [`documents_of`]).
    loaded: bool,
    documents: HashMap<Environment, DocumentJson>,
    /// What the policy pack kept of its evaluation of those documents it evaluated.
    memos: HashMap<Environment, Arc<EvaluationMemo>>,
    /// The change set that last changed each environment's document (kept with
    /// `documents`): the staging one is what a production change set promotes.
    environment_heads: HashMap<Environment, String>,
}

impl TenantState {
    /// What the tenant's row says, without the documents.
    fn row(&self) -> Self {
        Self {
            exists: self.exists,
            head: self.head.clone(),
            slug: self.slug.clone(),
            skeleton: self.skeleton.clone(),
            ..Self::default()
        }
    }
}

/// What step 1 worked out for one envelope: the document it would make, and the
/// policy pack's verdict on it.
struct Prediction {
    document: DocumentJson,
    /// What the pack kept of its evaluation of `document`.
    memo: Option<Arc<EvaluationMemo>>,
    evaluation: Result<Evaluation, PolicyError>,
    /// The approvals the change needs (from the documents before and after it).
    requirements: Result<Vec<ApprovalRequirement>, PolicyError>,
}

/// What the push gate reads once per batch, for the tenants it promotes to production.
#[derive(Default)]
struct Reviews {
    /// Per tenant, the requirements recorded for its change sets, oldest first (this
    /// batch's appended as they are accepted).
    requirements: HashMap<String, Vec<RecordedRequirement>>,
    /// The approvals of those tenants' change sets (hashes are global: one map).
    approvals: ApprovalsByHash,
}

/// A change set accepted in this transaction, written before the commit.
struct NewRow {
    seq: i64,
    hash: String,
    id: String,
    tenant: String,
    parent: Option<String>,
    environment: Environment,
    author: String,
    envelope: Vec<u8>,
}

/// Everything a push transaction carries from one envelope to the next.
struct Batch<'a> {
    rules: PushRules<'a>,
    registry: &'a HashMap<KeyId, StaffKey>,
    next_seq: i64,
    tenants: HashMap<String, TenantState>,
    /// Stored change sets among the batch's hashes, and those accepted by it: hash →
    /// (seq, tenant).
    stored: HashMap<String, (i64, String)>,
    /// Change-set ids in use among the batch's ids, and those accepted by it.
    ids: HashSet<String>,
    /// Accepted here, not yet inserted (in sequence order).
    rows: Vec<NewRow>,
    /// Tenants whose row lags behind only in `head_hash` and `head_seq` (slug
    /// unchanged): (hash, seq), written with the environments' heads before the commit.
    heads: TenantHeads,
    /// (tenant, environment) whose document changed here, to write before the commit,
    /// with the change set that last changed it and how many change sets it took here.
    documents: HashMap<(String, Environment), (String, i64)>,
    /// Approval requirements of the change sets accepted here, written after them.
    requirements: Vec<RecordedRequirement>,
    /// The push gate's view of the tenants this batch promotes to production.
    reviews: Reviews,
    now_ms: i64,
    /// Time spent evaluating the policy pack and the approval rules under the lock, and
    /// how often.
    policy: Duration,
    evaluated: usize,
    /// The accepted change sets' evaluations, freed once the lock is released (each is
    /// hundreds of allocations; freeing them and the decided change sets there took
    /// deciding from 12.7 to 9.6 µs a change set in the acceptance benchmark).
    spent: Vec<Evaluation>,
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

pub(crate) fn environment_id(environment: Environment) -> &'static str {
    environment.id()
}

pub(crate) fn corrupt(table: &'static str, id: &str, detail: impl ToString) -> StorageError {
    StorageError::Corrupt {
        table,
        id: id.to_owned(),
        detail: detail.to_string(),
    }
}

/// `work` over `items` on the blocking pool, split into one contiguous part per core,
/// at the workers' lower CPU priority (see [`crate::priority`]); the results in the
/// order of `items`. A panic in `work` is resumed here (and answered
/// as a 500 like any panic in a handler).
async fn in_parallel<T, R, F>(items: Vec<T>, work: F) -> Vec<R>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> R + Send + Sync + 'static,
{
    if items.len() <= 1 {
        return items.into_iter().map(work).collect();
    }
    let workers = std::thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(items.len());
    let part = items.len().div_ceil(workers);
    let work = Arc::new(work);
    let mut items = items.into_iter();
    let mut tasks = Vec::with_capacity(workers);
    loop {
        let chunk: Vec<T> = items.by_ref().take(part).collect();
        if chunk.is_empty() {
            break;
        }
        let work = Arc::clone(&work);
        tasks.push(tokio::task::spawn_blocking(move || {
            crate::priority::lower_this_thread();
            chunk.into_iter().map(|item| work(item)).collect::<Vec<R>>()
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        match task.await {
            Ok(part) => results.extend(part),
            Err(error) => match error.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(error) => panic!("a push's worker did not finish: {error}"),
            },
        }
    }
    results
}

/// `$1, $2, …` for `count` values.
fn placeholders(count: usize) -> String {
    let mut sql = String::with_capacity(count * 7);
    for n in 1..=count {
        if n > 1 {
            sql.push_str(", ");
        }
        push_placeholder(&mut sql, n);
    }
    sql
}

/// `($1, …, $width), ($width+1, …), …` for `rows` rows of `width` values (the `Any`
/// driver's query builder writes `?`, which Postgres does not take). Written into one
/// buffer: a push's statements have thousands of values, and a `String` per value was
/// ~2 µs a change set of the time the sequence lock is held.
pub(crate) fn values_rows(rows: usize, width: usize) -> String {
    let mut sql = String::with_capacity(rows * width * 8);
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 1..=width {
            if column > 1 {
                sql.push_str(", ");
            }
            push_placeholder(&mut sql, row * width + column);
        }
        sql.push(')');
    }
    sql
}

fn push_placeholder(sql: &mut String, n: usize) {
    use std::fmt::Write as _;
    // Writing to a `String` cannot fail.
    let _ = write!(sql, "${n}");
}

/// Rows of `sql_before IN (…)` for `values`, a few hundred values per query.
pub(crate) async fn select_in(
    conn: &mut AnyConnection,
    sql_before: &str,
    values: &[&str],
) -> Result<Vec<sqlx::any::AnyRow>, StorageError> {
    let mut rows = Vec::new();
    for chunk in values.chunks(500) {
        let sql = format!("{sql_before} IN ({})", placeholders(chunk.len()));
        let mut query = sqlx::query(&sql);
        for value in chunk {
            query = query.bind(*value);
        }
        rows.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(rows)
}

/// The state of each of `tenants` (an empty one for a tenant not stored yet).
///
/// The heads are read before the documents. A prediction is used only when, under the
/// lock, its parent is still the tenant's head, i.e. when the head read here was still
/// the head at the lock: heads only move forward (each new head names the previous one
/// as its parent), so nothing was committed to the tenant in between and the documents
/// read here are that head's.
async fn load_tenants(
    conn: &mut AnyConnection,
    tenants: &[&str],
    documents: Option<&DocumentCache>,
) -> Result<HashMap<String, TenantState>, StorageError> {
    let mut states: HashMap<String, TenantState> = tenants
        .iter()
        .map(|tenant| ((*tenant).to_owned(), TenantState::default()))
        .collect();
    let rows = select_in(
        conn,
        &format!(
            "SELECT id, head_hash, slug, slug_skeleton, {} FROM tenants WHERE id",
            documents::HEAD_COLUMNS
        ),
        tenants,
    )
    .await?;
    // Each stored environment's head: (tenant, environment, head).
    let mut heads = Vec::new();
    for row in rows {
        let id: String = row.try_get("id")?;
        if let Some(state) = states.get_mut(&id) {
            state.exists = true;
            state.head = Some(row.try_get("head_hash")?);
            state.slug = Some(row.try_get("slug")?);
            state.skeleton = Some(row.try_get("slug_skeleton")?);
            for (environment, head) in documents::environment_heads(&row)? {
                heads.push((id.clone(), environment, head));
            }
        }
    }
    let Some(cache) = documents else {
        return Ok(states);
    };
    for state in states.values_mut() {
        state.loaded = true;
    }
    for (tenant, environments) in documents::load(conn, &heads, cache).await? {
        if let Some(state) = states.get_mut(&tenant) {
            for (
                environment,
                Current {
                    head,
                    document,
                    memo,
                },
            ) in environments
            {
                state.documents.insert(environment, document);
                if let Some(memo) = memo {
                    state.memos.insert(environment, memo);
                }
                state.environment_heads.insert(environment, head);
            }
        }
    }
    Ok(states)
}

/// What a push needs to know of the stored change sets and tenants: which of its
/// envelopes are stored already (hash → sequence number and tenant), which of its ids are
/// taken, and its tenants' rows.
struct Known {
    stored: HashMap<String, (i64, String)>,
    ids: HashSet<String>,
    tenants: HashMap<String, TenantState>,
}

/// [`Known`] as of the sequence number it returns, read before the lock (without a
/// transaction), but for its tenants' rows, which [`predict`] reads next with their
/// documents: that number is read first, so everything numbered up to it is in what
/// follows, and whatever commits later has a greater number ([`catch_up`] reads it under
/// the lock, and the rows of its tenants again; a row read after the number is as new
/// or newer). The reads were a seventh of the time the lock was held.
async fn read_known(
    conn: &mut AnyConnection,
    verified: &[Result<VerifiedChangeSet, ApiError>],
) -> Result<(i64, Known), StorageError> {
    let upto: i64 = sqlx::query("SELECT value FROM server_sequences WHERE name = 'changesets'")
        .fetch_one(&mut *conn)
        .await?
        .try_get("value")?;
    let accepted = || verified.iter().filter_map(|result| result.as_ref().ok());
    let hashes: Vec<&str> = accepted()
        .map(|verified| verified.hash.0.as_str())
        .collect();
    let mut stored = HashMap::new();
    for row in select_in(
        conn,
        "SELECT hash, seq, tenant_id FROM changesets WHERE hash",
        &hashes,
    )
    .await?
    {
        stored.insert(
            row.try_get::<String, _>("hash")?,
            (row.try_get("seq")?, row.try_get("tenant_id")?),
        );
    }
    let ids: Vec<&str> = accepted()
        .map(|verified| verified.changeset.id.as_str())
        .collect();
    let mut used = HashSet::new();
    for row in select_in(conn, "SELECT id FROM changesets WHERE id", &ids).await? {
        used.insert(row.try_get::<String, _>("id")?);
    }
    Ok((
        upto,
        Known {
            stored,
            ids: used,
            tenants: HashMap::new(),
        },
    ))
}

/// Brings what [`read_known`] read as of `upto` up to date, under the lock: the change
/// sets numbered after `upto` are the only ones it may miss, and the only tenant rows
/// that may have changed are those of their tenants (a tenant's row changes only with a
/// change set of it).
async fn catch_up(
    tx: &mut Transaction<'static, Any>,
    upto: i64,
    Known {
        stored,
        ids,
        tenants,
    }: &mut Known,
) -> Result<(), StorageError> {
    let rows = sqlx::query("SELECT hash, seq, tenant_id, id FROM changesets WHERE seq > $1")
        .bind(upto)
        .fetch_all(&mut **tx)
        .await?;
    let mut moved: Vec<String> = Vec::new();
    for row in rows {
        // Ids are unique across tenants.
        ids.insert(row.try_get("id")?);
        let tenant: String = row.try_get("tenant_id")?;
        if !tenants.contains_key(&tenant) {
            // Not one of this push's change sets (a hash names its tenant).
            continue;
        }
        stored.insert(row.try_get("hash")?, (row.try_get("seq")?, tenant.clone()));
        if !moved.contains(&tenant) {
            moved.push(tenant);
        }
    }
    if !moved.is_empty() {
        let moved: Vec<&str> = moved.iter().map(String::as_str).collect();
        tenants.extend(load_tenants(tx, &moved, None).await?);
    }
    Ok(())
}

/// The distinct tenants of the verified envelopes, in order of appearance.
fn tenants_of(verified: &[Result<VerifiedChangeSet, ApiError>]) -> Vec<&str> {
    let mut seen = HashSet::new();
    verified
        .iter()
        .filter_map(|result| result.as_ref().ok())
        .map(|verified| verified.changeset.tenant.as_str())
        .filter(|tenant| seen.insert(*tenant))
        .collect()
}

/// Step 1's prediction for each envelope that looks acceptable on the last committed
/// state (none for the others: they are decided under the lock as they are), and the
/// tenants' rows it was made on, without their documents (under the lock, documents
/// are read only for tenants with an envelope that has no prediction).
///
/// Each tenant's envelopes form a chain (each applies to the document the previous one
/// made), and tenants are independent: the chains are worked on in parallel, applying,
/// evaluating the pack and the approval rules off the async threads.
async fn predict(
    db: &Database,
    rules: PushRules<'_>,
    verified: &[Result<VerifiedChangeSet, ApiError>],
    times: &mut PredictTimes,
) -> Result<(Vec<Option<Prediction>>, HashMap<String, TenantState>), StorageError> {
    let started = Instant::now();
    let mut states = {
        let mut conn = db.acquire().await?;
        load_tenants(&mut conn, &tenants_of(verified), Some(rules.documents)).await?
    };
    let rows = states
        .iter()
        .map(|(tenant, state)| (tenant.clone(), state.row()))
        .collect();
    times.read = started.elapsed();

    let mut chains: HashMap<&str, Chain> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for (index, result) in verified.iter().enumerate() {
        let Ok(verified) = result else { continue };
        let changeset = &verified.changeset;
        if changeset.organisation != rules.organisation {
            continue;
        }
        let tenant = changeset.tenant.as_str();
        let Some(state) = states.get_mut(tenant) else {
            continue;
        };
        let chain = chains.entry(tenant).or_insert_with(|| {
            order.push(tenant);
            Chain {
                head: state.head.take(),
                documents: std::mem::take(&mut state.documents),
                memos: std::mem::take(&mut state.memos),
                links: Vec::new(),
            }
        });
        chain
            .links
            .push((index, verified.hash.0.clone(), changeset.clone()));
    }
    let chains: Vec<Chain> = order
        .into_iter()
        .filter_map(|tenant| chains.remove(tenant))
        .collect();

    let pack = rules.pack.clone();
    let approvals = rules.approvals.clone();
    let catalog = Arc::clone(rules.catalog);
    let worked = in_parallel(chains, move |chain| {
        chain.predict(&pack, &approvals, &catalog)
    })
    .await;
    let mut predictions: Vec<Option<Prediction>> = verified.iter().map(|_| None).collect();
    for (made, spent) in worked {
        for (index, prediction) in made {
            predictions[index] = Some(prediction);
        }
        times.apply += spent.apply;
        times.policy += spent.policy;
        times.approvals += spent.approvals;
    }
    Ok((predictions, rows))
}

/// One tenant's envelopes of a batch, in order, on top of its last committed state.
struct Chain {
    head: Option<String>,
    documents: HashMap<Environment, DocumentJson>,
    memos: HashMap<Environment, Arc<EvaluationMemo>>,
    /// (position in the batch, hash, change set).
    links: Vec<(usize, String, ChangeSet)>,
}

impl Chain {
    /// The prediction of each link whose parent is the chain's head when its turn comes
    /// and whose operations apply; the others are left to the lock.
    fn predict(
        mut self,
        pack: &PolicyPack,
        approvals: &ApprovalPolicy,
        catalog: &Catalog,
    ) -> (Vec<(usize, Prediction)>, PredictTimes) {
        let mut spent = PredictTimes::default();
        let mut made = Vec::with_capacity(self.links.len());
        // Each environment's document with its JSON value, made once and read by the
        // next change set, the pack and the approval rules alike, and what the pack kept
        // of its evaluation (when there was one).
        let mut current: HashMap<Environment, (DocumentJson, Option<Arc<EvaluationMemo>>)> =
            HashMap::new();
        for (index, hash, changeset) in std::mem::take(&mut self.links) {
            if changeset.parent != self.head {
                continue;
            }
            let started = Instant::now();
            let environment = changeset.environment;
            let (before, memo) = match current.remove(&environment) {
                Some((before, memo)) => (Some(before), memo),
                None => match self.documents.remove(&environment) {
                    Some(document) => {
                        // The memo counts only if its document is this one.
                        let memo = self
                            .memos
                            .remove(&environment)
                            .filter(|memo| memo.document().same(&document));
                        (Some(document), memo)
                    }
                    None => (None, None),
                },
            };
            let Ok(document) = apply(&changeset, before.as_ref()) else {
                if let Some(before) = before {
                    current.insert(environment, (before, memo));
                }
                continue;
            };
            let applied_at = Instant::now();
            let (evaluation, next_memo) =
                match pack.evaluate_after(&document, memo.as_deref(), catalog) {
                    Ok((evaluation, next_memo)) => (Ok(evaluation), next_memo.map(Arc::new)),
                    Err(error) => (Err(error), None),
                };
            let evaluated_at = Instant::now();
            let requirements = approvals.required_json(
                change_environment(environment),
                before.as_ref(),
                &document,
                &changed_paths(&changeset),
            );
            spent.apply += applied_at - started;
            spent.policy += evaluated_at - applied_at;
            spent.approvals += evaluated_at.elapsed();
            self.head = Some(hash);
            made.push((
                index,
                Prediction {
                    document: document.clone(),
                    memo: next_memo.clone(),
                    evaluation,
                    requirements,
                },
            ));
            current.insert(environment, (document, next_memo));
        }
        (made, spent)
    }
}

/// Where the prediction's time went, for the phase log. `read` is wall time; the others
/// are summed over the worker threads (CPU time, roughly).
#[derive(Debug, Default)]
struct PredictTimes {
    /// Reading the tenants' heads and documents (and parsing the documents).
    read: Duration,
    /// Applying each change set to its tenant's document.
    apply: Duration,
    policy: Duration,
    approvals: Duration,
}

/// Accepts what it can of `envelopes`; one answer per envelope, in order. Storage
/// failures fail the whole call (nothing of it is committed).
pub async fn push(
    db: &Database,
    write_gate: &tokio::sync::Mutex<()>,
    rules: PushRules<'_>,
    envelopes: &[&[u8]],
) -> Result<Vec<Answer>, StorageError> {
    let started = Instant::now();
    let registry: Arc<HashMap<KeyId, StaffKey>> = Arc::new(
        db.keys()
            .await?
            .into_iter()
            .map(|key| (key.key_id.clone(), key))
            .collect(),
    );
    let owned: Vec<Vec<u8>> = envelopes.iter().map(|bytes| bytes.to_vec()).collect();
    let keys = Arc::clone(&registry);
    let verified: Vec<Result<VerifiedChangeSet, ApiError>> =
        in_parallel(owned, move |bytes| verify(&bytes, &keys)).await;
    let verified_at = Instant::now();
    if verified.iter().all(Result::is_err) {
        // Nothing to decide: answer without taking the writer's lock.
        return Ok(verified
            .into_iter()
            .map(|result| Answer::refused(None, result.err().unwrap_or_else(ApiError::internal)))
            .collect());
    }
    let (known_upto, mut known) = {
        let mut conn = db.acquire().await?;
        read_known(&mut conn, &verified).await?
    };
    let mut predict_times = PredictTimes::default();
    let (mut predictions, rows) = predict(db, rules, &verified, &mut predict_times).await?;
    known.tenants = rows;
    let predicted_at = Instant::now();

    // One writer at a time in this process; the sequence row lock does the same across
    // processes (and is what makes the order right on Postgres).
    let writer = write_gate.lock().await;
    let locked_at = Instant::now();
    let mut tx = db.begin().await?;
    let current: i64 = sqlx::query(
        "UPDATE server_sequences SET value = value WHERE name = 'changesets' RETURNING value",
    )
    .fetch_one(&mut *tx)
    .await?
    .try_get("value")?;

    // The signers' states as of now: a revocation that committed while this push waited
    // for the lock counts (the keys read before the lock only served verification).
    let registry: HashMap<KeyId, StaffKey> = Database::keys_in(&mut tx)
        .await?
        .into_iter()
        .map(|key| (key.key_id.clone(), key))
        .collect();

    // What the batch needs to know: read before the lock, brought up to date here with
    // what committed since.
    catch_up(&mut tx, known_upto, &mut known).await?;
    let Known {
        stored,
        ids: used_ids,
        tenants,
    } = known;
    let reviews = load_reviews(&mut tx, &verified).await?;
    let read_at = Instant::now();

    let mut batch = Batch {
        rules,
        registry: &registry,
        next_seq: current + 1,
        tenants,
        stored,
        ids: used_ids,
        rows: Vec::new(),
        documents: HashMap::new(),
        requirements: Vec::new(),
        reviews,
        heads: TenantHeads::new(),
        now_ms: Timestamp::now().unix_millis(),
        policy: Duration::ZERO,
        evaluated: 0,
        spent: Vec::with_capacity(envelopes.len()),
    };
    let mut answers = Vec::with_capacity(envelopes.len());
    // Freed after the lock too, with the evaluations.
    let mut decided = Vec::with_capacity(envelopes.len());
    for ((bytes, verified), prediction) in
        envelopes.iter().zip(verified).zip(predictions.iter_mut())
    {
        let answer = match verified {
            Err(error) => Answer::refused(None, error),
            Ok(verified) => {
                let answer =
                    decide(&mut tx, &mut batch, bytes, &verified, prediction.take()).await?;
                decided.push(verified);
                answer
            }
        };
        answers.push(answer);
    }
    let decided_at = Instant::now();
    let mut flushed_at = decided_at;
    let mut rows_written_at = decided_at;
    let mut requirements_written_at = decided_at;
    let mut heads_written_at = decided_at;
    let mut documents_written_at = decided_at;
    let mut committed = Vec::new();
    if batch.next_seq > current + 1 {
        flush_changesets(&mut tx, &mut batch).await?;
        rows_written_at = Instant::now();
        flush_requirements(&mut tx, &mut batch).await?;
        requirements_written_at = Instant::now();
        let changed;
        (changed, heads_written_at) = flush_documents(&mut tx, &mut batch).await?;
        documents_written_at = Instant::now();
        sqlx::query("UPDATE server_sequences SET value = $1 WHERE name = 'changesets'")
            .bind(batch.next_seq - 1)
            .execute(&mut *tx)
            .await?;
        flushed_at = Instant::now();
        tx.commit().await?;
        committed = changed;
    } else {
        tx.rollback().await?;
    }
    let done = Instant::now();
    drop(writer);
    let spent = (std::mem::take(&mut batch.spent), decided, predictions);
    tokio::task::spawn_blocking(move || drop(spent));
    // The new heads' documents go to the cache once the next push may start; what the
    // cache lets go of (the replaced heads, a forgotten generation) is freed on a
    // blocking thread.
    let released = batch.rules.documents.put_all(committed.into_iter().map(
        |Changed {
             tenant,
             environment,
             head,
             document,
             memo,
             ..
         }| {
            (
                tenant,
                environment,
                Current {
                    head,
                    document,
                    memo,
                },
            )
        },
    ));
    if !released.is_empty() {
        tokio::task::spawn_blocking(move || drop(released));
    }
    tracing::debug!(
        envelopes = envelopes.len(),
        verify_ms = millis(verified_at - started),
        predict_ms = millis(predicted_at - verified_at),
        predict_read_ms = millis(predict_times.read),
        predict_apply_ms = millis(predict_times.apply),
        predict_policy_cpu_ms = millis(predict_times.policy),
        predict_approvals_cpu_ms = millis(predict_times.approvals),
        wait_ms = millis(locked_at - predicted_at),
        locked_ms = millis(done - locked_at),
        locked_read_ms = millis(read_at - locked_at),
        locked_decide_ms = millis(decided_at - read_at),
        locked_write_ms = millis(flushed_at - decided_at),
        locked_write_changesets_ms = millis(rows_written_at - decided_at),
        locked_write_requirements_ms = millis(requirements_written_at - rows_written_at),
        locked_write_documents_ms = millis(documents_written_at - requirements_written_at),
        locked_write_heads_ms =
            millis(heads_written_at.saturating_duration_since(requirements_written_at)),
        locked_write_checkpoints_ms =
            millis(documents_written_at.saturating_duration_since(heads_written_at)),
        locked_commit_ms = millis(done - flushed_at),
        locked_policy_ms = millis(batch.policy),
        evaluated_under_lock = batch.evaluated,
        "push phases"
    );
    Ok(answers)
}

/// Decides one verified envelope inside the push transaction, and stores it if accepted.
async fn decide(
    tx: &mut Transaction<'static, Any>,
    batch: &mut Batch<'_>,
    bytes: &[u8],
    verified: &VerifiedChangeSet,
    prediction: Option<Prediction>,
) -> Result<Answer, StorageError> {
    let hash = verified.hash.0.as_str();
    let changeset = &verified.changeset;
    let tenant = changeset.tenant.as_str();

    if let Some((seq, tenant)) = batch.stored.get(hash) {
        return Ok(Answer::Accepted {
            hash: hash.to_owned(),
            seq: *seq,
            tenant: tenant.clone(),
            duplicate: true,
        });
    }
    let refuse = |error: ApiError| Ok(Answer::refused(Some(hash), error));

    if let Err(error) = check_signers(batch, changeset, verified) {
        return refuse(error);
    }

    let Some(state) = batch.tenants.get(tenant) else {
        return Err(corrupt("tenants", tenant, "tenant state vanished"));
    };
    if changeset.parent != state.head {
        let head = state.head.clone();
        // The paths are read from the stored change sets: this batch's go first.
        flush_changesets(tx, batch).await?;
        let theirs = touched_since(
            tx,
            tenant,
            changeset.parent.as_deref(),
            changeset.environment,
        )
        .await?;
        let ours = changeset.operations.iter().map(|op| op.path());
        return refuse(
            ApiError::new(
                ErrorCode::StaleParent,
                format!(
                    "the change set's parent is {}, but the tenant's head is {}: another change got there first",
                    changeset.parent.as_deref().unwrap_or("none (a first change set)"),
                    head.as_deref().unwrap_or("none (the tenant has no change set yet)"),
                ),
            )
            .with("current_head", &head)
            .with("conflicting_paths", conflicting_paths(ours, &theirs)),
        );
    }

    if batch.ids.contains(changeset.id.as_str()) {
        return refuse(ApiError::new(
            ErrorCode::DuplicateId,
            format!(
                "another change set already has the id {}; every change set needs a new one",
                changeset.id
            ),
        ));
    }

    // The parent is the head. A prediction was made on top of that same head, whose
    // documents are the replay of its chain: its document and verdict hold as they are.
    // Without one, the operations are applied and the pack evaluated here.
    let (document, memo, evaluation, requirements) = match prediction {
        Some(prediction) => (
            prediction.document,
            prediction.memo,
            prediction.evaluation,
            prediction.requirements,
        ),
        None => {
            let rules = batch.rules;
            let current = documents_of(tx, batch, tenant).await?;
            let before = current.get(&changeset.environment).cloned();
            let document = match apply(changeset, before.as_ref()) {
                Ok(document) => document,
                Err(error) => return refuse(does_not_apply(error)),
            };
            let evaluating = Instant::now();
            let requirements = rules.approvals.required_json(
                change_environment(changeset.environment),
                before.as_ref(),
                &document,
                &changed_paths(changeset),
            );
            let evaluation = rules.pack.evaluate_json(&document, rules.catalog);
            batch.policy += evaluating.elapsed();
            batch.evaluated += 1;
            (document, None, evaluation, requirements)
        }
    };
    let Some(state) = batch.tenants.get(tenant) else {
        return Err(corrupt("tenants", tenant, "tenant state vanished"));
    };

    let slug = document
        .json()
        .get("tenant")
        .and_then(|tenant| tenant.get("slug"))
        .unwrap_or(&serde_json::Value::Null);
    let slug = match Slug::deserialize(slug) {
        Ok(slug) => slug,
        Err(error) => {
            // A document always has a valid slug: its making read it as one.
            tracing::error!(error = %error, hash, "the resulting document has no slug");
            return refuse(ApiError::internal());
        }
    };
    let skeleton = slug.skeleton();
    // The tenant's own row holds its skeleton, and skeletons are unique: no other
    // tenant can have it. Otherwise, ask.
    if state.skeleton.as_deref() != Some(skeleton.as_str()) {
        let clash = sqlx::query("SELECT slug FROM tenants WHERE slug_skeleton = $1 AND id <> $2")
            .bind(skeleton.as_str())
            .bind(tenant)
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(row) = clash {
            let existing: String = row.try_get("slug")?;
            return refuse(
                ApiError::new(
                    ErrorCode::SlugTaken,
                    format!(
                        "the slug '{slug}' looks too much like the existing tenant slug '{existing}'"
                    ),
                )
                .with("existing_slug", existing),
            );
        }
    }

    let evaluation = match evaluation {
        Ok(evaluation) => evaluation,
        Err(error) => {
            tracing::error!(error = %error, hash, "the policy pack failed to evaluate");
            return refuse(ApiError::internal());
        }
    };
    let blocks: Vec<&Finding> = evaluation.blocks();
    if !blocks.is_empty() {
        let mut rule_ids: Vec<&str> = blocks.iter().map(|f| f.rule_id.as_str()).collect();
        rule_ids.sort_unstable();
        rule_ids.dedup();
        return refuse(
            ApiError::new(
                ErrorCode::PolicyBlocked,
                format!(
                    "the policy pack blocks the resulting document: {}",
                    rule_ids.join(", ")
                ),
            )
            .with("rule_ids", &rule_ids)
            .with("findings", &blocks),
        );
    }

    let requirements = match requirements {
        Ok(requirements) => requirements,
        Err(error) => {
            tracing::error!(error = %error, hash, "the approval rules failed to evaluate");
            return refuse(ApiError::internal());
        }
    };

    // Production: first the content (exactly staging), then the approvals. In this
    // order a push that could never be accepted is told so before anyone is asked to
    // approve anything.
    let mut subject = hash.to_owned();
    if changeset.environment == Environment::Production {
        let current = documents_of(tx, batch, tenant).await?;
        // The typed documents, made here only: every other check reads the JSON. (Each
        // was read as a document when it was made, so reading it again cannot fail.)
        let typed = |document: &DocumentJson| {
            document
                .document()
                .map(Arc::clone)
                .map_err(|error| corrupt("tenant_documents", tenant, error))
        };
        let staging = current.get(&Environment::Staging).map(typed).transpose()?;
        let resulting = typed(&document)?;
        if let Err(error) = check_promotion(changeset.environment, &resulting, staging.as_deref()) {
            return refuse(error);
        }
        if let Err(error) = check_checklist(
            changeset.environment,
            &resulting,
            &evaluation.required_checklist,
        ) {
            return refuse(error);
        }
        let staging_head = batch
            .tenants
            .get(tenant)
            .and_then(|state| state.environment_heads.get(&Environment::Staging))
            .cloned()
            .ok_or_else(|| corrupt("tenant_documents", tenant, "staging has no head"))?;
        if let Err(error) = check_approvals(batch, changeset, hash, &requirements, &staging_head) {
            return refuse(error);
        }
        subject = staging_head;
    }
    batch.spent.push(evaluation);

    let seq = batch.next_seq;
    store(
        tx,
        batch,
        bytes,
        verified,
        (document, memo),
        (&slug, skeleton),
        seq,
    )
    .await?;
    batch.next_seq += 1;
    let environment = environment_id(changeset.environment);
    // Later production pushes of this batch count this head's approvals (see
    // review::replaced_head).
    if let Some(recorded_here) = batch.reviews.requirements.get_mut(tenant) {
        review::replaced_head(recorded_here, environment, hash);
    }
    let author = changeset.author.as_str();
    let owner = Owner {
        changeset: hash,
        tenant,
        seq,
        author,
        environment,
        subject: &subject,
        subject_environment: if changeset.environment == Environment::Production {
            environment_id(Environment::Staging)
        } else {
            environment
        },
    };
    for (position, requirement) in requirements.iter().enumerate() {
        let recorded = RecordedRequirement::new(requirement, position, owner);
        if let Some(recorded_here) = batch.reviews.requirements.get_mut(tenant) {
            recorded_here.push(recorded.clone());
        }
        batch.requirements.push(recorded);
    }
    Ok(Answer::Accepted {
        hash: hash.to_owned(),
        seq,
        tenant: tenant.to_owned(),
        duplicate: false,
    })
}

fn check_signers(
    batch: &Batch<'_>,
    changeset: &ChangeSet,
    verified: &VerifiedChangeSet,
) -> Result<(), ApiError> {
    if changeset.organisation != batch.rules.organisation {
        return Err(ApiError::new(
            ErrorCode::WrongOrganisation,
            format!(
                "the change set is for organisation '{}', but this server serves '{}'",
                changeset.organisation.chars().take(100).collect::<String>(),
                batch.rules.organisation
            ),
        ));
    }
    for signer in &verified.signers {
        let Some(key) = batch.registry.get(signer) else {
            return Err(ApiError::new(
                ErrorCode::UnknownKey,
                format!("key {signer} is not registered"),
            ));
        };
        if key.state != KeyState::Approved {
            return Err(ApiError::new(
                ErrorCode::SignerNotApproved,
                format!(
                    "the signing key {signer} ({}) is {}",
                    key.name,
                    key.state.id()
                ),
            )
            .with("key_id", signer)
            .with("state", key.state));
        }
    }
    let Some(author) = batch.registry.get(&changeset.author) else {
        return Err(ApiError::new(
            ErrorCode::UnknownKey,
            format!("the author's key {} is not registered", changeset.author),
        ));
    };
    if !author.role.may(Action::AuthorChange) {
        return Err(ApiError::new(
            ErrorCode::ForbiddenRole,
            format!(
                "{} is a {}, and a {} may not author change sets",
                author.name,
                author.role.id(),
                author.role.id()
            ),
        )
        .with("role", author.role));
    }
    check_environment_rules(changeset, author)
}

/// The JSON pointer of each operation of `changeset`.
fn changed_paths(changeset: &ChangeSet) -> Vec<String> {
    changeset
        .operations
        .iter()
        .map(|op| op.path().to_owned())
        .collect()
}

fn change_environment(environment: Environment) -> ChangeEnvironment {
    match environment {
        Environment::Draft => ChangeEnvironment::Draft,
        Environment::Staging => ChangeEnvironment::Staging,
        Environment::Production => ChangeEnvironment::Production,
    }
}

/// The document `changeset` makes of `before` (its environment's document; none for a
/// tenant's first change set).
fn apply(
    changeset: &ChangeSet,
    before: Option<&DocumentJson>,
) -> Result<DocumentJson, ChangeSetError> {
    match before {
        Some(current) => changeset.apply_to_json(current),
        None => {
            let document = changeset.initial_document()?;
            DocumentJson::new(Arc::new(document))
                .map_err(|error| ChangeSetError::InvalidResult(error.to_string()))
        }
    }
}

/// The approval gate of a production change set (`hash`) promoting `staging_head`:
/// refused with every unmet requirement, the tenant's recorded ones first.
fn check_approvals(
    batch: &Batch<'_>,
    changeset: &ChangeSet,
    hash: &str,
    requirements: &[ApprovalRequirement],
    staging_head: &str,
) -> Result<(), ApiError> {
    let recorded = batch
        .reviews
        .requirements
        .get(changeset.tenant.as_str())
        .map_or(&[][..], Vec::as_slice);
    let missing = review::missing_for_promotion(
        recorded,
        &batch.reviews.approvals,
        requirements,
        hash,
        changeset.author.as_str(),
        staging_head,
    );
    if missing.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = missing
        .iter()
        .take(5)
        .map(|status| {
            format!(
                "{} of {} ({}: {}/{})",
                status.rule_id,
                status.hash.chars().take(12).collect::<String>(),
                status.message,
                status.have,
                status.needed
            )
        })
        .collect();
    Err(ApiError::new(
        ErrorCode::ApprovalsMissing,
        format!(
            "production waits for {} approval requirement(s) of this tenant: {}",
            missing.len(),
            shown.join("; ")
        ),
    )
    .with("missing_approvals", &missing))
}

/// For each tenant with a production change set among `verified`, its recorded
/// requirements and its change sets' approvals: two queries for the whole batch, under
/// the lock (a revocation takes the same lock, so the key states read are current).
async fn load_reviews(
    tx: &mut Transaction<'static, Any>,
    verified: &[Result<VerifiedChangeSet, ApiError>],
) -> Result<Reviews, StorageError> {
    let mut seen = HashSet::new();
    let promoting: Vec<&str> = verified
        .iter()
        .filter_map(|result| result.as_ref().ok())
        .filter(|verified| verified.changeset.environment == Environment::Production)
        .map(|verified| verified.changeset.tenant.as_str())
        .filter(|tenant| seen.insert(*tenant))
        .collect();
    let mut reviews = Reviews {
        requirements: promoting
            .iter()
            .map(|tenant| ((*tenant).to_owned(), Vec::new()))
            .collect(),
        approvals: HashMap::new(),
    };
    if promoting.is_empty() {
        return Ok(reviews);
    }
    for requirement in review::requirements_of_tenants(tx, &promoting).await? {
        if let Some(recorded) = reviews.requirements.get_mut(&requirement.tenant) {
            recorded.push(requirement);
        }
    }
    reviews.approvals = review::approvals_of_tenants(tx, &promoting).await?;
    Ok(reviews)
}

fn does_not_apply(error: ChangeSetError) -> ApiError {
    let code = match error {
        ChangeSetError::Operation { .. }
        | ChangeSetError::InvalidResult(_)
        | ChangeSetError::NotACreation
        | ChangeSetError::WrongTenant { .. } => ErrorCode::DoesNotApply,
        _ => ErrorCode::InvalidChangeset,
    };
    ApiError::new(code, error.to_string())
}

async fn touched_since(
    tx: &mut Transaction<'static, Any>,
    tenant: &str,
    parent: Option<&str>,
    environment: Environment,
) -> Result<Vec<String>, StorageError> {
    let after: i64 = match parent {
        None => 0,
        Some(parent) => {
            sqlx::query("SELECT seq FROM changesets WHERE hash = $1 AND tenant_id = $2")
                .bind(parent)
                .bind(tenant)
                .fetch_optional(&mut **tx)
                .await?
                .map(|row| row.try_get("seq"))
                .transpose()?
                .unwrap_or(0)
        }
    };
    let rows = sqlx::query(
        "SELECT seq, envelope FROM changesets WHERE tenant_id = $1 AND seq > $2 AND environment = $3 ORDER BY seq",
    )
    .bind(tenant)
    .bind(after)
    .bind(environment_id(environment))
    .fetch_all(&mut **tx)
    .await?;
    let mut paths = HashSet::new();
    for row in rows {
        let seq: i64 = row.try_get("seq")?;
        let bytes: Vec<u8> = row.try_get("envelope")?;
        // Stored envelopes were verified on the way in; only the operations are needed.
        let changeset = Envelope::parse(&bytes)
            .and_then(|envelope| envelope.payload_bytes())
            .map_err(|error| corrupt("changesets", &seq.to_string(), error))
            .and_then(|payload| {
                ChangeSet::from_payload(&payload)
                    .map_err(|error| corrupt("changesets", &seq.to_string(), error))
            })?;
        paths.extend(changeset.operations.iter().map(|op| op.path().to_owned()));
    }
    Ok(paths.into_iter().collect())
}

/// Every environment's current document of `tenant`: those stored (read once, under
/// the lock) with this batch's changes on top.
async fn documents_of<'b>(
    tx: &mut Transaction<'static, Any>,
    batch: &'b mut Batch<'_>,
    tenant: &str,
) -> Result<&'b HashMap<Environment, DocumentJson>, StorageError> {
    let loaded = batch.tenants.get(tenant).is_some_and(|state| state.loaded);
    if !loaded {
        let cache = batch.rules.documents;
        let stored = load_tenants(tx, &[tenant], Some(cache)).await?;
        let state = batch.tenants.entry(tenant.to_owned()).or_default();
        state.loaded = true;
        if let Some(stored) = stored.into_values().next() {
            for (environment, document) in stored.documents {
                state.documents.entry(environment).or_insert(document);
            }
            for (environment, head) in stored.environment_heads {
                state.environment_heads.entry(environment).or_insert(head);
            }
        }
    }
    match batch.tenants.get(tenant) {
        Some(state) => Ok(&state.documents),
        None => Err(corrupt("tenants", tenant, "tenant state vanished")),
    }
}

/// Records an accepted change set: the tenant's row now (the slug checks of the rest
/// of the batch read it), the change set and the document before the commit.
async fn store(
    tx: &mut Transaction<'static, Any>,
    batch: &mut Batch<'_>,
    bytes: &[u8],
    verified: &VerifiedChangeSet,
    (document, memo): (DocumentJson, Option<Arc<EvaluationMemo>>),
    (slug, skeleton): (&Slug, String),
    seq: i64,
) -> Result<(), StorageError> {
    let changeset = &verified.changeset;
    let tenant = changeset.tenant.as_str();
    let hash = verified.hash.0.as_str();
    let (exists, same_slug) = batch.tenants.get(tenant).map_or((false, false), |state| {
        (state.exists, state.slug.as_deref() == Some(slug.as_str()))
    });
    if exists && same_slug {
        // Only the head moves: written with the others before the commit.
        batch
            .heads
            .insert(tenant.to_owned(), (hash.to_owned(), seq));
    } else if exists {
        batch.heads.remove(tenant);
        sqlx::query(
            "UPDATE tenants SET slug = $1, slug_skeleton = $2, head_hash = $3, head_seq = $4 WHERE id = $5",
        )
        .bind(slug.as_str())
        .bind(skeleton.as_str())
        .bind(hash)
        .bind(seq)
        .bind(tenant)
        .execute(&mut **tx)
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO tenants (id, slug, slug_skeleton, head_hash, head_seq, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant)
        .bind(slug.as_str())
        .bind(skeleton.as_str())
        .bind(hash)
        .bind(seq)
        .bind(batch.now_ms)
        .execute(&mut **tx)
        .await?;
    }
    batch.rows.push(NewRow {
        seq,
        hash: hash.to_owned(),
        id: changeset.id.clone(),
        tenant: tenant.to_owned(),
        parent: changeset.parent.clone(),
        environment: changeset.environment,
        author: changeset.author.as_str().to_owned(),
        envelope: bytes.to_vec(),
    });
    batch
        .stored
        .insert(hash.to_owned(), (seq, tenant.to_owned()));
    batch.ids.insert(changeset.id.clone());
    let changed = batch
        .documents
        .entry((tenant.to_owned(), changeset.environment))
        .or_insert_with(|| (String::new(), 0));
    changed.0 = hash.to_owned();
    changed.1 += 1;
    let state = batch.tenants.entry(tenant.to_owned()).or_default();
    state.exists = true;
    state.head = Some(hash.to_owned());
    state.slug = Some(slug.as_str().to_owned());
    state.skeleton = Some(skeleton);
    state.documents.insert(changeset.environment, document);
    match memo {
        Some(memo) => state.memos.insert(changeset.environment, memo),
        None => state.memos.remove(&changeset.environment),
    };
    state
        .environment_heads
        .insert(changeset.environment, hash.to_owned());
    Ok(())
}

/// Inserts the change sets accepted so far, in sequence order (a parent before its
/// child), a few hundred per statement.
async fn flush_changesets(
    tx: &mut Transaction<'static, Any>,
    batch: &mut Batch<'_>,
) -> Result<(), StorageError> {
    let rows = std::mem::take(&mut batch.rows);
    for chunk in rows.chunks(500) {
        let sql = format!(
            "INSERT INTO changesets (seq, hash, id, tenant_id, parent_hash, environment, author, envelope, received_at_ms) VALUES {}",
            values_rows(chunk.len(), 9)
        );
        let mut insert = sqlx::query(&sql);
        for new in chunk {
            insert = insert
                .bind(new.seq)
                .bind(new.hash.as_str())
                .bind(new.id.as_str())
                .bind(new.tenant.as_str())
                .bind(new.parent.as_deref())
                .bind(environment_id(new.environment))
                .bind(new.author.as_str())
                .bind(new.envelope.as_slice())
                .bind(batch.now_ms);
        }
        insert.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Inserts the approval requirements of the change sets accepted here (after the change
/// sets themselves: they refer to them).
async fn flush_requirements(
    tx: &mut Transaction<'static, Any>,
    batch: &mut Batch<'_>,
) -> Result<(), StorageError> {
    let rows = std::mem::take(&mut batch.requirements);
    for chunk in rows.chunks(300) {
        let sql = format!(
            "INSERT INTO approval_requirements (changeset_hash, position, tenant_id, seq, subject_hash, \
             rule_id, approvals, reviewer_role, step, path, message) VALUES {}",
            values_rows(chunk.len(), 11)
        );
        let mut insert = sqlx::query(&sql);
        for requirement in chunk {
            insert = insert
                .bind(requirement.changeset.as_str())
                .bind(requirement.position)
                .bind(requirement.tenant.as_str())
                .bind(requirement.seq)
                .bind(requirement.recorded_subject.as_str())
                .bind(requirement.rule_id.as_str())
                .bind(i64::from(requirement.approvals))
                .bind(requirement.reviewer.id())
                .bind(requirement.step.id())
                .bind(requirement.path.as_str())
                .bind(requirement.message.as_str());
        }
        insert.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Records the final document of every tenant and environment the batch changed (a
/// checkpoint now and then, see [`crate::documents`]), and hands them back for the
/// cache once the push commits, with when the heads were written.
async fn flush_documents(
    tx: &mut Transaction<'static, Any>,
    batch: &mut Batch<'_>,
) -> Result<(Vec<Changed>, Instant), StorageError> {
    let mut changed = Vec::with_capacity(batch.documents.len());
    for ((tenant, environment), (head, applied)) in batch.documents.drain() {
        let Some(document) = batch
            .tenants
            .get(&tenant)
            .and_then(|state| state.documents.get(&environment))
        else {
            return Err(corrupt("tenant_documents", &tenant, "document vanished"));
        };
        let memo = batch
            .tenants
            .get(&tenant)
            .and_then(|state| state.memos.get(&environment))
            .filter(|memo| memo.document().same(document))
            .cloned();
        changed.push(Changed {
            document: document.clone(),
            memo,
            tenant,
            environment,
            head,
            applied,
        });
    }
    changed.sort_by(|a, b| {
        (a.tenant.as_str(), environment_id(a.environment))
            .cmp(&(b.tenant.as_str(), environment_id(b.environment)))
    });
    let heads_written_at = documents::flush(tx, &changed, &batch.heads).await?;
    batch.heads.clear();
    Ok((changed, heads_written_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_must_equal_staging() {
        let name = tenantry_core::ClientName::parse("Acme Health").expect("name");
        let doc =
            TenantDocument::with_safe_defaults(&name, tenantry_core::Industry::Healthcare, &[])
                .expect("defaults");
        let mut other = doc.clone();
        other.ai.monthly_budget_cents = 1;
        assert!(check_promotion(Environment::Staging, &other, None).is_ok());
        assert!(check_promotion(Environment::Draft, &other, Some(&doc)).is_ok());
        assert!(check_promotion(Environment::Production, &doc, Some(&doc)).is_ok());
        let none = check_promotion(Environment::Production, &doc, None).expect_err("no staging");
        assert_eq!(none.code, ErrorCode::ProductionWithoutStaging);
        let differs =
            check_promotion(Environment::Production, &other, Some(&doc)).expect_err("differs");
        assert!(
            differs.message.contains("/ai/monthly_budget_cents"),
            "{}",
            differs.message
        );
    }

    #[test]
    fn production_needs_evidence_for_every_required_checklist_item() {
        let name = tenantry_core::ClientName::parse("Acme Health").expect("name");
        let mut doc =
            TenantDocument::with_safe_defaults(&name, tenantry_core::Industry::Healthcare, &[])
                .expect("defaults");
        let required = vec!["logs".to_owned(), "metrics".to_owned()];
        let evidence = |reference: &str, by: &str| tenantry_core::tenant::Evidence {
            reference: reference.to_owned(),
            verified_by: by.to_owned(),
            verified_at: Timestamp::now(),
            sha256: None,
        };
        doc.go_live.items.insert(
            "logs".into(),
            evidence("https://grafana.example/d/logs", "Ana"),
        );
        doc.go_live
            .items
            .insert("metrics".into(), evidence("  ", "Ana"));
        // Staging and draft may be pushed without it: the evidence is recorded there.
        assert!(check_checklist(Environment::Staging, &doc, &required).is_ok());
        let refused =
            check_checklist(Environment::Production, &doc, &required).expect_err("metrics");
        assert_eq!(refused.code, ErrorCode::ChecklistIncomplete);
        assert_eq!(
            refused.details["missing_items"],
            serde_json::json!(["metrics"])
        );
        assert!(
            refused.message.contains("1 checklist item(s): metrics"),
            "{}",
            refused.message
        );
        doc.go_live.items.insert(
            "metrics".into(),
            evidence("https://grafana.example/d/rps", ""),
        );
        assert!(
            check_checklist(Environment::Production, &doc, &required).is_err(),
            "who verified it"
        );
        doc.go_live.items.insert(
            "metrics".into(),
            evidence("https://grafana.example/d/rps", "Ana"),
        );
        assert!(check_checklist(Environment::Production, &doc, &required).is_ok());
    }

    #[test]
    fn statements_number_their_values_in_order() {
        assert_eq!(placeholders(3), "$1, $2, $3");
        assert_eq!(placeholders(0), "");
        assert_eq!(values_rows(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values_rows(1, 1), "($1)");
        assert_eq!(values_rows(0, 4), "");
        let many = values_rows(500, 9);
        assert!(many.starts_with("($1, $2, "));
        assert!(many.ends_with(", $4499, $4500)"));
        assert_eq!(many.matches('$').count(), 4500);
    }

    fn paths(list: &[&str]) -> Vec<String> {
        list.iter().map(|path| (*path).to_owned()).collect()
    }

    #[test]
    fn conflicting_paths_are_the_overlapping_ones() {
        let theirs = paths(&["/ai/monthly_budget_cents", "/services/chat/flags/x"]);
        assert_eq!(
            conflicting_paths(
                [
                    "/ai/monthly_budget_cents",
                    "/tenant/display_name",
                    "/services/chat"
                ],
                &theirs
            ),
            paths(&["/ai/monthly_budget_cents", "/services/chat"])
        );
        // Disjoint edits do not conflict, even with a shared prefix of characters.
        assert!(conflicting_paths(["/ai/monthly_budget"], &theirs).is_empty());
        // The root (a creation) touches everything.
        assert_eq!(conflicting_paths([""], &theirs), paths(&[""]));
        assert_eq!(
            conflicting_paths(["/ai/allowed_models/0"], &paths(&[""])),
            paths(&["/ai/allowed_models/0"])
        );
        assert!(conflicting_paths(["/ai"], &[]).is_empty());
    }

    #[test]
    fn envelope_errors_map_to_specific_codes() {
        assert_eq!(
            envelope_error(EnvelopeError::BadSignature {
                index: 0,
                keyid: "k".into()
            })
            .code,
            ErrorCode::InvalidSignature
        );
        assert_eq!(
            envelope_error(EnvelopeError::UnknownKey {
                index: 0,
                keyid: "k".into()
            })
            .code,
            ErrorCode::UnknownKey
        );
        assert_eq!(
            envelope_error(EnvelopeError::Malformed("x".into())).code,
            ErrorCode::MalformedEnvelope
        );
        assert_eq!(
            envelope_error(EnvelopeError::ChangeSet(ChangeSetError::NotCanonical)).code,
            ErrorCode::InvalidChangeset
        );
        assert_eq!(
            envelope_error(EnvelopeError::TooLarge(1)).code,
            ErrorCode::PayloadTooLarge
        );
        assert_eq!(
            does_not_apply(ChangeSetError::NotACreation).code,
            ErrorCode::DoesNotApply
        );
    }

    /// The workers yield the CPU to the push holding the lock (see `crate::priority`).
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn parallel_work_runs_below_the_async_threads() {
        let async_nice = crate::priority::this_thread_nice();
        let niceness = in_parallel((0..64).collect::<Vec<u32>>(), |_| {
            crate::priority::this_thread_nice()
        })
        .await;
        assert_eq!(niceness.len(), 64);
        assert!(
            niceness.iter().all(|&nice| nice > async_nice || nice == 19),
            "workers at {niceness:?}, the async thread at {async_nice}"
        );
        assert_eq!(crate::priority::this_thread_nice(), async_nice);
    }

    #[test]
    fn verify_refuses_garbage_and_strangers() {
        let registry = HashMap::new();
        assert_eq!(
            verify(b"{", &registry).map_err(|e| e.code),
            Err(ErrorCode::MalformedEnvelope)
        );
    }
}
