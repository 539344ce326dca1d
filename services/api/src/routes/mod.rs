//! The routes, one module per resource.

pub(crate) mod auth;
pub(crate) mod clusters;
pub(crate) mod dead_letters;
pub(crate) mod export;
pub(crate) mod health;
pub(crate) mod issues;
pub(crate) mod ops;
pub(crate) mod params;
pub(crate) mod sync;
pub(crate) mod taxonomy;
pub(crate) mod tickets;
pub(crate) mod users;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::health)
        .service(health::ready)
        .service(crate::monitoring::metrics)
        .service(crate::openapi::swagger_ui())
        .service(auth::login)
        .service(auth::logout)
        .service(auth::me)
        .service(auth::providers)
        .service(auth::oidc_start)
        .service(auth::oidc_callback)
        .service(users::list)
        .service(users::create)
        .service(users::update)
        .service(taxonomy::taxonomy)
        .service(issues::summary)
        .service(issues::list)
        .service(issues::correct)
        .service(clusters::list)
        .service(clusters::detail)
        .service(clusters::similar)
        .service(clusters::update)
        .service(clusters::merge)
        .service(tickets::detail)
        .service(tickets::create)
        .service(tickets::analyze)
        .service(tickets::redaction_preview)
        .service(export::issues)
        .service(export::clusters)
        .service(sync::trigger)
        .service(sync::status)
        .service(ops::queues)
        .service(ops::jobs)
        .service(ops::retry)
        .service(dead_letters::list)
        .service(dead_letters::detail)
        .service(dead_letters::replay)
        .default_service(web::to(not_found));
}

async fn not_found(
    req: actix_web::HttpRequest,
) -> Result<actix_web::HttpResponse, crate::ApiError> {
    Err(crate::ApiError::NotFound(format!(
        "no route for {} {}",
        req.method(),
        req.path()
    )))
}
