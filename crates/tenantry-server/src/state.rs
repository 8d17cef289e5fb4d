//! What every request handler shares: the database, the rules, the settings, the metrics.
//! Built once at start and shared behind one `Arc`.

use std::sync::Arc;

use tenantry_core::catalog::Catalog;
use tenantry_policy::{ApprovalPolicy, PolicyPack};

use crate::documents::DocumentCache;
use crate::metrics::Metrics;
use crate::push::PushRules;
use crate::rate_limit::{RateLimit, RateLimiter};
use crate::storage::Database;

/// The organisation the `tenantry` command line signs for unless told otherwise.
pub const DEFAULT_ORGANISATION: &str = "local";
/// Larger request bodies are refused with 413. A batch of 500 typical envelopes fits;
/// a single envelope is also capped at 4 MiB by the envelope parser.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Envelopes in one batch.
pub const DEFAULT_MAX_BATCH: usize = 500;
/// Change sets in one page of a pull.
pub const MAX_PAGE: i64 = 1000;
pub const DEFAULT_PAGE: i64 = 100;

/// Settings of a running server.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerConfig {
    /// The platform organisation every change set must name.
    pub organisation: String,
    pub max_body_bytes: usize,
    pub max_batch: usize,
    /// Per-key request rate.
    pub rate_limit: RateLimit,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            organisation: DEFAULT_ORGANISATION.to_owned(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_batch: DEFAULT_MAX_BATCH,
            rate_limit: RateLimit::default(),
        }
    }
}

/// Cheap to clone: one reference count.
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: Database,
    config: ServerConfig,
    pack: PolicyPack,
    approvals: ApprovalPolicy,
    catalog: Arc<Catalog>,
    metrics: Metrics,
    rate_limiter: RateLimiter,
    /// Pushes in this process take turns (see `push::push`).
    write_gate: tokio::sync::Mutex<()>,
    documents: DocumentCache,
}

impl AppState {
    /// The state for `db`, with the bundled policy pack and catalog (the same rules the
    /// desktop and the CLI run).
    pub fn new(db: Database, config: ServerConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                rate_limiter: RateLimiter::new(config.rate_limit),
                config,
                pack: PolicyPack::bundled(),
                approvals: ApprovalPolicy::bundled(),
                catalog: Arc::new(Catalog::bundled()),
                metrics: Metrics::default(),
                write_gate: tokio::sync::Mutex::new(()),
                documents: DocumentCache::default(),
            }),
        }
    }

    pub fn db(&self) -> &Database {
        &self.inner.db
    }

    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.inner.rate_limiter
    }

    pub fn push_rules(&self) -> PushRules<'_> {
        PushRules {
            organisation: &self.inner.config.organisation,
            pack: &self.inner.pack,
            catalog: &self.inner.catalog,
            approvals: &self.inner.approvals,
            documents: &self.inner.documents,
        }
    }

    pub fn write_gate(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.write_gate
    }
}
