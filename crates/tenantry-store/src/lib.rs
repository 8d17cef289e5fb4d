//! The local mirror: where the desktop app and the CLI keep drafts (and, later, tenant
//! configuration, change sets and the outbox).
//!
//! SQLite in the user's data directory is the embedded default; a team can point its
//! mirrors at a shared Postgres instead. Both run the same SQL (numbered `$n`
//! parameters work on both) through [`Store`], and the same test suite.

mod assets;
mod audit;
mod catalog;
mod change_requests;
mod drafts;
mod error;
mod ingest;
mod ledger;
mod location;
mod store;
mod sync;
mod tenants;
#[cfg(feature = "testing")]
pub mod testing;

pub use audit::{AuditOutcome, AuditQuery, AuditRecord, NewAuditRecord, MAX_AUDIT_DETAIL_CHARS};
pub use catalog::{AcceptCatalogError, CatalogAcceptance, StoredCatalog};
pub use change_requests::{ChangeRequest, KeptChangeRequest, RequestedField};
pub use drafts::{CreateDraftError, DraftDetail, DraftError};
pub use error::StoreError;
pub use ingest::IngestReport;
pub use ledger::{ChainProblem, HistoryEntry, MirrorReport, RecordError, Recorded};
pub use location::{
    default_data_dir, DatabaseKind, Location, APP_IDENTIFIER, DATABASE_URL_ENV, DATA_DIR_ENV,
    SQLITE_FILE_NAME,
};
pub use store::Store;
pub use sync::{
    HeldChangeSet, HeldState, OutboxEntry, PullApplied, PulledChangeSet, ServerSyncState,
};
pub use tenants::{
    ProgressFilter, TenantCursor, TenantFilter, TenantFilterError, TenantOwner, TenantPage,
    TenantSummary, MAX_PAGE, MAX_SEARCH_CHARS,
};
