//! The `/health` and `/ready` endpoints of the worker services (Railway and docker-compose
//! check `/ready`; operators curl either). On the workers both check PostgreSQL and Redis —
//! a worker without them can do nothing — so `/ready` is the same answer under the name every
//! service (the api included) uses for its readiness check.

use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::json;

/// What `/health` checks.
#[derive(Clone)]
pub struct HealthState {
    pub service: &'static str,
    pub pool: db::Pool,
    pub queues: queue::Queues,
}

/// Extra service-specific detail merged into the `/health` body (e.g. the analyzer in use and
/// why Claude is off). It informs operators; it does not make the service unhealthy.
pub type Detail = std::sync::Arc<dyn Fn() -> serde_json::Value + Send + Sync>;

#[derive(Clone)]
struct Served {
    state: HealthState,
    detail: Option<Detail>,
}

/// Checks PostgreSQL and Redis: 200 with `"status": "ok"` when both answer, 503 with the
/// failing part otherwise.
pub async fn check(pool: &db::Pool, queues: &queue::Queues) -> (bool, serde_json::Value) {
    let database = db::ping(pool).await;
    let redis = queues.ping().await;
    let ok = database.is_ok() && redis.is_ok();
    let part = |r: Result<(), String>| match r {
        Ok(()) => json!({"status": "ok"}),
        Err(e) => json!({"status": "error", "error": e}),
    };
    (
        ok,
        json!({
            "status": if ok { "ok" } else { "degraded" },
            "postgres": part(database.map_err(|e| e.to_string())),
            "redis": part(redis.map_err(|e| e.to_string())),
        }),
    )
}

async fn health(served: web::Data<Served>) -> HttpResponse {
    let state = &served.state;
    let (ok, mut body) = check(&state.pool, &state.queues).await;
    body["service"] = json!(state.service);
    if let (Some(detail), Some(fields)) = (&served.detail, body.as_object_mut()) {
        if let serde_json::Value::Object(extra) = detail() {
            fields.extend(extra);
        }
    }
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Binds the health server (port 0 picks a free port; the bound address is returned with the
/// server future).
pub fn serve(
    state: HealthState,
    host: &str,
    port: u16,
) -> std::io::Result<(std::net::SocketAddr, actix_web::dev::Server)> {
    serve_with_detail(state, None, host, port)
}

/// [`serve`], adding `detail()`'s fields to every `/health` body.
pub fn serve_with_detail(
    state: HealthState,
    detail: Option<Detail>,
    host: &str,
    port: u16,
) -> std::io::Result<(std::net::SocketAddr, actix_web::dev::Server)> {
    let served = Served { state, detail };
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(served.clone()))
            .route("/health", web::get().to(health))
            .route("/ready", web::get().to(health))
    })
    .workers(1)
    .disable_signals()
    .bind((host, port))?;
    let addr = server.addrs()[0];
    Ok((addr, server.run()))
}

/// A health server running in the background.
pub struct Running {
    handle: actix_web::dev::ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Finishes in-flight requests and stops.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.handle.stop(true).await;
        self.task.await??;
        Ok(())
    }
}

/// Binds and starts the health server of `state.service` in the background.
pub fn spawn(state: HealthState, host: &str, port: u16) -> std::io::Result<Running> {
    spawn_with_detail(state, None, host, port)
}

/// [`spawn`] with service-specific detail in the body (see [`Detail`]).
pub fn spawn_with_detail(
    state: HealthState,
    detail: Option<Detail>,
    host: &str,
    port: u16,
) -> std::io::Result<Running> {
    let service = state.service;
    let (addr, server) = serve_with_detail(state, detail, host, port)?;
    tracing::info!(%addr, service, "health endpoint listening");
    Ok(Running {
        handle: server.handle(),
        task: tokio::spawn(server),
    })
}
