//! `tenantry audit export` and the audit-bundle half of `tenantry changeset verify`:
//! a tenant's (or a date range's) signed history out of the mirror, signed by the
//! exporter, and checked offline (see `tenantry_changeset::audit` and docs/audit.md).

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;
use tenantry_changeset::audit::{
    AuditBundle, AuditExport, AuditReport, AuditScope, ChainLink, StoredChangeSet, TenantExport,
};
use tenantry_changeset::keys::KeyId;
use tenantry_changeset::{Environment, PayloadHash, PublicKey};
use tenantry_core::tenant::TenantId;
use tenantry_core::Timestamp;
use tenantry_store::Store;

use crate::args::{MirrorArgs, ReportFormat};
use crate::signer::SignerArgs;
use crate::{mirror, output};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

pub struct ExportArgs<'a> {
    pub tenant: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub out: &'a Path,
}

/// A `--from`/`--to` value: a day (`2026-11-24`, UTC) or an RFC 3339 instant.
enum DateArg {
    Day(Timestamp),
    Instant(Timestamp),
}

fn parse_date(option: &str, text: &str) -> Result<DateArg, String> {
    let is_day = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    let parsed = if is_day {
        Timestamp::parse_rfc3339(&format!("{text}T00:00:00Z")).map(DateArg::Day)
    } else {
        Timestamp::parse_rfc3339(text).map(DateArg::Instant)
    };
    parsed.map_err(|_| {
        format!("{option} '{text}' is neither a date (2026-11-24) nor an RFC 3339 time (2026-11-24T08:00:00Z)")
    })
}

/// `--from` (inclusive) and `--to` (inclusive: a whole day, or up to that instant) as
/// the half-open range the bundle records.
fn scope(
    tenant: Option<TenantId>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<AuditScope, String> {
    let created_from = from
        .map(|text| {
            parse_date("--from", text).map(|date| match date {
                DateArg::Day(start) | DateArg::Instant(start) => start,
            })
        })
        .transpose()?;
    let created_before = to
        .map(|text| {
            let (start, extra) = match parse_date("--to", text)? {
                DateArg::Day(start) => (start, DAY_MS),
                DateArg::Instant(instant) => (instant, 1),
            };
            Timestamp::from_unix_millis(start.unix_millis().saturating_add(extra))
                .map_err(|error| format!("--to '{text}': {error}"))
        })
        .transpose()?;
    if let (Some(from), Some(before)) = (created_from, created_before) {
        if from >= before {
            return Err(format!(
                "--from is after --to: the range from {from} until before {before} is empty"
            ));
        }
    }
    Ok(AuditScope {
        tenant,
        created_from,
        created_before,
    })
}

/// Signs and writes an audit bundle of the mirror's history within the scope.
pub async fn export(
    args: ExportArgs<'_>,
    signer: &SignerArgs,
    mirror_args: &MirrorArgs,
) -> Result<(), String> {
    // Check the options before touching the mirror or the keyring.
    let mut scope = scope(None, args.from, args.to)?;
    let store = mirror::open_existing(mirror_args).await?.ok_or_else(|| {
        "there is no mirror here yet: nothing has been submitted on this machine".to_owned()
    })?;
    let collected = collect(&store, args.tenant, &mut scope).await;
    store.close().await;
    let (tenants, keys) = collected?;
    if tenants.is_empty() {
        return Err(format!(
            "nothing to export: no change set in the mirror matches ({})",
            scope.describe()
        ));
    }
    let key = signer.key(false)?;
    let export = AuditExport {
        scope,
        exported_at: Timestamp::now(),
        tenants,
    };
    let bundle = AuditBundle::build(export, &key, &keys).map_err(|error| error.to_string())?;
    tenantry_core::local_file::write_atomically(args.out, &bundle.to_json())
        .map_err(|error| format!("--out {}: {error}", args.out.display()))?;
    let body = bundle.body();
    let changesets: usize = body.tenants.iter().map(|t| t.changesets.len()).sum();
    output::line(&format!(
        "Exported {changesets} change set(s) of {} tenant(s) ({}) to {}, signed by {}.",
        body.tenants.len(),
        body.scope.describe(),
        args.out.display(),
        key.key_id()
    ))
}

type Collected = (Vec<TenantExport>, HashMap<KeyId, PublicKey>);

/// Each tenant's change sets in the scope: the consecutive run from the first to the
/// last one created in the range (so every link can be checked), its anchor and head.
async fn collect(
    store: &Store,
    tenant: Option<&str>,
    scope: &mut AuditScope,
) -> Result<Collected, String> {
    let tenants = match tenant {
        Some(id_or_slug) => {
            let id = store
                .find_tenant(id_or_slug)
                .await
                .map_err(|error| error.to_string())?
                .ok_or_else(|| {
                    format!("no tenant '{id_or_slug}' in the mirror (give its id or slug)")
                })?;
            scope.tenant = Some(id.clone());
            vec![id]
        }
        None => store
            .tenant_ids()
            .await
            .map_err(|error| error.to_string())?,
    };
    let keys = store
        .signing_keys()
        .await
        .map_err(|error| error.to_string())?;
    let mut exports = Vec::new();
    for tenant in tenants {
        let history = store
            .history(&tenant)
            .await
            .map_err(|error| error.to_string())?;
        let envelopes = store
            .envelopes(&tenant)
            .await
            .map_err(|error| error.to_string())?;
        if history.len() != envelopes.len() {
            return Err(format!(
                "tenant {tenant} changed while it was read (a sync?); run the export again"
            ));
        }
        let in_range: Vec<usize> = (0..history.len())
            .filter(|&index| scope.covers(history[index].created_at))
            .collect();
        let (Some(&first), Some(&last)) = (in_range.first(), in_range.last()) else {
            continue;
        };
        let link = |index: usize| -> Result<ChainLink, String> {
            let entry = &history[index];
            Ok(ChainLink {
                seq: u64::try_from(entry.seq)
                    .map_err(|_| format!("tenant {tenant}: stored sequence number {} is negative; run `tenantry verify-mirror`", entry.seq))?,
                hash: PayloadHash(entry.hash.clone()),
            })
        };
        let head = link(history.len() - 1)?;
        let anchor = first.checked_sub(1).map(link).transpose()?;
        let changesets = (first..=last)
            .map(|index| {
                Ok(StoredChangeSet {
                    seq: link(index)?.seq,
                    envelope: envelopes[index].clone(),
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        exports.push(TenantExport {
            slug: slug(store, &tenant).await?,
            tenant,
            head,
            anchor,
            changesets,
        });
    }
    Ok((exports, keys))
}

/// The tenant's current slug, from its furthest environment's document.
async fn slug(store: &Store, tenant: &TenantId) -> Result<String, String> {
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
            return Ok(document.tenant.slug.to_string());
        }
    }
    Ok(String::new())
}

#[derive(Serialize)]
struct BundleVerification<'a> {
    file: String,
    kind: &'static str,
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<&'a AuditReport>,
}

/// Verifies an audit bundle offline against `trusted`; `Ok(false)` on any problem.
pub fn verify(
    path: &Path,
    bytes: &[u8],
    trusted: &HashMap<KeyId, PublicKey>,
    format: ReportFormat,
) -> Result<bool, String> {
    let file = path.display().to_string();
    let report = match AuditBundle::parse(bytes) {
        Ok(bundle) => bundle.verify(trusted),
        Err(error) => {
            return match format {
                ReportFormat::Json => output::json(&BundleVerification {
                    file,
                    kind: "audit-bundle",
                    valid: false,
                    error: Some(error.to_string()),
                    report: None,
                }),
                ReportFormat::Text => output::text(&format!(
                    "✗ {file} is not a readable audit bundle: {error}\n"
                )),
            }
            .map(|()| false);
        }
    };
    match format {
        ReportFormat::Json => output::json(&BundleVerification {
            file,
            kind: "audit-bundle",
            valid: report.is_valid(),
            error: None,
            report: Some(&report),
        })?,
        ReportFormat::Text => output::text(&report_text(&file, &report))?,
    }
    Ok(report.is_valid())
}

fn short(text: &str) -> String {
    text.chars().take(12).collect()
}

fn report_text(file: &str, report: &AuditReport) -> String {
    let mut text = if report.is_valid() {
        format!("✓ {file}: the audit bundle verifies.\n")
    } else {
        format!(
            "✗ {file}: the audit bundle does not verify: {} problem(s).\n",
            report.problems.len()
        )
    };
    let trusted = |key: &KeyId| {
        report
            .signers
            .iter()
            .find(|signer| signer.key_id == *key)
            .is_some_and(|signer| signer.trusted)
    };
    text.push_str(&format!(
        "  scope        {}\n  exported     {} by {} ({}; signature {})\n  contents     {} tenant(s), {} change set(s)\n",
        report.scope.describe(),
        report.exported_at,
        report.exporter,
        if trusted(&report.exporter) { "trusted key" } else { "NOT a trusted key" },
        if report.bundle_signature_valid { "valid" } else { "INVALID" },
        report.tenants.len(),
        report.changesets,
    ));
    for tenant in &report.tenants {
        let anchor = tenant
            .anchor
            .as_ref()
            .map_or("none (from #1)".to_owned(), |link| {
                format!("#{} {}", link.seq, short(&link.hash.0))
            });
        text.push_str(&format!(
            "\n  tenant {} ({}): {} change set(s); anchor {anchor}; head at export #{} {}\n",
            tenant.slug,
            tenant.tenant,
            tenant.changesets,
            tenant.head.seq,
            short(&tenant.head.hash.0),
        ));
        let rows = tenant
            .entries
            .iter()
            .map(|entry| {
                vec![
                    entry.seq.to_string(),
                    entry.created_at.map_or("?".to_owned(), |t| t.to_string()),
                    format!("{:?}", entry.environment).to_lowercase(),
                    entry
                        .author
                        .as_ref()
                        .map_or("?".to_owned(), |key| short(key.as_str())),
                    if entry.co_signers.is_empty() {
                        "-".to_owned()
                    } else {
                        entry
                            .co_signers
                            .iter()
                            .map(|key| short(key.as_str()))
                            .collect::<Vec<_>>()
                            .join(",")
                    },
                    short(&entry.hash.0),
                    if entry.signatures_valid { "ok" } else { "BAD" }.to_owned(),
                    entry.summary.clone().unwrap_or_default(),
                ]
            })
            .collect();
        text.push_str(&output::format_table(
            &[
                "#",
                "WHEN",
                "ENV",
                "AUTHOR",
                "CO-SIGNED BY",
                "HASH",
                "SIGS",
                "SUMMARY",
            ],
            rows,
            "    ",
        ));
    }
    text.push_str("\n  signers\n");
    let rows = report
        .signers
        .iter()
        .map(|signer| {
            vec![
                signer.key_id.to_string(),
                if signer.trusted {
                    "trusted"
                } else {
                    "NOT TRUSTED"
                }
                .to_owned(),
                signer.authored.to_string(),
                signer.co_signed.to_string(),
                if signer.exported { "yes" } else { "" }.to_owned(),
            ]
        })
        .collect();
    text.push_str(&output::format_table(
        &["KEY", "TRUST", "AUTHORED", "CO-SIGNED", "EXPORTED"],
        rows,
        "    ",
    ));
    if !report.problems.is_empty() {
        text.push_str("\n  problems\n");
        for problem in &report.problems {
            text.push_str(&format!("    ✗ {problem}\n"));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_become_a_half_open_range_of_whole_days_or_instants() {
        let scope = scope(None, Some("2026-11-24"), Some("2026-11-24")).expect("valid");
        assert_eq!(
            scope.created_from.map(|t| t.to_string()).as_deref(),
            Some("2026-11-24T00:00:00Z")
        );
        assert_eq!(
            scope.created_before.map(|t| t.to_string()).as_deref(),
            Some("2026-11-25T00:00:00Z")
        );
        let instant = super::scope(None, None, Some("2026-11-24T08:14:02.123Z")).expect("valid");
        assert_eq!(
            instant.created_before.map(|t| t.to_string()).as_deref(),
            Some("2026-11-24T08:14:02.124Z")
        );
        let backwards = super::scope(None, Some("2026-11-25"), Some("2026-11-24"));
        assert!(backwards.is_err_and(|message| message.contains("is empty")));
        let garbage = super::scope(None, Some("last week"), None);
        assert!(garbage.is_err_and(|message| message.contains("--from 'last week'")));
    }
}
