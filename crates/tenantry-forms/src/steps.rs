//! The fields of each step. Whatever the catalog offers (services, their flags, models,
//! prompts, tools, vendors, regions) is read from it here, so a service or flag added to
//! the catalog appears in the form without a code change; the enums of the document's
//! types (industries, regulations, modes, roles) are listed from those types.

use serde_json::{json, Value};
use tenantry_changeset::pointer;
use tenantry_core::catalog::{FlagKind, FlagSpec};
use tenantry_core::tenant::checklist_title;
use tenantry_core::tenant::{
    ComplianceMode, ContactRole, DataClass, Environment, FlagValue, Regulation, ScaleExpectations,
    ServiceSettings, StageStatus,
};
use tenantry_core::{Industry, Step, Timestamp};

use crate::fields::{option, serde_id, Ctx, FieldDef, GroupDef, VariantShape, I32, U32, U8};
use crate::model::{ChoiceOption, FieldInput};

/// What each step is for, in plain words, after the process document.
pub fn purpose(step: Step) -> &'static str {
    match step {
        Step::Classification => "Before anything is configured, record what kind of client this is: its industry and the regulations it is under, the services it needs, the compliance mode, how big it will be and any special UX needs. Then record who documented it: the other steps open once the classification is complete and documented.",
        Step::Tenant => "Every client gets a tenant of its own, never a shared one. Give it its names, where its data lives and who to contact, and review the compliance switches. They start at the strictest setting; relaxing one is an explicit, audited change.",
        Step::FrontendStrategy => "Decide how the client's users reach the services: through the existing product UIs (the fastest path, for internal or early clients) or through a client frontend of its own at apps/client-<slug> (preferred for real deployments).",
        Step::Services => "Turn on the catalog services the client needs and set their feature flags. Services are reused as they are, never forked; every flag starts at the catalog's safe default.",
        Step::BackendOverrides => "Only when configuration, feature flags and policy rules cannot do it: a client-specific override in the service's client-overrides folder. Each one is minimal, documented, owned and justified.",
        Step::Ai => "Choose the AI models this tenant may use and its default, pin prompt versions, offer tools, and set the budget, rate limits and compliance constraints. All of it is tenant-scoped and reversible, and none of it bypasses policy.",
        Step::Integrations => "Connect approved vendors only. The credential never goes here: enter a reference into the secrets manager, scoped to this tenant.",
        Step::FrontendCustomization => "Presentation only, in the client frontend: branding, navigation and the tone of the copy. Nothing here changes how a service behaves.",
        Step::DataMigration => "Decide whether data is brought in. Each dataset is classified (PHI, PII, …), validated against a schema, reversible, and tried on non-production data first.",
        Step::Verification => "Before go-live, record evidence for each checklist item: where someone else can see the proof, who checked it and when. Regulated clients and integrations add items.",
        Step::Rollout => "Plan staging first, then production, each gated by feature flags; say how the first days of use are monitored and how the launch is announced.",
        Step::Handoff => "Leave the teams that take over what they need: the configuration documentation, the confirmed service list, the known overrides, and the support and escalation paths.",
    }
}

/// The groups of fields of `step` for the document in `ctx`.
pub(crate) fn groups(ctx: &Ctx<'_>, step: Step) -> Vec<GroupDef> {
    match step {
        Step::Classification => classification(ctx),
        Step::Tenant => tenant(ctx),
        Step::FrontendStrategy => frontend(ctx),
        Step::Services => services(ctx),
        Step::BackendOverrides => overrides(ctx),
        Step::Ai => ai(ctx),
        Step::Integrations => integrations(ctx),
        Step::FrontendCustomization => customization(ctx),
        Step::DataMigration => data_migration(ctx),
        Step::Verification => verification(ctx),
        Step::Rollout => rollout(ctx),
        Step::Handoff => handoff(ctx),
    }
}

const REGULATIONS: [(Regulation, &str, &str); 7] = [
    (
        Regulation::Hipaa,
        "HIPAA",
        "US health data (protected health information).",
    ),
    (
        Regulation::Gdpr,
        "GDPR",
        "Personal data of people in the EU.",
    ),
    (Regulation::PciDss, "PCI DSS", "Payment card data."),
    (
        Regulation::Soc2,
        "SOC 2",
        "Security controls audited for service organisations.",
    ),
    (
        Regulation::Ccpa,
        "CCPA",
        "Personal data of California residents.",
    ),
    (
        Regulation::Glba,
        "GLBA",
        "US financial institutions' customer data.",
    ),
    (Regulation::Ferpa, "FERPA", "US student education records."),
];

const MODES: [(ComplianceMode, &str, &str); 4] = [
    (
        ComplianceMode::Standard,
        "Standard",
        "For a client under no regulation.",
    ),
    (
        ComplianceMode::Gdpr,
        "GDPR",
        "EU data protection: residency, DPAs, no profiling without consent.",
    ),
    (
        ComplianceMode::PciDss,
        "PCI DSS",
        "Card data: attested vendors, encryption, restricted uploads.",
    ),
    (
        ComplianceMode::Hipaa,
        "HIPAA",
        "Health data: PHI-capable services, BAAs, eligible models only.",
    ),
];

fn mode_label(mode: ComplianceMode) -> &'static str {
    MODES
        .iter()
        .find(|(candidate, _, _)| *candidate == mode)
        .map_or("", |(_, label, _)| label)
}

fn enum_options<T: serde::Serialize + Copy>(list: &[(T, &str, &str)]) -> Vec<ChoiceOption> {
    list.iter()
        .map(|(value, label, description)| option(&serde_id(value), label, *description))
        .collect()
}

fn service_options(ctx: &Ctx<'_>) -> Vec<ChoiceOption> {
    ctx.catalog
        .services
        .iter()
        .map(|(id, service)| option(id, &service.name, service.description.clone()))
        .collect()
}

fn classification(ctx: &Ctx<'_>) -> Vec<GroupDef> {
    let industries = Industry::ALL
        .into_iter()
        .map(|industry| option(industry.id(), industry.label(), ""))
        .collect();
    let scale = |field: &str, label: &str, help: &str| {
        ctx.number(
            &format!("/classification/scale/{field}"),
            label,
            help,
            U32,
            (None, None),
        )
        .within(
            "/classification/scale",
            serde_json::to_value(ScaleExpectations::default()).unwrap_or(Value::Null),
        )
    };
    vec![
        GroupDef::new(
            "regulation",
            "Industry and regulation",
            "The regulations decide which rules and go-live checks apply.",
            vec![
                ctx.choice("/classification/industry", "Industry", "The client's main line of business.", industries)
                    .nullable(),
                ctx.multi(
                    "/classification/regulations",
                    "Regulations",
                    "Every regulation the client's data is subject to.",
                    enum_options(&REGULATIONS),
                ),
                ctx.choice(
                    "/classification/compliance_mode",
                    "Compliance mode",
                    "How strictly the platform treats this tenant's data. It must be at least as strict as the regulations demand.",
                    enum_options(&MODES),
                ),
            ],
        ),
        GroupDef::new(
            "needs",
            "What the client needs",
            "",
            vec![
                ctx.multi(
                    "/classification/required_services",
                    "Required services",
                    "The catalog services the client needs. They are enabled in step 4.",
                    service_options(ctx),
                ),
                ctx.long_text(
                    "/classification/custom_ux_needs",
                    "Custom UX requirements",
                    "In the client's words. Leave empty when there are none.",
                ),
            ],
        ),
        GroupDef::new(
            "scale",
            "Scale expectations",
            "Rough figures for the first year are enough.",
            vec![
                scale("expected_users", "Expected users", "People who will use the services."),
                scale("peak_requests_per_second", "Peak requests per second", "At the busiest time of day."),
                scale("data_volume_gb", "Data volume (GB)", "Data the tenant will hold."),
            ],
        ),
        GroupDef::new(
            "documented",
            "Documentation",
            "The classification counts as documented once both are recorded.",
            vec![
                ctx.text(
                    "/classification/documented_by",
                    "Documented by",
                    "Who documented this classification.",
                )
                .nullable(),
                ctx.timestamp(
                    "/classification/documented_at",
                    "Documented at",
                    "When, as an RFC 3339 date and time in UTC, e.g. 2026-03-01T09:30:00Z.",
                ),
            ],
        ),
    ]
}

const ROLES: [(ContactRole, &str, &str); 5] = [
    (ContactRole::Business, "Business", ""),
    (ContactRole::Technical, "Technical", ""),
    (ContactRole::Security, "Security", ""),
    (ContactRole::Privacy, "Privacy", ""),
    (ContactRole::Billing, "Billing", ""),
];

fn tenant(ctx: &Ctx<'_>) -> Vec<GroupDef> {
    let regions = ctx
        .catalog
        .regions
        .iter()
        .map(|(id, region)| {
            option(
                id,
                &region.name,
                format!("{id}, {} jurisdiction", region.jurisdiction.to_uppercase()),
            )
        })
        .collect();
    let contacts = ctx.records(
        "/tenant/metadata/contacts",
        "Contacts at the client",
        "A business and a technical contact at least; a security contact for HIPAA or PCI DSS, a privacy contact for GDPR.",
        "contact",
        json!({"role": "business", "name": "", "email": ""}),
        |ctx, path, index| {
            let name = ctx
                .at(&format!("{path}/name"))
                .and_then(Value::as_str)
                .filter(|name| !name.trim().is_empty())
                .map_or_else(|| format!("Contact {}", index + 1), str::to_owned);
            (
                name,
                vec![
                    ctx.choice(&format!("{path}/role"), "Role", "", enum_options(&ROLES)),
                    ctx.text(&format!("{path}/name"), "Name", ""),
                    ctx.text(&format!("{path}/email"), "Email", "A monitored address."),
                ],
            )
        },
    );
    let flag = |field: &str, label: &str, help: &str| {
        ctx.toggle(&format!("/tenant/compliance_flags/{field}"), label, help)
    };
    vec![
        GroupDef::new(
            "names",
            "Names and residency",
            "The slug and the tenant id are fixed when the draft is created.",
            vec![
                ctx.text("/tenant/display_name", "Display name", "The name the client's users see."),
                ctx.text(
                    "/tenant/metadata/legal_name",
                    "Legal name",
                    "As registered. Leave it empty while it is not known.",
                )
                .nullable(),
                ctx.choice(
                    "/tenant/metadata/region",
                    "Region",
                    "Where the tenant's data lives (data residency).",
                    regions,
                )
                .nullable(),
            ],
        ),
        GroupDef::new("contacts", "Contacts", "", vec![contacts]),
        GroupDef::new(
            "compliance",
            "Compliance flags",
            "Each starts at the strictest setting the classification implies.",
            vec![
                flag("phi_allowed", "PHI allowed", "The tenant's data may include protected health information."),
                flag("data_residency_enforced", "Data residency enforced", "Data must stay in the tenant's region."),
                flag(
                    "attested_vendors_only",
                    "Attested vendors only",
                    "Only vendors holding the attestations the regulations require may be integrated.",
                ),
                flag("encryption_at_rest_required", "Encryption at rest required", ""),
                ctx.number(
                    "/tenant/compliance_flags/audit_log_retention_days",
                    "Audit log retention (days)",
                    "How long audit logs are kept.",
                    U32,
                    (None, None),
                ),
            ],
        ),
    ]
}

fn frontend(ctx: &Ctx<'_>) -> Vec<GroupDef> {
    let app_path = format!("apps/client-{}", ctx.doc.tenant.slug);
    let mut strategy = ctx.choice(
        "/frontend/strategy",
        "Frontend strategy",
        "",
        vec![
            option("undecided", "Not decided yet", ""),
            option(
                "existing_product_uis",
                "Existing product UIs",
                "Fastest path, minimal customization; for internal or early-stage clients.",
            ),
            option(
                "client_frontend",
                "A client frontend",
                format!("Branded or composite experiences, in {app_path}. Preferred for real deployments."),
            ),
        ],
    );
    strategy.storage.variant_of = Some(VariantShape {
        object: "/frontend".to_owned(),
        shapes: vec![
            ("undecided".to_owned(), json!({"strategy": "undecided"})),
            (
                "existing_product_uis".to_owned(),
                json!({"strategy": "existing_product_uis"}),
            ),
            (
                "client_frontend".to_owned(),
                json!({"strategy": "client_frontend", "app_path": app_path}),
            ),
        ],
    });
    let mut fields = vec![strategy];
    if ctx.at("/frontend/app_path").is_some() {
        fields.push(ctx.text(
            "/frontend/app_path",
            "App path",
            "Where the client frontend lives in the repository: apps/client-<slug>.",
        ));
    }
    vec![GroupDef::new("strategy", "Strategy", "", fields)]
}

fn flag_field(ctx: &Ctx<'_>, service: &str, id: &str, spec: &FlagSpec) -> FieldDef {
    let path = format!(
        "{}/flags/{}",
        pointer::join("/services", service),
        pointer::escape(id)
    );
    let mut help = spec.description.clone();
    for restriction in &spec.restrictions {
        let modes: Vec<&str> = restriction
            .modes
            .iter()
            .map(|mode| mode_label(*mode))
            .collect();
        help.push_str(&format!(
            " Restricted under {}: {}",
            modes.join(", "),
            restriction.reason
        ));
    }
    let label = id.replace('_', " ");
    let label = capitalised(&label);
    // The flag shows the catalog's safe default until the tenant sets it.
    let container = (
        pointer::join("/services", service),
        serde_json::to_value(ServiceSettings::default()).unwrap_or(Value::Null),
    );
    let field = match spec.kind {
        FlagKind::Boolean => ctx.toggle(&path, &label, &help),
        FlagKind::Integer => ctx.number(
            &path,
            &label,
            &help,
            I32,
            (spec.min.map(f64::from), spec.max.map(f64::from)),
        ),
        FlagKind::Text => ctx.text(&path, &label, &help),
        FlagKind::Choice => ctx.choice(
            &path,
            &label,
            &help,
            spec.choices
                .iter()
                .map(|choice| option(choice, choice, ""))
                .collect(),
        ),
    };
    let mut field = field.within(&container.0, container.1);
    if ctx.at(&path).is_none() {
        set_input_value(&mut field, &spec.default);
    }
    field
}

/// Shows a flag's catalog default in a field whose document value is not set.
fn set_input_value(field: &mut FieldDef, default: &FlagValue) {
    use crate::model::FieldInput;
    match (&mut field.field.input, default) {
        (FieldInput::Toggle { value }, FlagValue::Bool(default)) => *value = *default,
        (FieldInput::Number { value, .. }, FlagValue::Integer(default)) => {
            *value = Some(f64::from(*default));
        }
        (FieldInput::Text { value, .. }, FlagValue::Text(default)) => value.clone_from(default),
        (FieldInput::Choice { value, .. }, FlagValue::Text(default)) => {
            *value = Some(default.clone());
        }
        _ => {}
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn services(ctx: &Ctx<'_>) -> Vec<GroupDef> {
    ctx.catalog
        .services
        .iter()
        .map(|(id, service)| {
            let base = pointer::join("/services", id);
            let enabled = ctx
                .toggle(
                    &format!("{base}/enabled"),
                    &format!("Enable {}", service.name),
                    if service.phi_capable {
                        "Certified to hold protected health information."
                    } else {
                        "Not certified for protected health information."
                    },
                )
                .within(
                    &base,
                    serde_json::to_value(ServiceSettings::default()).unwrap_or(Value::Null),
                );
            let is_enabled = ctx
                .doc
                .services
                .get(id)
                .is_some_and(|settings| settings.enabled);
            let mut fields = vec![enabled];
            // A disabled service's flags do nothing; they appear once it is enabled.
            if is_enabled {
                fields.extend(
                    service
                        .flags
                        .iter()
                        .map(|(flag, spec)| flag_field(ctx, id, flag, spec)),
                );
            }
            GroupDef::new(
                &format!("service-{id}"),
                &service.name,
                &service.description,
                fields,
            )
        })
        .collect()
}

fn overrides(ctx: &Ctx<'_>) -> Vec<GroupDef> {
    let list = ctx.records(
        "/overrides",
        "Client-specific overrides",
        "Prefer configuration, feature flags and policy rules; an override is the last resort.",
        "override",
        json!({"service": "", "path": "", "description": "", "justification": "", "owner": "", "documentation": ""}),
        |ctx, path, index| {
            (
                format!("Override {}", index + 1),
                vec![
                    ctx.choice(&format!("{path}/service"), "Service", "", service_options(ctx)),
                    ctx.text(
                        &format!("{path}/path"),
                        "Path",
                        "/services/<service>/domain/client-overrides/<…>",
                    ),
                    ctx.long_text(&format!("{path}/description"), "What it does", ""),
                    ctx.long_text(
                        &format!("{path}/justification"),
                        "Justification",
                        "Why configuration, a feature flag or a policy rule could not do this.",
                    ),
                    ctx.text(&format!("{path}/owner"), "Owner", "The team that maintains it."),
                    ctx.text(&format!("{path}/documentation"), "Documentation", "A link."),
                ],
            )
        },
    );
    vec![GroupDef::new("overrides", "Overrides", "", vec![list])]
}

fn ai(ctx: &Ctx<'_>) -> Vec<GroupDef> {
    let region_name = |id: &String| {
        ctx.catalog
            .regions
            .get(id)
            .map_or_else(|| id.clone(), |region| region.name.clone())
    };
    let models: Vec<ChoiceOption> = ctx
        .catalog
        .ai_models
        .iter()
        .map(|(id, model)| {
            let modes: Vec<&str> = model
                .eligible_modes
                .iter()
                .map(|m| mode_label(*m))
                .collect();
            let regions: Vec<String> = model.regions.iter().map(region_name).collect();
            let mut facts = format!(
                "{} · approved for {} · hosted in {} · {:.2} USD per million tokens",
                model.provider,
                modes.join(", "),
                regions.join(", "),
                f64::from(model.cost_per_million_tokens_cents) / 100.0
            );
            if model.trains_on_customer_data {
                facts.push_str(" · may train on customer data");
            }
            option(id, &model.name, facts)
        })
        .collect();
    let default_options: Vec<ChoiceOption> = models
        .iter()
        .filter(|model| ctx.doc.ai.allowed_models.contains(&model.value))
        .cloned()
        .collect();
    let tools = ctx
        .catalog
        .tools
        .iter()
        .map(|(id, tool)| {
            let mut facts = tool.description.clone();
            facts.push_str(if tool.phi_safe {
                " PHI-safe."
            } else {
                " Not PHI-safe."
            });
            if tool.side_effects {
                facts.push_str(" Changes data outside the conversation.");
            }
            option(id, id, facts)
        })
        .collect();
    let prompts = ctx
        .catalog
        .prompts
        .iter()
        .map(|(id, prompt)| {
            let service = ctx
                .catalog
                .services
                .get(&prompt.service)
                .map_or(prompt.service.as_str(), |service| service.name.as_str());
            let versions = prompt
                .versions
                .iter()
                .map(|version| {
                    let withdrawn = prompt.withdrawn.contains(version);
                    option(version, version, if withdrawn { "Withdrawn" } else { "" })
                })
                .collect();
            ctx.choice(
                &pointer::join("/ai/prompt_versions", id),
                id,
                &format!(
                    "{} ({service}). Pin an exact version; leave unpinned when unused.",
                    prompt.description
                ),
                versions,
            )
            .removable()
        })
        .collect();
    let limit = |field: &str, label: &str, help: &str| {
        ctx.number(
            &format!("/ai/rate_limits/{field}"),
            label,
            help,
            U32,
            (None, None),
        )
    };
    let constraint = |field: &str, label: &str, help: &str| {
        ctx.toggle(&format!("/ai/constraints/{field}"), label, help)
    };
    vec![
        GroupDef::new(
            "models",
            "Models",
            "Only models eligible for the tenant's compliance mode and region may be allowed.",
            vec![
                ctx.multi("/ai/allowed_models", "Allowed models", "", models),
                ctx.choice(
                    "/ai/default_model",
                    "Default model",
                    "One of the allowed models.",
                    default_options,
                )
                .nullable(),
            ],
        ),
        GroupDef::new(
            "prompts",
            "Prompt versions",
            "Exact published versions, never 'latest'.",
            prompts,
        ),
        GroupDef::new(
            "tools",
            "Tools",
            "",
            vec![ctx.multi("/ai/tools", "Tools the models may call", "", tools)],
        ),
        GroupDef::new(
            "limits",
            "Cost and rate limits",
            "Zero means no AI use.",
            vec![
                ctx.number(
                    "/ai/monthly_budget_cents",
                    "Monthly budget (US cents)",
                    "The spend cap per month; 10000 is 100 USD.",
                    U32,
                    (None, None),
                ),
                limit("requests_per_minute", "Requests per minute", ""),
                limit("tokens_per_day", "Tokens per day", ""),
            ],
        ),
        GroupDef::new(
            "constraints",
            "Compliance constraints",
            "On is the strict setting for each.",
            vec![
                constraint(
                    "no_training_on_client_data",
                    "No training on client data",
                    "",
                ),
                constraint(
                    "phi_redaction",
                    "PHI redaction",
                    "Remove health information before it reaches a model.",
                ),
                constraint(
                    "human_review_of_outputs",
                    "Human review of outputs",
                    "A person approves what a model proposes.",
                ),
                constraint(
                    "regional_processing_only",
                    "Regional processing only",
                    "Prompts and completions stay in the tenant's region.",
                ),
            ],
        ),
    ]
}

fn integrations(ctx: &Ctx<'_>) -> Vec<GroupDef> {
    let vendors: Vec<ChoiceOption> = ctx
        .catalog
        .vendors
        .iter()
        .map(|(id, vendor)| {
            let attestations: Vec<String> = vendor.attestations.iter().map(serde_id).collect();
            option(
                id,
                &vendor.name,
                format!(
                    "{} · attestations: {} · regions: {}",
                    serde_id(&vendor.approval),
                    if attestations.is_empty() {
                        "none".to_owned()
                    } else {
                        attestations.join(", ")
                    },
                    vendor.regions.join(", ")
                ),
            )
        })
        .collect();
    let secret = format!("secret://tenants/{}/new-integration", ctx.doc.tenant.id);
    let list = ctx.records(
        "/integrations",
        "Integrations",
        "",
        "integration",
        json!({"vendor": "", "purpose": "", "secret_ref": secret, "enabled": false}),
        |ctx, path, index| {
            (
                format!("Integration {}", index + 1),
                vec![
                    ctx.choice(&format!("{path}/vendor"), "Vendor", "", vendors.clone()),
                    ctx.text(&format!("{path}/purpose"), "Purpose", "What the integration is for."),
                    ctx.text(
                        &format!("{path}/secret_ref"),
                        "Credential reference",
                        "secret://tenants/<tenant id>/<name> in the secrets manager. Never the credential itself.",
                    ),
                    ctx.toggle(&format!("{path}/enabled"), "Enabled", ""),
                ],
            )
        },
    );
    vec![GroupDef::new("integrations", "Vendors", "", vec![list])]
}

/// The logo: chosen from a file (checked and kept in the mirror by the app) or given as
/// an https:// address; stored as text either way.
fn logo(ctx: &Ctx<'_>) -> FieldDef {
    const PATH: &str = "/customization/branding/logo_ref";
    let mut def = ctx
        .text(
            PATH,
            "Logo",
            "Choose an image file, or enter an https:// address of the logo.",
        )
        .nullable();
    def.field.input = FieldInput::Image {
        value: ctx.at(PATH).and_then(Value::as_str).map(str::to_owned),
        accepts: tenantry_core::asset::LOGO_LIMITS.to_owned(),
    };
    def
}

fn customization(ctx: &Ctx<'_>) -> Vec<GroupDef> {
    let navigation = ctx.records(
        "/customization/navigation",
        "Menu entries",
        "The client app's menu, in order.",
        "menu entry",
        json!({"label": "", "route": ""}),
        |ctx, path, index| {
            (
                format!("Entry {}", index + 1),
                vec![
                    ctx.text(&format!("{path}/label"), "Label", ""),
                    ctx.text(
                        &format!("{path}/route"),
                        "Route",
                        "A route inside the client app, e.g. /inbox.",
                    ),
                ],
            )
        },
    );
    let mut groups = vec![
        GroupDef::new(
            "branding",
            "Branding",
            "",
            vec![
                ctx.text(
                    "/customization/branding/primary_color",
                    "Primary colour",
                    "#rrggbb",
                )
                .nullable(),
                ctx.text(
                    "/customization/branding/secondary_color",
                    "Secondary colour",
                    "#rrggbb",
                )
                .nullable(),
                logo(ctx),
            ],
        ),
        GroupDef::new("navigation", "Navigation", "", vec![navigation]),
        GroupDef::new(
            "copy",
            "Copy and tone",
            "",
            vec![ctx.long_text("/customization/copy_tone", "Copy and tone guidance", "")],
        ),
    ];
    // No service enabled yet: no feature to show or hide.
    let features = feature_visibility(ctx);
    if !features.is_empty() {
        groups.insert(
            2,
            GroupDef::new(
                "features",
                "Feature visibility",
                "The client app shows every feature of the enabled services unless it is hidden here. Hiding is presentation: the service keeps working.",
                features,
            ),
        );
    }
    groups
}

/// A toggle per catalog UI feature of each enabled service, and of each service whose
/// features the document already names (so a feature shown for a disabled service, which
/// CUS-002 refuses, can be hidden where the finding points).
fn feature_visibility(ctx: &Ctx<'_>) -> Vec<FieldDef> {
    let shown = &ctx.doc.customization.feature_visibility;
    ctx.catalog
        .services
        .iter()
        .filter(|(id, service)| {
            ctx.doc.services.get(*id).is_some_and(|s| s.enabled)
                || service.ui_features.iter().any(|f| shown.contains_key(f))
        })
        .flat_map(|(_, service)| {
            service.ui_features.iter().map(move |feature| {
                let path = pointer::join("/customization/feature_visibility", feature);
                let mut field = ctx.toggle(
                    &path,
                    feature,
                    &format!("Show this {} feature in the client app.", service.name),
                );
                // Not named in the document: the client app shows it, so the toggle does.
                if !shown.contains_key(feature) {
                    if let FieldInput::Toggle { value } = &mut field.field.input {
                        *value = true;
                    }
                }
                field
            })
        })
        .collect()
}

const DATA_CLASSES: [(DataClass, &str, &str); 4] = [
    (DataClass::Phi, "PHI", "Protected health information."),
    (
        DataClass::Pii,
        "PII",
        "Personally identifiable information.",
    ),
    (DataClass::Confidential, "Confidential", ""),
    (DataClass::Public, "Public", ""),
];

fn data_migration(ctx: &Ctx<'_>) -> Vec<GroupDef> {
    let datasets = ctx.records(
        "/data_migration/datasets",
        "Datasets",
        "Each dataset needs a dry run on non-production data and an isolation check, with evidence.",
        "dataset",
        json!({"name": "", "source": "", "target_service": "", "schema_ref": "", "classification": [], "rollback_plan": "", "dry_run": null, "isolation_check": null}),
        |ctx, path, index| {
            (
                format!("Dataset {}", index + 1),
                vec![
                    ctx.text(&format!("{path}/name"), "Name", ""),
                    ctx.text(&format!("{path}/source"), "Source", "The system, export or bucket it comes from."),
                    ctx.choice(&format!("{path}/target_service"), "Target service", "", service_options(ctx)),
                    ctx.text(&format!("{path}/schema_ref"), "Schema", "The schema the data is validated against."),
                    ctx.multi(&format!("{path}/classification"), "Classification", "", enum_options(&DATA_CLASSES)),
                    ctx.long_text(&format!("{path}/rollback_plan"), "Rollback plan", "How to undo the migration."),
                    evidence_field(ctx, &format!("{path}/dry_run"), "reference", "Dry run: evidence", "Where the run against non-production data can be seen (CI run, ticket)."),
                    evidence_field(ctx, &format!("{path}/dry_run"), "verified_by", "Dry run: verified by", ""),
                    evidence_time(ctx, &format!("{path}/dry_run"), "Dry run: verified at"),
                    evidence_field(ctx, &format!("{path}/isolation_check"), "reference", "Isolation check: evidence", "Proof that no other tenant's data is reachable after the migration."),
                    evidence_field(ctx, &format!("{path}/isolation_check"), "verified_by", "Isolation check: verified by", ""),
                    evidence_time(ctx, &format!("{path}/isolation_check"), "Isolation check: verified at"),
                ],
            )
        },
    );
    vec![GroupDef::new(
        "migration",
        "Migration",
        "",
        vec![
            ctx.toggle(
                "/data_migration/decided",
                "Decision made",
                "On once someone has decided: with datasets below, or none on purpose.",
            ),
            datasets,
        ],
    )]
}

/// A dataset's evidence starts as `null`; the first field typed into creates it, stamped now.
fn empty_evidence() -> Value {
    json!({"reference": "", "verified_by": "", "verified_at": Timestamp::now().to_string(), "sha256": null})
}

fn evidence_field(ctx: &Ctx<'_>, evidence: &str, field: &str, label: &str, help: &str) -> FieldDef {
    ctx.text(&format!("{evidence}/{field}"), label, help)
        .within(evidence, empty_evidence())
}

fn evidence_time(ctx: &Ctx<'_>, evidence: &str, label: &str) -> FieldDef {
    ctx.timestamp(&format!("{evidence}/verified_at"), label, "RFC 3339, UTC.")
        .within(evidence, empty_evidence())
}

fn verification(ctx: &Ctx<'_>) -> Vec<GroupDef> {
    // Recording evidence starts now; the time stays editable.
    let now = Timestamp::now().to_string();
    ctx.checklist
        .iter()
        .map(|item| {
            let base = pointer::join("/go_live/items", item);
            let empty =
                json!({"reference": "", "verified_by": "", "verified_at": now, "sha256": null});
            let title = checklist_title(item);
            GroupDef::new(
                &format!("item-{item}"),
                &title,
                "",
                vec![
                    ctx.text(
                        &format!("{base}/reference"),
                        &format!("{title}: evidence"),
                        "Where someone else can see the proof (dashboard, test run, ticket).",
                    )
                    .within(&base, empty.clone()),
                    ctx.text(
                        &format!("{base}/verified_by"),
                        &format!("{title}: verified by"),
                        "",
                    )
                    .within(&base, empty.clone()),
                    ctx.timestamp(
                        &format!("{base}/verified_at"),
                        &format!("{title}: verified at"),
                        "RFC 3339, UTC.",
                    )
                    .within(&base, empty.clone()),
                    attached_output(ctx, &base, &title).within(&base, empty),
                ],
            )
        })
        .collect()
}

/// The SHA-256 of the output that proves a checklist item (attached with the file dialog).
fn attached_output(ctx: &Ctx<'_>, base: &str, title: &str) -> FieldDef {
    let path = format!("{base}/sha256");
    let mut def = ctx.timestamp(
        &path,
        &format!("{title}: attached output"),
        "Attach the test output or log that proves it: its SHA-256 is signed with the change set, so anyone can check the file later.",
    );
    def.field.input = FieldInput::Attachment {
        value: ctx.at(&path).and_then(Value::as_str).map(str::to_owned),
    };
    def
}

const ENVIRONMENTS: [(Environment, &str, &str); 2] = [
    (Environment::Staging, "Staging", ""),
    (Environment::Production, "Production", ""),
];
const STAGE_STATUSES: [(StageStatus, &str, &str); 3] = [
    (StageStatus::Planned, "Planned", ""),
    (StageStatus::InProgress, "In progress", ""),
    (
        StageStatus::Verified,
        "Verified",
        "Needs verification evidence.",
    ),
];

fn rollout(ctx: &Ctx<'_>) -> Vec<GroupDef> {
    let gates: Vec<ChoiceOption> = ctx
        .catalog
        .services
        .iter()
        .filter(|(id, _)| ctx.doc.services.get(*id).is_some_and(|s| s.enabled))
        .flat_map(|(id, service)| {
            service.flags.iter().map(move |(flag, spec)| {
                option(
                    &format!("{id}.{flag}"),
                    &format!("{}: {flag}", service.name),
                    spec.description.clone(),
                )
            })
        })
        .collect();
    let stages = ctx.records(
        "/rollout/stages",
        "Rollout stages",
        "Staging first, then production.",
        "stage",
        json!({"environment": "staging", "flag_gates": [], "status": "planned", "verification": null}),
        |ctx, path, index| {
            (
                format!("Stage {}", index + 1),
                vec![
                    ctx.choice(&format!("{path}/environment"), "Environment", "", enum_options(&ENVIRONMENTS)),
                    ctx.multi(&format!("{path}/flag_gates"), "Gated by flags", "", gates.clone()),
                    ctx.choice(&format!("{path}/status"), "Status", "", enum_options(&STAGE_STATUSES)),
                    evidence_field(ctx, &format!("{path}/verification"), "reference", "Verification: evidence", "Where the sign-off of this stage can be seen."),
                    evidence_field(ctx, &format!("{path}/verification"), "verified_by", "Verification: verified by", ""),
                    evidence_time(ctx, &format!("{path}/verification"), "Verification: verified at"),
                ],
            )
        },
    );
    vec![
        GroupDef::new("stages", "Stages", "", vec![stages]),
        GroupDef::new(
            "launch",
            "Launch",
            "",
            vec![
                ctx.long_text(
                    "/rollout/monitoring_plan",
                    "Monitoring plan",
                    "How the first days of use are watched.",
                ),
                ctx.long_text(
                    "/rollout/launch_announcement",
                    "Launch announcement",
                    "Who is told, when and how.",
                ),
            ],
        ),
    ]
}

fn handoff(ctx: &Ctx<'_>) -> Vec<GroupDef> {
    let contacts = ctx.records(
        "/handoff/escalation_contacts",
        "Escalation contacts",
        "Level 1 is called first.",
        "escalation contact",
        json!({"level": 1, "name": "", "contact": ""}),
        |ctx, path, index| {
            (
                format!("Escalation contact {}", index + 1),
                vec![
                    ctx.number(&format!("{path}/level"), "Level", "", U8, (Some(1.0), None)),
                    ctx.text(&format!("{path}/name"), "Name", ""),
                    ctx.text(&format!("{path}/contact"), "How to reach them", ""),
                ],
            )
        },
    );
    vec![
        GroupDef::new(
            "documentation",
            "Documentation",
            "",
            vec![
                ctx.text(
                    "/handoff/configuration_doc",
                    "Configuration documentation",
                    "A link.",
                )
                .nullable(),
                ctx.toggle(
                    "/handoff/enabled_services_confirmed",
                    "Enabled services confirmed",
                    "The enabled services list was reviewed against step 4.",
                ),
                ctx.toggle(
                    "/handoff/known_overrides_documented",
                    "Known overrides documented",
                    "Every override of step 5 is in the documentation.",
                ),
            ],
        ),
        GroupDef::new(
            "support",
            "Support",
            "",
            vec![
                ctx.text(
                    "/handoff/support_path",
                    "Support path",
                    "Where the client's users get support.",
                )
                .nullable(),
                contacts,
            ],
        ),
    ]
}
