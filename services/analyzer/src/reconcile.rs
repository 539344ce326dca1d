//! The safety net for lost jobs: a ticket stored but never queued (ingest died between the two)
//! or whose job vanished is found by its state in PostgreSQL and queued again.

use chrono::Utc;
use db::models::ticket;
use std::time::Duration;

/// Tickets re-queued per pass at most while the queue is busy, and while it is idle.
const BATCH: i64 = 500;
const IDLE_BATCH: i64 = 5_000;
/// While the analyze queue holds no job, a ticket still waiting for analysis has lost its job
/// (Redis lost it, or ingest died before queueing): re-queue it after this grace period instead
/// of `after`, which only applies while a backlog may legitimately still hold it.
pub const IDLE_GRACE: Duration = Duration::from_secs(10);

/// Queues tickets whose current text has waited for analysis longer than `after` (or than
/// [`IDLE_GRACE`] when the analyze queue is idle).
pub async fn pass(
    pool: &db::Pool,
    queues: &queue::Queues,
    after: Duration,
) -> anyhow::Result<usize> {
    let idle = queues
        .depth(domain::jobs::ANALYZE_QUEUE)
        .await?
        .outstanding()
        == 0;
    let (wait, batch) = if idle {
        (after.min(IDLE_GRACE), IDLE_BATCH)
    } else {
        (after, BATCH)
    };
    let mut conn = pool.get().await?;
    let before = Utc::now() - chrono::Duration::from_std(wait)?;
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
