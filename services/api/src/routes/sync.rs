//! Asking the ingest service to sync, and what it last did.

use crate::dto;
use crate::{ApiError, AppState};
use actix_web::{get, post, web, HttpResponse};
use db::models::sync_state;
use domain::jobs::{SyncTickets, SYNC_QUEUE};
use domain::SourceKind;
use serde::Deserialize;
use utoipa::IntoParams;

/// The longest backfill accepted (Zendesk's export is rate limited; years go through
/// `ingest import`).
pub const MAX_BACKFILL_DAYS: u32 = 365;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TriggerQuery {
    /// Re-read everything updated in this many days (1–365) instead of resuming where the
    /// last sync stopped.
    backfill_days: Option<u32>,
}

fn queue_error(e: queue::QueueError) -> ApiError {
    tracing::error!(error = %e, "queue unavailable");
    ApiError::Unavailable("Redis".into())
}

/// `POST /api/sync/trigger`: queues a Zendesk sync for the ingest service. 202: the sync runs
/// when the ingest service takes the job.
#[utoipa::path(
    tag = "sync",
    params(TriggerQuery),
    responses(
        (status = 202, body = dto::Queued),
        (status = 400, body = dto::ErrorBody),
        (status = 401, body = dto::ErrorBody),
        (status = 403, body = dto::ErrorBody),
        (status = 503, body = dto::ErrorBody),
    ),
    security(("bearer" = ["write"]))
)]
#[post("/api/sync/trigger", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip(state))]
pub async fn trigger(
    state: web::Data<AppState>,
    query: web::Query<TriggerQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Some(days) = query.backfill_days {
        if !(1..=MAX_BACKFILL_DAYS).contains(&days) {
            return Err(ApiError::BadRequest(format!(
                "backfill_days must be between 1 and {MAX_BACKFILL_DAYS}"
            )));
        }
    }
    state
        .queues
        .enqueue_sync(SyncTickets {
            source: SourceKind::Zendesk,
            backfill_days: query.backfill_days,
        })
        .await
        .map_err(queue_error)?;
    let message = match query.backfill_days {
        Some(d) => format!("a Zendesk backfill of {d} days is queued"),
        None => "a Zendesk sync is queued".into(),
    };
    Ok(HttpResponse::Accepted().json(dto::Queued {
        queued: true,
        queue: SYNC_QUEUE.into(),
        message,
    }))
}

/// Unfinished runs listed at most.
const MAX_INTERRUPTED: i64 = 20;

/// `GET /api/sync/status`: the latest Zendesk sync run, the run in progress (cursor and
/// tickets so far), the runs that were interrupted, and the sync jobs waiting.
#[utoipa::path(
    tag = "sync",
    responses(
        (status = 200, body = dto::SyncStatus),
        (status = 401, body = dto::ErrorBody),
        (status = 503, body = dto::ErrorBody),
    ),
    security(("bearer" = ["read"]))
)]
#[get("/api/sync/status", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip(state))]
pub async fn status(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let source = SourceKind::Zendesk.as_str();
    let mut conn = state.pool.get().await?;
    let last = sync_state::latest(&mut conn, source).await?;
    let mut unfinished = sync_state::unfinished(&mut conn, source, MAX_INTERRUPTED + 1).await?;
    // A run opens its row after taking the lock, so while the lock is held the newest
    // unfinished row is the running one; every other unfinished row was interrupted.
    let locked = sync_state::lock_held(&mut conn, sync_state::ZENDESK_SYNC_LOCK).await?;
    drop(conn);
    let in_progress = (locked && !unfinished.is_empty()).then(|| unfinished.remove(0));
    unfinished.truncate(MAX_INTERRUPTED as usize);
    let state_of = |id: i32, completed: bool| match (completed, &in_progress) {
        (true, _) => "completed",
        (false, Some(r)) if r.id == id => "running",
        (false, _) => "interrupted",
    };
    let last_run = last.map(|r| {
        let s = state_of(r.id, r.sync_completed_at.is_some());
        dto::SyncRun::new(r, s)
    });
    let depth = state.queues.depth(SYNC_QUEUE).await.map_err(queue_error)?;
    Ok(HttpResponse::Ok().json(dto::SyncStatus {
        source: source.into(),
        last_run,
        in_progress: in_progress.map(|r| dto::SyncRun::new(r, "running")),
        interrupted: unfinished
            .into_iter()
            .map(|r| dto::SyncRun::new(r, "interrupted"))
            .collect(),
        queued: depth.pending + depth.scheduled,
        running: depth.running,
        dead: depth.dead,
    }))
}
