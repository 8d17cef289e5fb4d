//! `tenantry history|diff|revert|verify-mirror`: reading and undoing a tenant's signed
//! history in the mirror.

use serde_json::json;
use tenantry_changeset::changeset::{ChangeSet, Environment, CHANGESET_SCHEMA_VERSION};
use tenantry_changeset::diff::{self, FieldChange};
use tenantry_changeset::Envelope;
use tenantry_core::tenant::TenantId;
use tenantry_core::{TenantDocument, Timestamp};
use tenantry_store::Store;

use crate::args::{MirrorArgs, ReportFormat, Sources};
use crate::signer::SignerArgs;
use crate::{mirror, output, sources};

async fn existing_mirror(args: &MirrorArgs) -> Result<Store, String> {
    mirror::open_existing(args).await?.ok_or_else(|| {
        "there is no mirror here yet: nothing has been submitted on this machine".to_owned()
    })
}

async fn tenant(store: &Store, id_or_slug: &str) -> Result<TenantId, String> {
    store
        .find_tenant(id_or_slug)
        .await
        .map_err(|error| error.to_string())?
        .ok_or_else(|| format!("no tenant '{id_or_slug}' in the mirror (give its id or slug)"))
}

pub async fn history(
    args: &MirrorArgs,
    id_or_slug: &str,
    format: ReportFormat,
) -> Result<(), String> {
    let store = existing_mirror(args).await?;
    let tenant = tenant(&store, id_or_slug).await?;
    let entries = store
        .history(&tenant)
        .await
        .map_err(|error| error.to_string());
    store.close().await;
    let entries = entries?;
    match format {
        ReportFormat::Json => output::json(&entries),
        ReportFormat::Text => output::table(
            &[
                "#",
                "WHEN",
                "ENV",
                "SUMMARY",
                "AUTHOR",
                "CHANGE SET",
                "HASH",
            ],
            entries
                .iter()
                .map(|entry| {
                    vec![
                        entry.seq.to_string(),
                        entry.created_at.to_string(),
                        format!("{:?}", entry.environment).to_lowercase(),
                        entry.summary.clone(),
                        entry.author.chars().take(12).collect(),
                        entry.id.clone(),
                        entry.hash.chars().take(12).collect(),
                    ]
                })
                .collect(),
        ),
    }
}

/// The tenant's document in each environment after each change set, by sequence number.
async fn versions(
    store: &Store,
    tenant: &TenantId,
) -> Result<Vec<(Environment, TenantDocument)>, String> {
    let keys = store
        .signing_keys()
        .await
        .map_err(|error| error.to_string())?;
    let mut current: std::collections::HashMap<Environment, TenantDocument> = Default::default();
    let mut out = Vec::new();
    for bytes in store
        .envelopes(tenant)
        .await
        .map_err(|error| error.to_string())?
    {
        let verified = Envelope::parse(&bytes)
            .and_then(|envelope| envelope.verify(|id| keys.get(id).cloned()))
            .map_err(|error| {
                format!(
                    "the mirror's history does not verify ({error}); run `tenantry verify-mirror`"
                )
            })?;
        let changeset = verified.changeset;
        let next = match current.get(&changeset.environment) {
            None => changeset.initial_document(),
            Some(doc) => changeset.apply_to(doc),
        }
        .map_err(|error| error.to_string())?;
        current.insert(changeset.environment, next.clone());
        out.push((changeset.environment, next));
    }
    Ok(out)
}

/// The field-level differences between versions FROM and TO (sequence numbers; 0 is
/// "before the tenant existed").
pub async fn diff(
    args: &MirrorArgs,
    id_or_slug: &str,
    from: usize,
    to: usize,
    format: ReportFormat,
) -> Result<(), String> {
    let store = existing_mirror(args).await?;
    let tenant = tenant(&store, id_or_slug).await?;
    let versions = versions(&store, &tenant).await;
    store.close().await;
    let versions = versions?;
    let pick = |n: usize| -> Result<serde_json::Value, String> {
        match n {
            0 => Ok(json!({})),
            n => versions
                .get(n - 1)
                .map(|(_, doc)| serde_json::to_value(doc).unwrap_or_default())
                .ok_or_else(|| {
                    format!(
                        "there is no version {n}; the tenant has {} change set(s)",
                        versions.len()
                    )
                }),
        }
    };
    let changes: Vec<FieldChange> = diff::field_changes(&pick(from)?, &pick(to)?);
    match format {
        ReportFormat::Json => output::json(&changes),
        ReportFormat::Text if changes.is_empty() => {
            output::line(&format!("No differences between version {from} and {to}."))
        }
        ReportFormat::Text => {
            let show = |value: &Option<serde_json::Value>| {
                value
                    .as_ref()
                    .map_or("(not set)".to_owned(), |v| v.to_string())
            };
            let mut text = format!(
                "{} field(s) differ between version {from} and {to}:\n",
                changes.len()
            );
            for change in &changes {
                let step = change
                    .step
                    .map_or("-".to_owned(), |step| format!("step {}", step.number()));
                text.push_str(&format!(
                    "  [{step}] {}: {} → {}\n",
                    change.label,
                    show(&change.before),
                    show(&change.after)
                ));
            }
            output::text(&text)
        }
    }
}

pub struct RevertArgs<'a> {
    pub changeset: &'a str,
    pub summary: Option<&'a str>,
    pub organisation: &'a str,
    pub sources: &'a Sources,
}

/// Undoes a change set with a new one holding its inverse operations; it is checked by
/// the policy pack like any other change and recorded at the head of the chain.
pub async fn revert(
    args: RevertArgs<'_>,
    signer: &SignerArgs,
    mirror_args: &MirrorArgs,
) -> Result<(), String> {
    let store = existing_mirror(mirror_args).await?;
    let outcome = async {
        let bytes = store
            .envelope_by_id(args.changeset)
            .await
            .map_err(|error| error.to_string())?
            .ok_or_else(|| format!("no change set '{}' in the mirror (give its id or hash)", args.changeset))?;
        let keys = store.signing_keys().await.map_err(|error| error.to_string())?;
        let original = Envelope::parse(&bytes)
            .and_then(|envelope| envelope.verify(|id| keys.get(id).cloned()))
            .map_err(|error| error.to_string())?
            .changeset;
        if original.initial_document().is_ok() {
            return Err("that change set created the tenant; a tenant is never deleted by a revert".to_owned());
        }
        let current = store
            .document(&original.tenant, original.environment)
            .await
            .map_err(|error| error.to_string())?
            .ok_or("the tenant's document is missing from the mirror")?;
        let key = signer.key(true)?;
        store.add_signing_key(&key.public(), "this machine's signing key").await.map_err(|error| error.to_string())?;
        let revert = ChangeSet {
            schema_version: CHANGESET_SCHEMA_VERSION,
            id: ChangeSet::new_id(),
            organisation: args.organisation.to_owned(),
            tenant: original.tenant.clone(),
            environment: original.environment,
            parent: store.head(&original.tenant).await.map_err(|error| error.to_string())?,
            operations: original.inverse_operations(),
            summary: args.summary.map_or_else(|| format!("Revert \"{}\"", original.summary), str::to_owned),
            justifications: current.justifications.clone(),
            author: key.key_id(),
            created_at: Timestamp::now(),
        };
        // The same gate as any change: the reverted document must pass the policy pack.
        let reverted = revert.apply_to(&current).map_err(|error| {
            format!("cannot revert {}: later changes touched the same fields ({error}); revert those first", original.id)
        })?;
        let catalog = sources::catalog(args.sources.catalog.as_deref())?;
        let pack = sources::policy(args.sources.policy_dir.as_deref())?;
        let evaluation = pack.evaluate(&reverted, &catalog).map_err(|error| error.to_string())?;
        if let Some(finding) = evaluation.blocks().first() {
            return Err(format!(
                "the reverted document would break {} at {}: {} (nothing was changed)",
                finding.rule_id, finding.path, finding.message
            ));
        }
        let recorded = store.record(&Envelope::sign(&revert, &key).to_json()).await.map_err(|error| error.to_string())?;
        Ok((original, recorded))
    }
    .await;
    store.close().await;
    let (original, recorded) = outcome?;
    output::line(&format!(
        "Reverted {} with change set {} (#{}, {} operation(s)); queued in the outbox.",
        original.id,
        recorded.changeset.id,
        recorded.seq,
        recorded.changeset.operations.len()
    ))
}

/// Walks every chain in the mirror; `Ok(false)` when something is broken.
pub async fn verify_mirror(args: &MirrorArgs, format: ReportFormat) -> Result<bool, String> {
    let Some(store) = mirror::open_existing(args).await? else {
        output::line("No mirror here yet; nothing to verify.")?;
        return Ok(true);
    };
    let report = store
        .verify_mirror()
        .await
        .map_err(|error| error.to_string());
    store.close().await;
    let report = report?;
    match format {
        ReportFormat::Json => output::json(&report)?,
        ReportFormat::Text if report.problems.is_empty() => output::line(&format!(
            "✓ {} tenant(s), {} change set(s): every signature, parent link and stored document checks out.",
            report.tenants_checked, report.changesets_checked
        ))?,
        ReportFormat::Text => {
            let mut text = format!(
                "✗ {} of {} tenant(s) have a broken history:\n",
                report.problems.len(),
                report.tenants_checked
            );
            for problem in &report.problems {
                let place = problem.seq.map_or(String::new(), |seq| format!(" at change set #{seq}"));
                text.push_str(&format!("  tenant {}{place}: {}\n", problem.tenant, problem.problem));
            }
            output::text(&text)?
        }
    }
    Ok(report.problems.is_empty())
}
