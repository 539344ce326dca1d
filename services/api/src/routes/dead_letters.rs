//! Operators' view of intake dead letters — verified webhook payloads the ingest service could
//! not turn into tickets — and their replay through the current normalizers.

use super::params;
use crate::dto::{self, Paginated};
use crate::{ApiError, AppState};
use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use db::models::dead_letter::{self, Resolution};
use domain::jobs::SyncTickets;
use domain::SourceKind;
use runtime::channels::{self, Normalized, Replayed};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeadLetterQuery {
    /// `open` (default: not resolved yet), `resolved` or `all`.
    state: Option<String>,
    /// The channel: zendesk, slack, intercom or whatsapp.
    channel: Option<String>,
    page: Option<i64>,
    /// 1–200, default 50.
    per_page: Option<i64>,
}

/// `GET /api/ops/dead-letters`: dead-lettered payloads, newest first, with the error, the
/// channel and when they arrived (bodies cut to a preview; the detail has them whole).
#[utoipa::path(
    tag = "operations",
    params(DeadLetterQuery),
    responses(
        (status = 200, body = Paginated<dto::DeadLetterSummary>),
        (status = 400, body = dto::ErrorBody),
        (status = 401, body = dto::ErrorBody),
        (status = 403, body = dto::ErrorBody),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/api/ops/dead-letters", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip(state))]
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<DeadLetterQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let resolution = match q.state.as_deref() {
        None | Some("open") => Resolution::Open,
        Some("resolved") => Resolution::Resolved,
        Some("all") => Resolution::All,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "state must be open, resolved or all, not {other:?}"
            )))
        }
    };
    let channel = q
        .channel
        .as_deref()
        .map(|c| {
            SourceKind::ALL
                .iter()
                .find(|k| k.as_str() == c)
                .map(|k| k.as_str())
                .ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "unknown channel {c:?}; expected one of: zendesk, slack, intercom, whatsapp"
                    ))
                })
        })
        .transpose()?;
    let page = params::page(q.page, q.per_page, params::DEFAULT_PER_PAGE)?;
    let mut conn = state.pool.get().await?;
    let result = dead_letter::list(&mut conn, resolution, channel, page).await?;
    let items = result
        .items
        .into_iter()
        .map(dto::DeadLetterSummary::from)
        .collect();
    Ok(HttpResponse::Ok().json(Paginated::new(
        items,
        result.total,
        page.page,
        page.per_page,
    )))
}

async fn find(conn: &mut db::PgConn, id: i64) -> Result<dead_letter::DeadLetter, ApiError> {
    dead_letter::find(conn, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no dead letter {id}")))
}

/// `GET /api/ops/dead-letters/{id}`: one dead letter with its whole body and kept headers.
#[utoipa::path(
    tag = "operations",
    params(("id" = i64, Path, description = "Dead letter id")),
    responses(
        (status = 200, body = dto::DeadLetter),
        (status = 400, body = dto::ErrorBody),
        (status = 401, body = dto::ErrorBody),
        (status = 403, body = dto::ErrorBody),
        (status = 404, body = dto::ErrorBody),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/api/ops/dead-letters/{id}", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip(state))]
pub async fn detail(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let letter = find(&mut conn, id).await?;
    Ok(HttpResponse::Ok().json(dto::DeadLetter::from(letter)))
}

/// `POST /api/ops/dead-letters/{id}/replay`: normalizes the kept payload again with the code
/// running now (e.g. after a fix shipped). Tickets it yields are stored like any webhook's
/// (idempotent by source id) and queued for analysis; a Zendesk payload that now names its
/// ticket queues a sync, which fetches it. Either way, or when the payload turns out not to be
/// a ticket, the letter is resolved (kept, marked, with what happened) → 200. When it still
/// cannot be normalized, it stays open with the new error → 422. An already resolved letter
/// → 409.
#[utoipa::path(
    tag = "operations",
    params(("id" = i64, Path, description = "Dead letter id")),
    responses(
        (status = 200, body = dto::DeadLetterReplay),
        (status = 400, body = dto::ErrorBody),
        (status = 401, body = dto::ErrorBody),
        (status = 403, body = dto::ErrorBody),
        (status = 404, body = dto::ErrorBody),
        (status = 409, body = dto::ErrorBody),
        (status = 422, body = dto::ErrorBody),
        (status = 503, body = dto::ErrorBody),
    ),
    security(("bearer" = ["admin"]))
)]
#[post("/api/ops/dead-letters/{id}/replay", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip(state))]
pub async fn replay(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let letter = find(&mut conn, id).await?;
    if let Some(at) = letter.resolved_at {
        return Err(ApiError::Conflict(format!(
            "dead letter {id} was resolved at {at}: {}",
            letter.resolution.as_deref().unwrap_or("")
        )));
    }
    let source = SourceKind::ALL
        .iter()
        .copied()
        .find(|k| k.as_str() == letter.source)
        .ok_or_else(|| ApiError::Unprocessable(format!("unknown source {:?}", letter.source)))?;
    let replayed = channels::normalize_stored(
        source,
        &letter.headers,
        letter.body.as_bytes(),
        letter.received_at,
    );
    let mut tickets = Vec::new();
    let outcome = match replayed {
        Err(error) => Err(error),
        Ok(Replayed::Normalized(Normalized::Ignored(reason))) => {
            Ok(format!("not a ticket: {reason}"))
        }
        Ok(Replayed::Normalized(Normalized::Tickets(incoming))) => {
            tickets = accept_all(&mut conn, &state, &incoming).await?;
            let ids: Vec<&str> = incoming.iter().map(|t| t.source_id.as_str()).collect();
            Ok(format!(
                "stored {} ticket(s): {}",
                incoming.len(),
                ids.join(", ")
            ))
        }
        // The readable messages are stored; the letter stays open for the rest.
        Ok(Replayed::Normalized(Normalized::Partial {
            tickets: incoming,
            error,
            ..
        })) => {
            tickets = accept_all(&mut conn, &state, &incoming).await?;
            Err(format!(
                "stored {} readable ticket(s); the rest: {error}",
                incoming.len()
            ))
        }
        Ok(Replayed::ZendeskTicket(ticket)) => {
            state
                .queues
                .enqueue_sync(SyncTickets {
                    source: SourceKind::Zendesk,
                    backfill_days: None,
                })
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "queue unavailable");
                    ApiError::Unavailable("Redis".into())
                })?;
            Ok(format!(
                "names Zendesk ticket {ticket}: a sync was queued, which brings it"
            ))
        }
    };
    let now = Utc::now();
    let recorded = dead_letter::record_replay(
        &mut conn,
        id,
        outcome.as_deref().map_err(String::as_str),
        now,
    )
    .await?
    .ok_or_else(|| ApiError::NotFound(format!("no dead letter {id}")))?;
    match outcome {
        Ok(resolution) => {
            tracing::info!(dead_letter = id, %resolution, "dead letter replayed and resolved");
            Ok(HttpResponse::Ok().json(dto::DeadLetterReplay {
                resolved: true,
                resolution,
                tickets,
                dead_letter: recorded.into(),
            }))
        }
        Err(error) => Err(ApiError::Unprocessable(format!(
            "dead letter {id} still cannot be normalized: {error}"
        ))),
    }
}

/// Accepts replayed tickets through the one intake path.
async fn accept_all(
    conn: &mut db::PooledConn,
    state: &AppState,
    incoming: &[domain::IncomingTicket],
) -> Result<Vec<dto::AcceptedTicket>, ApiError> {
    let mut accepted = Vec::with_capacity(incoming.len());
    for t in incoming {
        let u = runtime::intake::accept(conn, &state.queues, t)
            .await
            .map_err(ApiError::Internal)?;
        accepted.push(dto::AcceptedTicket {
            id: u.id.0,
            source: t.source.as_str().into(),
            source_id: t.source_id.clone(),
            created: u.created,
            queued_for_analysis: u.content_changed,
        });
    }
    Ok(accepted)
}
