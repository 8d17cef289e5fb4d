# Step 11: Staging and rollout.
package tenantry.policy

stage_path(i) := sprintf("/rollout/stages/%d", [i])

rules["ROL-001"] := {
	"severity": "error",
	"step": "rollout",
	"title": "Staging comes before production",
	"remediation": "Add a staging stage before the production stage.",
	"source": "No direct-to-production onboarding",
	"applies_when": "a production stage is planned",
}

findings contains {
	"rule": "ROL-001",
	"path": stage_path(i),
	"message": "the production stage has no staging stage before it",
} if {
	some i, stage in input.document.rollout.stages
	stage.environment == "production"
	not staging_before(i)
}

staging_before(i) if {
	some j, stage in input.document.rollout.stages
	j < i
	stage.environment == "staging"
}

rules["ROL-002"] := {
	"severity": "error",
	"step": "rollout",
	"title": "Production starts only after staging is verified",
	"remediation": "Set the production stage back to planned until a staging stage is verified with evidence.",
	"source": "No direct-to-production onboarding",
	"applies_when": "production has started",
}

findings contains {
	"rule": "ROL-002",
	"path": sprintf("%s/status", [stage_path(i)]),
	"message": sprintf("production is %s but no staging stage is verified", [stage.status]),
} if {
	some i, stage in input.document.rollout.stages
	stage.environment == "production"
	stage.status in {"in_progress", "verified"}
	not staging_verified
}

rules["ROL-003"] := {
	"severity": "error",
	"step": "rollout",
	"title": "Flag gates name real flags of enabled services",
	"remediation": "Write the gate as <service>.<flag> with a catalog flag of a service enabled for this tenant.",
	"source": "Feature flag gating",
	"applies_when": "a stage has flag gates",
}

gate_ok(gate) if {
	parts := split(gate, ".")
	count(parts) == 2
	parts[0] in enabled_services
	input.catalog.services[parts[0]].flags[parts[1]]
}

findings contains {
	"rule": "ROL-003",
	"path": sprintf("%s/flag_gates/%d", [stage_path(i), j]),
	"message": sprintf("flag gate '%s' is not a flag of an enabled service", [gate]),
} if {
	some i, stage in input.document.rollout.stages
	some j, gate in stage.flag_gates
	not gate_ok(gate)
}

rules["ROL-004"] := {
	"severity": "error",
	"step": "rollout",
	"title": "No silent launches",
	"remediation": "Write the launch announcement (who is told, when, where) before production starts.",
	"source": "No silent launches",
	"applies_when": "production has started",
}

findings contains {
	"rule": "ROL-004",
	"path": "/rollout/launch_announcement",
	"message": "production has started without a launch announcement",
} if {
	production_started
	trim_space(input.document.rollout.launch_announcement) == ""
}

rules["ROL-005"] := {
	"severity": "error",
	"step": "rollout",
	"title": "Initial usage is monitored",
	"remediation": "Write the monitoring plan for the first days (dashboards, alerts, who watches).",
	"source": "Monitoring during initial usage",
	"applies_when": "production has started",
}

findings contains {
	"rule": "ROL-005",
	"path": "/rollout/monitoring_plan",
	"message": "production has started without a monitoring plan",
} if {
	production_started
	trim_space(input.document.rollout.monitoring_plan) == ""
}

rules["ROL-006"] := {
	"severity": "error",
	"step": "rollout",
	"title": "A verified stage carries its evidence",
	"remediation": "Attach the verification evidence (reference, who, when), or set the stage back to in_progress.",
	"source": "Staging environment validation",
	"applies_when": "a stage is marked verified",
}

findings contains {
	"rule": "ROL-006",
	"path": sprintf("%s/verification", [stage_path(i)]),
	"message": sprintf("the %s stage is marked verified without evidence", [stage.environment]),
} if {
	some i, stage in input.document.rollout.stages
	stage.status == "verified"
	not has_evidence(stage.verification)
}

rules["ROL-007"] := {
	"severity": "warning",
	"step": "rollout",
	"title": "Production is gated by feature flags",
	"remediation": "Gate the production stage with at least one feature flag (<service>.<flag>), or justify (justifications[\"ROL-007\"]) a launch without one.",
	"source": "Feature flag gating",
	"applies_when": "a production stage is planned",
}

findings contains {
	"rule": "ROL-007",
	"path": sprintf("%s/flag_gates", [stage_path(i)]),
	"message": "the production stage is not gated by any feature flag",
} if {
	some i, stage in input.document.rollout.stages
	stage.environment == "production"
	count(stage.flag_gates) == 0
}

requirements["ROL-R01"] := {
	"step": "rollout",
	"title": "Staging stage planned",
	"source": "Staging environment validation",
	"applies_when": "always",
}

has_stage(environment) if {
	some stage in input.document.rollout.stages
	stage.environment == environment
}

missing contains {
	"requirement": "ROL-R01",
	"path": "/rollout/stages",
	"message": "Plan a staging stage.",
} if not has_stage("staging")

requirements["ROL-R02"] := {
	"step": "rollout",
	"title": "Production stage planned",
	"source": "Tenant-scoped rollout",
	"applies_when": "always",
}

missing contains {
	"requirement": "ROL-R02",
	"path": "/rollout/stages",
	"message": "Plan the production stage after staging.",
} if not has_stage("production")

requirements["ROL-R03"] := {
	"step": "rollout",
	"title": "Monitoring plan",
	"source": "Monitoring during initial usage",
	"applies_when": "always",
}

missing contains {
	"requirement": "ROL-R03",
	"path": "/rollout/monitoring_plan",
	"message": "Write how initial usage will be monitored.",
} if trim_space(input.document.rollout.monitoring_plan) == ""

requirements["ROL-R04"] := {
	"step": "rollout",
	"title": "Launch announcement",
	"source": "No silent launches",
	"applies_when": "always",
}

missing contains {
	"requirement": "ROL-R04",
	"path": "/rollout/launch_announcement",
	"message": "Write the launch announcement.",
} if trim_space(input.document.rollout.launch_announcement) == ""

requirements["ROL-R05"] := {
	"step": "rollout",
	"title": "Staging verified",
	"source": "Staging environment validation",
	"applies_when": "always",
}

missing contains {
	"requirement": "ROL-R05",
	"path": "/rollout/stages",
	"message": "Verify the tenant in staging and attach the evidence.",
} if not staging_verified
