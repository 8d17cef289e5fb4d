# Step 10: Observability and verification.
package tenantry.policy

# The go-live checklist, as data. Every tenant gets the base items; the classification
# adds the stricter ones.
checklist_items := {
	"logs": "Logs from the tenant arrive and are searchable",
	"metrics": "The tenant's metrics are on a dashboard",
	"traces": "Requests of the tenant are traced end to end",
	"ai_cost_tracking": "AI spend is tracked per tenant against its budget",
	"tenant_isolation": "No other tenant's data is reachable",
	"compliance_mode_behavior": "The compliance mode behaves as configured",
	"smoke_tests": "Smoke tests pass across the key workflows",
}

regime_checklist_items := {
	"hipaa": {
		"audit_log_review": "The audit log records PHI access and was reviewed",
		"baa_on_file": "A signed BAA is on file for every vendor that touches PHI",
		"phi_access_review": "Who can reach PHI was reviewed",
	},
	"pci_dss": {
		"cardholder_data_scan": "No cardholder data is stored outside the PCI scope",
		"network_segmentation_review": "The cardholder data environment is segmented",
	},
	"gdpr": {
		"dpa_on_file": "A data processing agreement is on file",
		"data_subject_request_test": "Access and erasure requests work end to end",
	},
}

integration_checklist_items := {"integration_failure_alerts": "Integration failures raise alerts"}

observability_items := {"logs", "metrics", "traces"}

required_checklist contains item if {
	some item, _ in checklist_items
}

required_checklist contains item if {
	some r in regimes
	some item, _ in regime_checklist_items[r]
}

required_checklist contains item if {
	some integration in input.document.integrations
	integration.enabled == true
	some item, _ in integration_checklist_items
}

# Every item the pack knows, with what it proves.
known_checklist_items := object.keys(object.union_n(array.concat(
	[checklist_items, integration_checklist_items],
	[items | some _, items in regime_checklist_items],
)))

checklist_description[item] := text if {
	some item, text in checklist_items
}

checklist_description[item] := text if {
	some _, items in regime_checklist_items
	some item, text in items
}

checklist_description[item] := text if {
	some item, text in integration_checklist_items
}

# Checklist items with evidence someone else can follow.
evidenced_items contains item if {
	some item, evidence in input.document.go_live.items
	trim_space(evidence.reference) != ""
	trim_space(evidence.verified_by) != ""
}

item_path(item) := sprintf("/go_live/items/%s", [ptr(item)])

rules["VER-001"] := {
	"severity": "error",
	"step": "verification",
	"title": "No launch without observability",
	"remediation": "Stop the production rollout until logs, metrics and traces are verified with evidence.",
	"source": "If observability is missing, do not launch.",
	"applies_when": "production has started",
}

findings contains {
	"rule": "VER-001",
	"path": item_path(item),
	"message": sprintf("production has started but '%s' is not verified", [item]),
} if {
	production_started
	some item in observability_items
	not item in evidenced_items
}

rules["VER-002"] := {
	"severity": "error",
	"step": "verification",
	"title": "The go-live checklist is complete before production",
	"remediation": "Attach the evidence for every required checklist item before starting production.",
	"source": "Before go-live:",
	"applies_when": "production has started",
}

findings contains {
	"rule": "VER-002",
	"path": item_path(item),
	"message": sprintf("production has started but checklist item '%s' has no evidence", [item]),
} if {
	production_started
	some item in required_checklist
	not item in observability_items
	not item in evidenced_items
}

rules["VER-003"] := {
	"severity": "warning",
	"step": "verification",
	"title": "Checklist items are known",
	"remediation": "Check the item's spelling against the required checklist; if it is an extra check on purpose, justify it (justifications[\"VER-003\"]).",
	"source": "Before go-live:",
	"applies_when": "the checklist has items",
}

findings contains {
	"rule": "VER-003",
	"path": item_path(item),
	"message": sprintf("'%s' is not a checklist item of the pack; is it a typo?", [item]),
} if {
	some item, _ in input.document.go_live.items
	not item in known_checklist_items
}

rules["VER-004"] := {
	"severity": "error",
	"step": "verification",
	"title": "Evidence hashes are SHA-256",
	"remediation": "Give the SHA-256 of the attached output as 64 lowercase hex digits, or leave it out.",
	"source": "Run smoke tests across key workflows",
	"applies_when": "checklist evidence carries a hash",
}

findings contains {
	"rule": "VER-004",
	"path": sprintf("%s/sha256", [item_path(item)]),
	"message": sprintf("the hash of '%s' is not a SHA-256 (64 lowercase hex digits)", [item]),
} if {
	some item, evidence in input.document.go_live.items
	is_string(evidence.sha256)
	[count(evidence.sha256), trim(evidence.sha256, hex_digits)] != [64, ""]
}

requirements["VER-R01"] := {
	"step": "verification",
	"title": "Checklist evidence",
	"source": "Before go-live: Verify logs, metrics, and traces; Verify AI cost tracking; Verify tenant isolation; Verify compliance mode behavior; Run smoke tests across key workflows",
	"applies_when": "always (HIPAA, PCI DSS, GDPR and enabled integrations add items)",
}

missing contains {
	"requirement": "VER-R01",
	"path": item_path(item),
	"message": sprintf("Verify '%s' (%s) and attach the evidence: reference, who, when.", [item, checklist_description[item]]),
} if {
	some item in required_checklist
	not item in evidenced_items
}
