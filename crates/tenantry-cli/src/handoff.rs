//! `tenantry handoff TENANT --format md|html|pdf [--output FILE]`: the client handoff
//! document, generated from the tenant's signed document in the mirror and the signed
//! change sets (with their signers) that produced it.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use tenantry_changeset::{Envelope, Environment, KeyId, Operation};
use tenantry_core::tenant::TenantId;
use tenantry_handoff::{ChangeRecord, Handoff, Signer};
use tenantry_store::Store;

use crate::args::{EnvironmentArg, HandoffFormat, MirrorArgs};
use crate::mirror;

pub struct HandoffArgs<'a> {
    pub tenant: &'a str,
    pub format: HandoffFormat,
    pub environment: Option<EnvironmentArg>,
    pub output: Option<&'a Path>,
}

pub async fn run(args: HandoffArgs<'_>, mirror_args: &MirrorArgs) -> Result<(), String> {
    // Refuse before any work: PDF bytes would garble the terminal.
    if args.format == HandoffFormat::Pdf && args.output.is_none() && std::io::stdout().is_terminal()
    {
        return Err("a PDF is binary and would garble the terminal: pass --output FILE (or redirect standard output to a file)".to_owned());
    }
    let store = mirror::open_existing(mirror_args).await?.ok_or_else(|| {
        "there is no mirror here yet: nothing has been submitted on this machine".to_owned()
    })?;
    let handoff = build(&store, &args).await;
    store.close().await;
    let handoff = handoff?;
    let bytes = match args.format {
        HandoffFormat::Md => handoff.markdown().into_bytes(),
        HandoffFormat::Html => handoff.html().into_bytes(),
        HandoffFormat::Pdf => handoff.pdf(),
    };
    match args.output {
        Some(path) => write_atomically(path, &bytes),
        None => write_stdout(&bytes),
    }
}

async fn build(store: &Store, args: &HandoffArgs<'_>) -> Result<Handoff, String> {
    let text = |error: tenantry_store::StoreError| error.to_string();
    let tenant = store
        .find_tenant(args.tenant)
        .await
        .map_err(text)?
        .ok_or_else(|| {
            format!(
                "no tenant '{}' in the mirror (give its id or slug)",
                args.tenant
            )
        })?;
    let (environment, document) = match args.environment {
        Some(wanted) => {
            let environment = Environment::from(wanted);
            let document = store.document(&tenant, environment).await.map_err(text)?;
            let document = document.ok_or_else(|| {
                format!(
                    "tenant '{}' has no signed {} document yet",
                    args.tenant,
                    environment_name(environment)
                )
            })?;
            (environment, document)
        }
        None => latest_stage(store, &tenant).await?,
    };
    let history = records(store, &tenant, environment).await?;
    Handoff::build(&document, &history).map_err(|error| error.to_string())
}

fn environment_name(environment: Environment) -> &'static str {
    match environment {
        Environment::Draft => "draft",
        Environment::Staging => "staging",
        Environment::Production => "production",
    }
}

/// The furthest environment the tenant has reached: production, else staging, else draft.
async fn latest_stage(
    store: &Store,
    tenant: &TenantId,
) -> Result<(Environment, tenantry_core::TenantDocument), String> {
    for environment in [
        Environment::Production,
        Environment::Staging,
        Environment::Draft,
    ] {
        if let Some(document) = store
            .document(tenant, environment)
            .await
            .map_err(|error| error.to_string())?
        {
            return Ok((environment, document));
        }
    }
    Err(format!(
        "tenant {tenant} has no signed document in the mirror; run `tenantry verify-mirror`"
    ))
}

/// The change sets of `environment` (the ones that produced its document), with the
/// signers and changed paths read from their verified envelopes.
async fn records(
    store: &Store,
    tenant: &TenantId,
    environment: Environment,
) -> Result<Vec<ChangeRecord>, String> {
    let text = |error: tenantry_store::StoreError| error.to_string();
    let keys = store.signing_keys().await.map_err(text)?;
    let mut signed: HashMap<String, (Vec<KeyId>, Vec<String>)> = HashMap::new();
    for bytes in store.envelopes(tenant).await.map_err(text)? {
        let verified = Envelope::parse(&bytes)
            .and_then(|envelope| envelope.verify(|id| keys.get(id).cloned()))
            .map_err(|error| {
                format!(
                    "a stored change set does not verify ({error}); run `tenantry verify-mirror`"
                )
            })?;
        let paths = verified
            .changeset
            .operations
            .iter()
            .map(|operation| Operation::path(operation).to_owned())
            .collect();
        signed.insert(verified.hash.0, (verified.signers, paths));
    }
    let labels: HashMap<String, String> = store
        .tenant_owners()
        .await
        .map_err(text)?
        .into_iter()
        .filter_map(|owner| owner.label.map(|label| (owner.key_id, label)))
        .collect();
    let signer = |key_id: &str| Signer {
        key_id: key_id.to_owned(),
        label: labels.get(key_id).cloned(),
    };
    let mut records = Vec::new();
    for entry in store.history(tenant).await.map_err(text)? {
        if entry.environment != environment {
            continue;
        }
        let (signers, changed_paths) = signed.remove(&entry.hash).ok_or_else(|| {
            format!(
                "change set #{} is in the history but its envelope is missing; run `tenantry verify-mirror`",
                entry.seq
            )
        })?;
        records.push(ChangeRecord {
            seq: i64::from(entry.seq),
            author: signer(&entry.author),
            // The author signs first; every other signature is an approval.
            approvers: signers
                .iter()
                .filter(|key| key.as_str() != entry.author)
                .map(|key| signer(key.as_str()))
                .collect(),
            hash: entry.hash,
            environment: entry.environment,
            created_at: entry.created_at,
            summary: entry.summary,
            changed_paths,
        });
    }
    Ok(records)
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place, so a
/// reader never sees half a document and a failure leaves any old file untouched.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let shown = path.display();
    let name = path
        .file_name()
        .ok_or_else(|| format!("--output {shown} does not name a file"))?;
    if path.is_dir() {
        return Err(format!("--output {shown} is a directory; give a file name"));
    }
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(name);
    temporary_name.push(format!(".{}.tmp", std::process::id()));
    let temporary = directory.join(temporary_name);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    written.map_err(|error| {
        // Nothing half-written stays behind; the temporary may not exist at all.
        let _ = std::fs::remove_file(&temporary);
        format!("could not write {shown}: {error}")
    })
}

fn write_stdout(bytes: &[u8]) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|error| format!("could not write the output: {error}")),
    }
}
