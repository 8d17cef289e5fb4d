//! `tenantry history|diff|revert|verify-mirror`: reading and undoing a tenant's signed
//! history in the mirror.

use serde_json::json;
use tenantry_changeset::diff::{self, FieldChange};
use tenantry_core::tenant::TenantId;
use tenantry_store::Store;
use tenantry_workflow::Rules;

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
    let versions = store
        .versions(&tenant)
        .await
        .map_err(|error| error.to_string());
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

/// Undoes a change set (see `tenantry_workflow::revert`).
pub async fn revert(
    args: RevertArgs<'_>,
    signer: &SignerArgs,
    mirror_args: &MirrorArgs,
) -> Result<(), String> {
    let catalog = sources::catalog(args.sources.catalog.as_deref())?;
    let pack = sources::policy(args.sources.policy_dir.as_deref())?;
    let store = existing_mirror(mirror_args).await?;
    let outcome = match signer.key(true) {
        Ok(key) => tenantry_workflow::revert(
            &store,
            Rules {
                catalog: &catalog,
                pack: &pack,
            },
            args.changeset,
            &key,
            args.summary,
            args.organisation,
        )
        .await
        .map_err(|error| error.to_string()),
        Err(error) => Err(error),
    };
    store.close().await;
    let reverted = outcome?;
    output::line(&format!(
        "Reverted {} with change set {} (#{}, {} operation(s)); queued in the outbox.",
        reverted.original.id,
        reverted.recorded.changeset.id,
        reverted.recorded.seq,
        reverted.recorded.changeset.operations.len()
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
