//! `tenantry catalog show`: what the platform offers, as the checks see it.

use std::fmt::Write as _;
use std::path::Path;

use tenantry_core::catalog::{Catalog, FlagKind, FlagSpec, ServiceEntry};
use tenantry_core::tenant::{ComplianceMode, FlagValue};

use crate::args::ReportFormat;
use crate::output::{self, format_table};
use crate::sources;

pub fn show(path: Option<&Path>, format: ReportFormat) -> Result<(), String> {
    let catalog = sources::catalog(path)?;
    match format {
        ReportFormat::Json => output::json(&catalog),
        ReportFormat::Text => output::text(&describe(&catalog, path)),
    }
}

fn describe(catalog: &Catalog, path: Option<&Path>) -> String {
    let origin = path.map_or_else(
        || "bundled with this version of Tenantry".to_owned(),
        |path| format!("from {}", path.display()),
    );
    let mut text = format!("Catalog {} ({origin})\n", catalog.version);

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
