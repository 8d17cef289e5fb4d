//! `tenantry handoff TENANT --format md|html|pdf [--output FILE]`: the client handoff
//! document, generated from the tenant's signed document in the mirror and the signed
//! change sets (with their signers) that produced it.

use std::io::{IsTerminal, Write};
use std::path::Path;

use tenantry_changeset::Environment;
use tenantry_handoff::Handoff;
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
    tenantry_workflow::handoff(store, args.tenant, args.environment.map(Environment::from))
        .await
        .map_err(|error| error.to_string())
}

/// Atomically (tenantry-core's writer): a reader never sees half a document and a
/// failure leaves any old file untouched.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    tenantry_core::local_file::write_atomically(path, bytes)
        .map_err(|error| format!("--output {}: {error}", path.display()))
}

fn write_stdout(bytes: &[u8]) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|error| format!("could not write the output: {error}")),
    }
}
