//! `tenantry changeset sign|verify|record`, `tenantry submit`: turning edits into signed
//! envelopes, checking envelopes offline, and putting them in the mirror.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tenantry_changeset::audit;
use tenantry_changeset::changeset::{ChangeSet, Environment, CHANGESET_SCHEMA_VERSION};
use tenantry_changeset::keys::KeyId;
use tenantry_changeset::{Envelope, Operation, PublicKey};
use tenantry_core::tenant::{file, TenantId};
use tenantry_core::Timestamp;
use tenantry_policy::Finding;
use tenantry_workflow::{Rules, SubmitOutcome, SubmitRequest};

use crate::args::{MirrorArgs, ReportFormat, Sources};
use crate::signer::SignerArgs;
use crate::{mirror, output, sources};

/// An envelope file is never more than this (the envelope's own limit).
const MAX_ENVELOPE_FILE: u64 = tenantry_changeset::envelope::MAX_ENVELOPE_BYTES as u64;
/// `changeset verify` also reads audit bundles, up to their own limit.
const MAX_BUNDLE_FILE: u64 = audit::MAX_BUNDLE_BYTES as u64;

/// A change set before signing: what `changeset sign` reads. The id, author, time and
/// schema version are filled in when it is signed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnsignedChangeSet {
    pub organisation: String,
    pub tenant: TenantId,
    pub environment: Environment,
    pub parent: Option<String>,
    pub operations: Vec<Operation>,
    pub summary: String,
    #[serde(default)]
    pub justifications: BTreeMap<String, String>,
}

fn read_envelope(path: &Path) -> Result<Vec<u8>, String> {
    file::read_capped(path, MAX_ENVELOPE_FILE).map_err(|error| error.to_string())
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|error| format!("cannot write {}: {error}", path.display()))
}

/// Signs an unsigned change set file and writes the envelope to `out` (or stdout).
pub fn sign(input: &Path, out: Option<&Path>, signer: &SignerArgs) -> Result<(), String> {
    let bytes = file::read_capped(input, MAX_ENVELOPE_FILE).map_err(|error| error.to_string())?;
    let unsigned: UnsignedChangeSet = serde_json::from_slice(&bytes)
        .map_err(|error| format!("{} is not an unsigned change set: {error}", input.display()))?;
    let key = signer.key(true)?;
    let changeset = ChangeSet {
        schema_version: CHANGESET_SCHEMA_VERSION,
        id: ChangeSet::new_id(),
        organisation: unsigned.organisation,
        tenant: unsigned.tenant,
        environment: unsigned.environment,
        parent: unsigned.parent,
        operations: unsigned.operations,
        summary: unsigned.summary,
        justifications: unsigned.justifications,
        author: key.key_id(),
        created_at: Timestamp::now(),
    };
    changeset.check().map_err(|error| error.to_string())?;
    let envelope = Envelope::sign(&changeset, &key).to_json();
    match out {
        Some(path) => {
            write_new(path, &envelope)?;
            output::line(&format!(
                "Signed change set {} → {}",
                changeset.id,
                path.display()
            ))
        }
        None => output::text(&format!("{}\n", String::from_utf8_lossy(&envelope))),
    }
}

#[derive(Serialize)]
struct VerifyReport {
    file: String,
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    changeset: Option<ChangeSet>,
    signers: Vec<String>,
}

/// The keys an offline verification trusts: those given on the command line, plus the
/// mirror's registry when there is a mirror.
async fn trusted_keys(
    mirror_args: &MirrorArgs,
    public_keys: &[String],
) -> Result<HashMap<KeyId, PublicKey>, String> {
    let mut keys = HashMap::new();
    for hex in public_keys {
        let key =
            PublicKey::from_hex(hex).map_err(|error| format!("--public-key {hex}: {error}"))?;
        keys.insert(key.key_id(), key);
    }
    if let Some(store) = mirror::open_existing(mirror_args).await? {
        keys.extend(
            store
                .signing_keys()
                .await
                .map_err(|error| error.to_string())?,
        );
        store.close().await;
    }
    Ok(keys)
}

/// Verifies an envelope or an audit bundle (told apart by its `kind`) offline;
/// `Ok(false)` when it does not verify.
pub async fn verify(
    path: &Path,
    public_keys: &[String],
    mirror_args: &MirrorArgs,
    format: ReportFormat,
) -> Result<bool, String> {
    let bytes = file::read_capped(path, MAX_BUNDLE_FILE).map_err(|error| error.to_string())?;
    let keys = trusted_keys(mirror_args, public_keys).await?;
    if audit::is_audit_bundle(&bytes) {
        return crate::audit::verify(path, &bytes, &keys, format);
    }
    let outcome =
        Envelope::parse(&bytes).and_then(|envelope| envelope.verify(|id| keys.get(id).cloned()));
    let report = match &outcome {
        Ok(verified) => VerifyReport {
            file: path.display().to_string(),
            valid: true,
            error: None,
            hash: Some(verified.hash.0.clone()),
            changeset: Some(verified.changeset.clone()),
            signers: verified.signers.iter().map(ToString::to_string).collect(),
        },
        Err(error) => VerifyReport {
            file: path.display().to_string(),
            valid: false,
            error: Some(error.to_string()),
            hash: None,
            changeset: None,
            signers: Vec::new(),
        },
    };
    match format {
        ReportFormat::Json => output::json(&report)?,
        ReportFormat::Text => match &outcome {
            Ok(verified) => {
                let changeset = &verified.changeset;
                output::text(&format!(
                    "✓ {} verifies.\n  change set  {}\n  tenant      {}\n  environment {:?}\n  summary     {}\n  hash        {}\n  parent      {}\n  signed by   {}\n  operations  {}\n",
                    path.display(),
                    changeset.id,
                    changeset.tenant,
                    changeset.environment,
                    changeset.summary,
                    verified.hash,
                    changeset.parent.as_deref().unwrap_or("none (first change set)"),
                    report.signers.join(", "),
                    changeset.operations.len(),
                ))?
            }
            Err(error) => {
                output::text(&format!("✗ {} does not verify: {error}\n", path.display()))?
            }
        },
    }
    Ok(outcome.is_ok())
}

/// Puts a signed envelope (e.g. one received from a colleague) into the mirror.
pub async fn record(path: &Path, mirror_args: &MirrorArgs) -> Result<(), String> {
    let bytes = read_envelope(path)?;
    let store = mirror::open_or_create(mirror_args).await?;
    let recorded = store
        .record(&bytes)
        .await
        .map_err(|error| error.to_string());
    store.close().await;
    let recorded = recorded?;
    output::line(&format!(
        "{} change set {} for tenant {} as #{} ({}).",
        if recorded.newly_recorded {
            "Recorded"
        } else {
            "Already had"
        },
        recorded.changeset.id,
        recorded.changeset.tenant,
        recorded.seq,
        recorded.hash
    ))
}

/// Writes the stored envelope of `id_or_hash` exactly as it was signed and received.
pub async fn export(
    id_or_hash: &str,
    out: Option<&Path>,
    mirror_args: &MirrorArgs,
) -> Result<(), String> {
    let missing = || {
        format!("no change set '{id_or_hash}' in the mirror (give its id or hash; `tenantry history TENANT` lists them)")
    };
    let Some(store) = mirror::open_existing(mirror_args).await? else {
        return Err(missing());
    };
    let bytes = store
        .envelope_by_id(id_or_hash)
        .await
        .map_err(|error| error.to_string());
    store.close().await;
    let bytes = bytes?.ok_or_else(missing)?;
    match out {
        Some(path) => {
            write_new(path, &bytes)?;
            output::line(&format!(
                "Wrote the envelope of {id_or_hash} to {}",
                path.display()
            ))
        }
        None => {
            use std::io::Write;
            // Raw bytes, no newline added: the file a shell redirect makes verifies.
            std::io::stdout()
                .write_all(&bytes)
                .map_err(|error| format!("cannot write to stdout: {error}"))
        }
    }
}

pub struct SubmitArgs<'a> {
    pub file: &'a Path,
    pub summary: &'a str,
    pub environment: Environment,
    pub organisation: &'a str,
    pub out: Option<&'a Path>,
    pub sources: &'a Sources,
}

/// Submits a tenant document (see `tenantry_workflow::submit`) and writes the envelope
/// to disk. Works offline; `Ok(false)` when the policy pack blocks it.
pub async fn submit(
    args: SubmitArgs<'_>,
    signer: &SignerArgs,
    mirror_args: &MirrorArgs,
) -> Result<bool, String> {
    let doc = sources::document(args.file)?;
    let catalog = sources::catalog(args.sources.catalog.as_deref())?;
    let pack = sources::policy(args.sources.policy_dir.as_deref())?;
    let store = mirror::open_or_create(mirror_args).await?;
    let request = SubmitRequest {
        summary: args.summary,
        environment: args.environment,
        organisation: args.organisation,
    };
    let rules = Rules {
        catalog: &catalog,
        pack: &pack,
    };
    let outcome =
        tenantry_workflow::submit(&store, rules, &doc, || signer.key(true), request).await;
    store.close().await;
    match outcome.map_err(|error| error.to_string())? {
        SubmitOutcome::Blocked(findings) => blocked(&findings),
        SubmitOutcome::NothingToSubmit => {
            output::line("Nothing to submit: the mirror already holds this version.")?;
            Ok(true)
        }
        SubmitOutcome::Submitted { recorded, envelope } => {
            let out: PathBuf = match args.out {
                Some(path) => path.to_owned(),
                None => PathBuf::from(format!(
                    "{}-{}.dsse.json",
                    recorded.document.tenant.slug, recorded.seq
                )),
            };
            write_new(&out, &envelope)?;
            output::text(&format!(
                "Submitted change set {} (#{} for {}), {} operation(s); queued in the outbox.\n  hash      {}\n  envelope  {}\n",
                recorded.changeset.id,
                recorded.seq,
                recorded.document.tenant.slug,
                recorded.changeset.operations.len(),
                recorded.hash,
                out.display()
            ))?;
            Ok(true)
        }
    }
}

fn blocked(findings: &[Finding]) -> Result<bool, String> {
    let mut text = format!(
        "Not submitted: {} finding(s) block this document. Fix them (or justify the warnings) and submit again:\n",
        findings.len()
    );
    for finding in findings {
        text.push_str(&format!(
            "  {} at {}: {}\n",
            finding.rule_id, finding.path, finding.message
        ));
    }
    output::text(&text)?;
    Ok(false)
}
