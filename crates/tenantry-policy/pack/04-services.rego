# Step 4: Configure services for the client.
package tenantry.policy

rules["SVC-001"] := {
	"severity": "error",
	"step": "services",
	"title": "Services exist in the catalog",
	"remediation": "Use a catalog service id (`tenantry catalog show`). A service of one's own for one client is a fork.",
	"source": "No service forks",
	"applies_when": "always",
}

findings contains {
	"rule": "SVC-001",
	"path": sprintf("/services/%s", [ptr(service)]),
	"message": sprintf("service '%s' is not in the catalog", [service]),
} if {
	some service, _ in input.document.services
	not input.catalog.services[service]
}

rules["SVC-002"] := {
	"severity": "error",
	"step": "services",
	"title": "Feature flags exist in the catalog",
	"remediation": "Use one of the service's catalog flags; adding a flag is a catalog change, never a per-client one.",
	"source": "Apply tenant-specific feature flags",
	"applies_when": "always",
}

findings contains {
	"rule": "SVC-002",
	"path": sprintf("/services/%s/flags/%s", [ptr(service), ptr(flag)]),
	"message": sprintf("service '%s' has no feature flag '%s'", [service, flag]),
} if {
	some service, settings in input.document.services
	input.catalog.services[service]
	some flag, _ in settings.flags
	not input.catalog.services[service].flags[flag]
}

# The Rego type a flag of each catalog kind holds.
flag_kind_type := {"boolean": "boolean", "integer": "number", "text": "string", "choice": "string"}

# Every flag the tenant sets that the catalog knows, with its spec.
set_flags contains [service, flag, value, spec] if {
	some service, settings in input.document.services
	some flag, value in settings.flags
	spec := input.catalog.services[service].flags[flag]
}

flag_path(service, flag) := sprintf("/services/%s/flags/%s", [ptr(service), ptr(flag)])

rules["SVC-003"] := {
	"severity": "error",
	"step": "services",
	"title": "Feature flag values have the catalog's type",
	"remediation": "Give the flag a value of its catalog kind: true/false for boolean, a whole number for integer, text for text and choice flags.",
	"source": "Apply tenant-specific feature flags",
	"applies_when": "always",
}

findings contains {
	"rule": "SVC-003",
	"path": flag_path(service, flag),
	"message": sprintf("flag '%s.%s' is a %s flag but is set to %s", [service, flag, spec.kind, json.marshal(value)]),
} if {
	some [service, flag, value, spec] in set_flags
	type_name(value) != flag_kind_type[spec.kind]
}

rules["SVC-004"] := {
	"severity": "error",
	"step": "services",
	"title": "Choice flags use one of their choices",
	"remediation": "Set the flag to one of the values the catalog lists for it.",
	"source": "Apply tenant-specific feature flags",
	"applies_when": "always",
}

findings contains {
	"rule": "SVC-004",
	"path": flag_path(service, flag),
	"message": sprintf("flag '%s.%s' is '%s'; allowed: %s", [service, flag, value, concat(", ", spec.choices)]),
} if {
	some [service, flag, value, spec] in set_flags
	spec.kind == "choice"
	is_string(value)
	not value in spec.choices
}

rules["SVC-005"] := {
	"severity": "error",
	"step": "services",
	"title": "Integer flags stay within their bounds",
	"remediation": "Set the flag within the catalog's minimum and maximum.",
	"source": "Apply tenant-specific feature flags",
	"applies_when": "always",
}

out_of_bounds(value, spec) if {
	is_number(spec.min)
	value < spec.min
}

out_of_bounds(value, spec) if {
	is_number(spec.max)
	value > spec.max
}

bounds_text(spec) := sprintf("%v to %v", [spec.min, spec.max]) if {
	is_number(spec.min)
	is_number(spec.max)
} else := sprintf("at least %v", [spec.min]) if {
	is_number(spec.min)
} else := sprintf("at most %v", [spec.max])

findings contains {
	"rule": "SVC-005",
	"path": flag_path(service, flag),
	"message": sprintf("flag '%s.%s' is %v; allowed: %s", [service, flag, value, bounds_text(spec)]),
} if {
	some [service, flag, value, spec] in set_flags
	spec.kind == "integer"
	is_number(value)
	out_of_bounds(value, spec)
}

rules["SVC-006"] := {
	"severity": "error",
	"step": "services",
	"title": "Feature flags respect the compliance mode's restrictions",
	"remediation": "Set the flag to a value the compliance mode allows (see the restriction's reason).",
	"source": "Apply tenant-specific feature flags",
	"applies_when": "the flag has a restriction for the tenant's compliance mode (e.g. hipaa, pci_dss, gdpr)",
}

findings contains {
	"rule": "SVC-006",
	"path": flag_path(service, flag),
	"message": sprintf("flag '%s.%s' = %s is not allowed in %s mode: %s", [service, flag, json.marshal(value), restricted_mode, restriction.reason]),
} if {
	some [service, flag, value, spec] in set_flags
	some restriction in spec.restrictions
	some restricted_mode in restriction.modes
	restricted_mode in modes_in_force
	not value in restriction.allowed
}

rules["SVC-007"] := {
	"severity": "error",
	"step": "services",
	"title": "Only PHI-capable services when PHI is allowed",
	"remediation": "Disable the service for this tenant, or turn phi_allowed off if the tenant will hold no PHI.",
	"source": "Enable service access for the tenant",
	"applies_when": "phi_allowed is on",
}

findings contains {
	"rule": "SVC-007",
	"path": sprintf("/services/%s/enabled", [ptr(service)]),
	"message": sprintf("service '%s' is not PHI-capable but is enabled for a tenant that allows PHI", [service]),
} if {
	phi_allowed
	some service in enabled_services
	input.catalog.services[service].phi_capable == false
}

requirements["SVC-R01"] := {
	"step": "services",
	"title": "At least one service enabled",
	"source": "Enable service access for the tenant",
	"applies_when": "always",
}

missing contains {
	"requirement": "SVC-R01",
	"path": "/services",
	"message": "Enable at least one service for the tenant.",
} if count(enabled_services) == 0

requirements["SVC-R02"] := {
	"step": "services",
	"title": "Required services enabled",
	"source": "Define enabled services",
	"applies_when": "always",
}

missing contains {
	"requirement": "SVC-R02",
	"path": sprintf("/services/%s/enabled", [ptr(service)]),
	"message": sprintf("Enable '%s': the classification lists it as required.", [service]),
} if {
	some service in input.document.classification.required_services
	input.catalog.services[service]
	not service in enabled_services
}
