# Step 12: Documentation and handoff.
package tenantry.policy

rules["DOC-001"] := {
	"severity": "error",
	"step": "handoff",
	"title": "Client differences are documented before production",
	"remediation": "Finish the handoff (configuration documentation, enabled services, known overrides, support and escalation paths) before production starts.",
	"source": "Undocumented client differences become future incidents.",
	"applies_when": "production has started",
}

findings contains {
	"rule": "DOC-001",
	"path": m.path,
	"message": sprintf("production has started but the handoff is incomplete: %s", [m.message]),
} if {
	production_started
	some m in handoff_missing
	requirements[m.requirement].step == "handoff"
}

# The handoff's missing items are collected apart, then added to `missing`: DOC-001 reads
# only them, so its text reaches only the handoff, the overrides and the rollout. Read
# through `missing` it would reach every step's fields, and the incremental evaluation
# (crates/tenantry-policy/src/incremental.rs) would run it again on every edit anywhere.
# An extension file adds a handoff requirement's missing item here, not to `missing`.
missing contains m if some m in handoff_missing

requirements["DOC-R01"] := {
	"step": "handoff",
	"title": "Client configuration documentation",
	"source": "Client configuration documentation",
	"applies_when": "always",
}

handoff_missing contains {
	"requirement": "DOC-R01",
	"path": "/handoff/configuration_doc",
	"message": "Link the client configuration documentation.",
} if blank(input.document.handoff.configuration_doc)

requirements["DOC-R02"] := {
	"step": "handoff",
	"title": "Enabled services list confirmed",
	"source": "Enabled services list",
	"applies_when": "always",
}

handoff_missing contains {
	"requirement": "DOC-R02",
	"path": "/handoff/enabled_services_confirmed",
	"message": "Confirm the enabled services list in the documentation matches the tenant.",
} if input.document.handoff.enabled_services_confirmed != true

requirements["DOC-R03"] := {
	"step": "handoff",
	"title": "Known overrides documented",
	"source": "Known overrides",
	"applies_when": "the tenant has overrides",
}

handoff_missing contains {
	"requirement": "DOC-R03",
	"path": "/handoff/known_overrides_documented",
	"message": sprintf("List the %d override(s) in the client documentation.", [count(input.document.overrides)]),
} if {
	count(input.document.overrides) > 0
	input.document.handoff.known_overrides_documented != true
}

requirements["DOC-R04"] := {
	"step": "handoff",
	"title": "Support path",
	"source": "Support and escalation paths",
	"applies_when": "always",
}

handoff_missing contains {
	"requirement": "DOC-R04",
	"path": "/handoff/support_path",
	"message": "Say where the client's users get support.",
} if blank(input.document.handoff.support_path)

requirements["DOC-R05"] := {
	"step": "handoff",
	"title": "Escalation contacts",
	"source": "Support and escalation paths",
	"applies_when": "always",
}

handoff_missing contains {
	"requirement": "DOC-R05",
	"path": "/handoff/escalation_contacts",
	"message": "Name at least one escalation contact.",
} if count(input.document.handoff.escalation_contacts) == 0
