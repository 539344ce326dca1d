//! The routes, one module per resource.

mod clusters;
mod health;
mod issues;
pub(crate) mod params;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::health)
        .service(issues::summary)
        .service(issues::list)
        .service(clusters::list)
        .service(clusters::detail)
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
