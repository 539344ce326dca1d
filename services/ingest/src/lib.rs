//! The ingest service: brings tickets in from their sources, upserts them idempotently by
//! (source, source id) and hands every new or changed ticket to the analyzer.

pub mod source;
pub mod sync;
pub mod zendesk_file;

use anyhow::Context as _;
use runtime::{health, CommonCommand, CommonSettings};
use std::path::PathBuf;

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
    /// Import a file of tickets (JSON lines, one Zendesk ticket per line) and exit.
    Import {
        /// The file to read.
        file: PathBuf,
        /// Shift every timestamp so the newest ticket is from a few minutes ago (for demo data
        /// written on another day). The shift is the same for every ticket of the file.
        #[arg(long)]
        rebase_dates: bool,
    },
}

/// The ingest service's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub common: CommonSettings,
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Settings {
            common: CommonSettings::from_env(8081)?,
        })
    }
}

/// Runs the command line.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Common(CommonCommand::Serve)) {
        Command::Common(CommonCommand::Migrate { reset }) => {
            runtime::migrate(&settings.common, reset).await
        }
        Command::Common(CommonCommand::Serve) => serve(settings).await,
        Command::Import { file, rebase_dates } => {
            let infra = runtime::bootstrap(&settings.common, 2).await?;
            let mut source = zendesk_file::ZendeskFile::open(&file, rebase_dates)
                .with_context(|| format!("reading {}", file.display()))?;
            let report = sync(&mut source, &infra.pool, &infra.queues).await?;
            println!("{report}");
            if report.failed > 0 {
                anyhow::bail!(
                    "{} ticket(s) could not be imported (see above)",
                    report.failed
                );
            }
            Ok(())
        }
    }
}

/// `serve`: the long-running service. Until the Zendesk sync and the webhooks exist it serves
/// only `/health`, so deployments and operators see it up.
async fn serve(settings: Settings) -> anyhow::Result<()> {
    let infra = runtime::bootstrap(&settings.common, 4).await?;
    let health = health::spawn(
        health::HealthState {
            service: "ingest",
            pool: infra.pool.clone(),
            queues: infra.queues.clone(),
        },
        &settings.common.host,
        settings.common.port,
    )?;
    runtime::shutdown_signal().await;
    health.stop().await
}
