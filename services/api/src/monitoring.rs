//! Prometheus metrics: request counts and latency histograms per route (recorded by a
//! middleware); at scrape time the job counts of every queue read from Redis; and the LLM
//! token usage and cost of every stored analysis, an SQL aggregate of `analysis_runs` reused
//! for a few seconds (`METRICS_CACHE_SECS`) so frequent scrapes do not each scan the table.
//!
//! The recorder is process-global (the `metrics` facade has one), installed by the first
//! application built in the process and shared by any later one (tests build several).

use crate::{ApiError, AppState};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{get, web, HttpResponse};
use db::models::analysis_run::{self, ModelTotals};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Request latency buckets, in seconds: fine below 25 ms, where the API's goals are.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();

/// Installs the global recorder once and returns the handle that renders it. Applications
/// built at the same time in one process (the tests) wait for the first to finish installing
/// and share its handle (before: the second could look between the first's install and its
/// handle being stored, and failed).
pub fn install() -> anyhow::Result<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    LATENCY_BUCKETS,
                )
                .map_err(|e| e.to_string())?
                .build_recorder();
            let handle = recorder.handle();
            ::metrics::set_global_recorder(recorder)
                .map_err(|_| "another metrics recorder is installed in this process".to_string())?;
            Ok(handle)
        })
        .clone()
        .map_err(anyhow::Error::msg)
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

/// The per-model LLM totals, reused for a short time between scrapes.
pub struct UsageCache {
    ttl: Duration,
    last: Mutex<Option<(Instant, Vec<ModelTotals>)>>,
}

impl UsageCache {
    pub fn new(ttl: Duration) -> Self {
        UsageCache {
            ttl,
            last: Mutex::new(None),
        }
    }

    async fn get(&self, pool: &db::Pool) -> Result<Vec<ModelTotals>, ApiError> {
        if let Some((at, rows)) = &*self.last.lock().unwrap_or_else(|p| p.into_inner()) {
            if at.elapsed() < self.ttl {
                return Ok(rows.clone());
            }
        }
        let mut conn = pool.get().await?;
        let rows = analysis_run::totals_by_model(&mut conn).await?;
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), rows.clone()));
        Ok(rows)
    }
}

/// A Prometheus label value: backslash, quote and line feed escaped.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// One counter's samples for a model's totals: (the `kind` label, if any; the value).
type Samples = Vec<(Option<&'static str>, String)>;

/// The LLM usage of the stored analyses in Prometheus text format: counters per analyzer and
/// model (`model="none"` for analyzers without one). Cost counts only runs whose model had a
/// known price; `issue_miner_llm_unpriced_runs_total` counts the others.
pub fn render_llm_usage(rows: &[ModelTotals]) -> String {
    let mut out = String::new();
    let series =
        |out: &mut String, name: &str, help: &str, value: &dyn Fn(&ModelTotals) -> Samples| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            for r in rows {
                let base = format!(
                    "analyzer=\"{}\",model=\"{}\"",
                    label(&r.analyzer),
                    label(r.model.as_deref().unwrap_or("none"))
                );
                for (kind, v) in value(r) {
                    match kind {
                        Some(kind) => {
                            let _ = writeln!(out, "{name}{{{base},kind=\"{kind}\"}} {v}");
                        }
                        None => {
                            let _ = writeln!(out, "{name}{{{base}}} {v}");
                        }
                    }
                }
            }
        };
    series(
        &mut out,
        "issue_miner_llm_tokens_total",
        "Tokens of the stored analyses (analysis_runs), by kind: input, output, cache_write, cache_read.",
        &|r| {
            let t = &r.totals;
            vec![
                (Some("input"), t.input_tokens.to_string()),
                (Some("output"), t.output_tokens.to_string()),
                (Some("cache_write"), t.cache_creation_input_tokens.to_string()),
                (Some("cache_read"), t.cache_read_input_tokens.to_string()),
            ]
        },
    );
    series(
        &mut out,
        "issue_miner_llm_cost_usd_total",
        "Cost in US dollars of the stored analyses whose model has a known price.",
        &|r| vec![(None, format!("{}", r.totals.cost_usd))],
    );
    series(
        &mut out,
        "issue_miner_analysis_runs_total",
        "Stored analyses.",
        &|r| vec![(None, r.totals.runs.to_string())],
    );
    series(
        &mut out,
        "issue_miner_llm_unpriced_runs_total",
        "Stored analyses whose model had no known price (not in the cost).",
        &|r| vec![(None, r.totals.unpriced_runs.to_string())],
    );
    out
}

/// Whether this request may read `/metrics`: with `METRICS_TOKEN` set, only with that bearer
/// (compared in constant time); without it, only from a loopback or private address.
pub fn may_scrape(req: &actix_web::HttpRequest, token: Option<&runtime::Secret>) -> bool {
    match token {
        Some(token) => req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| {
                constant_time_eq(given.trim().as_bytes(), token.expose().as_bytes())
            }),
        None => req.peer_addr().is_some_and(|a| private(a.ip())),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Loopback, RFC 1918, link-local, CGNAT (100.64/10) and IPv6 unique-local addresses.
fn private(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || (a == 100 && (64..128).contains(&b))
        }
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => private(v4.into()),
            None => {
                v6.is_loopback()
                    || (v6.segments()[0] & 0xfe00) == 0xfc00
                    || (v6.segments()[0] & 0xffc0) == 0xfe80
            }
        },
    }
}

/// `GET /metrics`: Prometheus text format. Queue gauges are read from Redis on each scrape, so
/// they count the jobs of every worker process, not only this one. With `METRICS_TOKEN` set it
/// needs `Authorization: Bearer <METRICS_TOKEN>`; without, it answers only to loopback and
/// private addresses.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain"),
        (status = 403, body = crate::dto::ErrorBody, description = "not the metrics token, or a public address"),
    ),
    security(())
)]
#[get("/metrics", wrap = "crate::access::Authorize")]
pub async fn metrics(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    handle: web::Data<PrometheusHandle>,
) -> Result<HttpResponse, ApiError> {
    if !may_scrape(&req, state.metrics_token.as_ref()) {
        tracing::warn!(peer = ?req.peer_addr().map(|a| a.ip()), "metrics scrape refused");
        return Err(ApiError::Forbidden(
            "/metrics needs `Authorization: Bearer <METRICS_TOKEN>`, or a request from a private address when METRICS_TOKEN is not set".into(),
        ));
    }
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
                // The done set only grows: processed jobs as a counter, for rate().
                ::metrics::counter!("issue_miner_jobs_processed_total", "queue" => d.queue.clone())
                    .absolute(d.done);
            }
        }
        // Metrics stay available without Redis; the request metrics are still worth having.
        Err(e) => tracing::warn!(error = %e, "metrics: cannot read queue depths"),
    }
    let mut body = handle.render();
    match state.llm_usage.get(&state.pool).await {
        Ok(rows) => body.push_str(&render_llm_usage(&rows)),
        Err(e) => tracing::warn!(error = %e, "metrics: cannot read the LLM usage totals"),
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body))
}
