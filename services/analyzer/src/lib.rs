//! The analyzer service: consumes the `analyze` queue, extracts each ticket's product issues
//! with the configured analyzer, validates them against the taxonomy, stores them with the
//! ticket's `analyzed_at` in one transaction and queues the ticket for clustering.

pub mod job;
pub mod reconcile;

use analysis::{embedding::EmbeddingAnalyzer, offline::KeywordAnalyzer, Analyzer};
use domain::jobs::ANALYZE_QUEUE;
use runtime::{health, settings::env_or, CommonCommand, CommonSettings, Infra};
use std::sync::Arc;
use std::time::Duration;

pub use job::{handle, AnalyzerState};

/// `analyzer` — extract product issues from tickets.
#[derive(Debug, clap::Parser)]
#[command(name = "analyzer", version, about = "Issue Miner's analyzer service")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<CommonCommand>,
}

/// The analyzer's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub common: CommonSettings,
    /// `ANALYZER_CONCURRENCY`: tickets analyzed at once by this replica.
    pub concurrency: usize,
    /// How often queued-but-lost tickets are looked for, and how old they must be.
    pub reconcile_every: Duration,
    pub reconcile_after: Duration,
    /// How often an idle worker looks for new jobs.
    pub poll_interval: Duration,
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Settings {
            common: CommonSettings::from_env(8082)?,
            concurrency: env_or("ANALYZER_CONCURRENCY", 4usize)?.max(1),
            reconcile_every: Duration::from_secs(env_or("RECONCILE_EVERY_SECS", 60u64)?),
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
            let analyzer = default_analyzer(&infra);
            serve(settings, infra, analyzer, runtime::shutdown_signal()).await
        }
    }
}

/// The analyzer to use: the embedding analyzer when the model's files are present (`make
/// model`, or `EMBEDDING_MODEL_DIR`), otherwise the keyword analyzer, with a warning.
pub fn default_analyzer(infra: &Infra) -> Arc<dyn Analyzer> {
    let built = embed::shared()
        .map_err(|e| e.to_string())
        .and_then(|embedder| {
            EmbeddingAnalyzer::new(embedder, &infra.taxonomy).map_err(|e| e.to_string())
        });
    match built {
        Ok(analyzer) => Arc::new(analyzer),
        Err(error) => {
            tracing::warn!(
                %error,
                "embedding model unavailable: using the keyword analyzer, which finds fewer \
                 issues and places them less precisely; run `make model` or set {}",
                embed::MODEL_DIR_ENV
            );
            Arc::new(KeywordAnalyzer::new((*infra.taxonomy).clone()))
        }
    }
}

/// The embedder for the issues' stored embeddings, whichever analyzer found them; `None`
/// (issues stored without embeddings) when the model's files are absent.
pub fn issue_embedder() -> Option<Arc<embed::Embedder>> {
    embed::shared().ok()
}

/// Runs the worker, the reconciler and the health server until `shutdown` resolves; then the
/// worker stops taking jobs and finishes the ones it has.
pub async fn serve(
    settings: Settings,
    infra: Infra,
    analyzer: Arc<dyn Analyzer>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    tracing::info!(
        analyzer = analyzer.name(),
        concurrency = settings.concurrency,
        "analyzer starting"
    );
    let state = Arc::new(AnalyzerState {
        pool: infra.pool.clone(),
        queues: infra.queues.clone(),
        taxonomy: infra.taxonomy.clone(),
        analyzer,
        embedder: issue_embedder(),
    });

    let health = health::spawn(
        health::HealthState {
            service: "analyzer",
            pool: infra.pool.clone(),
            queues: infra.queues.clone(),
        },
        &settings.common.host,
        settings.common.port,
    )?;

    let reconciler = tokio::spawn(reconcile::run(
        infra.pool.clone(),
        infra.queues.clone(),
        settings.reconcile_every,
        settings.reconcile_after,
    ));

    let redis = queue::connect(settings.common.redis_url.expose()).await?;
    let worker = queue::WorkerSettings {
        service: "analyzer",
        prefix: settings.common.queue_prefix.clone(),
        queue: ANALYZE_QUEUE,
        concurrency: settings.concurrency,
        poll_interval: settings.poll_interval,
    };
    queue::run_worker::<domain::jobs::AnalyzeTicket, _, _, _>(
        redis, worker, state, handle, shutdown,
    )
    .await?;

    reconciler.abort();
    health.stop().await?;
    tracing::info!("analyzer stopped");
    Ok(())
}
