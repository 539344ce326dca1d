//! The ingest service: brings tickets in from their sources, upserts them idempotently by
//! (source, source id) and hands every new or changed ticket to the analyzer.
//!
//! Sources: the Zendesk incremental export (scheduled, and on request through the `sync`
//! queue), Zendesk / Slack / Intercom / WhatsApp webhooks (see [`http`]), and file imports
//! (see [`import`]).

pub mod http;
pub mod import;
pub mod source;
pub mod sync;
pub mod verify;
pub mod zendesk_api;
pub mod zendesk_file;
pub mod zendesk_sync;

use anyhow::Context as _;
use domain::jobs::SYNC_QUEUE;
use runtime::settings::{env_or, env_var};
use runtime::{CommonCommand, CommonSettings, Infra, Secret};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use runtime::channels;
pub use source::{SourceError, TicketSource};
pub use sync::{sync, SyncReport};

/// `ingest` — bring tickets in.
#[derive(Debug, clap::Parser)]
#[command(name = "ingest", version, about = "Issue Miner's ingest service")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    #[command(flatten)]
    Common(CommonCommand),
    /// Import a file of tickets and exit: JSON lines (one Zendesk ticket per line), a Zendesk
    /// JSON export (a document with a `tickets` array) or CSV; told apart by extension and
    /// content.
    Import {
        /// The file to read.
        file: PathBuf,
        /// Shift every timestamp so the newest ticket is from a few minutes ago (for demo data
        /// written on another day). The shift is the same for every ticket of the file.
        #[arg(long)]
        rebase_dates: bool,
    },
    /// Sync Zendesk once and exit: from the stored cursor, or with `--backfill-days N`
    /// everything updated in the last N days.
    Sync {
        #[arg(long)]
        backfill_days: Option<u32>,
    },
}

/// The ingest service's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub common: CommonSettings,
    /// The Zendesk API; `None` unless `ZENDESK_SUBDOMAIN` (or `ZENDESK_BASE_URL`),
    /// `ZENDESK_EMAIL` and `ZENDESK_API_TOKEN` are all set.
    pub zendesk: Option<zendesk::Config>,
    /// `ZENDESK_SYNC_EVERY_SECS`: how often the incremental sync runs (default 600).
    pub zendesk_sync_every: Duration,
    pub webhooks: http::WebhookSecrets,
    /// `INTAKE_MAX_BODY_BYTES`: the largest webhook body accepted (default 1 MiB).
    pub max_body_bytes: usize,
    /// `ZENDESK_WEBHOOK_TOLERANCE_SECS`: how old (or how far ahead) a Zendesk webhook's
    /// signature timestamp may be (default 300).
    pub zendesk_tolerance_secs: i64,
    /// `QUEUE_POLL_MS`: how often an idle `sync` worker looks for jobs.
    pub poll_interval: Duration,
    /// `RATE_LIMIT_WEBHOOK_PER_MIN`: webhook deliveries per sender address (default 3,000;
    /// 0 turns it off).
    pub webhooks_per_address: u32,
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        let secret = |name: &str| env_var(name).map(Secret::new);
        let base_url = env_var("ZENDESK_BASE_URL")
            .or_else(|| env_var("ZENDESK_SUBDOMAIN").map(|s| format!("https://{s}.zendesk.com")));
        let zendesk = match (
            base_url,
            env_var("ZENDESK_EMAIL"),
            secret("ZENDESK_API_TOKEN"),
        ) {
            (Some(base_url), Some(email), Some(token)) => {
                let mut config = zendesk::Config::new("unused", &email, token);
                config.base_url = base_url;
                config.requests_per_minute = env_or("ZENDESK_REQUESTS_PER_MINUTE", 400u32)?;
                Some(config)
            }
            _ => None,
        };
        Ok(Settings {
            common: CommonSettings::from_env(8081)?,
            zendesk,
            zendesk_sync_every: Duration::from_secs(
                env_or("ZENDESK_SYNC_EVERY_SECS", 600u64)?.max(1),
            ),
            webhooks: http::WebhookSecrets {
                zendesk: secret("ZENDESK_WEBHOOK_SECRET"),
                slack: secret("SLACK_SIGNING_SECRET"),
                intercom: secret("INTERCOM_CLIENT_SECRET"),
                whatsapp: secret("WHATSAPP_APP_SECRET"),
                whatsapp_verify_token: secret("WHATSAPP_VERIFY_TOKEN"),
            },
            max_body_bytes: env_or("INTAKE_MAX_BODY_BYTES", 1024 * 1024usize)?,
            zendesk_tolerance_secs: env_or(
                "ZENDESK_WEBHOOK_TOLERANCE_SECS",
                verify::ZENDESK_TOLERANCE_SECS,
            )?,
            poll_interval: Duration::from_millis(env_or("QUEUE_POLL_MS", 200u64)?),
            webhooks_per_address: env_or("RATE_LIMIT_WEBHOOK_PER_MIN", 3_000u32)?,
        })
    }
}

/// Runs the command line.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Common(CommonCommand::Serve)) {
        Command::Common(CommonCommand::Migrate { reset }) => {
            runtime::migrate(&settings.common, reset).await
        }
        Command::Common(CommonCommand::Serve) => {
            let infra = runtime::bootstrap(&settings.common, 6).await?;
            serve(settings, infra, runtime::shutdown_signal()).await
        }
        Command::Import { file, rebase_dates } => {
            let infra = runtime::bootstrap(&settings.common, 2).await?;
            let (format, source) = import::open(&file, rebase_dates)?;
            tracing::info!(?format, records = source.len(), file = %file.display(), "importing");
            let total = source.len();
            let mut source = import::WithProgress::new(source, total);
            let report = sync(&mut source, &infra.pool, &infra.queues).await;
            source.finish();
            let report = report?;
            println!("{report}");
            if report.failed > 0 {
                anyhow::bail!(
                    "{} ticket(s) could not be imported (see above)",
                    report.failed
                );
            }
            Ok(())
        }
        Command::Sync { backfill_days } => {
            let config = settings.zendesk.clone().context(
                "Zendesk is not configured: set ZENDESK_SUBDOMAIN, ZENDESK_EMAIL and ZENDESK_API_TOKEN",
            )?;
            let infra = runtime::bootstrap(&settings.common, 3).await?;
            let zendesk = zendesk_sync::ZendeskSync::new(
                zendesk::Client::new(config)?,
                infra.pool.clone(),
                infra.queues.clone(),
            );
            let report = zendesk.run(backfill_days).await?;
            println!("{report}");
            Ok(())
        }
    }
}

/// `serve`: the HTTP server (health, webhooks), the `sync` queue's worker and, with Zendesk
/// credentials, the scheduled incremental sync; until `shutdown` resolves.
pub async fn serve(
    settings: Settings,
    infra: Infra,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let zendesk = match settings.zendesk.clone() {
        Some(config) => Some(Arc::new(zendesk_sync::ZendeskSync::new(
            zendesk::Client::new(config)?,
            infra.pool.clone(),
            infra.queues.clone(),
        ))),
        None => {
            tracing::info!("Zendesk sync is off: ZENDESK_SUBDOMAIN, ZENDESK_EMAIL and ZENDESK_API_TOKEN are not all set");
            None
        }
    };
    let server = http::spawn(
        http::AppState {
            pool: infra.pool.clone(),
            queues: infra.queues.clone(),
            secrets: settings.webhooks.clone(),
            max_body_bytes: settings.max_body_bytes,
            zendesk_tolerance_secs: settings.zendesk_tolerance_secs,
            limits: std::sync::Arc::new(auth::limit::Limits::new(auth::limit::LimitSettings {
                per_address: settings.webhooks_per_address,
                ..auth::limit::LimitSettings::OFF
            })),
            zendesk: zendesk
                .as_ref()
                .map(|z| (z.client.clone(), z.directory.clone())),
        },
        &settings.common.host,
        settings.common.port,
    )?;

    // One shutdown signal, fanned out to the worker and the schedule.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    let schedule = zendesk
        .clone()
        .map(|z| tokio::spawn(z.schedule(settings.zendesk_sync_every, stopped())));
    let redis = queue::connect(settings.common.redis_url.expose()).await?;
    let worker = tokio::spawn(queue::run_worker::<domain::jobs::SyncTickets, _, _, _>(
        redis,
        queue::WorkerSettings {
            service: "ingest",
            prefix: settings.common.queue_prefix.clone(),
            queue: SYNC_QUEUE,
            concurrency: 1,
            poll_interval: settings.poll_interval,
        },
        Arc::new(zendesk_sync::SyncWorkerState { zendesk }),
        zendesk_sync::handle_sync_job,
        stopped(),
    ));

    shutdown.await;
    let _ = stop_tx.send(true);
    if let Some(schedule) = schedule {
        schedule.await.context("the Zendesk schedule panicked")?;
    }
    worker.await.context("the sync worker panicked")??;
    server.stop().await?;
    tracing::info!("ingest stopped");
    Ok(())
}
