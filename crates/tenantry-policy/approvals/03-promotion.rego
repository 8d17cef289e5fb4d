# APR-003: production takes only a staging configuration a compliance officer approved.
package tenantry.approvals

rules["APR-003"] := {
	"step": "rollout",
	"title": "A production promotion carries an approval of the staging change set it promotes",
	"approvals": 1,
	"reviewer": "compliance_officer",
	"source": "No direct-to-production onboarding",
	"applies_when": "every production change set; counted on the tenant's staging head at the time of the push",
}

required contains {
	"rule": "APR-003",
	"path": "",
	"message": "promotes the staging configuration to production: the staging change set it promotes needs a compliance officer's approval",
} if promotion
