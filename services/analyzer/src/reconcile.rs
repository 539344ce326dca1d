//! The safety net for lost jobs: a ticket stored but never queued (ingest died between the two)
//! or whose job vanished is found by its state in PostgreSQL and queued again.

use chrono::Utc;
use db::models::ticket;
use std::time::Duration;

/// Tickets re-queued per pass at most.
const BATCH: i64 = 500;

/// Queues tickets whose current text has waited for analysis longer than `after`.
pub async fn pass(
    pool: &db::Pool,
    queues: &queue::Queues,
    after: Duration,
) -> anyhow::Result<usize> {
    let mut conn = pool.get().await?;
    let before = Utc::now() - chrono::Duration::from_std(after)?;
    let ids = ticket::pending_analysis(&mut conn, before, BATCH).await?;
    for id in &ids {
        queues.enqueue_analyze(*id).await?;
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
