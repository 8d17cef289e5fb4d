# Step 3: Decide the frontend strategy.
package tenantry.policy

rules["FE-001"] := {
	"severity": "error",
	"step": "frontend_strategy",
	"title": "A client frontend lives at apps/client-<slug>",
	"remediation": "Set app_path to apps/client-<the tenant's slug>, so every client app is found in one place and named after its tenant.",
	"source": "Lives at `/apps/client-<client-name>`",
	"applies_when": "the strategy is client_frontend",
}

expected_app_path := sprintf("apps/client-%s", [input.document.tenant.slug])

findings contains {
	"rule": "FE-001",
	"path": "/frontend/app_path",
	"message": sprintf("the client frontend is at '%s'; it must be at '%s'", [input.document.frontend.app_path, expected_app_path]),
} if {
	input.document.frontend.strategy == "client_frontend"
	input.document.frontend.app_path != expected_app_path
}

rules["FE-002"] := {
	"severity": "warning",
	"step": "frontend_strategy",
	"title": "Real deployments use a client frontend",
	"remediation": "Create a client frontend at apps/client-<slug>, or justify (justifications[\"FE-002\"]) why this client goes to production on the product UIs.",
	"source": "Client frontends are preferred for real deployments",
	"applies_when": "the strategy is existing_product_uis and a production stage is planned",
}

findings contains {
	"rule": "FE-002",
	"path": "/frontend/strategy",
	"message": "the client goes to production on the existing product UIs, which remain reference implementations",
} if {
	input.document.frontend.strategy == "existing_product_uis"
	some stage in input.document.rollout.stages
	stage.environment == "production"
}

requirements["FE-R01"] := {
	"step": "frontend_strategy",
	"title": "Frontend strategy decided",
	"source": "Choose one of the following:",
	"applies_when": "always",
}

missing contains {
	"requirement": "FE-R01",
	"path": "/frontend/strategy",
	"message": "Choose the existing product UIs or a client frontend.",
} if input.document.frontend.strategy == "undecided"
