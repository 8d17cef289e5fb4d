//! `tenantry catalog show`: what the platform offers, as the checks see it.
//! `tenantry catalog pull`: the platform's signed catalog into the mirror.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::json;
use tenantry_core::catalog::{Catalog, FlagKind, FlagSpec, ServiceEntry};
use tenantry_core::tenant::{ComplianceMode, FlagValue};
use tenantry_core::Timestamp;
use tenantry_store::{CatalogAcceptance, StoredCatalog};
use tenantry_sync::{CatalogTrust, PLATFORM_KEY_ENV};

use crate::args::{MirrorArgs, ReportFormat};
use crate::output::{self, format_table};
use crate::signer::SignerArgs;
use crate::{mirror, server, sources};

/// Where the shown catalog comes from.
enum Origin<'a> {
    File(&'a Path),
    Signed(Box<StoredCatalog>),
    Bundled,
}

/// Shows the catalog in `path`; without one, the signed catalog the mirror holds, or
/// the bundled one when it holds none (a mirror that does not exist holds none).
pub async fn show(
    path: Option<&Path>,
    format: ReportFormat,
    mirror_args: &MirrorArgs,
) -> Result<(), String> {
    let (catalog, origin) = match path {
        Some(path) => (sources::catalog(Some(path))?, Origin::File(path)),
        None => {
            let held = match mirror::open_existing(mirror_args).await? {
                Some(store) => {
                    let held = store.current_catalog().await;
                    store.close().await;
                    held.map_err(|error| format!("cannot read the signed catalog: {error}"))?
                }
                None => None,
            };
            match held {
                Some(held) => (held.catalog.clone(), Origin::Signed(Box::new(held))),
                None => (Catalog::bundled(), Origin::Bundled),
            }
        }
    };
    if let Origin::Signed(held) = &origin {
        if held.is_expired(Timestamp::now()) {
            tracing::warn!(version = held.version, expires_at = %held.expires_at, "the signed catalog expired");
            eprintln!(
                "warning: signed catalog version {} expired at {}; run `tenantry catalog pull` for a fresh one",
                held.version, held.expires_at
            );
        }
    }
    match format {
        // The catalog itself, whatever its origin, as before.
        ReportFormat::Json => output::json(&catalog),
        ReportFormat::Text => output::text(&describe(&catalog, &origin)),
    }
}

fn origin_text(origin: &Origin<'_>) -> String {
    match origin {
        Origin::Bundled => "bundled with this version of Tenantry".to_owned(),
        Origin::File(path) => format!("from {}", path.display()),
        Origin::Signed(held) => {
            let expired = if held.is_expired(Timestamp::now()) {
                "EXPIRED at"
            } else {
                "expires"
            };
            format!(
                "signed catalog version {} from {}, issued {}, {expired} {}, platform key {}",
                held.version, held.source, held.issued_at, held.expires_at, held.key_id
            )
        }
    }
}

pub struct PullArgs<'a> {
    pub server: &'a str,
    pub platform_key: Option<&'a str>,
    pub trust_on_first_use: bool,
    pub organisation: &'a str,
}

/// Which key the catalog must be signed by: the configured one; else, when asked, the
/// server's on first use; else the key of the catalog held.
fn trust(args: &PullArgs<'_>) -> Result<CatalogTrust, String> {
    match args.platform_key.filter(|key| !key.trim().is_empty()) {
        Some(hex) => CatalogTrust::from_hex(hex)
            .map_err(|error| format!("{error} (--platform-key or {PLATFORM_KEY_ENV})")),
        None if args.trust_on_first_use => Ok(CatalogTrust::TrustOnFirstUse),
        None => Ok(CatalogTrust::Pinned),
    }
}

pub async fn pull(
    args: PullArgs<'_>,
    signer: &SignerArgs,
    mirror_args: &MirrorArgs,
    format: ReportFormat,
) -> Result<(), String> {
    let trust = trust(&args)?;
    let syncer = server::syncer(args.server, signer, mirror_args).await?;
    let pulled = syncer
        .pull_catalog(&trust, args.organisation)
        .await
        .map_err(|error| error.to_string())?;
    match format {
        ReportFormat::Json => output::json(&json!({
            "server": syncer.server_url(),
            "outcome": pulled.outcome,
            "version": pulled.version,
            "issued_at": pulled.issued_at,
            "expires_at": pulled.expires_at,
            "key_id": pulled.key_id,
            "key_from_server": pulled.key_from_server,
        })),
        ReportFormat::Text => {
            let what = match pulled.outcome {
                CatalogAcceptance::Stored => "Stored",
                CatalogAcceptance::AlreadyCurrent => "Already current:",
            };
            let mut text = format!(
                "{what} signed catalog version {} from {}, expires {}, platform key {}.\n",
                pulled.version,
                syncer.server_url(),
                pulled.expires_at,
                pulled.key_id
            );
            if pulled.key_from_server {
                let _ = writeln!(
                    text,
                    "The platform key was taken from the server (trust on first use) and is \
                     now pinned: compare its id with the one your platform team publishes."
                );
            }
            output::text(&text)
        }
    }
}

fn describe(catalog: &Catalog, origin: &Origin<'_>) -> String {
    let mut text = format!("Catalog {} ({})\n", catalog.version, origin_text(origin));

    section(&mut text, "Services", catalog.services.len());
    for (id, service) in &catalog.services {
        describe_service(&mut text, id, service);
    }

    section(&mut text, "AI models", catalog.ai_models.len());
    let rows = catalog
        .ai_models
        .iter()
        .map(|(id, model)| {
            vec![
                id.clone(),
                model.provider.clone(),
                modes(&model.eligible_modes),
                yes_no(model.trains_on_customer_data).to_owned(),
                model.regions.join(", "),
                dollars(model.cost_per_million_tokens_cents),
            ]
        })
        .collect();
    text.push_str(&format_table(
        &[
            "ID",
            "PROVIDER",
            "ELIGIBLE FOR",
            "TRAINS ON DATA",
            "REGIONS",
            "PER 1M TOKENS",
        ],
        rows,
        "  ",
    ));

    section(&mut text, "Prompts", catalog.prompts.len());
    let rows = catalog
        .prompts
        .iter()
        .map(|(id, prompt)| {
            let versions: Vec<String> = prompt
                .versions
                .iter()
                .map(|version| {
                    if prompt.withdrawn.contains(version) {
                        format!("{version} (withdrawn)")
                    } else {
                        version.clone()
                    }
                })
                .collect();
            vec![id.clone(), prompt.service.clone(), versions.join(", ")]
        })
        .collect();
    text.push_str(&format_table(&["ID", "SERVICE", "VERSIONS"], rows, "  "));

    section(&mut text, "Tools", catalog.tools.len());
    let rows = catalog
        .tools
        .iter()
        .map(|(id, tool)| {
            vec![
                id.clone(),
                yes_no(tool.phi_safe).to_owned(),
                yes_no(tool.side_effects).to_owned(),
                tool.description.clone(),
            ]
        })
        .collect();
    text.push_str(&format_table(
        &["ID", "PHI-SAFE", "SIDE EFFECTS", "DESCRIPTION"],
        rows,
        "  ",
    ));

    section(&mut text, "Vendors", catalog.vendors.len());
    let rows = catalog
        .vendors
        .iter()
        .map(|(id, vendor)| {
            let attestations: Vec<String> = vendor.attestations.iter().map(serde_id).collect();
            vec![
                id.clone(),
                vendor.name.clone(),
                serde_id(&vendor.approval),
                or_none(attestations.join(", ")),
                or_none(vendor.regions.join(", ")),
            ]
        })
        .collect();
    text.push_str(&format_table(
        &["ID", "NAME", "APPROVAL", "ATTESTATIONS", "REGIONS"],
        rows,
        "  ",
    ));

    section(&mut text, "Regions", catalog.regions.len());
    let rows = catalog
        .regions
        .iter()
        .map(|(id, region)| vec![id.clone(), region.name.clone(), region.jurisdiction.clone()])
        .collect();
    text.push_str(&format_table(&["ID", "NAME", "JURISDICTION"], rows, "  "));
    text
}

fn section(text: &mut String, title: &str, count: usize) {
    let _ = write!(text, "\n{title} ({count})\n");
}

fn describe_service(text: &mut String, id: &str, service: &ServiceEntry) {
    let phi = if service.phi_capable {
        "  [PHI-capable]"
    } else {
        ""
    };
    let _ = writeln!(text, "  {id}: {}{phi}", service.name);
    let _ = writeln!(text, "    {}", service.description);
    if !service.flags.is_empty() {
        let rows = service
            .flags
            .iter()
            .map(|(flag_id, flag)| {
                vec![
                    flag_id.clone(),
                    kind(flag),
                    value(&flag.default),
                    restrictions(flag),
                ]
            })
            .collect();
        text.push_str(&format_table(
            &["FLAG", "TYPE", "DEFAULT", "RESTRICTED UNDER"],
            rows,
            "    ",
        ));
    }
    if !service.ui_features.is_empty() {
        let _ = writeln!(text, "    UI features: {}", service.ui_features.join(", "));
    }
}

fn kind(flag: &FlagSpec) -> String {
    match flag.kind {
        FlagKind::Boolean => "boolean".to_owned(),
        FlagKind::Text => "text".to_owned(),
        FlagKind::Integer => match (flag.min, flag.max) {
            (Some(min), Some(max)) => format!("integer {min}..{max}"),
            (Some(min), None) => format!("integer >= {min}"),
            (None, Some(max)) => format!("integer <= {max}"),
            (None, None) => "integer".to_owned(),
        },
        FlagKind::Choice => format!("one of {}", flag.choices.join("|")),
    }
}

fn restrictions(flag: &FlagSpec) -> String {
    let parts: Vec<String> = flag
        .restrictions
        .iter()
        .map(|restriction| {
            let allowed: Vec<String> = restriction.allowed.iter().map(value).collect();
            format!(
                "{}: only {} ({})",
                modes(&restriction.modes),
                allowed.join(", "),
                restriction.reason.trim_end_matches('.')
            )
        })
        .collect();
    parts.join("; ")
}

fn value(value: &FlagValue) -> String {
    match value {
        FlagValue::Bool(flag) => flag.to_string(),
        FlagValue::Integer(number) => number.to_string(),
        FlagValue::Text(text) => format!("\"{text}\""),
    }
}

fn modes(modes: &[ComplianceMode]) -> String {
    or_none(
        modes
            .iter()
            .map(serde_id)
            .collect::<Vec<String>>()
            .join(", "),
    )
}

/// The id a value has in files (its serde name), e.g. `pci_dss`.
fn serde_id<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(id)) => id,
        _ => "?".to_owned(),
    }
}

fn dollars(cents: u32) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

fn yes_no(flag: bool) -> &'static str {
    if flag {
        "yes"
    } else {
        "no"
    }
}

fn or_none(text: String) -> String {
    if text.is_empty() {
        "-".to_owned()
    } else {
        text
    }
}
