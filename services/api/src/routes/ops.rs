//! Operators' view of the job queues: counts, failed and dead jobs with their errors, retry.

use crate::dto;
use crate::{ApiError, AppState};
use actix_web::{get, post, web, HttpResponse};
use domain::jobs::ALL_QUEUES;
use serde::Deserialize;
use utoipa::IntoParams;

fn queue_error(e: queue::QueueError) -> ApiError {
    tracing::error!(error = %e, "queue operation failed");
    ApiError::Unavailable("Redis".into())
}

fn known_queue(name: &str) -> Result<&'static str, ApiError> {
    ALL_QUEUES
        .iter()
        .find(|q| **q == name)
        .copied()
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "no queue {name:?}; queues: {}",
                ALL_QUEUES.join(", ")
            ))
        })
}

/// `GET /api/ops/queues`: job counts of every queue and the age of its oldest pending job.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, body = Vec<dto::QueueView>),
        (status = 401, body = dto::ErrorBody),
        (status = 403, body = dto::ErrorBody),
        (status = 503, body = dto::ErrorBody),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/api/ops/queues", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip(state))]
pub async fn queues(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let depths = state.queues.depths().await.map_err(queue_error)?;
    let views: Vec<dto::QueueView> = depths.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JobsQuery {
    /// `failed` (waiting for another attempt) or `dead` (given up).
    state: String,
    /// At most this many (1–500, default 100).
    limit: Option<usize>,
}

/// `GET /api/ops/queues/{queue}/jobs?state=failed|dead`: the jobs with their arguments and
/// last error.
#[utoipa::path(
    tag = "operations",
    params(("queue" = String, Path, description = "sync, analyze or cluster"), JobsQuery),
    responses(
        (status = 200, body = Vec<dto::JobView>),
        (status = 400, body = dto::ErrorBody),
        (status = 401, body = dto::ErrorBody),
        (status = 403, body = dto::ErrorBody),
        (status = 404, body = dto::ErrorBody),
        (status = 503, body = dto::ErrorBody),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/api/ops/queues/{queue}/jobs", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip(state))]
pub async fn jobs(
    state: web::Data<AppState>,
    queue_name: web::Path<String>,
    query: web::Query<JobsQuery>,
) -> Result<HttpResponse, ApiError> {
    let queue = known_queue(&queue_name)?;
    let job_state = match query.state.as_str() {
        "failed" => queue::JobState::Failed,
        "dead" => queue::JobState::Dead,
        other => {
            return Err(ApiError::BadRequest(format!(
                "state must be failed or dead, not {other:?}"
            )))
        }
    };
    let limit = query.limit.unwrap_or(100);
    if !(1..=queue::MAX_LISTED).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {}",
            queue::MAX_LISTED
        )));
    }
    let jobs = state
        .queues
        .jobs(queue, job_state, limit)
        .await
        .map_err(queue_error)?;
    let views: Vec<dto::JobView> = jobs.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(views))
}

/// `POST /api/ops/queues/{queue}/jobs/{id}/retry`: runs a dead job again (its arguments are
/// queued as a new job; the dead one leaves the dead list). 202.
#[utoipa::path(
    tag = "operations",
    params(
        ("queue" = String, Path, description = "sync, analyze or cluster"),
        ("id" = String, Path, description = "The dead job's id"),
    ),
    responses(
        (status = 400, body = dto::ErrorBody, description = "Malformed path or query"),
        (status = 202, body = dto::Queued),
        (status = 401, body = dto::ErrorBody),
        (status = 403, body = dto::ErrorBody),
        (status = 404, body = dto::ErrorBody),
        (status = 503, body = dto::ErrorBody),
    ),
    security(("bearer" = ["admin"]))
)]
#[post(
    "/api/ops/queues/{queue}/jobs/{id}/retry",
    wrap = "crate::access::Authorize"
)]
#[tracing::instrument(skip(state))]
pub async fn retry(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (queue_name, id) = path.into_inner();
    let queue = known_queue(&queue_name)?;
    let retried = state
        .queues
        .retry_dead(queue, &id)
        .await
        .map_err(queue_error)?;
    if !retried {
        return Err(ApiError::NotFound(format!(
            "no dead job {id:?} in queue {queue}"
        )));
    }
    Ok(HttpResponse::Accepted().json(dto::Queued {
        queued: true,
        queue: queue.into(),
        message: format!("dead job {id} queued again"),
    }))
}
