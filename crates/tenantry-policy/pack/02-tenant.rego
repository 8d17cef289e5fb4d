# Step 2: Create the tenant.
package tenantry.policy

rules["TEN-001"] := {
	"severity": "error",
	"step": "tenant",
	"title": "GDPR data stays in an EU region",
	"remediation": "Choose an EU region (jurisdiction \"eu\", e.g. eu-central or eu-west) for a GDPR client whose data residency is enforced.",
	"source": "Assign compliance mode flags",
	"applies_when": "gdpr, with data residency enforced",
}

findings contains {
	"rule": "TEN-001",
	"path": "/tenant/metadata/region",
	"message": sprintf("GDPR data must stay in the EU, but region '%s' is in jurisdiction '%s'", [region, region_jurisdiction]),
} if {
	"gdpr" in regimes
	input.document.tenant.compliance_flags.data_residency_enforced == true
	region_jurisdiction != "eu"
}

rules["TEN-002"] := {
	"severity": "error",
	"step": "tenant",
	"title": "The tenant's region exists in the catalog",
	"remediation": "Pick a region id from the catalog (`tenantry catalog show`).",
	"source": "Define tenant metadata",
	"applies_when": "always",
}

findings contains {
	"rule": "TEN-002",
	"path": "/tenant/metadata/region",
	"message": sprintf("region '%s' is not in the catalog", [region]),
} if {
	is_string(region)
	not input.catalog.regions[region]
}

rules["TEN-003"] := {
	"severity": "error",
	"step": "tenant",
	"title": "No references to another tenant",
	"remediation": "Remove the other tenant's id. Each client is its own tenant: nothing (secrets, links, data) is shared with or borrowed from another one.",
	"source": "No shared tenants. Ever.",
	"applies_when": "always",
}

# Secret references and migration sources have their own, more specific rules
# (INT-004, MIG-007).
findings contains {
	"rule": "TEN-003",
	"path": ref.path,
	"step": step_of_path(ref.path),
	"message": sprintf("this refers to another tenant (%s); no shared tenants", [ref.tenant]),
} if {
	some ref in input.foreign_tenant_refs
	not secret_ref_path(ref.path)
	not startswith(ref.path, "/data_migration/")
}

secret_ref_path(path) if {
	startswith(path, "/integrations/")
	endswith(path, "/secret_ref")
}

rules["TEN-004"] := {
	"severity": "error",
	"step": "tenant",
	"title": "PHI only in HIPAA compliance mode",
	"remediation": "Either turn phi_allowed off, or classify the client under HIPAA and set compliance_mode to hipaa.",
	"source": "Assign compliance mode flags",
	"applies_when": "phi_allowed is on",
}

findings contains {
	"rule": "TEN-004",
	"path": "/tenant/compliance_flags/phi_allowed",
	"message": sprintf("PHI is allowed but the compliance mode is '%s'; PHI needs the hipaa mode", [mode]),
} if {
	phi_allowed
	mode != "hipaa"
}

rules["TEN-005"] := {
	"severity": "error",
	"step": "tenant",
	"title": "Audit logs are kept as long as the regulations require",
	"remediation": "Set audit_log_retention_days to at least the required number of days (HIPAA: 2190, i.e. six years; otherwise 365).",
	"source": "Tenant config must be auditable",
	"applies_when": "always (HIPAA: six years)",
}

findings contains {
	"rule": "TEN-005",
	"path": "/tenant/compliance_flags/audit_log_retention_days",
	"message": sprintf("audit logs are kept %d days; this client needs at least %d", [days, required_retention_days]),
} if {
	days := input.document.tenant.compliance_flags.audit_log_retention_days
	days < required_retention_days
}

rules["TEN-006"] := {
	"severity": "error",
	"step": "tenant",
	"title": "Encryption at rest for regulated clients",
	"remediation": "Turn encryption_at_rest_required on.",
	"source": "Defaults must be safe and restrictive",
	"applies_when": "hipaa, pci_dss or gdpr",
}

findings contains {
	"rule": "TEN-006",
	"path": "/tenant/compliance_flags/encryption_at_rest_required",
	"message": "encryption at rest is off for a regulated client",
} if {
	regulated
	input.document.tenant.compliance_flags.encryption_at_rest_required == false
}

rules["TEN-007"] := {
	"severity": "error",
	"step": "tenant",
	"title": "Only attested vendors for clients whose regulations require attestations",
	"remediation": "Turn attested_vendors_only on.",
	"source": "Assign compliance mode flags",
	"applies_when": "hipaa, pci_dss, gdpr or soc2",
}

findings contains {
	"rule": "TEN-007",
	"path": "/tenant/compliance_flags/attested_vendors_only",
	"message": sprintf("attested_vendors_only is off although %s requires vendor attestations", [regulation_label[r]]),
} if {
	input.document.tenant.compliance_flags.attested_vendors_only == false
	some r in regimes
	regime_attestation[r]
}

rules["TEN-008"] := {
	"severity": "error",
	"step": "tenant",
	"title": "Data residency enforced for GDPR clients",
	"remediation": "Turn data_residency_enforced on.",
	"source": "Assign compliance mode flags",
	"applies_when": "gdpr",
}

findings contains {
	"rule": "TEN-008",
	"path": "/tenant/compliance_flags/data_residency_enforced",
	"message": "data residency is not enforced for a GDPR client",
} if {
	"gdpr" in regimes
	input.document.tenant.compliance_flags.data_residency_enforced == false
}

rules["TEN-009"] := {
	"severity": "error",
	"step": "tenant",
	"title": "Contacts have a usable e-mail address",
	"remediation": "Enter the contact's e-mail address, e.g. name@client.example.",
	"source": "Define tenant metadata",
	"applies_when": "always",
}

findings contains {
	"rule": "TEN-009",
	"path": sprintf("/tenant/metadata/contacts/%d/email", [i]),
	"message": sprintf("the %s contact '%s' has no usable e-mail address", [contact.role, contact.name]),
} if {
	some i, contact in input.document.tenant.metadata.contacts
	not email_like(contact.email)
}

# --- What step 2 needs before it is complete. ---

requirements["TEN-R01"] := {
	"step": "tenant",
	"title": "Display name",
	"source": "Define tenant metadata",
	"applies_when": "always",
}

missing contains {
	"requirement": "TEN-R01",
	"path": "/tenant/display_name",
	"message": "Enter the client's display name.",
} if trim_space(input.document.tenant.display_name) == ""

requirements["TEN-R02"] := {
	"step": "tenant",
	"title": "Legal name",
	"source": "Define tenant metadata",
	"applies_when": "always",
}

missing contains {
	"requirement": "TEN-R02",
	"path": "/tenant/metadata/legal_name",
	"message": "Enter the client's legal name.",
} if blank(input.document.tenant.metadata.legal_name)

requirements["TEN-R03"] := {
	"step": "tenant",
	"title": "Region (data residency)",
	"source": "Define tenant metadata",
	"applies_when": "always",
}

missing contains {
	"requirement": "TEN-R03",
	"path": "/tenant/metadata/region",
	"message": "Choose the region where the client's data lives.",
} if blank(region)

requirements["TEN-R04"] := {
	"step": "tenant",
	"title": "Business and technical contacts",
	"source": "Define tenant metadata",
	"applies_when": "always",
}

contact_roles contains contact.role if {
	some contact in input.document.tenant.metadata.contacts
}

missing contains {
	"requirement": "TEN-R04",
	"path": "/tenant/metadata/contacts",
	"message": sprintf("Add a %s contact.", [role]),
} if {
	some role in ["business", "technical"]
	not role in contact_roles
}

requirements["TEN-R05"] := {
	"step": "tenant",
	"title": "Security contact",
	"source": "Define tenant metadata",
	"applies_when": "hipaa or pci_dss",
}

missing contains {
	"requirement": "TEN-R05",
	"path": "/tenant/metadata/contacts",
	"message": sprintf("Add a security contact (%s clients need one for incidents).", [regulation_label[r]]),
} if {
	some r in {"hipaa", "pci_dss"}
	r in regimes
	not "security" in contact_roles
}

requirements["TEN-R06"] := {
	"step": "tenant",
	"title": "Privacy contact",
	"source": "Define tenant metadata",
	"applies_when": "gdpr",
}

missing contains {
	"requirement": "TEN-R06",
	"path": "/tenant/metadata/contacts",
	"message": "Add a privacy contact (the client's data protection officer for GDPR requests).",
} if {
	"gdpr" in regimes
	not "privacy" in contact_roles
}
