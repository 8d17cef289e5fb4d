# Step 5: Handle client-specific backend needs.
package tenantry.policy

# Above this many overrides a tenant's needs no longer fit the services.
max_overrides := 3

override_path(i) := sprintf("/overrides/%d", [i])

rules["OVR-001"] := {
	"severity": "error",
	"step": "backend_overrides",
	"title": "Overrides belong to a catalog service",
	"remediation": "Name the catalog service whose domain the override changes.",
	"source": "Overrides live at: /services/<service>/domain/client-overrides/",
	"applies_when": "the tenant has overrides",
}

findings contains {
	"rule": "OVR-001",
	"path": sprintf("/overrides/%d/service", [i]),
	"message": sprintf("override %d belongs to service '%s', which is not in the catalog", [i, o.service]),
} if {
	some i, o in input.document.overrides
	not input.catalog.services[o.service]
}

rules["OVR-002"] := {
	"severity": "error",
	"step": "backend_overrides",
	"title": "Overrides only for enabled services",
	"remediation": "Enable the service for the tenant (step 4) or remove the override.",
	"source": "Overrides must be minimal",
	"applies_when": "the tenant has overrides",
}

findings contains {
	"rule": "OVR-002",
	"path": sprintf("/overrides/%d/service", [i]),
	"message": sprintf("override %d changes service '%s', which is not enabled for this tenant", [i, o.service]),
} if {
	some i, o in input.document.overrides
	input.catalog.services[o.service]
	not o.service in enabled_services
}

rules["OVR-003"] := {
	"severity": "error",
	"step": "backend_overrides",
	"title": "Overrides live under the service's client-overrides folder",
	"remediation": "Put the override at /services/<service>/domain/client-overrides/<name>; anywhere else it changes shared behaviour.",
	"source": "Overrides live at: /services/<service>/domain/client-overrides/",
	"applies_when": "the tenant has overrides",
}

override_path_ok(o) if {
	prefix := sprintf("/services/%s/domain/client-overrides/", [o.service])
	startswith(o.path, prefix)
	rest := substring(o.path, count(prefix), -1)
	present(rest)
	not contains(o.path, "..")
	not contains(o.path, "//")
}

findings contains {
	"rule": "OVR-003",
	"path": sprintf("/overrides/%d/path", [i]),
	"message": sprintf("override path '%s' is not under /services/%s/domain/client-overrides/", [o.path, o.service]),
} if {
	some i, o in input.document.overrides
	not override_path_ok(o)
}

rules["OVR-004"] := {
	"severity": "error",
	"step": "backend_overrides",
	"title": "Overrides are documented",
	"remediation": "Link the override's documentation (documentation).",
	"source": "Overrides must be documented",
	"applies_when": "the tenant has overrides",
}

findings contains {
	"rule": "OVR-004",
	"path": sprintf("/overrides/%d/documentation", [i]),
	"message": sprintf("override '%s' has no documentation link", [o.path]),
} if {
	some i, o in input.document.overrides
	trim_space(o.documentation) == ""
}

rules["OVR-005"] := {
	"severity": "error",
	"step": "backend_overrides",
	"title": "Overrides say why configuration, flags or policy could not do it",
	"remediation": "Write the justification: why configuration, a feature flag or a policy rule (the preferred options, in that order) cannot meet the need.",
	"source": "Preferred Options (in order): 1. Configuration 2. Feature flags 3. Policy rules 4. Client-specific domain overrides",
	"applies_when": "the tenant has overrides",
}

findings contains {
	"rule": "OVR-005",
	"path": sprintf("/overrides/%d/justification", [i]),
	"message": sprintf("override '%s' does not say why configuration, a feature flag or a policy rule could not do it", [o.path]),
} if {
	some i, o in input.document.overrides
	trim_space(o.justification) == ""
}

rules["OVR-006"] := {
	"severity": "error",
	"step": "backend_overrides",
	"title": "Overrides have an owner",
	"remediation": "Name the team or person who maintains the override.",
	"source": "Overrides must not break shared behavior",
	"applies_when": "the tenant has overrides",
}

findings contains {
	"rule": "OVR-006",
	"path": sprintf("/overrides/%d/owner", [i]),
	"message": sprintf("override '%s' has no owner", [o.path]),
} if {
	some i, o in input.document.overrides
	trim_space(o.owner) == ""
}

rules["OVR-007"] := {
	"severity": "error",
	"step": "backend_overrides",
	"title": "Overrides describe what they change",
	"remediation": "Describe what the override changes for this client.",
	"source": "Overrides must be documented",
	"applies_when": "the tenant has overrides",
}

findings contains {
	"rule": "OVR-007",
	"path": sprintf("/overrides/%d/description", [i]),
	"message": sprintf("override '%s' has no description", [o.path]),
} if {
	some i, o in input.document.overrides
	trim_space(o.description) == ""
}

rules["OVR-008"] := {
	"severity": "warning",
	"step": "backend_overrides",
	"title": "Few overrides",
	"remediation": "Move the need into configuration, flags or policy, or reconsider the service boundaries; if the overrides must stay, justify it (justifications[\"OVR-008\"]).",
	"source": "If overrides grow large, reconsider service boundaries.",
	"applies_when": "the tenant has more than 3 overrides",
}

findings contains {
	"rule": "OVR-008",
	"path": "/overrides",
	"message": sprintf("the tenant has %d overrides (more than %d); reconsider the service boundaries", [count(input.document.overrides), max_overrides]),
} if count(input.document.overrides) > max_overrides

rules["OVR-009"] := {
	"severity": "error",
	"step": "backend_overrides",
	"title": "One override per path",
	"remediation": "Merge the two overrides or give the second its own path.",
	"source": "Overrides must be minimal",
	"applies_when": "the tenant has overrides",
}

findings contains {
	"rule": "OVR-009",
	"path": sprintf("/overrides/%d/path", [j]),
	"message": sprintf("override path '%s' is already used by override %d", [o.path, i]),
} if {
	some j, o in input.document.overrides
	i := min({k | some k, other in input.document.overrides; other.path == o.path})
	i < j
}
