//! The `/health` endpoint of the worker services (Railway checks it; operators curl it).

use actix_web::{get, web, App, HttpResponse, HttpServer};
use serde_json::json;

/// What `/health` checks.
#[derive(Clone)]
pub struct HealthState {
    pub service: &'static str,
    pub pool: db::Pool,
    pub queues: queue::Queues,
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

#[get("/health")]
async fn health(state: web::Data<HealthState>) -> HttpResponse {
    let (ok, mut body) = check(&state.pool, &state.queues).await;
    body["service"] = json!(state.service);
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
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(state.clone()))
            .service(health)
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
    let service = state.service;
    let (addr, server) = serve(state, host, port)?;
    tracing::info!(%addr, service, "health endpoint listening");
    Ok(Running {
        handle: server.handle(),
        task: tokio::spawn(server),
    })
}
