use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use tenantry_core::tenant::{file, Regulation};
use tenantry_core::Industry;
use tenantry_store::{DATABASE_URL_ENV, DATA_DIR_ENV};

use crate::signer::SignerArgs;

/// Tenantry's command line: check and inspect client onboardings headlessly, over the
/// same mirror as the desktop app.
#[derive(Debug, Parser)]
#[command(name = "tenantry", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub mirror: MirrorArgs,

    /// Log what happens (to stderr); TENANTRY_LOG=debug for more.
    #[arg(long, short, global = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// Which mirror to read. Without either option, the desktop app's own mirror.
#[derive(Debug, Args)]
pub struct MirrorArgs {
    /// Data directory holding the embedded SQLite mirror [default: the app's, e.g.
    /// ~/.local/share/dev.tenantry.desktop]
    #[arg(long, global = true, env = DATA_DIR_ENV, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Use this database instead of the embedded SQLite file (postgres://…)
    #[arg(long, global = true, env = DATABASE_URL_ENV, value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Drafts: onboardings started on this machine and not yet submitted
    Drafts {
        #[command(subcommand)]
        command: DraftsCommand,
    },
    /// Check a tenant document (JSON, TOML or YAML) against the policy pack; exits 1
    /// when any rule of severity error fails
    Validate {
        /// The tenant document: *.json, *.toml, *.yaml or *.yml
        file: PathBuf,
        #[command(flatten)]
        sources: Sources,
        /// Output format
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Each of the twelve onboarding steps of a tenant document: complete, incomplete
    /// or blocked, and whether the tenant may enter staging and production
    Progress {
        /// The tenant document: *.json, *.toml, *.yaml or *.yml
        file: PathBuf,
        #[command(flatten)]
        sources: Sources,
        /// Output format
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Print a new tenant document with safe, restrictive defaults, to edit and validate
    New {
        /// The client's name, e.g. "Acme Health"
        #[arg(long)]
        name: String,
        /// The client's industry
        #[arg(long, value_name = "INDUSTRY", value_parser = industry_parser())]
        industry: Industry,
        /// A regulation the client is subject to (hipaa, gdpr, pci_dss, soc2, ccpa, glba,
        /// ferpa); repeat for several. They set the compliance mode and the strictest flags
        #[arg(long = "regulation", value_name = "REGULATION", value_parser = parse_regulation)]
        regulations: Vec<Regulation>,
        /// The format to write the document in
        #[arg(long, value_enum, default_value_t = DocumentFormat::Json)]
        format: DocumentFormat,
    },
    /// Print the JSON Schema of the tenant document (for editors and other tools)
    Schema,
    /// The catalog: services and their flags, AI models, vendors, regions
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// The policy pack: the rules every tenant document is checked against
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Your signing key: kept in the OS keyring (or, for pipelines, an owner-only file)
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Signed change sets: sign, verify offline, record into the mirror
    Changeset {
        #[command(subcommand)]
        command: ChangesetCommand,
    },
    /// Submit a tenant document: checks it against the policy pack, then records one
    /// signed change set (against the mirror's current version) in the outbox and
    /// writes its envelope to disk. Works offline; exits 1 when the policy blocks it
    Submit {
        /// The tenant document: *.json, *.toml, *.yaml or *.yml
        file: PathBuf,
        /// What this change does, for reviewers and the history
        #[arg(long)]
        summary: String,
        #[arg(long, value_enum, default_value_t = EnvironmentArg::Draft)]
        environment: EnvironmentArg,
        #[command(flatten)]
        organisation: OrganisationArg,
        /// Where to write the envelope [default: <slug>-<number>.dsse.json]
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(flatten)]
        sources: Sources,
        #[command(flatten)]
        signer: SignerArgs,
    },
    /// A tenant's change sets in the mirror, oldest first
    History {
        /// Tenant id or slug
        tenant: String,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Field-by-field differences between two versions of a tenant (version numbers
    /// as `history` shows them; 0 is before the tenant existed)
    Diff {
        /// Tenant id or slug
        tenant: String,
        from: usize,
        to: usize,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Undo a change set with a new, signed change set of its inverse operations
    Revert {
        /// The change set's id or hash
        changeset: String,
        /// Summary of the revert [default: Revert "<original summary>"]
        #[arg(long)]
        summary: Option<String>,
        #[command(flatten)]
        organisation: OrganisationArg,
        #[command(flatten)]
        sources: Sources,
        #[command(flatten)]
        signer: SignerArgs,
    },
    /// The client handoff document: configuration, services, AI settings, integrations
    /// (secret references only), overrides, support paths, go-live evidence and the
    /// signed history, from the tenant's furthest environment (production, else
    /// staging, else draft)
    Handoff {
        /// Tenant id or slug
        tenant: String,
        #[arg(long, value_enum, default_value_t = HandoffFormat::Md)]
        format: HandoffFormat,
        /// Document this environment instead of the furthest one reached
        #[arg(long, value_enum)]
        environment: Option<EnvironmentArg>,
        /// Write to this file (atomically) instead of standard output; required for
        /// PDF when standard output is a terminal
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Signed audit exports: a tenant's or a date range's history, with the chain proof,
    /// for anyone to check offline with `tenantry changeset verify`
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Check every tenant's history in the mirror: signatures, parent links, and that
    /// the stored documents are what the change sets produce. Exits 1 on a break
    VerifyMirror {
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// The platform server: register your key with it
    Server {
        #[command(subcommand)]
        command: ServerCommand,
    },
    /// Send the outbox to the platform server (oldest first). Change sets the server
    /// refuses are listed with its reason and leave the queue; exits 1 when any was
    /// refused or a conflict waits for you
    Push {
        #[command(flatten)]
        server: ServerArg,
        #[command(flatten)]
        signer: SignerArgs,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Fetch what the platform server has that this mirror lacks, verified against the
    /// keys the server approved; resumes where the last pull stopped
    Pull {
        #[command(flatten)]
        server: ServerArg,
        #[command(flatten)]
        signer: SignerArgs,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Pull, push, and pull again
    Sync {
        #[command(flatten)]
        server: ServerArg,
        #[command(flatten)]
        signer: SignerArgs,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Your change sets whose fields someone else changed first on the server: each
    /// conflicting field with the value it started from, theirs and yours
    Conflicts {
        #[command(flatten)]
        server: ServerArg,
        #[command(flatten)]
        signer: SignerArgs,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Settle a conflict field by field (every conflicting field needs a side), sign the
    /// result on top of the server's version and queue it; `tenantry push` sends it
    Resolve {
        /// The conflicting change set's hash (or its first 12 characters, as
        /// `tenantry conflicts` shows it)
        changeset: String,
        /// Keep the server's value at this JSON pointer; repeatable
        #[arg(long = "theirs", value_name = "PATH")]
        theirs: Vec<String>,
        /// Keep your value at this JSON pointer; repeatable
        #[arg(long = "mine", value_name = "PATH")]
        mine: Vec<String>,
        #[command(flatten)]
        server: ServerArg,
        #[command(flatten)]
        signer: SignerArgs,
    },
    /// Is the server reachable and ready; what waits in the outbox; what it refused;
    /// when the last sync was. Exits 1 when the server cannot be reached
    ServerStatus {
        #[command(flatten)]
        server: ServerArg,
        #[command(flatten)]
        signer: SignerArgs,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Register your public key with the server (with proof that you hold the private
    /// key) and keep the token it returns in the OS keyring. An admin must approve the
    /// key before you can push or pull
    Register {
        #[command(flatten)]
        server: ServerArg,
        /// Your name as colleagues know it [default: $USER]
        #[arg(long)]
        name: Option<String>,
        /// The role you ask for; an admin decides
        #[arg(long, value_enum, default_value_t = RoleArg::AccountManager)]
        role: RoleArg,
        #[command(flatten)]
        organisation: OrganisationArg,
        #[command(flatten)]
        signer: SignerArgs,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Keep a bearer token an admin gave you (e.g. printed by `tenantry-server
    /// bootstrap-admin`) in the OS keyring for this profile and server. The token is
    /// read from standard input, never from the command line
    UseToken {
        #[command(flatten)]
        server: ServerArg,
        #[arg(long, default_value = "default", env = "TENANTRY_PROFILE")]
        profile: String,
    },
}

/// The platform server to sync with.
#[derive(Debug, Args)]
pub struct ServerArg {
    /// The server's URL, e.g. http://127.0.0.1:8480
    #[arg(long = "server", env = "TENANTRY_SERVER_URL", value_name = "URL")]
    pub url: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    AccountManager,
    ComplianceOfficer,
    Admin,
}

impl From<RoleArg> for tenantry_sync::Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::AccountManager => Self::AccountManager,
            RoleArg::ComplianceOfficer => Self::ComplianceOfficer,
            RoleArg::Admin => Self::Admin,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create your signing key (refuses to replace an existing one)
    Create {
        #[command(flatten)]
        signer: SignerArgs,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Show your public key and key id (never the private key)
    Show {
        #[command(flatten)]
        signer: SignerArgs,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Replace your key with a new one, endorsed by the old one
    Rotate {
        #[command(flatten)]
        signer: SignerArgs,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum ChangesetCommand {
    /// Sign an unsigned change set (JSON: organisation, tenant, environment, parent,
    /// operations, summary, justifications) and print or write the DSSE envelope
    Sign {
        file: PathBuf,
        /// Write the envelope here instead of stdout
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(flatten)]
        signer: SignerArgs,
    },
    /// Verify an envelope or an audit bundle (`tenantry audit export`) offline, against
    /// the mirror's known keys and any given with --public-key. A key a bundle carries
    /// is not trusted for that. Exits 1 when it does not verify
    Verify {
        envelope: PathBuf,
        /// A trusted ed25519 public key (64 hex characters); repeatable
        #[arg(long = "public-key", value_name = "HEX")]
        public_keys: Vec<String>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Put a signed envelope (e.g. a colleague's) into the mirror, after verifying it
    Record { envelope: PathBuf },
    /// Write a change set's envelope from the mirror, byte for byte as it was signed
    /// (e.g. one submitted in the app), to share it or verify it elsewhere
    Export {
        /// The change set's id or hash
        changeset: String,
        /// Write the envelope here instead of stdout
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Write the signed history in scope (every tenant unless --tenant; the whole
    /// history unless --from/--to) with its chain proof, signed with your key. A range
    /// holds every change set from the first to the last created in it, anchored on the
    /// one before
    Export {
        /// Only this tenant (id or slug)
        #[arg(long, value_name = "ID_OR_SLUG")]
        tenant: Option<String>,
        /// Change sets created on or after this day (2026-11-24, UTC) or instant (RFC 3339)
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Change sets created on or before this day (the whole day, UTC) or instant
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// The bundle file to write (atomically; an existing file is replaced)
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        signer: SignerArgs,
    },
}

/// The platform organisation a change is for; it is inside the signed bytes.
#[derive(Debug, Args)]
pub struct OrganisationArg {
    #[arg(
        long = "organisation",
        env = "TENANTRY_ORGANISATION",
        default_value = "local",
        value_name = "ID"
    )]
    pub id: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EnvironmentArg {
    Draft,
    Staging,
    Production,
}

impl From<EnvironmentArg> for tenantry_changeset::changeset::Environment {
    fn from(environment: EnvironmentArg) -> Self {
        match environment {
            EnvironmentArg::Draft => Self::Draft,
            EnvironmentArg::Staging => Self::Staging,
            EnvironmentArg::Production => Self::Production,
        }
    }
}

/// Where the catalog and the policy pack come from. Without options, the ones built
/// into this version of Tenantry.
#[derive(Debug, Args)]
pub struct Sources {
    /// A catalog file (JSON) to use instead of the bundled one
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// A directory of extra Rego policy files (*.rego), checked besides the bundled pack
    #[arg(long, value_name = "DIR")]
    pub policy_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Show what the catalog offers: the signed catalog pulled from the platform if the
    /// mirror holds one, else the one bundled with this version (the header says which)
    Show {
        /// A catalog file (JSON) to show instead
        #[arg(long, value_name = "FILE")]
        catalog: Option<PathBuf>,
        /// Output format
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Fetch the platform's signed catalog, verify it against the platform key and keep
    /// it in the mirror. Refuses (and keeps the held catalog) one signed by another key,
    /// for another organisation, expired, not yet valid, or older than the held one
    Pull {
        #[command(flatten)]
        server: ServerArg,
        /// The platform's public key (64 hex), as the platform team publishes it
        /// [default: the key of the catalog the mirror holds]
        #[arg(
            long = "platform-key",
            env = "TENANTRY_PLATFORM_KEY",
            value_name = "HEX"
        )]
        platform_key: Option<String>,
        /// With no platform key configured and no catalog held yet, trust the key the
        /// server names and pin it. Only for a server you trust
        #[arg(long, conflicts_with = "platform_key")]
        trust_on_first_use: bool,
        #[command(flatten)]
        organisation: OrganisationArg,
        #[command(flatten)]
        signer: SignerArgs,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// List every rule: id, severity, step, title and when it applies
    List {
        /// A directory of extra Rego policy files (*.rego), listed with the bundled pack
        #[arg(long, value_name = "DIR")]
        policy_dir: Option<PathBuf>,
        /// Output format
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum DraftsCommand {
    /// List every draft, newest first
    List {
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// Output of the checking and inspecting commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Readable text for people
    Text,
    /// JSON for programs
    Json,
}

/// The formats of the handoff document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HandoffFormat {
    /// GitHub-flavoured Markdown
    Md,
    /// One self-contained, print-ready HTML page
    Html,
    /// An A4 PDF
    Pdf,
}

/// The file formats a tenant document can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DocumentFormat {
    Json,
    Yaml,
    Toml,
}

impl From<DocumentFormat> for file::Format {
    fn from(format: DocumentFormat) -> Self {
        match format {
            DocumentFormat::Json => file::Format::Json,
            DocumentFormat::Yaml => file::Format::Yaml,
            DocumentFormat::Toml => file::Format::Toml,
        }
    }
}

/// Industries and regulations are closed lists: a value outside them is a usage error
/// (exit 2) whose message lists the valid ones, as the document spells them.
fn industry_parser() -> impl clap::builder::TypedValueParser<Value = Industry> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(Industry::ALL.map(Industry::id))
        .try_map(|id| Industry::from_id(&id).ok_or_else(|| format!("'{id}' is not an industry")))
}

fn parse_regulation(text: &str) -> Result<Regulation, String> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|error| {
        error
            .to_string()
            .replace("unknown variant", "unknown regulation")
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people
    Table,
    /// A JSON array for programs
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_lists_every_regulation() {
        let schema = serde_json::to_value(schemars::schema_for!(Regulation)).expect("schema");
        let ids = schema["enum"].as_array().expect("an enum");
        assert_eq!(ids.len(), 7, "update the --regulation help: {ids:?}");
        for id in ids {
            let id = id.as_str().expect("a string");
            assert!(parse_regulation(id).is_ok(), "{id}");
        }
        assert!(parse_regulation("HIPAA").is_err());
    }
}
