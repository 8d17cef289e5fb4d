# Step 7: Configure integrations.
package tenantry.policy

rules["INT-001"] := {
	"severity": "error",
	"step": "integrations",
	"title": "Vendors exist in the catalog",
	"remediation": "Use a catalog vendor; a new vendor goes through vendor review and into the catalog first.",
	"source": "Verify vendor eligibility",
	"applies_when": "the tenant has integrations",
}

findings contains {
	"rule": "INT-001",
	"path": sprintf("/integrations/%d/vendor", [i]),
	"message": sprintf("vendor '%s' is not in the catalog", [integration.vendor]),
} if {
	some i, integration in input.document.integrations
	not input.catalog.vendors[integration.vendor]
}

rules["INT-002"] := {
	"severity": "error",
	"step": "integrations",
	"title": "Only approved vendors",
	"remediation": "Remove the integration until the vendor is approved, or choose an approved vendor.",
	"source": "No unapproved vendors",
	"applies_when": "the tenant has integrations",
}

findings contains {
	"rule": "INT-002",
	"path": sprintf("/integrations/%d/vendor", [i]),
	"message": sprintf("vendor '%s' (%s) is %s, not approved", [integration.vendor, vendor.name, vendor.approval]),
} if {
	some i, integration in input.document.integrations
	vendor := input.catalog.vendors[integration.vendor]
	vendor.approval != "approved"
}

rules["INT-003"] := {
	"severity": "error",
	"step": "integrations",
	"title": "Vendors hold the attestations the regulations require",
	"remediation": "Choose a vendor with the attestation (HIPAA: a BAA; PCI DSS: PCI DSS compliance; GDPR: a DPA; SOC 2: a SOC 2 report).",
	"source": "Confirm compliance requirements",
	"applies_when": "attested_vendors_only is on and the client is subject to hipaa, pci_dss, gdpr or soc2",
}

findings contains {
	"rule": "INT-003",
	"path": sprintf("/integrations/%d/vendor", [i]),
	"message": sprintf("vendor '%s' (%s) has no %s attestation, which %s requires", [integration.vendor, vendor.name, attestation, regulation_label[r]]),
} if {
	input.document.tenant.compliance_flags.attested_vendors_only == true
	some i, integration in input.document.integrations
	vendor := input.catalog.vendors[integration.vendor]
	some r in regimes
	attestation := regime_attestation[r]
	not attestation in vendor.attestations
}

rules["INT-004"] := {
	"severity": "error",
	"step": "integrations",
	"title": "Secret references belong to this tenant",
	"remediation": "Store the tenant's own credential under secret://tenants/<this tenant's id>/<name> and reference that.",
	"source": "No shared credentials across tenants",
	"applies_when": "the tenant has integrations",
}

secret_ref_tenant(ref) := split(ref, "/")[3]

findings contains {
	"rule": "INT-004",
	"path": sprintf("/integrations/%d/secret_ref", [i]),
	"message": sprintf("the secret for '%s' belongs to tenant %s, not to this tenant", [integration.vendor, secret_ref_tenant(integration.secret_ref)]),
} if {
	some i, integration in input.document.integrations
	secret_ref_tenant(integration.secret_ref) != tenant_id
}

rules["INT-005"] := {
	"severity": "error",
	"step": "integrations",
	"title": "One secret per integration",
	"remediation": "Give each integration its own credential and secret reference.",
	"source": "No shared credentials across tenants",
	"applies_when": "the tenant has integrations",
}

findings contains {
	"rule": "INT-005",
	"path": sprintf("/integrations/%d/secret_ref", [j]),
	"message": sprintf("the secret reference of '%s' is already used by integration %d ('%s')", [integration.vendor, i, input.document.integrations[i].vendor]),
} if {
	some j, integration in input.document.integrations
	i := min({k | some k, other in input.document.integrations; other.secret_ref == integration.secret_ref})
	i < j
}

rules["INT-006"] := {
	"severity": "error",
	"step": "integrations",
	"title": "Vendors process data where the tenant's data must stay",
	"remediation": "Choose a vendor that processes data in the tenant's jurisdiction.",
	"source": "Verify vendor eligibility",
	"applies_when": "data_residency_enforced is on",
}

vendor_jurisdictions(vendor) := {input.catalog.regions[r].jurisdiction | some r in vendor.regions}

findings contains {
	"rule": "INT-006",
	"path": sprintf("/integrations/%d/vendor", [i]),
	"message": sprintf("vendor '%s' (%s) processes no data in jurisdiction '%s', where this tenant's data must stay", [integration.vendor, vendor.name, region_jurisdiction]),
} if {
	input.document.tenant.compliance_flags.data_residency_enforced == true
	is_string(region_jurisdiction)
	some i, integration in input.document.integrations
	vendor := input.catalog.vendors[integration.vendor]
	not region_jurisdiction in vendor_jurisdictions(vendor)
}

requirements["INT-R01"] := {
	"step": "integrations",
	"title": "Integration purpose stated",
	"source": "Enable integrations per tenant",
	"applies_when": "the tenant has integrations",
}

missing contains {
	"requirement": "INT-R01",
	"path": sprintf("/integrations/%d/purpose", [i]),
	"message": sprintf("Say what the '%s' integration is for.", [integration.vendor]),
} if {
	some i, integration in input.document.integrations
	trim_space(integration.purpose) == ""
}
