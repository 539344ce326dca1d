//! The clusterer service: consumes the `cluster` queue, places each new issue in the most
//! similar active cluster of its category/subcategory (by embedding) or opens a new one,
//! periodically consolidates (merges converged clusters, splits incoherent ones) and names
//! clusters, and keeps cluster statistics (counts, customers, first/last seen, 7-day trends)
//! current — for the clusters jobs touched at most once per `STATS_REFRESH_MS` ([`stats`]), and
//! for all clusters on a schedule (trends move with the clock).

pub mod assign;
pub mod consolidate;
pub mod job;
pub mod naming;
pub mod stats;

use anyhow::Context;
use assign::Method;
use clustering::Thresholds;
use domain::jobs::CLUSTER_QUEUE;
use naming::Namer;
use runtime::settings::{env_or, env_var};
use runtime::{health, CommonCommand, CommonSettings, Infra, Secret};
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
    /// `CLUSTERER_CONCURRENCY`: jobs handled at once by this replica. A job mostly waits for
    /// PostgreSQL (about ten short statements), so more jobs than cores pay: 10,000 tickets on
    /// the static table went from 160–170 tickets/s with 2 to 181–207 with 8.
    pub concurrency: usize,
    /// `STATS_EVERY_SECS`: how often every cluster's statistics are recomputed.
    pub stats_every: Duration,
    /// `STATS_REFRESH_MS`: the least time between two refreshes of the clusters jobs touched
    /// (their issue counts are exact at once; customers and trends follow within this).
    pub stats_refresh: Duration,
    pub reconcile_after: Duration,
    pub poll_interval: Duration,
    /// `CLUSTERER_METHOD`: `embeddings` (default) or `keywords` (the seed's baseline, for
    /// side-by-side measurement only).
    pub method: Method,
    /// `CLUSTER_JOIN_THRESHOLD`, `CLUSTER_MERGE_THRESHOLD`, `CLUSTER_SPLIT_BELOW`: see
    /// [`clustering::Thresholds`] (defaults chosen on Banking77 train / CLINC150 validation).
    pub thresholds: Thresholds,
    /// `CONSOLIDATE_EVERY_SECS`: how often clusters are consolidated and named while issues
    /// keep arriving.
    pub consolidate_every: Duration,
    /// `CONSOLIDATE_QUIET_MS`: a pass also runs once no issue has been placed for this long
    /// after some were (a backlog drained), so names and merges are current within seconds.
    pub consolidate_quiet: Duration,
    /// `ANTHROPIC_API_KEY` (+ `ANTHROPIC_MODEL`, `ANTHROPIC_BASE_URL`): Claude names clusters.
    pub claude: Option<NamingClaude>,
}

/// How Claude is reached for cluster names.
#[derive(Debug, Clone)]
pub struct NamingClaude {
    pub api_key: Secret,
    pub model: String,
    pub base_url: String,
}

impl NamingClaude {
    fn from_env() -> Option<Self> {
        let key = env_var("ANTHROPIC_API_KEY")?;
        Some(NamingClaude {
            api_key: Secret::new(key.trim()),
            model: env_var("ANTHROPIC_MODEL").unwrap_or_else(|| anthropic::DEFAULT_MODEL.into()),
            base_url: env_var("ANTHROPIC_BASE_URL")
                .unwrap_or_else(|| anthropic::DEFAULT_BASE_URL.into()),
        })
    }

    /// The namer calling Claude (offline names when a call fails).
    pub fn namer(&self, taxonomy: domain::Taxonomy) -> anyhow::Result<Namer> {
        let client = anthropic::Client::new(anthropic::Config {
            api_key: self.api_key.clone(),
            base_url: self.base_url.clone(),
            timeout: Duration::from_secs(60),
            max_retries: 3,
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            concurrency: 1,
        })
        .context("building the Anthropic client")?;
        Ok(Namer::Claude(Arc::new(
            analysis::claude::ClaudeAnalyzer::new(client, taxonomy, &self.model, 1024),
        )))
    }
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Settings {
            common: CommonSettings::from_env(8083)?,
            concurrency: env_or("CLUSTERER_CONCURRENCY", 8usize)?.max(1),
            stats_every: Duration::from_secs(env_or("STATS_EVERY_SECS", 300u64)?.max(1)),
            stats_refresh: Duration::from_millis(env_or("STATS_REFRESH_MS", 1000u64)?),
            reconcile_after: Duration::from_secs(env_or("RECONCILE_AFTER_SECS", 300u64)?),
            poll_interval: Duration::from_millis(env_or("QUEUE_POLL_MS", 200u64)?),
            method: env_var("CLUSTERER_METHOD")
                .map(|m| m.parse::<Method>())
                .transpose()
                .map_err(anyhow::Error::msg)?
                .unwrap_or_default(),
            thresholds: Thresholds {
                join: env_or("CLUSTER_JOIN_THRESHOLD", Thresholds::default().join)?,
                merge: env_or("CLUSTER_MERGE_THRESHOLD", Thresholds::default().merge)?,
                split_below: env_or("CLUSTER_SPLIT_BELOW", Thresholds::default().split_below)?,
                split_min: Thresholds::default().split_min,
                suggest: env_or("CLUSTER_SUGGEST_THRESHOLD", Thresholds::default().suggest)?,
            },
            consolidate_every: Duration::from_secs(
                env_or("CONSOLIDATE_EVERY_SECS", 600u64)?.max(1),
            ),
            consolidate_quiet: Duration::from_millis(
                env_or("CONSOLIDATE_QUIET_MS", 1000u64)?.max(50),
            ),
            claude: NamingClaude::from_env(),
        })
    }
}

/// Runs the command line.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(CommonCommand::Serve) {
        CommonCommand::Migrate { reset } => runtime::migrate(&settings.common, reset).await,
        CommonCommand::Serve => {
            // A misspelt EMBEDDING_KIND stops the service instead of quietly falling back.
            embed::Kind::from_env()?;
            // One connection per job at once, plus the scheduled pass, consolidation and the
            // statistics refresh.
            let infra = runtime::bootstrap(&settings.common, settings.concurrency + 3).await?;
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
    let namer = match &settings.claude {
        Some(c) => c.namer((*infra.taxonomy).clone())?,
        None => Namer::Offline,
    };
    let mut state = ClustererState::new(infra.pool.clone(), settings.method);
    state.thresholds = settings.thresholds;
    state.namer = namer;
    let kind = embed::Kind::from_env()?;
    if settings.method == Method::Embeddings && !kind.present_in(&embed::model_dir_from_env()) {
        tracing::warn!(
            "embedding model not found (run `make model` or set EMBEDDING_MODEL_DIR): issues \
             stored without an embedding are placed by the keyword matcher"
        );
    }
    tracing::info!(method = ?settings.method, namer = ?state.namer, "clusterer configured");
    let state = Arc::new(state);
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
    let refresher = tokio::spawn({
        let state = state.clone();
        let (pool, gap) = (infra.pool.clone(), settings.stats_refresh);
        async move { state.dirty.run(pool, gap).await }
    });
    let consolidation = (settings.method == Method::Embeddings).then(|| {
        tokio::spawn(job::consolidation(
            state.clone(),
            settings.consolidate_every,
            settings.consolidate_quiet,
        ))
    });

    let redis = queue::connect(settings.common.redis_url.expose()).await?;
    let worker = queue::WorkerSettings {
        service: "clusterer",
        prefix: settings.common.queue_prefix.clone(),
        queue: CLUSTER_QUEUE,
        concurrency: settings.concurrency,
        poll_interval: settings.poll_interval,
    };
    queue::run_worker::<domain::jobs::ClusterTicket, _, _, _>(
        redis,
        worker,
        state.clone(),
        handle,
        shutdown,
    )
    .await?;

    scheduler.abort();
    // Cancelling a refresh leaves its clusters marked: the last refresh takes them all.
    refresher.abort();
    let _ = refresher.await;
    if let Err(e) = state.dirty.refresh(&infra.pool).await {
        tracing::warn!(error = %e, "last statistics refresh failed");
    }
    if let Some(c) = consolidation {
        c.abort();
    }
    health.stop().await?;
    tracing::info!("clusterer stopped");
    Ok(())
}
