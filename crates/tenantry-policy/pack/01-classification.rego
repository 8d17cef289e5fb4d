# Step 1: Classify the client.
package tenantry.policy

rules["CLS-001"] := {
	"severity": "error",
	"step": "classification",
	"title": "Required services exist in the catalog",
	"remediation": "Choose the client's required services from the catalog (`tenantry catalog show`). A service the catalog does not offer would mean building a fork; add it to the platform first.",
	"source": "Required services (chat, sales, accounting, etc.)",
	"applies_when": "always",
}

findings contains {
	"rule": "CLS-001",
	"path": sprintf("/classification/required_services/%d", [i]),
	"message": sprintf("required service '%s' is not in the catalog", [service]),
} if {
	some i, service in input.document.classification.required_services
	not input.catalog.services[service]
}

rules["CLS-002"] := {
	"severity": "error",
	"step": "classification",
	"title": "Compliance mode is at least as strict as the regulations demand",
	"remediation": "Raise compliance_mode to the mode the regulation requires (hipaa > pci_dss > gdpr > standard). A stricter mode is always allowed.",
	"source": "Compliance mode (for example HIPAA)",
	"applies_when": "the client is subject to HIPAA, PCI DSS or GDPR",
}

findings contains {
	"rule": "CLS-002",
	"path": "/classification/compliance_mode",
	"message": sprintf("the compliance mode is '%s' but %s requires '%s' or stricter", [mode, regulation_label[r], needed]),
} if {
	some r in input.document.classification.regulations
	needed := mode_required_by[r]
	mode_rank[mode] < mode_rank[needed]
}

rules["CLS-003"] := {
	"severity": "error",
	"step": "classification",
	"title": "Classification is documented before later steps are configured",
	"remediation": "Record who documented the classification (documented_by) and when (documented_at) before enabling services, AI, integrations or anything else.",
	"source": "Document this classification before proceeding.",
	"applies_when": "always",
}

classification_documented if {
	present(input.document.classification.documented_by)
	input.document.classification.documented_at != null
}

configured_beyond_classification contains "a frontend strategy" if input.document.frontend.strategy != "undecided"

configured_beyond_classification contains "enabled services" if count(enabled_services) > 0

configured_beyond_classification contains "client overrides" if count(input.document.overrides) > 0

configured_beyond_classification contains "AI models" if count(input.document.ai.allowed_models) > 0

configured_beyond_classification contains "integrations" if count(input.document.integrations) > 0

configured_beyond_classification contains "datasets to migrate" if count(input.document.data_migration.datasets) > 0

configured_beyond_classification contains "rollout stages" if count(input.document.rollout.stages) > 0

findings contains {
	"rule": "CLS-003",
	"path": "/classification/documented_by",
	"message": sprintf("later steps are already configured (%s) but the classification is not documented yet", [concat(", ", sort(configured_beyond_classification))]),
} if {
	not classification_documented
	count(configured_beyond_classification) > 0
}

# --- What step 1 needs before it is complete. ---

requirements["CLS-R01"] := {
	"step": "classification",
	"title": "Industry recorded",
	"source": "Industry and regulatory requirements",
	"applies_when": "always",
}

missing contains {
	"requirement": "CLS-R01",
	"path": "/classification/industry",
	"message": "Record the client's industry.",
} if input.document.classification.industry == null

requirements["CLS-R02"] := {
	"step": "classification",
	"title": "Required services named",
	"source": "Required services (chat, sales, accounting, etc.)",
	"applies_when": "always",
}

missing contains {
	"requirement": "CLS-R02",
	"path": "/classification/required_services",
	"message": "Name at least one service the client needs.",
} if count(input.document.classification.required_services) == 0

requirements["CLS-R03"] := {
	"step": "classification",
	"title": "Scale expectations recorded",
	"source": "Scale expectations",
	"applies_when": "always",
}

missing contains {
	"requirement": "CLS-R03",
	"path": "/classification/scale",
	"message": "Record the expected users, peak requests per second and data volume.",
} if input.document.classification.scale == null

requirements["CLS-R04"] := {
	"step": "classification",
	"title": "Classification documented",
	"source": "Document this classification before proceeding.",
	"applies_when": "always",
}

missing contains {
	"requirement": "CLS-R04",
	"path": "/classification/documented_by",
	"message": "Record who documented the classification and when (documented_by, documented_at).",
} if not classification_documented
