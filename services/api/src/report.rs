//! `api report`: what the pipeline produced, for the terminal (the end of `make demo`).

use anyhow::Context as _;
use db::models::{cluster, issue, ticket};
use runtime::Infra;
use std::time::{Duration, Instant};

/// Pipeline progress, from PostgreSQL and the queues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub tickets: i64,
    pub analyzed: i64,
    pub failed: i64,
    pub issues: i64,
    pub unclustered: i64,
    pub clusters: i64,
    pub outstanding_jobs: u64,
    pub dead_jobs: u64,
    /// The clusterer's consolidation and naming pass has seen every placement.
    pub consolidated: bool,
}

impl Progress {
    /// Every ticket analyzed (or given up on) and every issue in a cluster, no job left.
    pub fn settled(&self) -> bool {
        self.analyzed + self.failed >= self.tickets
            && self.unclustered == 0
            && self.outstanding_jobs == 0
            && self.consolidated
    }
}

pub async fn progress(infra: &Infra) -> anyhow::Result<Progress> {
    let mut conn = infra.pool.get().await?;
    let t = ticket::counts(&mut conn).await?;
    let (issues, unclustered) = issue::counts(&mut conn).await?;
    let (clusters, _) = cluster::counts(&mut conn).await?;
    let depths = infra.queues.depths().await?;
    Ok(Progress {
        tickets: t.total,
        analyzed: t.analyzed,
        failed: t.failed,
        issues,
        unclustered,
        clusters,
        outstanding_jobs: depths.iter().map(|d| d.outstanding()).sum(),
        dead_jobs: depths.iter().map(|d| d.dead).sum(),
        consolidated: db::models::consolidation::is_current(&mut conn).await?,
    })
}

/// Waits up to `wait` for the pipeline to settle, then prints the summary.
pub async fn run(infra: &Infra, wait: Duration, top: i64) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut last_line = String::new();
    let mut p = progress(infra).await?;
    while !p.settled() && started.elapsed() < wait {
        let line = format!(
            "  … {}/{} tickets analyzed, {} issues, {} waiting for a cluster, {} jobs queued{}",
            p.analyzed,
            p.tickets,
            p.issues,
            p.unclustered,
            p.outstanding_jobs,
            if p.consolidated {
                ""
            } else {
                ", naming clusters"
            }
        );
        if line != last_line {
            println!("{line}");
            last_line = line;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        p = progress(infra).await?;
    }
    if !p.settled() && !wait.is_zero() {
        anyhow::bail!(
            "the pipeline did not settle within {}s: {p:?}. Are the analyzer and clusterer running? (see .run/*.log)",
            wait.as_secs()
        );
    }
    let mut conn = infra.pool.get().await?;
    // Fresh numbers for the listing, whatever the clusterer's schedule.
    cluster::recompute_stats(&mut conn, chrono::Utc::now(), None)
        .await
        .context("recomputing cluster statistics")?;
    let top_clusters = cluster::top(&mut conn, top).await?;
    println!();
    println!(
        "Tickets:  {} ({} analyzed, {} failed)",
        p.tickets, p.analyzed, p.failed
    );
    println!("Issues:   {}", p.issues);
    println!("Clusters: {}", p.clusters);
    if p.dead_jobs > 0 {
        println!("Dead jobs: {} (operators: inspect the queues)", p.dead_jobs);
    }
    println!();
    println!("Top {} clusters:", top_clusters.len());
    for (i, c) in top_clusters.iter().enumerate() {
        let trend = match c.trend_pct {
            Some(p) => format!("{p:+.0}% w/w"),
            None if c.count_7d > 0 => "new this week".into(),
            None => "quiet".into(),
        };
        println!(
            "  {}. {} [{}/{}] — {} issues, {} customers, {trend}",
            i + 1,
            c.cluster_name,
            c.category,
            c.subcategory,
            c.issue_count,
            c.unique_customers
        );
    }
    Ok(())
}
