# APR-002: a data migration that brings PHI in is reviewed by a compliance officer.
package tenantry.approvals

rules["APR-002"] := {
	"step": "data_migration",
	"title": "A PHI dataset added to or changed in the migration is approved by a compliance officer",
	"approvals": 1,
	"reviewer": "compliance_officer",
	"source": "Classify data (PHI, PII, etc.)",
	"applies_when": "a dataset classified phi is new or differs from before, in draft or staging",
}

# A dataset is unchanged only when the very same dataset (every field) was there
# before; renaming, re-targeting or reclassifying it is a change to review.
required contains {
	"rule": "APR-002",
	"path": sprintf("/data_migration/datasets/%d", [i]),
	"message": phi_message(dataset),
} if {
	not promotion
	some i, dataset in input.after.data_migration.datasets
	"phi" in dataset.classification
	not dataset in before_datasets
}

phi_message(dataset) := sprintf("changes the PHI dataset '%s' migrated into %s", [dataset.name, dataset.target_service]) if {
	some earlier in before_datasets
	earlier.name == dataset.name
} else := sprintf("adds the PHI dataset '%s' to the migration into %s", [dataset.name, dataset.target_service])
