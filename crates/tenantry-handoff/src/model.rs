//! The handoff's content, independent of the output format: sections made of field
//! lists, tables and notes. Every renderer walks the same model, so the Markdown, the
//! HTML and the PDF always say the same thing.

use tenantry_core::tenant::{FrontendStrategy, TenantDocument};

use crate::format::{self, one_line};
use crate::ChangeRecord;

/// The sections every handoff has, in order. Each is present even when it has nothing
/// to list (it then says so), so a reader can tell "none" from "forgotten".
pub const SECTION_TITLES: [&str; 8] = [
    "Configuration summary",
    "Enabled services",
    "AI settings",
    "Integrations",
    "Known overrides",
    "Support and escalation",
    "Go-live checklist",
    "Change history",
];

/// How a value is set: prose, an identifier (monospace), or a web link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Text,
    Code,
    Link,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub style: Style,
}

impl Cell {
    pub fn text(text: impl AsRef<str>) -> Self {
        Self {
            text: one_line(text.as_ref()),
            style: Style::Text,
        }
    }

    pub fn code(text: impl AsRef<str>) -> Self {
        Self {
            text: one_line(text.as_ref()),
            style: Style::Code,
        }
    }

    /// A link when `text` is a plain web address, else text.
    pub fn link(text: impl AsRef<str>) -> Self {
        let text = one_line(text.as_ref());
        let style = if format::is_web_link(&text) {
            Style::Link
        } else {
            Style::Text
        };
        Self { text, style }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// Label → value rows.
    Fields(Vec<(String, Cell)>),
    /// A table with a header; the PDF prints each row as a small field list.
    Table {
        columns: Vec<&'static str>,
        rows: Vec<Vec<Cell>>,
    },
    Subheading(String),
    /// A sentence on its own, e.g. "None: no service is enabled."
    Note(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub title: &'static str,
    pub blocks: Vec<Block>,
}

impl Section {
    /// Every string the section prints, with where it is (for error messages).
    pub fn strings(&self) -> Vec<(String, &str)> {
        let mut out = Vec::new();
        for block in &self.blocks {
            match block {
                Block::Fields(fields) => {
                    for (label, cell) in fields {
                        out.push((label.clone(), label.as_str()));
                        out.push((label.clone(), cell.text.as_str()));
                    }
                }
                Block::Table { columns, rows } => {
                    for (index, row) in rows.iter().enumerate() {
                        for (column, cell) in columns.iter().zip(row) {
                            out.push((format!("row {}, {column}", index + 1), cell.text.as_str()));
                        }
                    }
                }
                Block::Subheading(text) | Block::Note(text) => out.push(("text".to_owned(), text)),
            }
        }
        out
    }
}

struct Fields(Vec<(String, Cell)>);

impl Fields {
    fn new() -> Self {
        Self(Vec::new())
    }
    fn add(&mut self, label: &str, cell: Cell) -> &mut Self {
        self.0.push((label.to_owned(), cell));
        self
    }
    fn text(&mut self, label: &str, text: impl AsRef<str>) -> &mut Self {
        self.add(label, Cell::text(text))
    }
    fn block(self) -> Block {
        Block::Fields(self.0)
    }
}

fn or_none(text: &str, none: &str) -> String {
    if text.trim().is_empty() {
        none.to_owned()
    } else {
        text.to_owned()
    }
}

fn list_or(items: &[String], none: &str) -> String {
    if items.is_empty() {
        none.to_owned()
    } else {
        items.join(", ")
    }
}

pub fn sections(document: &TenantDocument, history: &[ChangeRecord]) -> Vec<Section> {
    vec![
        configuration(document, history),
        services(document),
        ai(document),
        integrations(document),
        overrides(document),
        support(document),
        go_live(document),
        change_history(history),
    ]
}

fn configuration(document: &TenantDocument, history: &[ChangeRecord]) -> Section {
    let profile = &document.tenant;
    let classification = &document.classification;
    let flags = &profile.compliance_flags;
    let mut fields = Fields::new();
    fields
        .text("Client", &profile.display_name)
        .text(
            "Legal name",
            profile
                .metadata
                .legal_name
                .as_deref()
                .unwrap_or("not recorded"),
        )
        .add("Tenant id", Cell::code(profile.id.as_str()))
        .add("Slug", Cell::code(profile.slug.as_str()))
        .text(
            "Industry",
            classification
                .industry
                .map_or("not classified", |industry| industry.label()),
        )
        .text(
            "Regulations",
            list_or(
                &classification
                    .regulations
                    .iter()
                    .map(|regulation| format::regulation(*regulation).to_owned())
                    .collect::<Vec<_>>(),
                "none",
            ),
        )
        .text(
            "Compliance mode",
            format::compliance_mode(classification.compliance_mode),
        );
    let residency = match (&profile.metadata.region, flags.data_residency_enforced) {
        (Some(region), true) => format!("{region} (enforced: data stays in this region)"),
        (Some(region), false) => format!("{region} (not enforced)"),
        (None, true) => "enforced, but no region is set".to_owned(),
        (None, false) => "no region set, not enforced".to_owned(),
    };
    fields
        .text("Data residency", residency)
        .text(
            "Compliance flags",
            format!(
                "PHI allowed: {}; vendors with attestations only: {}; encryption at rest required: {}; audit logs kept {} days",
                format::yes_no(flags.phi_allowed),
                format::yes_no(flags.attested_vendors_only),
                format::yes_no(flags.encryption_at_rest_required),
                format::count(u64::from(flags.audit_log_retention_days)),
            ),
        );
    if let Some(scale) = &classification.scale {
        fields.text(
            "Expected scale",
            format!(
                "{} users; {} requests/s at peak; {} GB of data",
                format::count(u64::from(scale.expected_users)),
                format::count(u64::from(scale.peak_requests_per_second)),
                format::count(u64::from(scale.data_volume_gb)),
            ),
        );
    }
    let frontend = match &document.frontend {
        FrontendStrategy::Undecided => Cell::text("not decided"),
        FrontendStrategy::ExistingProductUis => Cell::text("the existing product UIs"),
        FrontendStrategy::ClientFrontend { app_path } => {
            Cell::text(format!("client frontend app at {app_path}"))
        }
    };
    fields
        .add("Frontend", frontend)
        .text(
            "Custom UX needs",
            or_none(&classification.custom_ux_needs, "none"),
        )
        .text(
            "Classified by",
            match (&classification.documented_by, &classification.documented_at) {
                (Some(by), Some(at)) => format!("{by}, {at}"),
                (Some(by), None) => by.clone(),
                (None, _) => "not documented yet".to_owned(),
            },
        );
    match history.last() {
        Some(head) => fields
            .text(
                "Documented version",
                format!(
                    "the {} document after change set #{} ({})",
                    format::environment(head.environment),
                    head.seq,
                    head.created_at
                ),
            )
            .add("Head change set", Cell::code(&head.hash)),
        None => fields
            .text(
                "Documented version",
                "not signed yet: a draft, not a signed configuration",
            )
            .text("Head change set", "none (not signed yet)"),
    };
    fields.add(
        "Configuration documentation",
        document
            .handoff
            .configuration_doc
            .as_deref()
            .map_or_else(|| Cell::text("not linked"), Cell::link),
    );

    let rollout = &document.rollout;
    let mut plan = Fields::new();
    plan.text(
        "Monitoring plan",
        or_none(&rollout.monitoring_plan, "none written"),
    )
    .text(
        "Launch announcement",
        or_none(&rollout.launch_announcement, "none written"),
    );
    let mut blocks = vec![
        fields.block(),
        Block::Subheading("Rollout".to_owned()),
        plan.block(),
    ];
    if rollout.stages.is_empty() {
        blocks.push(Block::Note(
            "None: no rollout stage is planned yet.".to_owned(),
        ));
    } else {
        blocks.push(Block::Table {
            columns: vec!["Environment", "Status", "Flag gates", "Verification"],
            rows: rollout
                .stages
                .iter()
                .map(|stage| {
                    vec![
                        Cell::text(match stage.environment {
                            tenantry_core::tenant::Environment::Staging => "staging",
                            tenantry_core::tenant::Environment::Production => "production",
                        }),
                        Cell::text(format::stage_status(stage.status)),
                        Cell::code(list_or(&stage.flag_gates, "none")),
                        stage.verification.as_ref().map_or_else(
                            || Cell::text("not verified yet"),
                            |evidence| {
                                Cell::text(format!(
                                    "{} by {}, {}",
                                    evidence.reference, evidence.verified_by, evidence.verified_at
                                ))
                            },
                        ),
                    ]
                })
                .collect(),
        });
    }
    Section {
        title: SECTION_TITLES[0],
        blocks,
    }
}

fn services(document: &TenantDocument) -> Section {
    let enabled: Vec<_> = document
        .services
        .iter()
        .filter(|(_, settings)| settings.enabled)
        .collect();
    let disabled: Vec<String> = document
        .services
        .iter()
        .filter(|(_, settings)| !settings.enabled)
        .map(|(id, _)| id.clone())
        .collect();
    let mut blocks = Vec::new();
    if enabled.is_empty() {
        blocks.push(Block::Note(
            "None: no service is enabled for this tenant.".to_owned(),
        ));
    } else {
        blocks.push(Block::Table {
            columns: vec!["Service", "Feature flags"],
            rows: enabled
                .iter()
                .map(|(id, settings)| {
                    let flags: Vec<String> = settings
                        .flags
                        .iter()
                        .map(|(flag, value)| format!("{flag} = {}", format::flag(value)))
                        .collect();
                    vec![
                        Cell::code(id),
                        Cell::text(list_or(&flags, "catalog defaults")),
                    ]
                })
                .collect(),
        });
    }
    let mut fields = Fields::new();
    fields
        .text("Disabled services", list_or(&disabled, "none"))
        .text(
            "Required by the classification",
            list_or(&document.classification.required_services, "none"),
        )
        .text(
            "List reviewed for handoff",
            format::yes_no(document.handoff.enabled_services_confirmed),
        );
    blocks.push(fields.block());
    Section {
        title: SECTION_TITLES[1],
        blocks,
    }
}

fn ai(document: &TenantDocument) -> Section {
    let ai = &document.ai;
    let mut blocks = Vec::new();
    if ai.allowed_models.is_empty() && ai.monthly_budget_cents == 0 {
        blocks.push(Block::Note(
            "None: this tenant does not use AI (no models allowed, zero budget).".to_owned(),
        ));
    }
    let constraints = &ai.constraints;
    let mut fields = Fields::new();
    fields
        .add(
            "Allowed models",
            Cell::code(list_or(&ai.allowed_models, "none")),
        )
        .add(
            "Default model",
            Cell::code(ai.default_model.as_deref().unwrap_or("none")),
        )
        .add("Tools", Cell::code(list_or(&ai.tools, "none")))
        .text(
            "Monthly budget",
            if ai.monthly_budget_cents == 0 {
                "$0 (no AI use)".to_owned()
            } else {
                format!("{} per month", format::dollars(ai.monthly_budget_cents))
            },
        )
        .text(
            "Rate limits",
            format!(
                "{} requests per minute; {} tokens per day",
                format::count(u64::from(ai.rate_limits.requests_per_minute)),
                format::count(u64::from(ai.rate_limits.tokens_per_day)),
            ),
        )
        .text(
            "Data use",
            format!(
                "no training on client data: {}; PHI redaction: {}; regional processing only: {}",
                format::yes_no(constraints.no_training_on_client_data),
                format::yes_no(constraints.phi_redaction),
                format::yes_no(constraints.regional_processing_only),
            ),
        )
        .text(
            "Human review of outputs",
            format::yes_no(constraints.human_review_of_outputs),
        );
    blocks.push(fields.block());
    blocks.push(Block::Subheading("Pinned prompt versions".to_owned()));
    if ai.prompt_versions.is_empty() {
        blocks.push(Block::Note("None: no prompt version is pinned.".to_owned()));
    } else {
        blocks.push(Block::Table {
            columns: vec!["Prompt", "Version"],
            rows: ai
                .prompt_versions
                .iter()
                .map(|(prompt, version)| vec![Cell::code(prompt), Cell::code(version)])
                .collect(),
        });
    }
    Section {
        title: SECTION_TITLES[2],
        blocks,
    }
}

fn integrations(document: &TenantDocument) -> Section {
    let mut blocks = Vec::new();
    if document.integrations.is_empty() {
        blocks.push(Block::Note(
            "None: this tenant has no vendor integrations.".to_owned(),
        ));
    } else {
        blocks.push(Block::Note(
            "Credentials live in the platform's secrets manager; only their references are listed here."
                .to_owned(),
        ));
        blocks.push(Block::Table {
            columns: vec!["Vendor", "Purpose", "Secret reference", "State"],
            rows: document
                .integrations
                .iter()
                .map(|integration| {
                    vec![
                        Cell::code(&integration.vendor),
                        Cell::text(&integration.purpose),
                        Cell::code(integration.secret_ref.as_str()),
                        Cell::text(if integration.enabled {
                            "enabled"
                        } else {
                            "disabled"
                        }),
                    ]
                })
                .collect(),
        });
    }
    Section {
        title: SECTION_TITLES[3],
        blocks,
    }
}

fn overrides(document: &TenantDocument) -> Section {
    let mut blocks = Vec::new();
    if document.overrides.is_empty() {
        blocks.push(Block::Note(
            "None: this tenant has no client-specific overrides.".to_owned(),
        ));
    }
    for (index, item) in document.overrides.iter().enumerate() {
        blocks.push(Block::Subheading(format!(
            "Override {}: {}",
            index + 1,
            item.service
        )));
        let mut fields = Fields::new();
        fields
            .add("Path", Cell::code(&item.path))
            .text("What it does", &item.description)
            .text("Justification", &item.justification)
            .text("Owner", &item.owner)
            .add("Documentation", Cell::link(&item.documentation));
        blocks.push(fields.block());
    }
    let mut documented = Fields::new();
    documented.text(
        "Every override documented",
        format::yes_no(document.handoff.known_overrides_documented),
    );
    blocks.push(documented.block());
    blocks.push(Block::Subheading("Accepted policy warnings".to_owned()));
    if document.justifications.is_empty() {
        blocks.push(Block::Note(
            "None: no policy warning was accepted with a justification.".to_owned(),
        ));
    } else {
        blocks.push(Block::Table {
            columns: vec!["Rule", "Justification"],
            rows: document
                .justifications
                .iter()
                .map(|(rule, why)| vec![Cell::code(rule), Cell::text(why)])
                .collect(),
        });
    }
    Section {
        title: SECTION_TITLES[4],
        blocks,
    }
}

fn support(document: &TenantDocument) -> Section {
    let handoff = &document.handoff;
    let mut fields = Fields::new();
    fields.text(
        "Support path",
        handoff
            .support_path
            .as_deref()
            .map_or("none recorded".to_owned(), |path| {
                or_none(path, "none recorded")
            }),
    );
    let mut blocks = vec![fields.block(), Block::Subheading("Escalation".to_owned())];
    if handoff.escalation_contacts.is_empty() {
        blocks.push(Block::Note(
            "None: no escalation contact is recorded.".to_owned(),
        ));
    } else {
        let mut contacts: Vec<_> = handoff.escalation_contacts.iter().collect();
        contacts.sort_by_key(|contact| contact.level);
        blocks.push(Block::Table {
            columns: vec!["Level", "Who", "Contact"],
            rows: contacts
                .iter()
                .map(|contact| {
                    vec![
                        Cell::text(contact.level.to_string()),
                        Cell::text(&contact.name),
                        Cell::text(&contact.contact),
                    ]
                })
                .collect(),
        });
    }
    blocks.push(Block::Subheading("Client contacts".to_owned()));
    let contacts = &document.tenant.metadata.contacts;
    if contacts.is_empty() {
        blocks.push(Block::Note(
            "None: no client contact is recorded.".to_owned(),
        ));
    } else {
        blocks.push(Block::Table {
            columns: vec!["Role", "Name", "E-mail"],
            rows: contacts
                .iter()
                .map(|contact| {
                    let role = serde_json::to_value(contact.role)
                        .ok()
                        .and_then(|value| value.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    vec![
                        Cell::text(role),
                        Cell::text(&contact.name),
                        Cell::text(&contact.email),
                    ]
                })
                .collect(),
        });
    }
    Section {
        title: SECTION_TITLES[5],
        blocks,
    }
}

fn go_live(document: &TenantDocument) -> Section {
    let items = &document.go_live.items;
    let mut blocks = Vec::new();
    if items.is_empty() {
        blocks.push(Block::Note(
            "None: no checklist item has evidence recorded yet.".to_owned(),
        ));
    } else {
        blocks.push(Block::Note(format!(
            "{} item(s) with recorded evidence. Which items a tenant needs comes from the policy pack; the progress view (tenantry progress) shows what is still missing.",
            items.len()
        )));
        blocks.push(Block::Table {
            columns: vec![
                "Item",
                "Evidence",
                "Verified by",
                "When",
                "SHA-256 of attached output",
            ],
            rows: items
                .iter()
                .map(|(item, evidence)| {
                    vec![
                        Cell::code(item),
                        Cell::link(&evidence.reference),
                        Cell::text(&evidence.verified_by),
                        Cell::text(evidence.verified_at.to_string()),
                        evidence
                            .sha256
                            .as_deref()
                            .map_or_else(|| Cell::text("none attached"), Cell::code),
                    ]
                })
                .collect(),
        });
    }
    Section {
        title: SECTION_TITLES[6],
        blocks,
    }
}

fn change_history(history: &[ChangeRecord]) -> Section {
    let blocks = if history.is_empty() {
        vec![Block::Note(
            "None: this document has not been signed yet; it is not a record of an agreed configuration."
                .to_owned(),
        )]
    } else {
        vec![Block::Table {
            columns: vec![
                "#",
                "When",
                "Environment",
                "Summary",
                "Author",
                "Approved by",
                "What changed",
                "Change set",
            ],
            rows: history
                .iter()
                .map(|record| {
                    let approvers: Vec<String> =
                        record.approvers.iter().map(format::signer).collect();
                    vec![
                        Cell::text(record.seq.to_string()),
                        Cell::text(record.created_at.to_string()),
                        Cell::text(format::environment(record.environment)),
                        Cell::text(&record.summary),
                        Cell::text(format::signer(&record.author)),
                        Cell::text(if approvers.is_empty() {
                            "no co-signature".to_owned()
                        } else {
                            approvers.join("; ")
                        }),
                        Cell::text(format::changed_paths(&record.changed_paths)),
                        Cell::code(&record.hash),
                    ]
                })
                .collect(),
        }]
    };
    Section {
        title: SECTION_TITLES[7],
        blocks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{healthcare, history};

    fn all_text(sections: &[Section]) -> String {
        sections
            .iter()
            .flat_map(|section| section.strings())
            .map(|(_, text)| text.to_owned())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn sections_describe_the_healthcare_client() {
        let sections = sections(&healthcare(), &history());
        let titles: Vec<_> = sections.iter().map(|section| section.title).collect();
        assert_eq!(titles, SECTION_TITLES);
        let text = all_text(&sections);
        for expected in [
            "Cedar Valley Health Partners, P.C.",
            "HIPAA",
            "us-east (enforced: data stays in this region)",
            "ai_suggestions = on",
            "atlas-large-hc",
            "$1,500.00 per month",
            "secret://tenants/01a10b56-13e8-7592-9beb-ccfda2ed045a/medpay/api-key",
            "The referral check needs the state's NPI registry lookup",
            "support-oncall@platform.example",
            "c1ba089e79c6a48361a5c3d828b581bc932636cd3b609a211d42eafc411a74e8",
            "Helen Park (Compliance) (key 000000000000)",
            "go live › items › logs; ai › tools",
        ] {
            assert!(text.contains(expected), "missing {expected}");
        }
    }

    #[test]
    fn empty_sections_say_none() {
        let mut document = healthcare();
        document.services.clear();
        document.integrations.clear();
        document.overrides.clear();
        document.go_live.items.clear();
        document.handoff.escalation_contacts.clear();
        document.ai = Default::default();
        let sections = sections(&document, &[]);
        for section in &sections {
            let notes: Vec<_> = section
                .blocks
                .iter()
                .filter_map(|block| match block {
                    Block::Note(text) if text.starts_with("None") => Some(text),
                    _ => None,
                })
                .collect();
            if section.title != SECTION_TITLES[0] && section.title != SECTION_TITLES[5] {
                assert!(!notes.is_empty(), "{} has no 'none' line", section.title);
            }
        }
        let text = all_text(&sections);
        assert!(text.contains("None: no escalation contact is recorded."));
        assert!(text.contains("none (not signed yet)"));
    }

    #[test]
    fn links_are_only_plain_web_addresses() {
        assert_eq!(Cell::link("https://x.example/a").style, Style::Link);
        assert_eq!(Cell::link("javascript:alert(1)").style, Style::Text);
        assert_eq!(Cell::code("a\nb").text, "a b");
    }
}
