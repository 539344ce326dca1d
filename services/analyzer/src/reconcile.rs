//! The safety net for lost jobs: a ticket stored but never queued (ingest died between the two)
//! or whose job vanished is found by its state in PostgreSQL and queued again.

use db::models::ticket;
use std::time::Duration;

/// Tickets re-queued per pass at most while the queue is busy, and while it is idle.
const BATCH: i64 = 500;
const IDLE_BATCH: i64 = 5_000;

/// Queues tickets whose current text has waited for analysis longer than `after` (or than
/// [`queue::IDLE_GRACE`] when the analyze queue is idle: see [`queue::Queues::stranded_before`]).
pub async fn pass(
    pool: &db::Pool,
    queues: &queue::Queues,
    after: Duration,
) -> anyhow::Result<usize> {
    let (before, idle) = queues
        .stranded_before(domain::jobs::ANALYZE_QUEUE, after)
        .await?;
    let batch = if idle { IDLE_BATCH } else { BATCH };
    let mut conn = pool.get().await?;
    let ids = ticket::pending_analysis(&mut conn, before, batch).await?;
    for chunk in ids.chunks(1_000) {
        queues.enqueue_analyze_many(chunk).await?;
    }
    if !ids.is_empty() {
        tracing::info!(
            tickets = ids.len(),
            "re-queued tickets waiting for analysis"
        );
    }
    Ok(ids.len())
}

/// Runs [`pass`] every `every` until the task is aborted.
pub async fn run(pool: db::Pool, queues: queue::Queues, every: Duration, after: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = pass(&pool, &queues, after).await {
            tracing::warn!(error = %e, "reconcile pass failed");
        }
    }
}
