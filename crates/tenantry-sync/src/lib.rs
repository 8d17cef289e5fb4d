//! Sync of the local mirror with the platform server (`tenantry-server`), for the
//! desktop app and the CLI. The protocol as used here, its guarantees and the rebase
//! approach are in docs/sync.md.
//!
//! - [`Syncer::push`] drains the outbox in batches, oldest first, sending each stored
//!   envelope's exact bytes; accepted and duplicate entries are marked sent, rejected
//!   ones are returned to their author without blocking the rest, network trouble is
//!   retried with backoff and otherwise left queued with its error.
//! - [`Syncer::pull`] pages through the server's change sets from the stored cursor,
//!   verifies each against the keys the server lists (approved ones, and revoked ones
//!   only up to the sequence number of their revocation), applies them and moves the
//!   cursor in the same transaction.
//! - [`Syncer::whoami`] asks where this profile's key stands: pending, approved or
//!   revoked.
//! - Where the server's chain moved past this machine's queued change sets, those are
//!   rebased on the new head (disjoint edits) or surfaced as [`Conflict`]s for
//!   [`Syncer::resolve`].

mod catalog;
mod error;
mod http;
mod rebase;
mod review;
pub mod tls;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tenantry_changeset::{Envelope, EnvelopeError, PublicKey, SigningKey};
use tenantry_core::Timestamp;
use tenantry_store::{HeldChangeSet, HeldState, PulledChangeSet, RecordError, Store};

pub use catalog::{CatalogPull, CatalogPullError, CatalogTrust, PLATFORM_KEY_ENV};
pub use error::SyncError;
pub use http::{normalise_url, RetryPolicy};
pub use rebase::{Conflict, FieldConflict, RebaseReport, Resolution, Side, Signer};
pub use review::{Approval, Approved, FieldNote, Replaced, Requirement, ReviewItem, ReviewNote};

use crate::http::{refusal, Http};
use crate::rebase::KeyCache;

/// Where and how to sync.
#[derive(Clone, Debug)]
pub struct SyncConfig {
    pub server_url: String,
    /// The bearer token of this profile's key (see `tenantry-keystore`'s tokens).
    pub token: Option<String>,
    /// Envelopes per push request (the server takes at most 500).
    pub batch_size: usize,
    /// Change sets per pull request (1 to 1000).
    pub page_size: u32,
    pub retry: RetryPolicy,
    /// For one request, answer included.
    pub request_timeout: Duration,
    /// Reuse connections between requests (off: one connection per request).
    pub keep_alive: bool,
    /// Extra certificate authorities (PEM) trusted for this server besides the
    /// machine's, for a platform with a private CA. Defaults to `TENANTRY_SERVER_CA_FILE`.
    pub ca_file: Option<std::path::PathBuf>,
}

impl SyncConfig {
    pub fn new(server_url: &str, token: Option<String>) -> Self {
        Self {
            server_url: server_url.to_owned(),
            token,
            batch_size: 100,
            page_size: 500,
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(30),
            keep_alive: true,
            ca_file: tls::ca_file_from_env(),
        }
    }
}

/// What a sync is doing, for a progress bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Learning the approved keys.
    Keys,
    Pull,
    Rebase,
    Push,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub phase: Phase,
    pub done: u64,
    /// Unknown for a pull until its last page.
    pub total: Option<u64>,
}

type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// A change set the server refused, returned to its author.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejection {
    pub hash: String,
    pub tenant: String,
    pub code: String,
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PushReport {
    pub sent: usize,
    /// The server had them already (a retry after a lost answer).
    pub duplicates: usize,
    pub rejected: Vec<Rejection>,
    /// Pulls made because the server's chain had moved on.
    pub pulls: Vec<PullReport>,
    pub rebase: RebaseReport,
    /// Still queued when the push ended.
    pub left_queued: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PullReport {
    pub pages: usize,
    pub received: usize,
    pub ingested: usize,
    /// Ours, which the server turned out to hold.
    pub confirmed: usize,
    /// Ours, taken off the chain to be rebased on the server's.
    pub held: usize,
    pub pulled_through: i64,
    pub rebase: RebaseReport,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SyncReport {
    pub pull: PullReport,
    pub push: PushReport,
    pub pull_again: PullReport,
}

/// What the app shows at the foot of the rail and `tenantry server-status` prints.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SyncStatus {
    pub server_url: String,
    /// The server answered.
    pub online: bool,
    /// Its `/readyz` said it is ready (database up, schema current).
    pub ready: bool,
    pub outbox: u64,
    pub rejected: Vec<HeldChangeSet>,
    pub conflicts: Vec<HeldChangeSet>,
    /// Held to be rebased (e.g. waiting for the author's key or behind a conflict).
    pub waiting: usize,
    pub pulled_through: i64,
    pub last_sync_at_ms: Option<i64>,
    pub last_error: Option<String>,
    /// The earliest time a failed push asked to be retried, if any.
    pub next_attempt_at_ms: Option<i64>,
}

/// A staff role on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    AccountManager,
    ComplianceOfficer,
    Admin,
}

impl Role {
    /// The role as the server spells it (`account_manager`, …).
    pub fn id(self) -> &'static str {
        match self {
            Role::AccountManager => "account_manager",
            Role::ComplianceOfficer => "compliance_officer",
            Role::Admin => "admin",
        }
    }
}

/// A key just registered on the server.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct Registration {
    pub key_id: String,
    pub role: Role,
    /// `pending` until an admin approves it.
    pub state: String,
    /// Shown once by the server; keep it in the keyring.
    #[serde(skip_serializing)]
    pub token: String,
}

/// The text a registration proof signs (the server's `REGISTRATION_CONTEXT`).
pub fn registration_message(organisation: &str, public_key_hex: &str) -> String {
    format!("tenantry-key-registration-v1 {organisation} {public_key_hex}")
}

/// Registers `key` with the server as `name` asking for `role`, with a proof of
/// possession for `organisation` (the server's). No token needed.
pub async fn register_key(
    server_url: &str,
    key: &SigningKey,
    name: &str,
    role: Role,
    organisation: &str,
) -> Result<Registration, SyncError> {
    let http = Http::new(
        server_url,
        None,
        RetryPolicy::default(),
        Duration::from_secs(30),
        true,
        tls::ca_file_from_env().as_deref(),
    )?;
    let public = key.public().to_hex();
    let proof = STANDARD.encode(key.sign(registration_message(organisation, &public).as_bytes()));
    let body = serde_json::to_vec(&serde_json::json!({
        "name": name,
        "role": role,
        "public_key": public,
        "proof": proof,
    }))
    .map_err(|error| SyncError::Protocol(error.to_string()))?;
    http.json(Method::POST, "/v1/keys", Some(body), false).await
}

/// Where a staff key is in its life on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// Registered; an admin has not approved it yet. It cannot sync.
    Pending,
    Approved,
    /// Revoked by an admin: it cannot sync, and nothing it signs is accepted any more.
    Revoked,
}

/// This profile's key as the server knows it (`GET /v1/keys/me`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnKey {
    pub key_id: String,
    pub name: String,
    pub role: Role,
    pub state: KeyState,
    /// For a revoked key: the sequence number up to which its change sets count.
    #[serde(default)]
    pub revoked_after_seq: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct KeyView {
    key_id: String,
    public_key: String,
    name: String,
    state: String,
    #[serde(default)]
    revoked_after_seq: Option<i64>,
}

/// A key the server lists as revoked, and how far its signatures count.
#[derive(Clone, Debug, PartialEq, Eq)]
struct RevokedKey {
    name: String,
    revoked_after_seq: i64,
}

/// Revoked keys by key id.
type Revoked = HashMap<String, RevokedKey>;

/// Refuses a pulled envelope signed by a revoked key with a sequence number past that
/// key's revocation: the server says it accepted nothing of the key's after that, so
/// such a change set is forged or the server is broken, and it must not be applied.
fn check_revocations(
    revoked: &Revoked,
    seq: i64,
    hash: &str,
    envelope: &Envelope,
) -> Result<(), SyncError> {
    for signature in &envelope.signatures {
        if let Some(key) = revoked.get(&signature.keyid) {
            if seq > key.revoked_after_seq {
                return Err(SyncError::SignedAfterRevocation {
                    seq,
                    hash: hash.to_owned(),
                    key_id: signature.keyid.clone(),
                    name: key.name.clone(),
                    revoked_after_seq: key.revoked_after_seq,
                });
            }
        }
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
struct KeyList {
    keys: Vec<KeyView>,
}

#[derive(Debug, Deserialize)]
struct PushResult {
    status: String,
    #[serde(default)]
    hash: Option<String>,
    #[serde(default)]
    seq: Option<i64>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    conflicting_paths: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct BatchResult {
    results: Vec<PushResult>,
}

#[derive(Debug, Deserialize)]
struct Pulled {
    seq: i64,
    hash: String,
    envelope: String,
}

#[derive(Debug, Deserialize)]
struct PullPage {
    changesets: Vec<Pulled>,
    next_after: i64,
    more: bool,
}

/// How many times a push round may pull and rebase after conflicts before it leaves
/// the rest queued for the next sync.
const MAX_PUSH_ROUNDS: usize = 4;
/// Upper bound on a batch's bytes (the server's default body cap is 16 MiB).
const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;

/// Syncs one mirror with one server.
pub struct Syncer {
    store: Store,
    http: Http,
    config: SyncConfig,
    progress: Option<ProgressFn>,
}

impl std::fmt::Debug for Syncer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Syncer")
            .field("server", &self.http.base())
            .finish_non_exhaustive()
    }
}

impl Syncer {
    pub fn new(store: Store, config: SyncConfig) -> Result<Self, SyncError> {
        let http = Http::new(
            &config.server_url,
            config.token.clone(),
            config.retry.clone(),
            config.request_timeout,
            config.keep_alive,
            config.ca_file.as_deref(),
        )?;
        Ok(Self {
            store,
            http,
            config,
            progress: None,
        })
    }

    /// Calls `report` as work advances (phase, done, total).
    pub fn on_progress(mut self, report: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(report));
        self
    }

    /// The normalised server URL (the key of the sync state in the mirror).
    pub fn server_url(&self) -> &str {
        self.http.base()
    }

    fn report(&self, phase: Phase, done: u64, total: Option<u64>) {
        if let Some(progress) = &self.progress {
            progress(Progress { phase, done, total });
        }
    }

    async fn remember<T>(&self, outcome: Result<T, SyncError>) -> Result<T, SyncError> {
        let error = outcome.as_ref().err().map(ToString::to_string);
        if let Err(store_error) = self
            .store
            .record_sync_result(self.http.base(), error.as_deref())
            .await
        {
            tracing::warn!(error = %store_error, "could not record the sync result");
        }
        outcome
    }

    /// Pull, then push, then pull again (to pick up what others pushed meanwhile).
    #[tracing::instrument(skip_all, fields(server = %self.http.base()))]
    pub async fn sync(&self, signer: Signer<'_>) -> Result<SyncReport, SyncError> {
        let outcome = async {
            let mut keys = KeyCache::new(signer);
            let pull = self.pull_with(&mut keys).await?;
            let push = self.push_with(&mut keys).await?;
            let pull_again = self.pull_with(&mut keys).await?;
            Ok(SyncReport {
                pull,
                push,
                pull_again,
            })
        }
        .await;
        self.remember(outcome).await
    }

    /// Pushes the outbox (see the crate documentation).
    #[tracing::instrument(skip_all, fields(server = %self.http.base()))]
    pub async fn push(&self, signer: Signer<'_>) -> Result<PushReport, SyncError> {
        let mut keys = KeyCache::new(signer);
        let outcome = self.push_with(&mut keys).await;
        self.remember(outcome).await
    }

    /// Pulls everything after the stored cursor (see the crate documentation).
    #[tracing::instrument(skip_all, fields(server = %self.http.base()))]
    pub async fn pull(&self, signer: Signer<'_>) -> Result<PullReport, SyncError> {
        let mut keys = KeyCache::new(signer);
        let outcome = self.pull_with(&mut keys).await;
        self.remember(outcome).await
    }

    /// Adds the public keys the server lists as approved, and those it lists as revoked
    /// with the point of their revocation, to the mirror's trusted keys (a revoked key
    /// signed history before its revocation, which must still verify); returns how many
    /// it added. Pending keys, and revoked ones without that point, are never trusted.
    /// A pull applies a revoked key's signature only up to that point.
    pub async fn learn_keys(&self) -> Result<usize, SyncError> {
        Ok(self.learn_key_registry().await?.0)
    }

    async fn learn_key_registry(&self) -> Result<(usize, Revoked), SyncError> {
        self.report(Phase::Keys, 0, None);
        let list: KeyList = self.http.json(Method::GET, "/v1/keys", None, true).await?;
        let mut trusted = 0;
        let mut revoked = Revoked::new();
        for key in &list.keys {
            let label = match (key.state.as_str(), key.revoked_after_seq) {
                ("approved", _) => format!("server: {}", key.name),
                ("revoked", Some(after)) => {
                    revoked.insert(
                        key.key_id.clone(),
                        RevokedKey {
                            name: key.name.clone(),
                            revoked_after_seq: after,
                        },
                    );
                    format!("server: {} (revoked after sequence {after})", key.name)
                }
                _ => continue,
            };
            let public = PublicKey::from_hex(&key.public_key).map_err(|error| {
                SyncError::Protocol(format!("a listed public key is not valid: {error}"))
            })?;
            if public.key_id().as_str() != key.key_id {
                return Err(SyncError::Protocol(format!(
                    "the server lists key {} with a public key whose id is {}",
                    key.key_id,
                    public.key_id()
                )));
            }
            self.store.add_signing_key(&public, &label).await?;
            trusted += 1;
        }
        self.report(Phase::Keys, 1, Some(1));
        Ok((trusted, revoked))
    }

    /// This profile's key as the server knows it: pending, approved or revoked (with the
    /// point of its revocation). One try: it is a status read, asked for again later.
    pub async fn whoami(&self) -> Result<OwnKey, SyncError> {
        let (status, bytes) = self
            .http
            .send(Method::GET, "/v1/keys/me", None, true, Some(1))
            .await?;
        if !status.is_success() {
            return Err(refusal(status, &bytes));
        }
        serde_json::from_slice(&bytes)
            .map_err(|error| SyncError::Protocol(format!("/v1/keys/me: {error}")))
    }

    async fn pull_with(&self, keys: &mut KeyCache<'_>) -> Result<PullReport, SyncError> {
        let (_, mut revoked) = self.learn_key_registry().await?;
        let server = self.http.base().to_owned();
        let mut after = self.store.sync_state(&server).await?.pulled_through;
        let mut report = PullReport {
            pulled_through: after,
            ..PullReport::default()
        };
        let mut relearned = false;
        loop {
            let path = format!(
                "/v1/changesets?after={after}&limit={}",
                self.config.page_size.clamp(1, 1000)
            );
            let page: PullPage = self.http.json(Method::GET, &path, None, true).await?;
            let mut items = Vec::with_capacity(page.changesets.len());
            for pulled in &page.changesets {
                let bytes = STANDARD.decode(&pulled.envelope).map_err(|error| {
                    SyncError::Protocol(format!("change set {}: {error}", pulled.seq))
                })?;
                let parsed =
                    Envelope::parse(&bytes).and_then(|envelope| Ok((envelope.hash()?, envelope)));
                match parsed {
                    Ok((hash, envelope)) if hash.0 == pulled.hash => {
                        check_revocations(&revoked, pulled.seq, &pulled.hash, &envelope)?;
                    }
                    Ok((hash, _)) => {
                        return Err(SyncError::Untrusted {
                            seq: pulled.seq,
                            hash: pulled.hash.clone(),
                            detail: format!("its payload hashes to {hash}"),
                        })
                    }
                    Err(error) => {
                        return Err(SyncError::Untrusted {
                            seq: pulled.seq,
                            hash: pulled.hash.clone(),
                            detail: error.to_string(),
                        })
                    }
                }
                items.push(PulledChangeSet {
                    seq: pulled.seq,
                    envelope: bytes,
                });
            }
            let applied = match self
                .store
                .apply_pulled(&server, &items, page.next_after)
                .await
            {
                // A key approved after this pull began: learn the keys again, once.
                Err(RecordError::Envelope(EnvelopeError::UnknownKey { .. })) if !relearned => {
                    relearned = true;
                    revoked = self.learn_key_registry().await?.1;
                    continue;
                }
                Err(error) => return Err(self.untrusted(&page, error)),
                Ok(applied) => applied,
            };
            report.pages += 1;
            report.received += items.len();
            report.ingested += applied.ingest.ingested;
            report.confirmed += applied.confirmed;
            report.held += applied.held.len();
            report.pulled_through = page.next_after.max(report.pulled_through);
            after = report.pulled_through;
            self.report(
                Phase::Pull,
                u64::try_from(report.received).unwrap_or(u64::MAX),
                (!page.more).then(|| u64::try_from(report.received).unwrap_or(u64::MAX)),
            );
            if !page.more {
                break;
            }
        }
        report.rebase = self.rebase_with(keys).await?;
        Ok(report)
    }

    /// A page that does not apply: the server's history cannot be trusted as it is.
    fn untrusted(&self, page: &PullPage, error: RecordError) -> SyncError {
        match error {
            RecordError::Store(error) => SyncError::Store(error),
            error => {
                let (seq, hash) = page
                    .changesets
                    .first()
                    .map(|first| (first.seq, first.hash.clone()))
                    .unwrap_or_default();
                SyncError::Untrusted {
                    seq,
                    hash,
                    detail: format!("the page starting here does not apply: {error}"),
                }
            }
        }
    }

    async fn rebase_with(&self, keys: &mut KeyCache<'_>) -> Result<RebaseReport, SyncError> {
        rebase::rebase_held(&self.store, keys, |done, total| {
            self.report(Phase::Rebase, done, Some(total))
        })
        .await
    }

    async fn push_with(&self, keys: &mut KeyCache<'_>) -> Result<PushReport, SyncError> {
        let mut report = PushReport::default();
        for _round in 0..MAX_PUSH_ROUNDS {
            let entries = self.store.outbox().await?;
            if entries.is_empty() {
                break;
            }
            let total = u64::try_from(entries.len()).unwrap_or(u64::MAX);
            let mut done = 0u64;
            let mut moved_on = false;
            self.report(Phase::Push, 0, Some(total));
            let mut start = 0;
            while start < entries.len() {
                let mut end = start;
                let mut bytes = 0;
                while end < entries.len()
                    && end - start < self.config.batch_size.max(1)
                    && (end == start || bytes + entries[end].envelope.len() <= MAX_BATCH_BYTES)
                {
                    bytes += entries[end].envelope.len();
                    end += 1;
                }
                let batch = &entries[start..end];
                start = end;
                let mut body = b"{\"envelopes\":[".to_vec();
                for (index, entry) in batch.iter().enumerate() {
                    if index > 0 {
                        body.push(b',');
                    }
                    // The stored bytes as they are: the server keeps them byte for byte.
                    body.extend_from_slice(&entry.envelope);
                }
                body.extend_from_slice(b"]}");
                let answer = self
                    .http
                    .send(Method::POST, "/v1/changesets", Some(body), true, None)
                    .await;
                let (status, answer) = match answer {
                    Ok(answer) => answer,
                    Err(error) => {
                        if error.is_retryable() {
                            self.leave_queued(&entries[start - batch.len()..], &error)
                                .await?;
                        }
                        return Err(error);
                    }
                };
                if status != StatusCode::OK {
                    return Err(refusal(status, &answer));
                }
                let results: BatchResult = serde_json::from_slice(&answer)
                    .map_err(|error| SyncError::Protocol(format!("push answer: {error}")))?;
                if results.results.len() != batch.len() {
                    return Err(SyncError::Protocol(format!(
                        "{} results for {} envelopes",
                        results.results.len(),
                        batch.len()
                    )));
                }
                for (entry, result) in batch.iter().zip(results.results) {
                    if result
                        .hash
                        .as_deref()
                        .is_some_and(|hash| hash != entry.hash)
                    {
                        return Err(SyncError::Protocol(format!(
                            "the answer for {} names {}",
                            entry.hash,
                            result.hash.unwrap_or_default()
                        )));
                    }
                    match result.status.as_str() {
                        "accepted" | "duplicate" => {
                            let seq = result.seq.ok_or_else(|| {
                                SyncError::Protocol("an accepted change set without seq".into())
                            })?;
                            self.store.mark_sent(&entry.hash, seq).await?;
                            if result.status == "duplicate" {
                                report.duplicates += 1;
                            } else {
                                report.sent += 1;
                            }
                        }
                        "conflict" => {
                            tracing::info!(hash = %entry.hash, paths = ?result.conflicting_paths, "the server's chain moved on");
                            moved_on = true;
                        }
                        _ => {
                            let code = result.code.unwrap_or_else(|| "rejected".into());
                            let message = result.message.unwrap_or_default();
                            let held = self
                                .store
                                .record_rejection(&entry.hash, &code, &message)
                                .await?;
                            moved_on |= !held.is_empty();
                            report.rejected.push(Rejection {
                                hash: entry.hash.clone(),
                                tenant: entry.tenant.clone(),
                                code,
                                message,
                            });
                        }
                    }
                    done += 1;
                    self.report(Phase::Push, done, Some(total));
                }
            }
            if !moved_on {
                break;
            }
            // Conflicts: learn what the server has (which holds ours that no longer
            // fit), rebase them on it, and push what that produced.
            let pull = self.pull_with(keys).await?;
            merge(&mut report.rebase, pull.rebase.clone());
            report.pulls.push(pull);
        }
        report.left_queued = self.store.outbox_len().await?;
        Ok(report)
    }

    async fn leave_queued(
        &self,
        entries: &[tenantry_store::OutboxEntry],
        error: &SyncError,
    ) -> Result<(), SyncError> {
        let retry_at = Timestamp::now().unix_millis()
            + i64::try_from(self.config.retry.max_delay.as_millis()).unwrap_or(i64::MAX / 2);
        for entry in entries {
            self.store
                .record_push_failure(&entry.hash, &error.to_string(), retry_at)
                .await?;
        }
        Ok(())
    }

    /// Online state, the outbox, what was returned, and how the last sync went.
    pub async fn status(&self) -> Result<SyncStatus, SyncError> {
        let ready = self
            .http
            .send(Method::GET, "/readyz", None, false, Some(1))
            .await;
        let (online, ready) = match ready {
            Ok((status, _)) => (true, status.is_success()),
            Err(SyncError::Unavailable { .. }) => (true, false),
            Err(_) => (false, false),
        };
        let held = self.store.held().await?;
        let state = self.store.sync_state(self.http.base()).await?;
        let outbox = self.store.outbox().await?;
        let by_state = |wanted: HeldState| -> Vec<HeldChangeSet> {
            held.iter()
                .filter(|entry| entry.state == wanted)
                .cloned()
                .collect()
        };
        Ok(SyncStatus {
            server_url: self.http.base().to_owned(),
            online,
            ready,
            outbox: u64::try_from(outbox.len()).unwrap_or(u64::MAX),
            rejected: by_state(HeldState::Rejected),
            conflicts: by_state(HeldState::Conflict),
            waiting: by_state(HeldState::Rebase).len(),
            pulled_through: state.pulled_through,
            last_sync_at_ms: state.last_sync_at_ms,
            last_error: state.last_error,
            next_attempt_at_ms: outbox
                .iter()
                .filter_map(|entry| entry.next_attempt_at_ms)
                .min(),
        })
    }

    /// The conflicts waiting for a person, with their fields.
    pub async fn conflicts(&self) -> Result<Vec<Conflict>, SyncError> {
        let mut conflicts = Vec::new();
        for held in self.store.held().await? {
            if held.state != HeldState::Conflict {
                continue;
            }
            if let rebase::Plan::Conflict(conflict) = rebase::plan(&self.store, &held).await? {
                conflicts.push(conflict);
            }
        }
        Ok(conflicts)
    }

    /// Resolves the conflict of the held change set `hash` (theirs or mine per field),
    /// queues the resolved change set, and rebases that tenant's later held ones.
    pub async fn resolve(
        &self,
        hash: &str,
        choices: &BTreeMap<String, Side>,
        signer: Signer<'_>,
    ) -> Result<(Resolution, RebaseReport), SyncError> {
        let mut keys = KeyCache::new(signer);
        let resolution = rebase::resolve(&self.store, hash, choices, &mut keys).await?;
        let rebase = self.rebase_with(&mut keys).await?;
        Ok((resolution, rebase))
    }
}

fn merge(into: &mut RebaseReport, more: RebaseReport) {
    into.rebased += more.rebased;
    into.conflicts.extend(more.conflicts);
    into.returned.extend(more.returned);
    into.dropped += more.dropped;
    into.waiting = more.waiting;
    into.errors.extend(more.errors);
}

/// For callers that show a conflict's values: a short rendering of one side.
pub fn describe(value: Option<&Value>) -> String {
    match value {
        None => "(nothing)".to_owned(),
        Some(value) => {
            let text = value.to_string();
            if text.chars().count() > 80 {
                format!("{}…", text.chars().take(80).collect::<String>())
            } else {
                text
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_described_briefly() {
        assert_eq!(describe(None), "(nothing)");
        assert_eq!(describe(Some(&Value::from(5))), "5");
        let long = Value::from("x".repeat(200));
        assert!(describe(Some(&long)).ends_with('…'));
    }

    #[test]
    fn the_registration_message_is_the_servers() {
        assert_eq!(
            registration_message("local", "ab"),
            "tenantry-key-registration-v1 local ab"
        );
    }

    #[test]
    fn a_config_has_safe_defaults() {
        let config = SyncConfig::new("http://127.0.0.1:8480", None);
        assert!(config.batch_size <= 500 && config.page_size <= 1000);
        assert!(config.retry.attempts > 1);
    }
}
