//! The api service: the REST API the dashboard and integrations read.

pub mod dto;
pub mod error;
pub mod report;
pub mod routes;

use actix_web::{dev::Server, web, App, HttpServer};
use runtime::{settings::env_var, CommonCommand, CommonSettings, Infra};
use std::net::TcpListener;
use std::sync::Arc;

pub use error::ApiError;

/// `api` — serve the REST API.
#[derive(Debug, clap::Parser)]
#[command(name = "api", version, about = "Issue Miner's API service")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    #[command(flatten)]
    Common(CommonCommand),
    /// Print what the pipeline produced: tickets, issues, clusters and the top clusters.
    Report {
        /// Wait up to this many seconds for every stored ticket to be analyzed and clustered.
        #[arg(long, default_value_t = 0)]
        wait: u64,
        /// How many clusters to list.
        #[arg(long, default_value_t = 5)]
        top: i64,
    },
}

/// The API's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub common: CommonSettings,
    /// `ZENDESK_SUBDOMAIN`, for links to tickets (`https://{subdomain}.zendesk.com/agent/tickets/{id}`).
    pub zendesk_subdomain: Option<String>,
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Settings {
            common: CommonSettings::from_env(8080)?,
            zendesk_subdomain: env_var("ZENDESK_SUBDOMAIN"),
        })
    }
}

/// What every handler can reach.
pub struct AppState {
    pub pool: db::Pool,
    pub queues: queue::Queues,
    pub taxonomy: Arc<domain::Taxonomy>,
    pub zendesk_subdomain: Option<String>,
}

impl AppState {
    /// A link to the ticket in its source, when we know how to build one.
    pub fn ticket_url(&self, source: &str, source_id: &str) -> Option<String> {
        match (source, &self.zendesk_subdomain) {
            ("zendesk", Some(sub)) => Some(format!(
                "https://{sub}.zendesk.com/agent/tickets/{source_id}"
            )),
            _ => None,
        }
    }
}

/// A built, bound, not yet awaited server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds `host:port` (port 0 picks a free one, for tests) and builds the server.
    pub fn build(settings: &Settings, infra: Infra) -> anyhow::Result<Self> {
        let listener = TcpListener::bind((settings.common.host.as_str(), settings.common.port))?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState {
            pool: infra.pool,
            queues: infra.queues,
            taxonomy: infra.taxonomy,
            zendesk_subdomain: settings.zendesk_subdomain.clone(),
        });
        let server = HttpServer::new(move || {
            App::new()
                .wrap(tracing_actix())
                .app_data(state.clone())
                .app_data(web::QueryConfig::default().error_handler(error::query_error))
                .app_data(web::PathConfig::default().error_handler(error::path_error))
                .app_data(
                    web::JsonConfig::default()
                        .limit(256 * 1024)
                        .error_handler(error::json_error),
                )
                .configure(routes::configure)
        })
        .disable_signals()
        .listen(listener)?
        .run();
        Ok(Application { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> std::io::Result<()> {
        let handle = self.server.handle();
        let server = tokio::spawn(self.server);
        shutdown.await;
        handle.stop(true).await;
        server.await.map_err(std::io::Error::other)?
    }
}

fn tracing_actix() -> actix_web::middleware::Logger {
    actix_web::middleware::Logger::new("%r %s %Dms")
}

/// Runs the command line.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Common(CommonCommand::Serve)) {
        Command::Common(CommonCommand::Migrate { reset }) => {
            runtime::migrate(&settings.common, reset).await
        }
        Command::Common(CommonCommand::Serve) => {
            let infra = runtime::bootstrap(&settings.common, 10).await?;
            let app = Application::build(&settings, infra)?;
            tracing::info!(port = app.port(), "api listening");
            app.run_until(runtime::shutdown_signal()).await?;
            Ok(())
        }
        Command::Report { wait, top } => {
            let infra = runtime::bootstrap(&settings.common, 2).await?;
            report::run(&infra, std::time::Duration::from_secs(wait), top).await
        }
    }
}
