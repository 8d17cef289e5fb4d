//! Tenantry's domain: what a client onboarding is made of and the rules it obeys.
//!
//! This crate is pure: no database, no network, no UI toolkit. The desktop shell, the
//! CLI and (later) the platform server all call the same functions, so a rule holds
//! the same way wherever a change is made.

pub mod asset;
pub mod catalog;
pub mod client_name;
pub mod credentials;
pub mod document_files;
pub mod draft;
pub mod industry;
pub mod local_file;
pub mod tenant;
pub mod timestamp;
pub mod validation;

pub use client_name::ClientName;
pub use draft::{Draft, DraftId, NewDraft, SubmissionState, ValidNewDraft};
pub use industry::{Industry, IndustryOption};
pub use tenant::{Step, TenantDocument};
pub use timestamp::Timestamp;
pub use validation::{Field, FieldIssue, ValidationError};
