//! The `cluster` job and the clusterer's scheduled work.

use crate::assign::{Method, Placement};
use crate::naming::Namer;
use apalis::prelude::{Attempt, BoxDynError, Data};
use chrono::Utc;
use clustering::Thresholds;
use db::models::{centroid, cluster, issue, issue::IssueRow, ticket};
use domain::jobs::ClusterTicket;
use domain::IssueId;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// What the handler needs.
pub struct ClustererState {
    pub pool: db::Pool,
    pub method: Method,
    pub thresholds: Thresholds,
    /// The model whose vectors are compared (`EMBEDDING_KIND`: the encoder's unless `static`).
    pub model: &'static str,
    /// Embeds issues stored without an embedding; `None` when the model is not present. Called
    /// only when such an issue comes: the analyzer stores a vector with every issue, so a
    /// clusterer normally never loads the model and stays small (16 MB instead of 184 MB).
    pub embedder: fn() -> Option<Arc<embed::Embedder>>,
    pub namer: Namer,
    /// Centroids read by earlier jobs (see [`crate::assign::CentroidCache`]).
    pub cache: crate::assign::CentroidCache,
    /// Clusters whose statistics wait for a refresh (see [`crate::stats`]).
    pub dirty: crate::stats::DirtyClusters,
    /// When this process last placed an issue (for the pass that runs once a backlog drains).
    pub activity: Activity,
}

/// How many jobs placed issues, and when the last one did.
#[derive(Debug)]
pub struct Activity {
    started: std::time::Instant,
    placed: std::sync::atomic::AtomicU64,
    last_ms: std::sync::atomic::AtomicU64,
}

impl Default for Activity {
    fn default() -> Self {
        Activity {
            started: std::time::Instant::now(),
            placed: Default::default(),
            last_ms: Default::default(),
        }
    }
}

impl Activity {
    pub fn record(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        self.last_ms
            .store(self.started.elapsed().as_millis() as u64, Relaxed);
        self.placed.fetch_add(1, Relaxed);
    }

    /// Jobs that placed issues so far.
    pub fn placed(&self) -> u64 {
        self.placed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Time since the last placement.
    pub fn quiet_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(std::sync::atomic::Ordering::Relaxed));
        self.started.elapsed().saturating_sub(last)
    }
}

impl ClustererState {
    /// The keyword baseline or the semantic clusterer with the default thresholds, offline
    /// naming and the process's embedder (loaded on first need) when the model is present.
    pub fn new(pool: db::Pool, method: Method) -> Self {
        ClustererState {
            pool,
            method,
            thresholds: Thresholds::default(),
            model: embed::Kind::from_env()
                .unwrap_or(embed::Kind::Encoder)
                .model_name(),
            embedder: || embed::shared().ok(),
            namer: Namer::Offline,
            cache: Default::default(),
            dirty: Default::default(),
            activity: Default::default(),
        }
    }
}

/// The text an issue's embedding is computed from (the same as the analyzer's).
pub fn embedding_text(issue: &IssueRow) -> String {
    domain::text::issue_embedding_text(
        &issue.summary,
        issue.detail.as_deref(),
        issue.representative_quote.as_deref(),
    )
}

/// The embeddings of `issues` by `model`: stored ones, and for issues stored without one (an
/// analyzer that ran without the model, or with the other kind of embedder) computed now by
/// `embedder()` (called only then) and stored.
pub async fn vectors_for(
    conn: &mut diesel_async::AsyncPgConnection,
    issues: &[IssueRow],
    embedder: impl FnOnce() -> Option<Arc<embed::Embedder>>,
    model: &str,
) -> anyhow::Result<HashMap<IssueId, Vec<f32>>> {
    let ids: Vec<IssueId> = issues.iter().map(IssueRow::issue_id).collect();
    let mut found: HashMap<IssueId, Vec<f32>> = issue::embeddings(conn, &ids)
        .await?
        .into_iter()
        .filter(|(_, stored, _)| stored == model)
        .map(|(id, _, v)| (id, v))
        .collect();
    let missing: Vec<&IssueRow> = issues
        .iter()
        .filter(|i| !found.contains_key(&i.issue_id()))
        .collect();
    let embedder = if missing.is_empty() { None } else { embedder() };
    if let Some(embedder) = embedder {
        let texts: Vec<String> = missing.iter().map(|i| embedding_text(i)).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let vectors = analysis::cpu_bound(|| embedder.embed(&refs))?;
        for (i, v) in missing.iter().zip(vectors) {
            centroid::set_embedding(conn, i.issue_id(), model, &v).await?;
            found.insert(i.issue_id(), v);
        }
    }
    Ok(found)
}

/// The ticket's issues waiting for a cluster: not in one, and not taken out of every cluster
/// by a person (pinned).
pub async fn pending(
    conn: &mut diesel_async::AsyncPgConnection,
    ticket: domain::TicketId,
) -> diesel::QueryResult<Vec<IssueRow>> {
    Ok(issue::awaiting_cluster(conn, ticket)
        .await?
        .into_iter()
        .filter(|i| !i.cluster_pinned)
        .collect())
}

/// Handles one `cluster` job: places the ticket's unclustered issues (keeping the clusters'
/// counts exact) and marks the touched clusters for a statistics refresh. Idempotent: issues
/// already in a cluster are left where they are, and issues a person took out of every cluster
/// (pinned) stay out.
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
    let pending = pending(&mut conn, job.ticket_id).await?;
    if pending.is_empty() {
        return Ok(());
    }
    let vectors = match state.method {
        Method::Embeddings => vectors_for(&mut conn, &pending, state.embedder, state.model).await?,
        Method::Keywords => HashMap::new(),
    };
    let placement = Placement {
        method: state.method,
        join: state.thresholds.join,
        model: state.model,
        vectors: &vectors,
        cache: &state.cache,
    };
    let touched =
        crate::assign::assign_issues(&mut conn, &pending, ticket.ticket_created_at, placement)
            .await?;
    state.dirty.mark(&touched);
    state.activity.record();
    tracing::info!(
        issues = pending.len(),
        clusters = touched.len(),
        "issues clustered"
    );
    Ok(())
}

/// One scheduled pass: recompute every cluster's statistics (trends move with the clock even
/// when no ticket arrives), re-queue tickets whose issues have waited too long for a cluster,
/// and forget the finished jobs of every queue older than [`queue::DONE_RETENTION`].
pub async fn scheduled_pass(
    pool: &db::Pool,
    queues: &queue::Queues,
    reconcile_after: Duration,
) -> anyhow::Result<usize> {
    let mut conn = pool.get().await?;
    let updated = cluster::recompute_stats(&mut conn, Utc::now(), None).await?;
    let (before, _) = queues
        .stranded_before(domain::jobs::CLUSTER_QUEUE, reconcile_after)
        .await?;
    let stranded = issue::tickets_with_unclustered(&mut conn, before, 500).await?;
    for id in &stranded {
        queues.enqueue_cluster(*id).await?;
    }
    // apalis keeps every finished job; without this Redis grows with every job ever run.
    let mut forgotten = 0;
    for queue in domain::jobs::ALL_QUEUES {
        forgotten += queues.vacuum_done(queue, queue::DONE_RETENTION).await?;
    }
    tracing::info!(
        clusters = updated,
        requeued = stranded.len(),
        forgotten_jobs = forgotten,
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

/// How often the consolidation task looks whether a pass is due.
const CONSOLIDATION_POLL: Duration = Duration::from_millis(200);
/// Passes run back to back at most while each still changes clusters (a merge can bring two
/// others within reach of each other; each pass's merges converge, so a few suffice).
const PASSES_IN_A_ROW: usize = 10;

/// Runs consolidation and naming passes ([`crate::consolidate::pass`]) until aborted (semantic
/// method only: the keyword baseline has no centroids to consolidate): once no issue has been
/// placed for `quiet` after some were (a backlog drained: names and merges current within
/// seconds, which `api report --wait` waits for), every `every` while issues keep arriving,
/// and at start when the last pass did not see every change (a restart).
pub async fn consolidation(state: Arc<ClustererState>, every: Duration, quiet: Duration) {
    let mut seen = state.activity.placed();
    let mut last_pass = std::time::Instant::now();
    let mut at_start = true;
    loop {
        tokio::time::sleep(CONSOLIDATION_POLL).await;
        let placed = state.activity.placed();
        let drained = placed != seen && state.activity.quiet_for() >= quiet;
        let due = last_pass.elapsed() >= every && placed != seen;
        let stale = at_start && !db::models::consolidation::is_current_in(&state.pool).await;
        at_start = false;
        if !(drained || due || stale) {
            continue;
        }
        seen = placed;
        for _ in 0..PASSES_IN_A_ROW {
            match consolidation_pass(&state).await {
                Ok(changed) if changed => continue,
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "consolidation pass failed");
                    break;
                }
            }
        }
        last_pass = std::time::Instant::now();
    }
}

/// One pass over every subcategory; records the centroid revision it started from once it
/// is done. Whether it merged or split anything.
pub async fn consolidation_pass(state: &ClustererState) -> anyhow::Result<bool> {
    let started = std::time::Instant::now();
    let rev = {
        let mut conn = state.pool.get().await?;
        db::models::consolidation::latest_rev(&mut conn).await?
    };
    let r = crate::consolidate::pass(
        &state.pool,
        state.thresholds,
        &state.namer,
        state.model,
        Utc::now(),
    )
    .await?;
    let mut conn = state.pool.get().await?;
    let changed = r.merged + r.split > 0;
    // A pass that merged or split changed centroids after `rev`: the next one confirms.
    db::models::consolidation::mark_consolidated(&mut conn, rev).await?;
    tracing::info!(
        merged = r.merged,
        split = r.split,
        named = r.named,
        secs = started.elapsed().as_secs_f64(),
        "consolidation pass"
    );
    Ok(changed)
}
