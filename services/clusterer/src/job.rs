//! The `cluster` job and the clusterer's scheduled work.

use apalis::prelude::{Attempt, BoxDynError, Data};
use chrono::Utc;
use db::models::{cluster, issue, ticket};
use domain::jobs::ClusterTicket;
use std::sync::Arc;
use std::time::Duration;

/// What the handler needs.
pub struct ClustererState {
    pub pool: db::Pool,
}

/// Handles one `cluster` job: places the ticket's unclustered issues and refreshes the touched
/// clusters' statistics. Idempotent: issues already in a cluster are left where they are.
#[tracing::instrument(skip_all, fields(ticket_id = %job.ticket_id))]
pub async fn handle(
    job: ClusterTicket,
    state: Data<Arc<ClustererState>>,
    _attempt: Attempt,
) -> Result<(), BoxDynError> {
    let mut conn = state.pool.get().await?;
    let Some(ticket) = ticket::find(&mut conn, job.ticket_id).await? else {
        tracing::info!("ticket deleted before clustering");
        return Ok(());
    };
    let pending = issue::awaiting_cluster(&mut conn, job.ticket_id).await?;
    if pending.is_empty() {
        return Ok(());
    }
    let touched =
        crate::assign::assign_issues(&mut conn, &pending, ticket.ticket_created_at).await?;
    cluster::recompute_stats(&mut conn, Utc::now(), Some(&touched)).await?;
    tracing::info!(
        issues = pending.len(),
        clusters = touched.len(),
        "issues clustered"
    );
    Ok(())
}

/// One scheduled pass: recompute every cluster's statistics (trends move with the clock even
/// when no ticket arrives) and re-queue tickets whose issues have waited too long for a cluster.
pub async fn scheduled_pass(
    pool: &db::Pool,
    queues: &queue::Queues,
    reconcile_after: Duration,
) -> anyhow::Result<usize> {
    let mut conn = pool.get().await?;
    let updated = cluster::recompute_stats(&mut conn, Utc::now(), None).await?;
    // While the cluster queue is idle, unclustered issues have lost their job (see the
    // analyzer's reconciler): re-queue them after a short grace instead of `reconcile_after`.
    let idle = queues
        .depth(domain::jobs::CLUSTER_QUEUE)
        .await?
        .outstanding()
        == 0;
    let wait = if idle {
        reconcile_after.min(Duration::from_secs(10))
    } else {
        reconcile_after
    };
    let before = Utc::now() - chrono::Duration::from_std(wait)?;
    let stranded = issue::tickets_with_unclustered(&mut conn, before, 500).await?;
    for id in &stranded {
        queues.enqueue_cluster(*id).await?;
    }
    tracing::info!(
        clusters = updated,
        requeued = stranded.len(),
        "scheduled statistics pass"
    );
    Ok(updated)
}

/// Runs [`scheduled_pass`] every `every` until aborted.
pub async fn scheduled(
    pool: db::Pool,
    queues: queue::Queues,
    every: Duration,
    reconcile_after: Duration,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = scheduled_pass(&pool, &queues, reconcile_after).await {
            tracing::warn!(error = %e, "scheduled statistics pass failed");
        }
    }
}
