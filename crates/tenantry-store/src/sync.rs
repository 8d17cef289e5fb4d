//! What the mirror keeps for syncing with a platform server (see docs/sync.md).
//!
//! A tenant's local chain is the part the server confirmed followed by this machine's
//! change sets still in the outbox. When the server's chain moves on (a pull brings a
//! colleague's change), or refuses one of ours, the outbox tail of that tenant is taken
//! off the chain into `held_changesets`, kept byte for byte, so the server's change sets
//! can be applied and the local chain ends up equal to the server's; the sync then
//! re-signs the held ones on the new head (or asks a person, for a conflict). Every step
//! is one transaction, so a crash leaves either the old state or the new one.

use serde::Serialize;
use tenantry_changeset::chain::Replay;
use tenantry_changeset::changeset::ChangeSet;
use tenantry_changeset::envelope::{Envelope, VerifiedChangeSet};
use tenantry_core::Timestamp;

use crate::ingest::{ingest_in, IngestReport};
use crate::ledger::{env_id, record_in, RecordError, Recorded};
use crate::store::on_pool;
use crate::store::BeginWrite;
use crate::{Store, StoreError};

/// One change set waiting to be pushed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    pub hash: String,
    pub tenant: String,
    /// Position in the tenant's local chain.
    pub chain_seq: i64,
    /// The exact envelope bytes, to be sent as they are.
    pub envelope: Vec<u8>,
    pub queued_at_ms: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at_ms: Option<i64>,
}

/// Why a change set is held off its tenant's chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeldState {
    /// Waits to be re-signed on top of the tenant's new head.
    Rebase,
    /// Touches what the server's chain changed: a person picks theirs or mine.
    Conflict,
    /// Refused by the server for good; goes back to its author with the reason.
    Rejected,
}

impl HeldState {
    fn id(self) -> &'static str {
        match self {
            HeldState::Rebase => "rebase",
            HeldState::Conflict => "conflict",
            HeldState::Rejected => "rejected",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "rebase" => Some(HeldState::Rebase),
            "conflict" => Some(HeldState::Conflict),
            "rejected" => Some(HeldState::Rejected),
            _ => None,
        }
    }
}

/// A change set taken off its tenant's chain (see the module documentation).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeldChangeSet {
    pub hash: String,
    pub id: String,
    pub tenant: String,
    #[serde(skip)]
    pub envelope: Vec<u8>,
    pub state: HeldState,
    /// The server's error code (rejected) or `conflict`.
    pub code: Option<String>,
    pub message: Option<String>,
    /// For a conflict: its fields, as the sync described them.
    pub detail: Option<serde_json::Value>,
    pub held_at_ms: i64,
}

/// One change set of a pulled page: the server's sequence number and the exact bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PulledChangeSet {
    pub seq: i64,
    pub envelope: Vec<u8>,
}

/// What applying a pulled page did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PullApplied {
    pub ingest: IngestReport,
    /// Our own outbox entries the server turned out to hold (an answer that was lost).
    pub confirmed: usize,
    /// Our outbox entries taken off their chain to make room for the server's (to rebase).
    pub held: Vec<String>,
}

/// How far this mirror got with one server.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ServerSyncState {
    pub server_url: String,
    /// The server's sequence number of the last change set pulled and stored.
    pub pulled_through: i64,
    pub last_sync_at_ms: Option<i64>,
    pub last_error: Option<String>,
}

/// A row this version cannot make sense of.
macro_rules! corrupt {
    ($table:expr, $id:expr, $detail:expr) => {
        StoreError::CorruptRow {
            table: $table,
            id: $id.to_string(),
            detail: $detail.to_string(),
        }
    };
}

type HeldRow = (
    String,
    String,
    String,
    Vec<u8>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

const SELECT_HELD: &str = "SELECT hash, id, tenant_id, envelope, state, code, message, detail, \
     held_at_ms FROM held_changesets ORDER BY position";

fn held_from_row(row: HeldRow) -> Result<HeldChangeSet, StoreError> {
    let (hash, id, tenant, envelope, state, code, message, detail, held_at_ms) = row;
    let state = HeldState::parse(&state)
        .ok_or_else(|| corrupt!("held_changesets", hash, format!("unknown state '{state}'")))?;
    let detail = detail
        .map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(|error| corrupt!("held_changesets", hash, error))?;
    Ok(HeldChangeSet {
        hash,
        id,
        tenant,
        envelope,
        state,
        code,
        message,
        detail,
        held_at_ms,
    })
}

impl Store {
    /// The change sets waiting to be pushed, with their exact bytes: tenant by tenant
    /// (the tenant whose oldest entry is oldest first), each tenant's in chain order so
    /// a parent always goes before its child.
    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        const SQL: &str = "SELECT o.hash, c.tenant_id, c.seq, c.envelope, o.queued_at_ms, CAST(o.attempts AS BIGINT), o.last_error, o.next_attempt_at_ms \
                           FROM outbox o JOIN changesets c ON c.hash = o.hash";
        type Row = (
            String,
            String,
            i64,
            Vec<u8>,
            i64,
            i64,
            Option<String>,
            Option<i64>,
        );
        let rows: Vec<Row> = on_pool!(&self.backend, |pool| sqlx::query_as(SQL)
            .fetch_all(pool)
            .await?);
        let mut entries: Vec<OutboxEntry> = rows
            .into_iter()
            .map(
                |(hash, tenant, chain_seq, envelope, queued, attempts, last_error, next)| {
                    OutboxEntry {
                        hash,
                        tenant,
                        chain_seq,
                        envelope,
                        queued_at_ms: queued,
                        attempts,
                        last_error,
                        next_attempt_at_ms: next,
                    }
                },
            )
            .collect();
        let mut oldest: std::collections::HashMap<String, (i64, i64)> = Default::default();
        for entry in &entries {
            let key = (entry.queued_at_ms, entry.chain_seq);
            oldest
                .entry(entry.tenant.clone())
                .and_modify(|first| *first = (*first).min(key))
                .or_insert(key);
        }
        entries.sort_by(|a, b| {
            let rank = |entry: &OutboxEntry| oldest.get(&entry.tenant).copied().unwrap_or_default();
            (rank(a), &a.tenant, a.chain_seq).cmp(&(rank(b), &b.tenant, b.chain_seq))
        });
        Ok(entries)
    }

    /// The server holds `hash` under its sequence number `server_seq`: the entry leaves
    /// the outbox (the number stays on the change set). False when it was not queued.
    pub async fn mark_sent(&self, hash: &str, server_seq: i64) -> Result<bool, StoreError> {
        let removed = on_pool!(&self.backend, |pool| {
            let mut tx = pool.begin_write().await?;
            let removed = sqlx::query("DELETE FROM outbox WHERE hash = $1")
                .bind(hash)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("UPDATE changesets SET server_seq = $1 WHERE hash = $2")
                .bind(server_seq)
                .bind(hash)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            removed
        });
        Ok(removed > 0)
    }

    /// A push of `hash` failed in a way worth retrying: one more attempt, the error, and
    /// when to try again. The entry stays queued.
    pub async fn record_push_failure(
        &self,
        hash: &str,
        error: &str,
        next_attempt_at_ms: i64,
    ) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at_ms = $3 WHERE hash = $1";
        on_pool!(&self.backend, |pool| sqlx::query(SQL)
            .bind(hash)
            .bind(error)
            .bind(next_attempt_at_ms)
            .execute(pool)
            .await
            .map(|_| ())?);
        Ok(())
    }

    /// The server refused `hash` for good. It leaves the chain and the outbox and is
    /// kept as `rejected` with the server's code and message for its author; this
    /// machine's later change sets of the same tenant are held to be rebased without it.
    /// Returns the hashes held for rebasing. Nothing happens when `hash` is not queued.
    pub async fn record_rejection(
        &self,
        hash: &str,
        code: &str,
        message: &str,
    ) -> Result<Vec<String>, StoreError> {
        const FIND: &str = "SELECT c.tenant_id, c.seq FROM outbox o JOIN changesets c ON c.hash = o.hash WHERE o.hash = $1";
        on_pool!(&self.backend, |pool| {
            let mut tx = pool.begin_write().await?;
            let found: Option<(String, i64)> = sqlx::query_as(FIND)
                .bind(hash)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((tenant, seq)) = found else {
                return Ok(Vec::new());
            };
            let mut held = hold_tail_in(&mut tx, &tenant, seq, Some((hash, code, message))).await?;
            tx.commit().await?;
            held.retain(|held| held != hash);
            tracing::info!(hash, code, tenant, "change set rejected by the server");
            Ok(held)
        })
    }

    /// Applies one pulled page in one transaction: our own change sets the server holds
    /// leave the outbox; where the server's chain moved past our queued ones, those are
    /// held for rebasing; the rest is verified and ingested (never queued: they are not
    /// ours to send); the server's numbers are kept; and the cursor for `server_url`
    /// moves to `next_after`. All or nothing: a bad envelope changes nothing.
    pub async fn apply_pulled(
        &self,
        server_url: &str,
        page: &[PulledChangeSet],
        next_after: i64,
    ) -> Result<PullApplied, RecordError> {
        let envelopes: Vec<Vec<u8>> = page.iter().map(|item| item.envelope.clone()).collect();
        let verified = self.verify_all(&envelopes).await?;
        on_pool!(&self.backend, |pool| {
            let mut tx = pool.begin_write().await?;
            let mut applied = PullApplied::default();
            let (confirmed, held) = make_room_in(&mut tx, &verified).await?;
            applied.confirmed = confirmed;
            applied.held = held;
            applied.ingest = ingest_in(&mut tx, &verified, &envelopes).await?;
            // The server's numbers, many rows per statement (one round trip per chunk
            // instead of one per change set).
            let numbered: Vec<(&str, i64)> = verified
                .iter()
                .zip(page)
                .map(|(item, pulled)| (item.hash.0.as_str(), pulled.seq))
                .collect();
            for chunk in numbered.chunks(ROWS_PER_STATEMENT) {
                // Joined with a `VALUES` list (its columns are column1, column2 on both
                // engines): a `CASE hash WHEN … THEN …` compared every row with every
                // hash of the chunk, quadratic in the page.
                let rows: Vec<String> = (0..chunk.len())
                    .map(|index| format!("(${}, ${})", 2 * index + 1, 2 * index + 2))
                    .collect();
                let sql = format!(
                    "UPDATE changesets SET server_seq = v.column2 FROM (VALUES {}) AS v \
                     WHERE changesets.hash = v.column1",
                    rows.join(", ")
                );
                let mut query = sqlx::query(&sql);
                for (hash, seq) in chunk {
                    query = query.bind(*hash).bind(*seq);
                }
                query.execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO sync_servers (server_url, pulled_through) VALUES ($1, $2) \
                 ON CONFLICT (server_url) DO UPDATE SET pulled_through = \
                 CASE WHEN excluded.pulled_through > sync_servers.pulled_through \
                 THEN excluded.pulled_through ELSE sync_servers.pulled_through END",
            )
            .bind(server_url)
            .bind(next_after)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(applied)
        })
    }

    /// Every held change set, in the order they are to be worked on.
    pub async fn held(&self) -> Result<Vec<HeldChangeSet>, StoreError> {
        let rows: Vec<HeldRow> = on_pool!(&self.backend, |pool| sqlx::query_as(SELECT_HELD)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(held_from_row).collect()
    }

    /// The change sets the server refused, with its reasons, for their authors.
    pub async fn rejected(&self) -> Result<Vec<HeldChangeSet>, StoreError> {
        Ok(self
            .held()
            .await?
            .into_iter()
            .filter(|held| held.state == HeldState::Rejected)
            .collect())
    }

    /// Marks the held `hash` as a conflict a person must resolve, with its fields.
    pub async fn mark_conflict(
        &self,
        hash: &str,
        message: &str,
        detail: &serde_json::Value,
    ) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE held_changesets SET state = 'conflict', code = 'conflict', message = $2, detail = $3 WHERE hash = $1";
        on_pool!(&self.backend, |pool| sqlx::query(SQL)
            .bind(hash)
            .bind(message)
            .bind(detail.to_string())
            .execute(pool)
            .await
            .map(|_| ())?);
        Ok(())
    }

    /// Marks the held `hash` as one that cannot go to the server as it is (e.g. it no
    /// longer applies), for its author, like a rejection.
    pub async fn mark_held_rejected(
        &self,
        hash: &str,
        code: &str,
        message: &str,
    ) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE held_changesets SET state = 'rejected', code = $2, message = $3 WHERE hash = $1";
        on_pool!(&self.backend, |pool| sqlx::query(SQL)
            .bind(hash)
            .bind(code)
            .bind(message)
            .execute(pool)
            .await
            .map(|_| ())?);
        Ok(())
    }

    /// Puts `envelope` (the held `held_hash` re-signed on the tenant's current head, or
    /// its resolution) on the chain and in the outbox in its old place, re-points the
    /// drafts that pointed at the held one, and forgets the held one: one transaction.
    pub async fn record_rebased(
        &self,
        held_hash: &str,
        envelope: &[u8],
    ) -> Result<Recorded, RecordError> {
        let verified = self
            .verify_all(std::slice::from_ref(&envelope.to_vec()))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| corrupt!("held_changesets", held_hash, "nothing to record"))?;
        on_pool!(&self.backend, |pool| {
            let mut tx = pool.begin_write().await?;
            let held: Option<(i64, String)> =
                sqlx::query_as("SELECT queued_at_ms, drafts FROM held_changesets WHERE hash = $1")
                    .bind(held_hash)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((queued_at_ms, drafts)) = held else {
                return Err(
                    corrupt!("held_changesets", held_hash, "no such held change set").into(),
                );
            };
            let recorded = record_in(&mut tx, envelope, &verified).await?;
            sqlx::query("UPDATE outbox SET queued_at_ms = $1 WHERE hash = $2")
                .bind(queued_at_ms)
                .bind(recorded.hash.0.as_str())
                .execute(&mut *tx)
                .await?;
            let drafts: Vec<String> = serde_json::from_str(&drafts)
                .map_err(|error| corrupt!("held_changesets", held_hash, error))?;
            for draft in drafts {
                sqlx::query("UPDATE drafts SET submitted_hash = $1 WHERE id = $2")
                    .bind(recorded.hash.0.as_str())
                    .bind(draft)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM held_changesets WHERE hash = $1")
                .bind(held_hash)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(recorded)
        })
    }

    /// Forgets a change set the server refused, once its author has read why. Only a
    /// rejected one: a held change set waiting for a rebase or a decision is never
    /// dropped this way. False when there was no such rejection.
    pub async fn dismiss_rejected(&self, hash: &str) -> Result<bool, StoreError> {
        let removed = on_pool!(&self.backend, |pool| sqlx::query(
            "DELETE FROM held_changesets WHERE hash = $1 AND state = $2"
        )
        .bind(hash)
        .bind(HeldState::Rejected.id())
        .execute(pool)
        .await?
        .rows_affected());
        Ok(removed > 0)
    }

    /// Forgets a held change set (its author has seen the rejection, or a resolution
    /// kept theirs for every field). False when there was none.
    pub async fn drop_held(&self, hash: &str) -> Result<bool, StoreError> {
        let removed = on_pool!(&self.backend, |pool| sqlx::query(
            "DELETE FROM held_changesets WHERE hash = $1"
        )
        .bind(hash)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(removed > 0)
    }

    /// How far this mirror got with the server at `server_url` (nothing yet: zero).
    pub async fn sync_state(&self, server_url: &str) -> Result<ServerSyncState, StoreError> {
        const SQL: &str = "SELECT pulled_through, last_sync_at_ms, last_error FROM sync_servers WHERE server_url = $1";
        let row: Option<(i64, Option<i64>, Option<String>)> =
            on_pool!(&self.backend, |pool| sqlx::query_as(SQL)
                .bind(server_url)
                .fetch_optional(pool)
                .await?);
        let (pulled_through, last_sync_at_ms, last_error) = row.unwrap_or_default();
        Ok(ServerSyncState {
            server_url: server_url.to_owned(),
            pulled_through,
            last_sync_at_ms,
            last_error,
        })
    }

    /// Remembers how a sync with `server_url` ended: on success the time (and no
    /// error), on failure the error (the last successful time stays).
    pub async fn record_sync_result(
        &self,
        server_url: &str,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = Timestamp::now().unix_millis();
        on_pool!(&self.backend, |pool| {
            let query = match error {
                None => sqlx::query(
                    "INSERT INTO sync_servers (server_url, last_sync_at_ms) VALUES ($1, $2) \
                     ON CONFLICT (server_url) DO UPDATE SET last_sync_at_ms = excluded.last_sync_at_ms, last_error = NULL",
                )
                .bind(server_url)
                .bind(now),
                Some(error) => sqlx::query(
                    "INSERT INTO sync_servers (server_url, last_error) VALUES ($1, $2) \
                     ON CONFLICT (server_url) DO UPDATE SET last_error = excluded.last_error",
                )
                .bind(server_url)
                .bind(error),
            };
            query.execute(pool).await?;
        });
        Ok(())
    }
}

/// Rows (or hashes) per batched statement of a pull: two parameters each stays far
/// below both engines' limits.
const ROWS_PER_STATEMENT: usize = 500;

/// `$first, $(first+step), …`: `count` placeholders for an `IN (…)` list.
fn in_list(count: usize, step: usize, first: usize) -> String {
    (0..count)
        .map(|index| format!("${}", first + index * step))
        .collect::<Vec<_>>()
        .join(", ")
}

/// For each tenant of a pulled page: confirms our queued change sets the server already
/// holds (in its order), then, if the page brings a change set we do not have while we
/// still have queued ones, holds those for rebasing. Returns (confirmed, held hashes).
///
/// What is asked of the mirror is asked for the whole page at once (the queue, which
/// incoming change sets are known, the held ones to drop): a page often touches hundreds
/// of tenants, and queries per tenant made a Postgres pull several times slower.
async fn make_room_in<'c, DB>(
    tx: &mut sqlx::Transaction<'c, DB>,
    page: &[VerifiedChangeSet],
) -> Result<(usize, Vec<String>), RecordError>
where
    DB: sqlx::Database,
    for<'e> &'e mut <DB as sqlx::Database>::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'r> (String,): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String, i64): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String, String): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String, String, i64): sqlx::FromRow<'r, DB::Row>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String, String, i64, Vec<u8>, i64): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String, Vec<u8>): sqlx::FromRow<'r, DB::Row>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q [u8]: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    // Our queue, per tenant in chain order (it holds only this machine's unsent work).
    let mut pending: std::collections::HashMap<String, Vec<(String, i64)>> =
        std::collections::HashMap::new();
    let queued: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT c.tenant_id, c.hash, c.seq FROM outbox o JOIN changesets c ON c.hash = o.hash ORDER BY c.tenant_id, c.seq",
    )
    .fetch_all(&mut **tx)
    .await?;
    for (tenant, hash, seq) in queued {
        pending.entry(tenant).or_default().push((hash, seq));
    }
    // Only whether each incoming change set is known matters, and only held change sets
    // the server now holds are dropped: both are asked for the page's hashes at once.
    let mut known = std::collections::HashSet::new();
    for chunk in page.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT hash, tenant_id FROM changesets WHERE hash IN ({})",
            in_list(chunk.len(), 1, 1)
        );
        let mut query = sqlx::query_as::<_, (String, String)>(&sql);
        for item in chunk {
            query = query.bind(item.hash.0.as_str());
        }
        known.extend(query.fetch_all(&mut **tx).await?);
        // The server holds what we held back (e.g. it was accepted but the answer was
        // lost before it got held): it is no longer ours to rebase.
        let sql = format!(
            "DELETE FROM held_changesets WHERE hash IN ({})",
            in_list(chunk.len(), 1, 1)
        );
        let mut query = sqlx::query(&sql);
        for item in chunk {
            query = query.bind(item.hash.0.as_str());
        }
        query.execute(&mut **tx).await?;
    }

    let mut tenants: Vec<&str> = Vec::new();
    for item in page {
        let tenant = item.changeset.tenant.as_str();
        if pending.contains_key(tenant) && !tenants.contains(&tenant) {
            tenants.push(tenant);
        }
    }
    let mut confirmed = 0;
    let mut held = Vec::new();
    // Only tenants with queued work of ours have anything to confirm or hold.
    for tenant in tenants {
        let mut remaining = pending.remove(tenant).unwrap_or_default();
        let mut brings_new = false;
        for item in page
            .iter()
            .filter(|item| item.changeset.tenant.as_str() == tenant)
        {
            let hash = item.hash.0.as_str();
            if known.contains(&(hash.to_owned(), tenant.to_owned())) {
                if let Some(index) = remaining.iter().position(|(queued, _)| queued == hash) {
                    sqlx::query("DELETE FROM outbox WHERE hash = $1")
                        .bind(hash)
                        .execute(&mut **tx)
                        .await?;
                    remaining.remove(index);
                    confirmed += 1;
                }
            } else {
                brings_new = true;
            }
        }
        if let Some((_, first_seq)) = remaining.first() {
            if brings_new {
                held.extend(hold_tail_in(tx, tenant, *first_seq, None).await?);
            }
        }
    }
    Ok((confirmed, held))
}

/// Takes the change sets of `tenant` from chain position `from_seq` on off the chain
/// into `held_changesets` (the first as rejected when `rejected` names it, the others
/// to rebase), out of the outbox, and rebuilds the tenant's documents from what stays.
/// Returns the held hashes in chain order.
async fn hold_tail_in<'c, DB>(
    tx: &mut sqlx::Transaction<'c, DB>,
    tenant: &str,
    from_seq: i64,
    rejected: Option<(&str, &str, &str)>,
) -> Result<Vec<String>, StoreError>
where
    DB: sqlx::Database,
    for<'e> &'e mut <DB as sqlx::Database>::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'r> (String,): sqlx::FromRow<'r, DB::Row>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String, String, i64, Vec<u8>, i64): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String, Vec<u8>): sqlx::FromRow<'r, DB::Row>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q [u8]: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let tail: Vec<(String, String, i64, Vec<u8>, i64)> = sqlx::query_as(
        "SELECT c.hash, c.id, c.seq, c.envelope, COALESCE(o.queued_at_ms, c.created_at_ms) \
         FROM changesets c LEFT JOIN outbox o ON o.hash = c.hash \
         WHERE c.tenant_id = $1 AND c.seq >= $2 ORDER BY c.seq",
    )
    .bind(tenant)
    .bind(from_seq)
    .fetch_all(&mut **tx)
    .await?;
    if tail.is_empty() {
        return Ok(Vec::new());
    }
    let (mut position,): (i64,) =
        sqlx::query_as("SELECT COALESCE(MAX(position), 0) FROM held_changesets")
            .fetch_one(&mut **tx)
            .await?;
    let now = Timestamp::now().unix_millis();
    let mut held = Vec::with_capacity(tail.len());
    for (hash, id, _, envelope, queued_at_ms) in &tail {
        let drafts: Vec<(String,)> =
            sqlx::query_as("SELECT id FROM drafts WHERE submitted_hash = $1")
                .bind(hash.as_str())
                .fetch_all(&mut **tx)
                .await?;
        let drafts: Vec<String> = drafts.into_iter().map(|(id,)| id).collect();
        sqlx::query("UPDATE drafts SET submitted_hash = NULL WHERE submitted_hash = $1")
            .bind(hash.as_str())
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM outbox WHERE hash = $1")
            .bind(hash.as_str())
            .execute(&mut **tx)
            .await?;
        let (state, code, message) = match rejected {
            Some((rejected_hash, code, message)) if rejected_hash == hash => (
                HeldState::Rejected,
                Some(code.to_owned()),
                Some(message.to_owned()),
            ),
            _ => (HeldState::Rebase, None, None),
        };
        position += 1;
        sqlx::query(
            "INSERT INTO held_changesets (hash, id, tenant_id, envelope, position, queued_at_ms, state, code, message, detail, drafts, held_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, $11) \
             ON CONFLICT (hash) DO NOTHING",
        )
        .bind(hash.as_str())
        .bind(id.as_str())
        .bind(tenant)
        .bind(envelope.as_slice())
        .bind(position)
        .bind(*queued_at_ms)
        .bind(state.id())
        .bind(code)
        .bind(message)
        .bind(serde_json::Value::from(drafts).to_string())
        .bind(now)
        .execute(&mut **tx)
        .await?;
        held.push(hash.clone());
    }

    // The documents as the remaining chain leaves them (the table is a cache of the
    // chain); rows go before the change sets they point at.
    let remaining: Vec<(String, Vec<u8>)> = sqlx::query_as(
        "SELECT hash, envelope FROM changesets WHERE tenant_id = $1 AND seq < $2 ORDER BY seq",
    )
    .bind(tenant)
    .bind(from_seq)
    .fetch_all(&mut **tx)
    .await?;
    let mut replay = Replay::default();
    let mut heads = std::collections::HashMap::new();
    let mut newest_environment = None;
    for (hash, bytes) in &remaining {
        // Stored envelopes were verified when they were recorded; only the operations
        // are needed here (verify_mirror re-checks the signatures).
        let changeset = Envelope::parse(bytes)
            .and_then(|envelope| envelope.payload_bytes())
            .map_err(|error| corrupt!("changesets", hash, error))
            .and_then(|payload| {
                ChangeSet::from_payload(&payload)
                    .map_err(|error| corrupt!("changesets", hash, error))
            })?;
        replay
            .apply(&changeset)
            .map_err(|error| corrupt!("changesets", hash, error))?;
        heads.insert(changeset.environment, hash.clone());
        newest_environment = Some(changeset.environment);
    }
    sqlx::query("DELETE FROM tenant_documents WHERE tenant_id = $1")
        .bind(tenant)
        .execute(&mut **tx)
        .await?;
    for (hash, ..) in tail.iter().rev() {
        sqlx::query("DELETE FROM changesets WHERE hash = $1")
            .bind(hash.as_str())
            .execute(&mut **tx)
            .await?;
    }
    let documents = replay.into_documents();
    for (environment, document) in &documents {
        let Some(head) = heads.get(environment) else {
            continue;
        };
        let text = serde_json::to_string(document)
            .map_err(|error| corrupt!("tenant_documents", tenant, error))?;
        sqlx::query(
            "INSERT INTO tenant_documents (tenant_id, environment, head_hash, document) VALUES ($1, $2, $3, $4)",
        )
        .bind(tenant)
        .bind(env_id(*environment))
        .bind(head.as_str())
        .bind(text)
        .execute(&mut **tx)
        .await?;
    }
    match newest_environment.and_then(|environment| documents.get(&environment)) {
        Some(document) => {
            let slug = &document.tenant.slug;
            sqlx::query("UPDATE tenants SET slug = $1, slug_skeleton = $2 WHERE id = $3")
                .bind(slug.as_str())
                .bind(slug.skeleton().as_str())
                .bind(tenant)
                .execute(&mut **tx)
                .await?;
        }
        // Nothing of the tenant stays (its creation was held): the tenant goes too, and
        // comes back if the creation is recorded again.
        None => {
            sqlx::query("DELETE FROM tenants WHERE id = $1")
                .bind(tenant)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(held)
}
