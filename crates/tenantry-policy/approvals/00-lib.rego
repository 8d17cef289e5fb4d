# Tenantry approval rules: which change sets need co-signatures before they count.
#
# Every file (and every file a platform adds with `ApprovalPolicy::from_dir`) declares
# `package tenantry.approvals` and contributes to two collections:
#
#   rules[id] := {step, title, approvals, reviewer, source, applies_when}
#       approvals: how many distinct reviewers must co-sign (1 or more);
#       reviewer: the role they hold ("compliance_officer").
#   required contains {"rule": id, "path": json_pointer, "message": text}
#       one entry per reason this change needs the rule's approvals. The message names
#       what changes, for the reviewer ("changes the compliance mode from gdpr to hipaa").
#
# Input: {"environment": "draft" | "staging" | "production",
#         "creation": true when the change creates the environment's document,
#         "before": <the environment's tenant document before the change> | null (a creation),
#         "after": <the document the change makes>,
#         "changed_paths": [<JSON pointer of each operation>]}
#
# Rules compare `before` with `after` rather than reading `changed_paths`, so a change
# is caught however its operations are cut (one `set` of a whole object, an unset and a
# re-add, a creation).
#
# Read only the parts of the documents a rule needs (`input.after.classification…`, not
# `input.after` passed whole): the rules are then given only those parts and their
# result is reused for every change whose parts read the same, which is what keeps them
# cheap on a busy server. A rule that reads a whole document still works, only slower.
#
# Production is only ever made equal to staging (the server's production-through-
# staging check), so the bundled content rules (APR-001, APR-002) apply to draft and
# staging, where content is authored; a production change set needs the approval of
# the staging change set it promotes (APR-003). A requirement the server records for a
# production change set is always counted against that staging change set's approvals.

package tenantry.approvals

# ---------------------------------------------------------------------------------------
# Entry points, read by the Rust side.

metadata := {"rules": rules}

result := {"required": required}

# ---------------------------------------------------------------------------------------
# Facts about the change.

environment := input.environment

creation if input.creation

promotion if input.environment == "production"

# The compliance mode before the change; a creation starts from the default, standard.
default before_mode := "standard"

before_mode := input.before.classification.compliance_mode

after_mode := input.after.classification.compliance_mode

# The datasets before the change (none for a creation).
default before_datasets := []

before_datasets := input.before.data_migration.datasets
