//! The clusterer service: consumes the `cluster` queue, places each new issue in the best
//! matching active cluster of its category/subcategory or opens a new one, and keeps cluster
//! statistics (counts, customers, first/last seen, 7-day trends) current — after each job for
//! the clusters it touched, and for all clusters on a schedule (trends move with the clock).

pub mod assign;
pub mod job;

use domain::jobs::CLUSTER_QUEUE;
use runtime::{health, settings::env_or, CommonCommand, CommonSettings, Infra};
use std::sync::Arc;
use std::time::Duration;

pub use job::{handle, ClustererState};

/// `clusterer` — group issues into clusters.
#[derive(Debug, clap::Parser)]
#[command(name = "clusterer", version, about = "Issue Miner's clusterer service")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<CommonCommand>,
}

/// The clusterer's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub common: CommonSettings,
    /// `CLUSTERER_CONCURRENCY`: jobs handled at once by this replica.
    pub concurrency: usize,
    /// `STATS_EVERY_SECS`: how often every cluster's statistics are recomputed.
    pub stats_every: Duration,
    pub reconcile_after: Duration,
    pub poll_interval: Duration,
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Settings {
            common: CommonSettings::from_env(8083)?,
            concurrency: env_or("CLUSTERER_CONCURRENCY", 2usize)?.max(1),
            stats_every: Duration::from_secs(env_or("STATS_EVERY_SECS", 300u64)?.max(1)),
            reconcile_after: Duration::from_secs(env_or("RECONCILE_AFTER_SECS", 300u64)?),
            poll_interval: Duration::from_millis(env_or("QUEUE_POLL_MS", 200u64)?),
        })
    }
}

/// Runs the command line.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(CommonCommand::Serve) {
        CommonCommand::Migrate { reset } => runtime::migrate(&settings.common, reset).await,
        CommonCommand::Serve => {
            let infra = runtime::bootstrap(&settings.common, settings.concurrency + 2).await?;
            serve(settings, infra, runtime::shutdown_signal()).await
        }
    }
}

/// Runs the worker, the scheduled statistics and the health server until `shutdown`.
pub async fn serve(
    settings: Settings,
    infra: Infra,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = Arc::new(ClustererState {
        pool: infra.pool.clone(),
    });
    let health = health::spawn(
        health::HealthState {
            service: "clusterer",
            pool: infra.pool.clone(),
            queues: infra.queues.clone(),
        },
        &settings.common.host,
        settings.common.port,
    )?;
    let scheduler = tokio::spawn(job::scheduled(
        infra.pool.clone(),
        infra.queues.clone(),
        settings.stats_every,
        settings.reconcile_after,
    ));

    let redis = queue::connect(settings.common.redis_url.expose()).await?;
    let worker = queue::WorkerSettings {
        service: "clusterer",
        prefix: settings.common.queue_prefix.clone(),
        queue: CLUSTER_QUEUE,
        concurrency: settings.concurrency,
        poll_interval: settings.poll_interval,
    };
    queue::run_worker::<domain::jobs::ClusterTicket, _, _, _>(
        redis, worker, state, handle, shutdown,
    )
    .await?;

    scheduler.abort();
    health.stop().await?;
    tracing::info!("clusterer stopped");
    Ok(())
}
