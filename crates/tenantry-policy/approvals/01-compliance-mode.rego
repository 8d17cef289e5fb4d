# APR-001: a change of compliance mode is reviewed by a compliance officer.
package tenantry.approvals

rules["APR-001"] := {
	"step": "classification",
	"title": "A compliance-mode change is approved by a compliance officer",
	"approvals": 1,
	"reviewer": "compliance_officer",
	"source": "Compliance mode (for example HIPAA)",
	"applies_when": "the compliance mode differs from before (a creation counts from standard), in draft or staging",
}

required contains {
	"rule": "APR-001",
	"path": "/classification/compliance_mode",
	"message": sprintf("changes the compliance mode from %s to %s", [before_mode, after_mode]),
} if {
	not promotion
	not creation
	before_mode != after_mode
}

required contains {
	"rule": "APR-001",
	"path": "/classification/compliance_mode",
	"message": sprintf("creates the %s configuration in compliance mode %s", [environment, after_mode]),
} if {
	not promotion
	creation
	after_mode != "standard"
}
