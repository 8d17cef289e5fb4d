# Step 6: Configure AI behavior per client.
package tenantry.policy

ai_in_use if count(input.document.ai.allowed_models) > 0

rules["AI-001"] := {
	"severity": "error",
	"step": "ai",
	"title": "AI models exist in the catalog",
	"remediation": "Allow only catalog models (`tenantry catalog show`).",
	"source": "Model selection",
	"applies_when": "always",
}

findings contains {
	"rule": "AI-001",
	"path": sprintf("/ai/allowed_models/%d", [i]),
	"message": sprintf("AI model '%s' is not in the catalog", [model]),
} if {
	some i, model in input.document.ai.allowed_models
	not input.catalog.ai_models[model]
}

rules["AI-002"] := {
	"severity": "error",
	"step": "ai",
	"title": "AI models are eligible for the compliance mode",
	"remediation": "Remove the model, or pick one whose eligible_modes include the tenant's compliance mode (for HIPAA: a model covered by a BAA, such as atlas-large-hc).",
	"source": "AI config must not bypass policy",
	"applies_when": "always (the eligible modes decide: hipaa, pci_dss, gdpr, standard)",
}

findings contains {
	"rule": "AI-002",
	"path": sprintf("/ai/allowed_models/%d", [i]),
	"message": sprintf("AI model '%s' (%s) is not eligible for %s mode", [model, input.catalog.ai_models[model].name, needed]),
} if {
	some i, model in input.document.ai.allowed_models
	some needed in modes_in_force
	not needed in input.catalog.ai_models[model].eligible_modes
}

rules["AI-003"] := {
	"severity": "error",
	"step": "ai",
	"title": "The default model is one of the allowed models",
	"remediation": "Set default_model to one of allowed_models, or add it there first.",
	"source": "Model selection",
	"applies_when": "a default model is set",
}

findings contains {
	"rule": "AI-003",
	"path": "/ai/default_model",
	"message": sprintf("default model '%s' is not among the allowed models", [input.document.ai.default_model]),
} if {
	is_string(input.document.ai.default_model)
	not input.document.ai.default_model in input.document.ai.allowed_models
}

rules["AI-004"] := {
	"severity": "error",
	"step": "ai",
	"title": "Pinned prompts exist in the catalog",
	"remediation": "Pin only catalog prompts.",
	"source": "Prompt versions",
	"applies_when": "prompts are pinned",
}

prompt_path(prompt) := sprintf("/ai/prompt_versions/%s", [ptr(prompt)])

findings contains {
	"rule": "AI-004",
	"path": prompt_path(prompt),
	"message": sprintf("prompt '%s' is not in the catalog", [prompt]),
} if {
	some prompt, _ in input.document.ai.prompt_versions
	not input.catalog.prompts[prompt]
}

rules["AI-005"] := {
	"severity": "error",
	"step": "ai",
	"title": "Prompts are pinned to a published version",
	"remediation": "Pin an exact published version (not 'latest'), so the configuration can be rolled back.",
	"source": "AI config is reversible",
	"applies_when": "prompts are pinned",
}

findings contains {
	"rule": "AI-005",
	"path": prompt_path(prompt),
	"message": sprintf("prompt '%s' is pinned to '%s', which is not a published version (published: %s)", [prompt, version, concat(", ", entry.versions)]),
} if {
	some prompt, version in input.document.ai.prompt_versions
	entry := input.catalog.prompts[prompt]
	not version in entry.versions
}

rules["AI-006"] := {
	"severity": "error",
	"step": "ai",
	"title": "Withdrawn prompt versions are not pinned",
	"remediation": "Pin a version that has not been withdrawn.",
	"source": "Prompt versions",
	"applies_when": "prompts are pinned",
}

findings contains {
	"rule": "AI-006",
	"path": prompt_path(prompt),
	"message": sprintf("prompt '%s' version '%s' was withdrawn", [prompt, version]),
} if {
	some prompt, version in input.document.ai.prompt_versions
	version in input.catalog.prompts[prompt].withdrawn
}

rules["AI-007"] := {
	"severity": "warning",
	"step": "ai",
	"title": "Pinned prompts belong to enabled services",
	"remediation": "Enable the prompt's service or remove the pin; justify (justifications[\"AI-007\"]) if the service is enabled later on purpose.",
	"source": "AI config is tenant-scoped",
	"applies_when": "prompts are pinned",
}

findings contains {
	"rule": "AI-007",
	"path": prompt_path(prompt),
	"message": sprintf("prompt '%s' belongs to service '%s', which is not enabled", [prompt, service]),
} if {
	some prompt, _ in input.document.ai.prompt_versions
	service := input.catalog.prompts[prompt].service
	not service in enabled_services
}

rules["AI-008"] := {
	"severity": "error",
	"step": "ai",
	"title": "AI tools exist in the catalog",
	"remediation": "Offer only catalog tools.",
	"source": "Tool availability",
	"applies_when": "always",
}

findings contains {
	"rule": "AI-008",
	"path": sprintf("/ai/tools/%d", [i]),
	"message": sprintf("tool '%s' is not in the catalog", [tool]),
} if {
	some i, tool in input.document.ai.tools
	not input.catalog.tools[tool]
}

rules["AI-009"] := {
	"severity": "error",
	"step": "ai",
	"title": "Only PHI-safe tools when PHI is allowed",
	"remediation": "Remove the tool; it may send PHI outside the HIPAA boundary.",
	"source": "Compliance constraints",
	"applies_when": "phi_allowed is on",
}

findings contains {
	"rule": "AI-009",
	"path": sprintf("/ai/tools/%d", [i]),
	"message": sprintf("tool '%s' is not PHI-safe but the tenant allows PHI", [tool]),
} if {
	phi_allowed
	some i, tool in input.document.ai.tools
	input.catalog.tools[tool].phi_safe == false
}

rules["AI-010"] := {
	"severity": "warning",
	"step": "ai",
	"title": "Tools with side effects are justified",
	"remediation": "Remove the tool, or write why the AI may act on the client's behalf (justifications[\"AI-010\"]).",
	"source": "Tool availability",
	"applies_when": "a tool with side effects is offered",
}

findings contains {
	"rule": "AI-010",
	"path": sprintf("/ai/tools/%d", [i]),
	"message": sprintf("tool '%s' has side effects (it changes data outside the conversation)", [tool]),
} if {
	some i, tool in input.document.ai.tools
	input.catalog.tools[tool].side_effects == true
}

rules["AI-011"] := {
	"severity": "warning",
	"step": "ai",
	"title": "A budget for allowed models",
	"remediation": "Set monthly_budget_cents above zero, or justify (justifications[\"AI-011\"]) why models are allowed while AI stays off.",
	"source": "Define AI budgets and limits",
	"applies_when": "models are allowed",
}

findings contains {
	"rule": "AI-011",
	"path": "/ai/monthly_budget_cents",
	"message": sprintf("%d model(s) are allowed but the monthly AI budget is zero", [count(input.document.ai.allowed_models)]),
} if {
	ai_in_use
	input.document.ai.monthly_budget_cents == 0
}

rules["AI-012"] := {
	"severity": "error",
	"step": "ai",
	"title": "No models that train on client data",
	"remediation": "Remove the model; the tenant forbids training on its data (no_training_on_client_data).",
	"source": "Compliance constraints",
	"applies_when": "no_training_on_client_data is on",
}

findings contains {
	"rule": "AI-012",
	"path": sprintf("/ai/allowed_models/%d", [i]),
	"message": sprintf("AI model '%s' trains on customer data, which this tenant forbids", [model]),
} if {
	input.document.ai.constraints.no_training_on_client_data == true
	some i, model in input.document.ai.allowed_models
	input.catalog.ai_models[model].trains_on_customer_data == true
}

rules["AI-013"] := {
	"severity": "warning",
	"step": "ai",
	"title": "Relaxed AI constraints are justified",
	"remediation": "Turn the constraint back on, or write why it may be off (justifications[\"AI-013\"]).",
	"source": "AI config must not bypass policy",
	"applies_when": "an AI compliance constraint is off",
}

findings contains {
	"rule": "AI-013",
	"path": sprintf("/ai/constraints/%s", [constraint]),
	"message": sprintf("AI constraint '%s' is off", [constraint]),
} if {
	some constraint, value in input.document.ai.constraints
	value == false
	not training_required(constraint)
}

training_required("no_training_on_client_data") if regulated

rules["AI-014"] := {
	"severity": "error",
	"step": "ai",
	"title": "No training on a regulated client's data",
	"remediation": "Turn no_training_on_client_data on.",
	"source": "Compliance constraints",
	"applies_when": "hipaa, pci_dss or gdpr",
}

findings contains {
	"rule": "AI-014",
	"path": "/ai/constraints/no_training_on_client_data",
	"message": "training on client data is allowed for a regulated client",
} if {
	regulated
	input.document.ai.constraints.no_training_on_client_data == false
}

rules["AI-015"] := {
	"severity": "error",
	"step": "ai",
	"title": "Models run in the tenant's region when processing is regional",
	"remediation": "Pick a model hosted in the tenant's region, or (if the client agrees) turn regional_processing_only off with a justification.",
	"source": "Compliance constraints",
	"applies_when": "regional_processing_only is on",
}

findings contains {
	"rule": "AI-015",
	"path": sprintf("/ai/allowed_models/%d", [i]),
	"message": sprintf("AI model '%s' is not hosted in the tenant's region '%s' (hosted in: %s)", [model, region, concat(", ", entry.regions)]),
} if {
	input.document.ai.constraints.regional_processing_only == true
	is_string(region)
	some i, model in input.document.ai.allowed_models
	entry := input.catalog.ai_models[model]
	not region in entry.regions
}

rules["AI-016"] := {
	"severity": "error",
	"step": "ai",
	"title": "AI behaviour is configured, never hard-coded in an override",
	"remediation": "Express the behaviour as AI configuration (model, prompt version, tools, limits) and remove it from the override.",
	"source": "Never hardcode AI behavior per client.",
	"applies_when": "the tenant has overrides",
}

ai_override_markers := ["prompt", "/ai/", "/ai-", "llm", "completion", "system message"]

# All override paths and descriptions at once, so a clean tenant costs one scan.
override_text := lower(concat("\n", [text |
	some o in input.document.overrides
	some text in [o.path, o.description]
]))

findings contains {
	"rule": "AI-016",
	"path": sprintf("/overrides/%d/%s", [i, field]),
	"step": "ai",
	"message": sprintf("override '%s' hard-codes AI behaviour (its %s mentions prompts or models)", [o.path, field]),
} if {
	marker_in(override_text, ai_override_markers)
	some i, o in input.document.overrides
	some field in ["path", "description"]
	marker_in(lower(o[field]), ai_override_markers)
}

requirements["AI-R01"] := {
	"step": "ai",
	"title": "Default model chosen",
	"source": "Model selection",
	"applies_when": "models are allowed",
}

missing contains {
	"requirement": "AI-R01",
	"path": "/ai/default_model",
	"message": "Choose the default model among the allowed models.",
} if {
	ai_in_use
	not is_string(input.document.ai.default_model)
}

requirements["AI-R02"] := {
	"step": "ai",
	"title": "Rate limits set",
	"source": "Cost and rate limits",
	"applies_when": "models are allowed",
}

missing contains {
	"requirement": "AI-R02",
	"path": sprintf("/ai/rate_limits/%s", [limit]),
	"message": sprintf("Set the AI rate limit %s above zero.", [limit]),
} if {
	ai_in_use
	some limit in ["requests_per_minute", "tokens_per_day"]
	input.document.ai.rate_limits[limit] == 0
}
