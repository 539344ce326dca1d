//! The analyzer service: consumes the `analyze` queue, extracts each ticket's product issues
//! with the configured analyzer, validates them against the taxonomy, stores them with the
//! ticket's `analyzed_at` in one transaction and queues the ticket for clustering.

pub mod batch;
pub mod job;
pub mod reconcile;

use analysis::claude::ClaudeAnalyzer;
use analysis::fallback::{BreakerSettings, FallbackAnalyzer};
use analysis::{embedding::EmbeddingAnalyzer, offline::KeywordAnalyzer, Analyzer};
use anyhow::Context as _;
use domain::jobs::ANALYZE_QUEUE;
use runtime::settings::{env_or, env_var};
use runtime::{health, CommonCommand, CommonSettings, Infra, Secret};
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

/// How the Claude analyzer is reached and when it gives way to the offline one.
#[derive(Debug, Clone)]
pub struct ClaudeSettings {
    /// `ANTHROPIC_API_KEY`.
    pub api_key: Secret,
    /// `ANTHROPIC_MODEL` (default: the current Sonnet, [`anthropic::DEFAULT_MODEL`]).
    pub model: String,
    /// `ANTHROPIC_BASE_URL` (default `https://api.anthropic.com`; a proxy or a test server).
    pub base_url: String,
    /// `ANTHROPIC_MAX_TOKENS`: output budget per ticket (adaptive thinking counts against it).
    pub max_tokens: u32,
    /// `ANTHROPIC_TIMEOUT_SECS`: per request.
    pub timeout: Duration,
    /// `ANTHROPIC_MAX_RETRIES`: retries of 429/529/5xx/timeouts inside one job attempt.
    pub max_retries: u32,
    /// Backoff before the first retry (doubles per retry, with jitter).
    pub base_backoff: Duration,
    /// `CLAUDE_BREAKER_FAILURES` / `CLAUDE_BREAKER_COOLDOWN_SECS`: when the offline analyzer
    /// takes over.
    pub breaker: BreakerSettings,
    /// `CLAUDE_BATCH_THRESHOLD`, `CLAUDE_BATCH_MAX`, `CLAUDE_BATCH_POLL_SECS`: backfills
    /// through the Message Batches API.
    pub batch: batch::BatchSettings,
}

impl ClaudeSettings {
    /// `None` when `ANTHROPIC_API_KEY` is unset or empty.
    pub fn from_env() -> anyhow::Result<Option<Self>> {
        let Some(key) = env_var("ANTHROPIC_API_KEY") else {
            return Ok(None);
        };
        Ok(Some(ClaudeSettings {
            api_key: Secret::new(key.trim()),
            model: env_var("ANTHROPIC_MODEL").unwrap_or_else(|| anthropic::DEFAULT_MODEL.into()),
            base_url: env_var("ANTHROPIC_BASE_URL")
                .unwrap_or_else(|| anthropic::DEFAULT_BASE_URL.into()),
            max_tokens: env_or("ANTHROPIC_MAX_TOKENS", 4096u32)?,
            timeout: Duration::from_secs(env_or("ANTHROPIC_TIMEOUT_SECS", 120u64)?),
            max_retries: env_or("ANTHROPIC_MAX_RETRIES", 4u32)?,
            base_backoff: Duration::from_secs(1),
            breaker: BreakerSettings {
                failures: env_or("CLAUDE_BREAKER_FAILURES", 3u32)?.max(1),
                cooldown: Duration::from_secs(env_or("CLAUDE_BREAKER_COOLDOWN_SECS", 60u64)?),
            },
            batch: batch::BatchSettings {
                threshold: env_or("CLAUDE_BATCH_THRESHOLD", 200i64)?,
                max_tickets: env_or("CLAUDE_BATCH_MAX", 10_000i64)?.clamp(1, 100_000),
                poll_every: Duration::from_secs(env_or("CLAUDE_BATCH_POLL_SECS", 60u64)?.max(1)),
            },
        }))
    }
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
            // A misspelt EMBEDDING_KIND stops the service instead of quietly falling back.
            embed::Kind::from_env()?;
            let infra = runtime::bootstrap(&settings.common, settings.concurrency + 2).await?;
            // Read apart from `Settings` so tests and other services that build `Settings`
            // by hand are unaffected.
            let offline = offline_analyzer(&infra);
            let (analyzer, batcher): (Arc<dyn Analyzer>, _) = match ClaudeSettings::from_env()? {
                None => (offline, None),
                Some(claude) => {
                    let primary = build_claude(&infra, &claude, settings.concurrency)?;
                    let batcher = batch::Batcher {
                        pool: infra.pool.clone(),
                        queues: infra.queues.clone(),
                        taxonomy: infra.taxonomy.clone(),
                        claude: primary.clone(),
                        settings: claude.batch,
                    };
                    let analyzer = FallbackAnalyzer::new(primary, offline, claude.breaker);
                    (Arc::new(analyzer), Some(batcher))
                }
            };
            serve_with_batches(
                settings,
                infra,
                analyzer,
                batcher,
                runtime::shutdown_signal(),
            )
            .await
        }
    }
}

/// The offline analyzer — the embedded default, and Claude's fallback: the embedding analyzer
/// when the model's files are present (`make model`, or `EMBEDDING_MODEL_DIR`), otherwise the
/// keyword analyzer, with a warning.
pub fn offline_analyzer(infra: &Infra) -> Arc<dyn Analyzer> {
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

/// The analyzer to use: Claude (with the offline analyzer behind it) when `ANTHROPIC_API_KEY`
/// is set, the offline analyzer otherwise.
pub fn default_analyzer(
    infra: &Infra,
    claude: Option<&ClaudeSettings>,
    concurrency: usize,
) -> anyhow::Result<Arc<dyn Analyzer>> {
    let offline = offline_analyzer(infra);
    let Some(claude) = claude else {
        tracing::info!(
            analyzer = offline.name(),
            "ANTHROPIC_API_KEY not set; using the offline analyzer"
        );
        return Ok(offline);
    };
    let primary = build_claude(infra, claude, concurrency)?;
    Ok(Arc::new(FallbackAnalyzer::new(
        primary,
        offline,
        claude.breaker,
    )))
}

/// The Claude analyzer of `claude`, with at most `concurrency` requests in flight.
pub fn build_claude(
    infra: &Infra,
    claude: &ClaudeSettings,
    concurrency: usize,
) -> anyhow::Result<Arc<ClaudeAnalyzer>> {
    let client = anthropic::Client::new(anthropic::Config {
        api_key: claude.api_key.clone(),
        base_url: claude.base_url.clone(),
        timeout: claude.timeout,
        max_retries: claude.max_retries,
        base_backoff: claude.base_backoff,
        max_backoff: Duration::from_secs(60),
        // As many requests in flight as jobs: a backfill never exceeds the worker's
        // concurrency, which is what keeps it under the rate limits.
        concurrency,
    })
    .context("building the Anthropic client")?;
    tracing::info!(model = %claude.model, "using Claude");
    Ok(Arc::new(ClaudeAnalyzer::new(
        client,
        (*infra.taxonomy).clone(),
        &claude.model,
        claude.max_tokens,
    )))
}

/// The analyzer part of `/health`: which analyzer runs and, when it is degraded, why.
pub fn health_detail(analyzer: &dyn Analyzer) -> serde_json::Value {
    serde_json::json!({
        "analyzer": {
            "name": analyzer.name(),
            "model": analyzer.model(),
            "status": if analyzer.status().is_some() { "degraded" } else { "ok" },
            "detail": analyzer.status(),
        }
    })
}

/// Runs the worker, the reconciler and the health server until `shutdown` resolves; then the
/// worker stops taking jobs and finishes the ones it has.
pub async fn serve(
    settings: Settings,
    infra: Infra,
    analyzer: Arc<dyn Analyzer>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_with_batches(settings, infra, analyzer, None, shutdown).await
}

/// [`serve`], also running `batcher` (Message Batches for backfills) when given.
pub async fn serve_with_batches(
    settings: Settings,
    infra: Infra,
    analyzer: Arc<dyn Analyzer>,
    batcher: Option<batch::Batcher>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    tracing::info!(
        analyzer = analyzer.name(),
        concurrency = settings.concurrency,
        "analyzer starting"
    );
    let detail_of = analyzer.clone();
    let detail: health::Detail = Arc::new(move || health_detail(detail_of.as_ref()));
    let state = Arc::new(AnalyzerState {
        pool: infra.pool.clone(),
        queues: infra.queues.clone(),
        taxonomy: infra.taxonomy.clone(),
        analyzer,
        embedder: issue_embedder(),
    });

    let health = health::spawn_with_detail(
        health::HealthState {
            service: "analyzer",
            pool: infra.pool.clone(),
            queues: infra.queues.clone(),
        },
        Some(detail),
        &settings.common.host,
        settings.common.port,
    )?;

    let reconciler = tokio::spawn(reconcile::run(
        infra.pool.clone(),
        infra.queues.clone(),
        settings.reconcile_every,
        settings.reconcile_after,
    ));

    let batches = batcher.map(|b| tokio::spawn(batch::run(b)));

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
    if let Some(batches) = batches {
        batches.abort();
    }
    health.stop().await?;
    tracing::info!("analyzer stopped");
    Ok(())
}
