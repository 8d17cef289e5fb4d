//! Every change to a tenant is an immutable, signed record anyone can verify.
//!
//! - [`pointer`]: RFC 6901 JSON pointers over `serde_json::Value`.
//! - [`operation`]: `set` / `unset` at a pointer, each carrying the value it replaces,
//!   so it can be checked before it applies and inverted afterwards.
//! - [`diff`]: the operations between two documents, and a readable field-level diff.
//! - [`changeset`]: a bundle of operations with its tenant, environment, parent hash and author.
//! - [`keys`] and [`envelope`]: ed25519 keys with securesystemslib-compatible key ids,
//!   and DSSE envelopes (PAE, strict verification, SHA-256 of the exact payload bytes).
//! - [`chain`]: a tenant's history as a hash chain, and where it breaks.
//! - [`catalog`]: the platform's catalog signed by the platform key (its own DSSE
//!   payload type), with the version, expiry and organisation rules clients apply.
//! - [`audit`]: audit bundles: a tenant's or a date range's envelopes with the chain
//!   proof, signed by the exporter, verifiable offline (`docs/audit.md`).
//!
//! The format is documented for other implementations in `docs/changeset-format.md`.

pub mod audit;
pub mod catalog;
pub mod chain;
pub mod changeset;
pub mod diff;
pub mod envelope;
pub mod keys;
pub mod operation;
pub mod pointer;

pub use changeset::{ChangeSet, ChangeSetError, Environment, CHANGESET_SCHEMA_VERSION};
pub use envelope::{Envelope, EnvelopeError, PayloadHash, VerifiedChangeSet, PAYLOAD_TYPE};
pub use keys::{KeyId, PublicKey, SigningKey};
pub use operation::{Operation, OperationError};
