//! The HTTP API, one module per area. Every route is declared with its OpenAPI
//! description next to the handler; [`api`] collects both, so the served routes and
//! `/openapi.json` cannot drift apart.

pub mod approvals;
pub mod catalog;
pub mod changesets;
pub mod health;
pub mod keys;
pub mod reviews;
pub mod tenants;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as OpenApiDocument;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tenantry reference server",
        description = "Staff keys, signed change sets (DSSE envelopes, docs/changeset-format.md) pushed and pulled under one global sequence, and approvals. Every error is JSON `{code, message, …}`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "keys", description = "Staff keys and roles"),
        (name = "changesets", description = "Push and pull of signed change sets"),
        (name = "approvals", description = "Co-signatures by compliance officers"),
        (name = "catalog", description = "The catalog, signed by the platform key"),
        (name = "operations", description = "Health, readiness, metrics, this document"),
    )
)]
struct ApiDoc;

/// Declares the `bearer` security scheme the routes refer to.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDocument) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The token returned once when the key was registered (or by `tenantry-server bootstrap-admin`)",
                    ))
                    .build(),
            ),
        );
    }
}

/// Every route of the API with its description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(keys::routes())
        .merge(changesets::routes())
        .merge(approvals::routes())
        .merge(reviews::routes())
        .merge(catalog::routes())
        .merge(tenants::routes())
        .merge(health::routes())
}
