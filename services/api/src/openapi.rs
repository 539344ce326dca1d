//! The OpenAPI 3 description, generated from the handlers' annotations (utoipa), served at
//! `/api/openapi.json` with Swagger UI at `/api/docs`. The committed copy in
//! services/api/openapi.json is what the dashboard generates its client from; a test fails
//! when it differs from what the code serves (`make openapi` rewrites it).

use crate::routes::{
    auth, clusters, dead_letters, export, health, issues, ops, sync, taxonomy, tickets, users,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Issue Miner API",
        description = "Product issues mined from support tickets: issues, clusters, tickets, \
            exports, sync and operations. Every route except /health, /ready and /metrics needs \
            `Authorization: Bearer <token>`: an API token (`api token create`) or a person's \
            session token from `POST /api/auth/login` or single sign-on. Reads need the read \
            scope, writes write, /api/ops and /api/users admin (admin includes write includes \
            read); a viewer acts with read, an editor with write, an admin with admin. \
            Errors are JSON `{error, message}`; 429 answers carry Retry-After."
    ),
    paths(
        health::health,
        health::ready,
        crate::monitoring::metrics,
        auth::login,
        auth::logout,
        auth::me,
        auth::providers,
        auth::oidc_start,
        auth::oidc_callback,
        users::list,
        users::create,
        users::update,
        taxonomy::taxonomy,
        issues::list,
        issues::summary,
        issues::correct,
        clusters::list,
        clusters::detail,
        clusters::similar,
        clusters::update,
        clusters::merge,
        tickets::detail,
        tickets::create,
        tickets::analyze,
        tickets::redaction_preview,
        export::issues,
        export::clusters,
        sync::trigger,
        sync::status,
        ops::queues,
        ops::jobs,
        ops::retry,
        dead_letters::list,
        dead_letters::detail,
        dead_letters::replay,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Signing in: email and password, single sign-on, sessions"),
        (name = "users", description = "The people who sign in (admin)"),
        (name = "issues", description = "Extracted product issues"),
        (name = "clusters", description = "Groups of the same problem"),
        (name = "tickets", description = "Support tickets and on-the-spot classification"),
        (name = "export", description = "CSV exports"),
        (name = "sync", description = "Pulling tickets from Zendesk"),
        (name = "operations", description = "Health, metrics, the job queues and intake dead letters"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (`api token create --name N --scope read|write|admin`) or a session token \
                         (`POST /api/auth/login`)",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document as pretty JSON, exactly as committed (with a final newline).
pub fn document_json() -> anyhow::Result<String> {
    Ok(ApiDoc::openapi().to_pretty_json()?)
}

/// Swagger UI at `/api/docs/`, reading the document it also serves at `/api/openapi.json`.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", ApiDoc::openapi())
}
