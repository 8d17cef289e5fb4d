# Tenantry policy pack: shared facts, data tables and the two entry points.
#
# Every file of the pack (and every file a platform adds with `PolicyPack::from_dir`)
# declares `package tenantry.policy` and contributes to four collections:
#
#   rules[id] := {severity, step, title, remediation, source, applies_when}
#   findings contains {"rule": id, "path": json_pointer, "message": text}
#       (optionally "step": step_id when the finding belongs to another step than the rule)
#   requirements[id] := {step, title, source, applies_when}
#   missing contains {"requirement": id, "path": json_pointer, "message": text}
#   handoff_missing contains {…}   a missing item of a handoff (step 12) requirement:
#       it is in `missing` too, and DOC-001 blocks it once production has started
#
# A finding breaks a rule: an error blocks, a warning needs a written justification in
# `document.justifications[<rule id>]`. A missing item is work not done yet: it keeps its
# step incomplete but does not block anything that is already done.
#
# Input: {"document": <tenant document>, "catalog": <catalog>,
#         "credential_hits": [{"path", "kind"}],      strings that look like credentials
#         "foreign_tenant_refs": [{"path", "tenant"}]} UUIDv7s that are not this tenant's id
# The two lists are computed in Rust (pattern matching Rego has no builtin for without
# the regex feature); the rules that report them live in this pack.

package tenantry.policy

# ---------------------------------------------------------------------------------------
# Entry points, read by the Rust side.

metadata := {"rules": rules, "requirements": requirements}

result := {
	"findings": findings,
	"missing": missing,
	"checklist": required_checklist,
}

# ---------------------------------------------------------------------------------------
# Facts about the document.

# Short names for extension files. The bundled rules spell out input.document and
# input.catalog: a reference to a rule costs a lookup on every use, a reference into
# the input does not, and the pack is evaluated on every keystroke.
doc := input.document

catalog := input.catalog

tenant_id := input.document.tenant.id

mode := input.document.classification.compliance_mode

region := input.document.tenant.metadata.region

region_jurisdiction := input.catalog.regions[region].jurisdiction

# How strict each compliance mode is; a higher number is stricter.
mode_rank := {"standard": 0, "gdpr": 1, "pci_dss": 2, "hipaa": 3}

# The compliance mode a regulation demands, when it demands one.
mode_required_by := {"hipaa": "hipaa", "pci_dss": "pci_dss", "gdpr": "gdpr"}

regulation_label := {
	"hipaa": "HIPAA",
	"gdpr": "GDPR",
	"pci_dss": "PCI DSS",
	"soc2": "SOC 2",
	"ccpa": "CCPA",
	"glba": "GLBA",
	"ferpa": "FERPA",
}

# The regimes in force: every regulation of the classification plus the compliance mode
# itself (a tenant may be run stricter than its regulations demand).
regimes contains r if {
	some r in input.document.classification.regulations
}

regimes contains mode if mode != "standard"

# Compliance modes whose restrictions apply: the tenant's own mode and every mode a
# regulation demands (a GDPR + HIPAA client obeys the GDPR-only restrictions too).
modes_in_force contains mode

modes_in_force contains m if {
	some r in input.document.classification.regulations
	m := mode_required_by[r]
}

regulated if {
	some r in {"hipaa", "pci_dss", "gdpr"}
	r in regimes
}

# The vendor attestation each regime requires when `attested_vendors_only` is set.
regime_attestation := {
	"hipaa": "hipaa_baa",
	"pci_dss": "pci_dss",
	"gdpr": "gdpr_dpa",
	"soc2": "soc2",
}

# Audit-log retention each regime requires, in days; every tenant keeps at least a year.
baseline_retention_days := 365

regime_retention_days := {"hipaa": 2190, "pci_dss": 365, "gdpr": 365, "soc2": 365}

required_retention_days := max({baseline_retention_days} | {d |
	some r in regimes
	d := regime_retention_days[r]
})

enabled_services contains s if {
	some s, settings in input.document.services
	settings.enabled == true
}

phi_allowed if input.document.tenant.compliance_flags.phi_allowed == true

# A production stage that has started (in progress or verified).
production_started if {
	some stage in input.document.rollout.stages
	stage.environment == "production"
	stage.status in {"in_progress", "verified"}
}

staging_verified if {
	some stage in input.document.rollout.stages
	stage.environment == "staging"
	stage.status == "verified"
	has_evidence(stage.verification)
}

# ---------------------------------------------------------------------------------------
# Helpers.

# A string with something in it other than white space.
present(s) if {
	is_string(s)
	trim_space(s) != ""
}

# Null or only white space (for optional text; a required text is checked with
# trim_space directly, which is cheaper than a function call).
blank(s) if s == null

blank(s) if {
	is_string(s)
	trim_space(s) == ""
}

# Evidence someone else can follow: a reference and who verified it.
has_evidence(e) if {
	is_object(e)
	trim_space(e.reference) != ""
	trim_space(e.verified_by) != ""
}

# A map key as one JSON-pointer segment (RFC 6901).
ptr(key) := replace(replace(key, "~", "~0"), "/", "~1")

# True when the text contains any of the markers (give it lower-cased text).
marker_in(text, markers) if {
	some marker in markers
	contains(text, marker)
}

# Trimming these from a text of lowercase hex digits leaves nothing.
hex_digits := "0123456789abcdef"

# `#rrggbb` (either case).
hex_colour(s) if {
	is_string(s)
	count(s) == 7
	startswith(s, "#")
	trim(lower(substring(s, 1, 6)), hex_digits) == ""
}

# A plausible e-mail address: one @, something before it, a dotted domain after it.
email_like(s) if {
	is_string(s)
	parts := split(s, "@")
	count(parts) == 2
	parts[0] != ""
	contains(trim(parts[1], "."), ".")
	not contains(s, " ")
}

# The step of a top-level section of the document, for findings that can occur anywhere.
section_step := {
	"schema_version": "classification",
	"classification": "classification",
	"tenant": "tenant",
	"frontend": "frontend_strategy",
	"services": "services",
	"overrides": "backend_overrides",
	"ai": "ai",
	"integrations": "integrations",
	"customization": "frontend_customization",
	"data_migration": "data_migration",
	"go_live": "verification",
	"rollout": "rollout",
	"handoff": "handoff",
	"justifications": "handoff",
}

step_of_path(path) := step if {
	section := split(path, "/")[1]
	step := section_step[section]
} else := "tenant"
