use crate::AppState;
use actix_web::{get, web, HttpResponse};

/// `GET /health`: liveness. 200 whenever the process serves requests; it checks no
/// dependency, so a database outage does not make the platform restart a healthy process.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The process is up", body = Object)),
    security(())
)]
#[get("/health", wrap = "crate::access::Authorize")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok", "service": "api" }))
}

/// `GET /ready`: readiness. 200 when PostgreSQL and Redis answer, 503 naming the one that
/// does not.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "PostgreSQL and Redis answer", body = Object),
        (status = 503, description = "A dependency does not answer", body = Object),
    ),
    security(())
)]
#[get("/ready", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip_all)]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let (ok, mut body) = runtime::health::check(&state.pool, &state.queues).await;
    body["service"] = "api".into();
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
