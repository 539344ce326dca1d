//! Prometheus metrics: request counts and latency histograms per route (recorded by a
//! middleware), and at scrape time the job counts of every queue read from Redis.
//!
//! The recorder is process-global (the `metrics` facade has one), installed by the first
//! application built in the process and shared by any later one (tests build several).

use crate::{ApiError, AppState};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{get, web, HttpResponse};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

/// Request latency buckets, in seconds: fine below 25 ms, where the API's goals are.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the global recorder once and returns the handle that renders it.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    if let Some(h) = HANDLE.get() {
        return Ok(h.clone());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("http_request_duration_seconds".into()),
            LATENCY_BUCKETS,
        )?
        .build_recorder();
    let handle = recorder.handle();
    // Two applications racing here: the loser's recorder is dropped and it uses the winner's.
    if ::metrics::set_global_recorder(recorder).is_ok() {
        let _ = HANDLE.set(handle);
    }
    HANDLE
        .get()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("another metrics recorder is installed in this process"))
}

/// Middleware body: counts the request and records its latency under its route pattern
/// (`/api/clusters/{id}`, never the raw path, so label cardinality stays bounded).
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let result = next.call(req).await;
    let status = match &result {
        Ok(res) => res.status().as_u16(),
        Err(e) => e.as_response_error().status_code().as_u16(),
    };
    ::metrics::counter!(
        "http_requests_total",
        "method" => method.clone(),
        "route" => route.clone(),
        "status" => status.to_string()
    )
    .increment(1);
    ::metrics::histogram!(
        "http_request_duration_seconds",
        "method" => method,
        "route" => route
    )
    .record(started.elapsed().as_secs_f64());
    result
}

/// `GET /metrics`: Prometheus text format. Queue gauges are read from Redis on each scrape, so
/// they count the jobs of every worker process, not only this one.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain"))
)]
#[get("/metrics")]
pub async fn metrics(
    state: web::Data<AppState>,
    handle: web::Data<PrometheusHandle>,
) -> Result<HttpResponse, ApiError> {
    match state.queues.depths().await {
        Ok(depths) => {
            for d in depths {
                for (kind, value) in [
                    ("pending", d.pending),
                    ("scheduled", d.scheduled),
                    ("running", d.running),
                    ("failed", d.failed),
                    ("done", d.done),
                    ("dead", d.dead),
                ] {
                    ::metrics::gauge!("queue_jobs", "queue" => d.queue.clone(), "state" => kind)
                        .set(value as f64);
                }
                ::metrics::gauge!("queue_oldest_pending_seconds", "queue" => d.queue.clone())
                    .set(d.oldest_pending_secs.unwrap_or(0) as f64);
            }
        }
        // Metrics stay available without Redis; the request metrics are still worth having.
        Err(e) => tracing::warn!(error = %e, "metrics: cannot read queue depths"),
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(handle.render()))
}
