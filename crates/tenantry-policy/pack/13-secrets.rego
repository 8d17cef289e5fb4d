# Credentials anywhere in the document. Step 7 says how credentials are configured
# ("via secrets manager"); a credential pasted into any field is reported where it is.
package tenantry.policy

rules["SEC-001"] := {
	"severity": "error",
	"step": "integrations",
	"title": "No credentials in the tenant document",
	"remediation": "Remove the value, rotate the credential (it has been exposed), store it in the secrets manager and reference it as secret://tenants/<tenant id>/<name>.",
	"source": "Configure credentials via secrets manager",
	"applies_when": "always",
}

# The value itself is never echoed: only what it looks like.
findings contains {
	"rule": "SEC-001",
	"path": hit.path,
	"step": step_of_path(hit.path),
	"message": sprintf("this looks like %s; credentials never go into the tenant document", [hit.kind]),
} if {
	some hit in input.credential_hits
}
