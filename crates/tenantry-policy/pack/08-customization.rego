# Step 8: Frontend customization.
package tenantry.policy

# Texts a person reads in the client app, with their paths, lower-cased.
ui_texts contains ["/customization/copy_tone", lower(input.document.customization.copy_tone)]

ui_texts contains [sprintf("/customization/navigation/%d/label", [i]), lower(item.label)] if {
	some i, item in input.document.customization.navigation
}

# All of them at once: the markers are looked for in each text only when one is found.
all_ui_text := concat("\n", [text | some [_, text] in ui_texts])


# Instructions to a model have no place in presentation copy.
prompt_markers := [
	"ignore previous instructions",
	"ignore all previous",
	"system prompt",
	"you are an ai",
	"you are a helpful",
	"as an ai model",
	"<|",
	"[inst]",
	"prompt:",
	"assistant:",
	"temperature=",
	"respond only with",
]

# Code and template constructs: business rules hiding in UI copy.
logic_markers := ["if (", "=>", "function(", "function ", "return ", "select ", "{{", "{%", "${"]

ui_features := {feature |
	some _, entry in input.catalog.services
	some feature in entry.ui_features
}

rules["CUS-001"] := {
	"severity": "error",
	"step": "frontend_customization",
	"title": "Feature visibility names catalog UI features",
	"remediation": "Use a UI feature id from the catalog (e.g. chat.inbox).",
	"source": "Feature visibility",
	"applies_when": "feature visibility is customized",
}

findings contains {
	"rule": "CUS-001",
	"path": sprintf("/customization/feature_visibility/%s", [ptr(feature)]),
	"message": sprintf("'%s' is not a UI feature of any catalog service", [feature]),
} if {
	some feature, _ in input.document.customization.feature_visibility
	not feature in ui_features
}

rules["CUS-002"] := {
	"severity": "error",
	"step": "frontend_customization",
	"title": "Visibility cannot turn a service on",
	"remediation": "Enable the service in step 4, or hide the feature.",
	"source": "Customization must not affect service behavior",
	"applies_when": "feature visibility is customized",
}

findings contains {
	"rule": "CUS-002",
	"path": sprintf("/customization/feature_visibility/%s", [ptr(feature)]),
	"message": sprintf("'%s' is shown but its service '%s' is not enabled", [feature, service]),
} if {
	some service, entry in input.catalog.services
	not service in enabled_services
	some feature in entry.ui_features
	input.document.customization.feature_visibility[feature] == true
}

rules["CUS-003"] := {
	"severity": "error",
	"step": "frontend_customization",
	"title": "Brand colours are #rrggbb",
	"remediation": "Write the colour as # followed by six hex digits, e.g. #0a6cff.",
	"source": "Branding and theming",
	"applies_when": "a brand colour is set",
}

findings contains {
	"rule": "CUS-003",
	"path": sprintf("/customization/branding/%s", [field]),
	"message": sprintf("%s '%s' is not a #rrggbb colour", [field, colour]),
} if {
	some field in ["primary_color", "secondary_color"]
	colour := input.document.customization.branding[field]
	is_string(colour)
	not hex_colour(colour)
}

rules["CUS-004"] := {
	"severity": "error",
	"step": "frontend_customization",
	"title": "The logo is a reference to an asset",
	"remediation": "Upload the logo to the asset store and enter its reference (asset://… or an https:// URL), not the image itself.",
	"source": "Branding and theming",
	"applies_when": "a logo is set",
}

logo_reference(ref) if startswith(ref, "asset://")

logo_reference(ref) if startswith(ref, "https://")

findings contains {
	"rule": "CUS-004",
	"path": "/customization/branding/logo_ref",
	"message": "the logo is not a reference (asset://… or https://…)",
} if {
	ref := input.document.customization.branding.logo_ref
	is_string(ref)
	not logo_reference(ref)
}

rules["CUS-005"] := {
	"severity": "error",
	"step": "frontend_customization",
	"title": "No prompt logic in UI copy",
	"remediation": "Remove the model instructions from the copy; AI behaviour is configured in step 6 (prompt versions), never in the UI.",
	"source": "No prompt logic in UI",
	"applies_when": "UI copy is customized",
}

findings contains {
	"rule": "CUS-005",
	"path": path,
	"message": "this UI text carries instructions for an AI model",
} if {
	marker_in(all_ui_text, prompt_markers)
	some [path, text] in ui_texts
	marker_in(text, prompt_markers)
}

rules["CUS-006"] := {
	"severity": "error",
	"step": "frontend_customization",
	"title": "Navigation stays inside the client app",
	"remediation": "Use a route of the client app, starting with / (e.g. /inbox); services are reached through the app, not linked directly.",
	"source": "Customization belongs in the client app only.",
	"applies_when": "navigation is customized",
}

route_inside_app(route) if {
	startswith(route, "/")
	not startswith(route, "//")
	not startswith(route, "/api/")
	not startswith(route, "/services/")
	not contains(route, "://")
}

findings contains {
	"rule": "CUS-006",
	"path": sprintf("/customization/navigation/%d/route", [i]),
	"message": sprintf("navigation item '%s' goes to '%s', outside the client app", [item.label, item.route]),
} if {
	some i, item in input.document.customization.navigation
	not route_inside_app(item.route)
}

rules["CUS-007"] := {
	"severity": "error",
	"step": "frontend_customization",
	"title": "No domain logic in UI copy",
	"remediation": "Keep copy to words; conditions and calculations belong in the services' configuration, flags or policy.",
	"source": "No domain logic in UI",
	"applies_when": "UI copy is customized",
}

findings contains {
	"rule": "CUS-007",
	"path": path,
	"message": "this UI text contains code or template logic",
} if {
	marker_in(all_ui_text, logic_markers)
	some [path, text] in ui_texts
	marker_in(text, logic_markers)
}

rules["CUS-008"] := {
	"severity": "error",
	"step": "frontend_customization",
	"title": "Only client frontends are customized",
	"remediation": "Remove the customization, or choose a client frontend in step 3; the product UIs are shared reference implementations.",
	"source": "Customization belongs in the client app only.",
	"applies_when": "the strategy is existing_product_uis",
}

customized contains "branding" if {
	some _, value in input.document.customization.branding
	value != null
}

customized contains "navigation" if count(input.document.customization.navigation) > 0

customized contains "feature visibility" if count(input.document.customization.feature_visibility) > 0

customized contains "copy and tone" if trim_space(input.document.customization.copy_tone) != ""

findings contains {
	"rule": "CUS-008",
	"path": "/customization",
	"message": sprintf("the product UIs are customized (%s) but they are shared by every client", [concat(", ", sort(customized))]),
} if {
	input.document.frontend.strategy == "existing_product_uis"
	count(customized) > 0
}

client_frontend if input.document.frontend.strategy == "client_frontend"

requirements["CUS-R01"] := {
	"step": "frontend_customization",
	"title": "Frontend strategy decided first",
	"source": "Client frontends may customize:",
	"applies_when": "always",
}

missing contains {
	"requirement": "CUS-R01",
	"path": "/frontend/strategy",
	"message": "Decide the frontend strategy (step 3) first.",
} if input.document.frontend.strategy == "undecided"

requirements["CUS-R02"] := {
	"step": "frontend_customization",
	"title": "Branding of the client frontend",
	"source": "Branding and theming",
	"applies_when": "the strategy is client_frontend",
}

missing contains {
	"requirement": "CUS-R02",
	"path": sprintf("/customization/branding/%s", [field]),
	"message": sprintf("Set the client app's %s.", [label]),
} if {
	client_frontend
	some [field, label] in [["primary_color", "primary colour"], ["logo_ref", "logo"]]
	blank(input.document.customization.branding[field])
}

requirements["CUS-R03"] := {
	"step": "frontend_customization",
	"title": "Navigation of the client frontend",
	"source": "Navigation structure",
	"applies_when": "the strategy is client_frontend",
}

missing contains {
	"requirement": "CUS-R03",
	"path": "/customization/navigation",
	"message": "Lay out the client app's navigation (at least one item).",
} if {
	client_frontend
	count(input.document.customization.navigation) == 0
}

requirements["CUS-R04"] := {
	"step": "frontend_customization",
	"title": "Copy and tone of the client frontend",
	"source": "UX copy and tone",
	"applies_when": "the strategy is client_frontend",
}

missing contains {
	"requirement": "CUS-R04",
	"path": "/customization/copy_tone",
	"message": "Describe the copy and tone of the client app.",
} if {
	client_frontend
	trim_space(input.document.customization.copy_tone) == ""
}
