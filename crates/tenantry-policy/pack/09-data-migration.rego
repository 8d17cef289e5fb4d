# Step 9: Data migration and initialization.
package tenantry.policy

dataset_path(i, field) := sprintf("/data_migration/datasets/%d/%s", [i, field])

rules["MIG-001"] := {
	"severity": "error",
	"step": "data_migration",
	"title": "Each dataset goes into an enabled catalog service",
	"remediation": "Migrate into a service enabled for this tenant (step 4); migrations run per service.",
	"source": "Run migrations per service",
	"applies_when": "datasets are migrated",
}

findings contains {
	"rule": "MIG-001",
	"path": dataset_path(i, "target_service"),
	"message": sprintf("dataset '%s' goes into '%s', which is not an enabled catalog service", [dataset.name, dataset.target_service]),
} if {
	some i, dataset in input.document.data_migration.datasets
	not dataset.target_service in enabled_services
}

rules["MIG-002"] := {
	"severity": "error",
	"step": "data_migration",
	"title": "Every dataset is classified",
	"remediation": "Classify the dataset (phi, pii, confidential, public) before migrating it.",
	"source": "Classify data (PHI, PII, etc.)",
	"applies_when": "datasets are migrated",
}

findings contains {
	"rule": "MIG-002",
	"path": dataset_path(i, "classification"),
	"message": sprintf("dataset '%s' is not classified", [dataset.name]),
} if {
	some i, dataset in input.document.data_migration.datasets
	count(dataset.classification) == 0
}

rules["MIG-003"] := {
	"severity": "error",
	"step": "data_migration",
	"title": "PHI is migrated only where PHI is allowed",
	"remediation": "Leave the PHI out of the migration, or (for a HIPAA client) turn phi_allowed on.",
	"source": "Classify data (PHI, PII, etc.)",
	"applies_when": "a dataset holds PHI",
}

findings contains {
	"rule": "MIG-003",
	"path": dataset_path(i, "classification"),
	"message": sprintf("dataset '%s' holds PHI but the tenant does not allow PHI", [dataset.name]),
} if {
	some i, dataset in input.document.data_migration.datasets
	"phi" in dataset.classification
	not phi_allowed
}

rules["MIG-004"] := {
	"severity": "error",
	"step": "data_migration",
	"title": "PHI goes only into PHI-capable services",
	"remediation": "Migrate the PHI into a PHI-capable service (e.g. chat, scheduling), or strip it first.",
	"source": "Classify data (PHI, PII, etc.)",
	"applies_when": "a dataset holds PHI",
}

findings contains {
	"rule": "MIG-004",
	"path": dataset_path(i, "target_service"),
	"message": sprintf("dataset '%s' holds PHI but service '%s' is not PHI-capable", [dataset.name, dataset.target_service]),
} if {
	some i, dataset in input.document.data_migration.datasets
	"phi" in dataset.classification
	input.catalog.services[dataset.target_service].phi_capable == false
}

rules["MIG-005"] := {
	"severity": "error",
	"step": "data_migration",
	"title": "Every migration can be undone",
	"remediation": "Write the rollback plan: how the migrated data is removed or restored.",
	"source": "Migrations must be reversible",
	"applies_when": "datasets are migrated",
}

findings contains {
	"rule": "MIG-005",
	"path": dataset_path(i, "rollback_plan"),
	"message": sprintf("dataset '%s' has no rollback plan", [dataset.name]),
} if {
	some i, dataset in input.document.data_migration.datasets
	trim_space(dataset.rollback_plan) == ""
}

rules["MIG-006"] := {
	"severity": "error",
	"step": "data_migration",
	"title": "Dry run on non-production data before production",
	"remediation": "Run the migration against non-production data and attach the evidence before starting production.",
	"source": "Test with non-production data first",
	"applies_when": "datasets are migrated and production has started",
}

findings contains {
	"rule": "MIG-006",
	"path": dataset_path(i, "dry_run"),
	"message": sprintf("production has started but dataset '%s' has no dry-run evidence", [dataset.name]),
} if {
	production_started
	some i, dataset in input.document.data_migration.datasets
	not has_evidence(dataset.dry_run)
}

rules["MIG-007"] := {
	"severity": "error",
	"step": "data_migration",
	"title": "No data from another tenant",
	"remediation": "Migrate only this client's data; remove the other tenant's id from the dataset.",
	"source": "No cross-tenant data access",
	"applies_when": "datasets are migrated",
}

findings contains {
	"rule": "MIG-007",
	"path": ref.path,
	"message": sprintf("this dataset refers to another tenant (%s)", [ref.tenant]),
} if {
	some ref in input.foreign_tenant_refs
	startswith(ref.path, "/data_migration/")
}

rules["MIG-008"] := {
	"severity": "error",
	"step": "data_migration",
	"title": "Tenant isolation verified before production",
	"remediation": "Check that no other tenant's data is reachable after the migration and attach the evidence.",
	"source": "Verify tenant isolation",
	"applies_when": "datasets are migrated and production has started",
}

findings contains {
	"rule": "MIG-008",
	"path": dataset_path(i, "isolation_check"),
	"message": sprintf("production has started but dataset '%s' has no isolation check", [dataset.name]),
} if {
	production_started
	some i, dataset in input.document.data_migration.datasets
	not has_evidence(dataset.isolation_check)
}

requirements["MIG-R01"] := {
	"step": "data_migration",
	"title": "Migration decided",
	"source": "If migrating data:",
	"applies_when": "always",
}

missing contains {
	"requirement": "MIG-R01",
	"path": "/data_migration/decided",
	"message": "Decide whether data will be migrated (decided: true, with or without datasets).",
} if input.document.data_migration.decided != true

requirements["MIG-R02"] := {
	"step": "data_migration",
	"title": "Dry run evidence",
	"source": "Test with non-production data first",
	"applies_when": "datasets are migrated",
}

missing contains {
	"requirement": "MIG-R02",
	"path": dataset_path(i, "dry_run"),
	"message": sprintf("Dry-run dataset '%s' on non-production data and attach the evidence.", [dataset.name]),
} if {
	some i, dataset in input.document.data_migration.datasets
	not has_evidence(dataset.dry_run)
}

requirements["MIG-R03"] := {
	"step": "data_migration",
	"title": "Isolation check evidence",
	"source": "Verify tenant isolation",
	"applies_when": "datasets are migrated",
}

missing contains {
	"requirement": "MIG-R03",
	"path": dataset_path(i, "isolation_check"),
	"message": sprintf("Check tenant isolation after migrating '%s' and attach the evidence.", [dataset.name]),
} if {
	some i, dataset in input.document.data_migration.datasets
	not has_evidence(dataset.isolation_check)
}

requirements["MIG-R04"] := {
	"step": "data_migration",
	"title": "Schema reference",
	"source": "Validate schemas",
	"applies_when": "datasets are migrated",
}

missing contains {
	"requirement": "MIG-R04",
	"path": dataset_path(i, "schema_ref"),
	"message": sprintf("Reference the schema dataset '%s' is validated against.", [dataset.name]),
} if {
	some i, dataset in input.document.data_migration.datasets
	trim_space(dataset.schema_ref) == ""
}
