//! The api service: the REST API the dashboard and integrations read.

pub mod access;
pub mod cache;
pub mod dto;
pub mod error;
pub mod monitoring;
pub mod oidc;
pub mod openapi;
pub mod report;
pub mod routes;
pub mod seed_bench;
pub mod tokens;
pub mod users;

use actix_web::{dev::Server, web, App, HttpServer};
use analysis::Analyzer;
use runtime::{
    settings::{env_or, env_var},
    CommonCommand, CommonSettings, Infra,
};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

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
    /// Manage the API's bearer tokens.
    Token {
        #[command(subcommand)]
        command: tokens::TokenCommand,
    },
    /// Manage the people who sign in to the dashboard (the first admin is made here).
    User {
        #[command(subcommand)]
        command: users::UserCommand,
    },
    /// Print the OpenAPI document (what `make openapi` writes to services/api/openapi.json).
    Openapi,
    /// Fill the database with synthetic tickets, issues and clusters for `make bench-api`.
    SeedBench {
        #[arg(long, default_value_t = 100_000)]
        issues: u32,
        #[arg(long, default_value_t = 2_000)]
        clusters: u32,
    },
}

/// The API's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub common: CommonSettings,
    /// `ZENDESK_SUBDOMAIN`, for links to tickets (`https://{subdomain}.zendesk.com/agent/tickets/{id}`).
    pub zendesk_subdomain: Option<String>,
    /// `DASHBOARD_ORIGIN`: the one browser origin CORS lets call the API.
    pub dashboard_origin: String,
    /// `API_CACHE_SECS`: how long the cluster list and the summary are served from memory
    /// (0 turns the cache off). Writes through this API empty it at once.
    pub cache_ttl: Duration,
    /// `API_CACHE_MAX_STALE_SECS`: how old a cached answer may still be served while it is
    /// recomputed in the background (stale-while-revalidate); past it a request recomputes.
    pub cache_max_stale: Duration,
    /// `METRICS_CACHE_SECS`: how long the LLM usage totals of `/metrics` are reused between
    /// scrapes (they are an SQL aggregate over `analysis_runs`).
    pub metrics_cache_ttl: Duration,
    /// `RATE_LIMIT_*_PER_MIN`: the request and sign-in budgets (0 turns one off).
    pub limits: auth::limit::LimitSettings,
    /// `OIDC_*`: single sign-on, when `OIDC_ISSUER_URL` is set.
    pub oidc: Option<oidc::OidcSettings>,
    /// `METRICS_TOKEN`: the bearer `/metrics` wants. Without it `/metrics` answers only to
    /// loopback and private addresses (a scraper on the private network).
    pub metrics_token: Option<runtime::Secret>,
}

/// The dashboard's origin when `DASHBOARD_ORIGIN` is not set (Next.js' dev server).
pub const DEFAULT_DASHBOARD_ORIGIN: &str = "http://localhost:3000";

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Settings {
            common: CommonSettings::from_env(8080)?,
            zendesk_subdomain: env_var("ZENDESK_SUBDOMAIN"),
            dashboard_origin: env_var("DASHBOARD_ORIGIN")
                .unwrap_or_else(|| DEFAULT_DASHBOARD_ORIGIN.into()),
            cache_ttl: Duration::from_secs(env_or("API_CACHE_SECS", 2u64)?),
            cache_max_stale: Duration::from_secs(env_or("API_CACHE_MAX_STALE_SECS", 30u64)?),
            metrics_cache_ttl: Duration::from_secs(env_or("METRICS_CACHE_SECS", 5u64)?),
            limits: {
                let d = auth::limit::LimitSettings::default();
                auth::limit::LimitSettings {
                    api_per_credential: env_or("RATE_LIMIT_API_PER_MIN", d.api_per_credential)?,
                    per_address: env_or("RATE_LIMIT_ADDRESS_PER_MIN", d.per_address)?,
                    login_per_email: env_or("RATE_LIMIT_LOGIN_PER_MIN", d.login_per_email)?,
                    trusted_proxies: env_var("RATE_LIMIT_TRUSTED_PROXIES")
                        .unwrap_or_default()
                        .split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(|p| {
                            p.parse()
                                .map_err(|e| anyhow::anyhow!("RATE_LIMIT_TRUSTED_PROXIES: {e}"))
                        })
                        .collect::<anyhow::Result<_>>()?,
                }
            },
            oidc: oidc::OidcSettings::from_env()?,
            metrics_token: env_var("METRICS_TOKEN").map(runtime::Secret::new),
        })
    }

    /// Settings for tests: the common ones given, the rest at their defaults.
    pub fn with_common(common: CommonSettings) -> Self {
        Settings {
            common,
            zendesk_subdomain: None,
            dashboard_origin: DEFAULT_DASHBOARD_ORIGIN.into(),
            cache_ttl: Duration::from_secs(2),
            cache_max_stale: Duration::from_secs(30),
            metrics_cache_ttl: Duration::from_secs(5),
            limits: auth::limit::LimitSettings::OFF,
            oidc: None,
            metrics_token: None,
        }
    }
}

/// The largest JSON body accepted (a ticket with a long thread fits; a dump does not).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// What every handler can reach.
pub struct AppState {
    pub pool: db::Pool,
    pub queues: queue::Queues,
    pub taxonomy: Arc<domain::Taxonomy>,
    pub zendesk_subdomain: Option<String>,
    /// Classifies `POST /api/analyze` texts; any [`Analyzer`] fits (the offline one by default).
    pub analyzer: Arc<dyn Analyzer>,
    /// Short-lived responses of the hot read endpoints.
    pub cache: Arc<cache::ResponseCache>,
    /// The LLM usage totals `/metrics` reports, reused for a few seconds.
    pub llm_usage: monitoring::UsageCache,
    /// Request and sign-in budgets.
    pub limits: auth::limit::Limits,
    /// Single sign-on, when configured.
    pub oidc: Option<oidc::Oidc>,
    /// What `/metrics` wants as its bearer, if anything.
    pub metrics_token: Option<runtime::Secret>,
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
    /// Binds `host:port` (port 0 picks a free one, for tests) and builds the server with the
    /// offline analyzer behind `POST /api/analyze`.
    pub fn build(settings: &Settings, infra: Infra) -> anyhow::Result<Self> {
        let analyzer = Arc::new(analysis::offline::KeywordAnalyzer::new(
            (*infra.taxonomy).clone(),
        ));
        Self::build_with_analyzer(settings, infra, analyzer)
    }

    /// As [`Application::build`], with the analyzer of the caller's choice.
    pub fn build_with_analyzer(
        settings: &Settings,
        infra: Infra,
        analyzer: Arc<dyn Analyzer>,
    ) -> anyhow::Result<Self> {
        let listener = TcpListener::bind((settings.common.host.as_str(), settings.common.port))?;
        let port = listener.local_addr()?.port();
        let prometheus = monitoring::install()?;
        let authenticator = web::Data::new(auth::Authenticator::new(infra.pool.clone()));
        let state = web::Data::new(AppState {
            pool: infra.pool,
            queues: infra.queues,
            taxonomy: infra.taxonomy,
            zendesk_subdomain: settings.zendesk_subdomain.clone(),
            analyzer,
            cache: Arc::new(cache::ResponseCache::new(
                settings.cache_ttl,
                settings.cache_max_stale,
            )),
            llm_usage: monitoring::UsageCache::new(settings.metrics_cache_ttl),
            limits: auth::limit::Limits::new(settings.limits.clone()),
            oidc: settings.oidc.clone().map(oidc::Oidc::new).transpose()?,
            metrics_token: settings.metrics_token.clone(),
        });
        let origin = settings.dashboard_origin.clone();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(access::canonical_request))
                .wrap(actix_web::middleware::from_fn(access::rate_limit))
                .wrap(cors(&origin))
                .wrap(actix_web::middleware::from_fn(access::security_headers))
                .wrap(actix_web::middleware::from_fn(monitoring::record))
                .wrap(tracing_actix())
                .app_data(state.clone())
                .app_data(authenticator.clone())
                .app_data(web::Data::new(prometheus.clone()))
                .app_data(web::QueryConfig::default().error_handler(error::query_error))
                .app_data(web::PathConfig::default().error_handler(error::path_error))
                .app_data(
                    web::JsonConfig::default()
                        .limit(MAX_BODY_BYTES)
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

/// CORS for the dashboard's origin only.
fn cors(origin: &str) -> actix_cors::Cors {
    actix_cors::Cors::default()
        .allowed_origin(origin)
        .allowed_methods(["GET", "POST", "PATCH", "OPTIONS"])
        .allowed_headers([
            actix_web::http::header::AUTHORIZATION,
            actix_web::http::header::CONTENT_TYPE,
        ])
        .expose_headers([actix_web::http::header::CONTENT_DISPOSITION])
        .max_age(3600)
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
        Command::Token { command } => {
            let infra = runtime::bootstrap(&settings.common, 2).await?;
            tokens::run(&infra, command).await
        }
        Command::User { command } => {
            let infra = runtime::bootstrap(&settings.common, 2).await?;
            users::run(&infra, command).await
        }
        Command::Openapi => {
            println!("{}", openapi::document_json()?);
            Ok(())
        }
        Command::SeedBench { issues, clusters } => {
            let infra = runtime::bootstrap(&settings.common, 4).await?;
            seed_bench::run(&infra, issues, clusters).await
        }
    }
}
