use crate::AppState;
use actix_web::{get, web, HttpResponse};

/// 200 when PostgreSQL and Redis answer, 503 naming the one that does not.
#[get("/health")]
#[tracing::instrument(skip_all)]
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let (ok, mut body) = runtime::health::check(&state.pool, &state.queues).await;
    body["service"] = "api".into();
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
