//! What every service does the same way: telemetry, settings from the environment, start-up
//! (database, migrations, taxonomy, Redis), the health endpoint and shutdown on a signal; and
//! what every intake path shares: normalizing channel payloads ([`channels`], used by the
//! ingest service's webhooks and the API's dead-letter replay) and accepting tickets
//! ([`intake`]).

pub mod channels;
pub mod health;
pub mod intake;
pub mod settings;

pub use settings::{CommonSettings, Secret};

use anyhow::Context as _;
use domain::Taxonomy;
use queue::Queues;
use tracing_subscriber::{fmt, EnvFilter};

/// Installs the global tracing subscriber: JSON lines when `LOG_FORMAT=json` (production,
/// Railway), readable text otherwise. `RUST_LOG` filters (default `info`).
pub fn init_telemetry() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = settings::env_var("LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("json"));
    // A second init (tests starting several services) keeps the first subscriber.
    // Logs go to stderr so command output (reports, `import` summaries) stays clean on stdout.
    let _ = if json {
        fmt()
            .json()
            .with_current_span(true)
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init()
    } else {
        use std::io::IsTerminal as _;
        fmt()
            .with_env_filter(filter)
            .with_target(false)
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .try_init()
    };
}

/// Resolves when the process is asked to stop: Ctrl-C, or SIGTERM (what Railway, Docker and
/// systemd send).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("received Ctrl-C, shutting down"),
        () = terminate => tracing::info!("received SIGTERM, shutting down"),
    }
}

/// What a started service holds on to.
#[derive(Clone)]
pub struct Infra {
    pub pool: db::Pool,
    pub queues: Queues,
    pub taxonomy: std::sync::Arc<Taxonomy>,
}

/// How long a starting service waits for PostgreSQL before it gives up.
pub const STARTUP_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Creates the database if needed, applies migrations, loads the taxonomy and writes it to the
/// database, and connects to Redis. Every service calls this at start, so any one of them can
/// be deployed first. PostgreSQL failing meanwhile (starting, restarting, crashed: the fault
/// suite kills a service just as PostgreSQL restarts) is retried each second for up to
/// [`STARTUP_WAIT`] instead of ending the service.
pub async fn bootstrap(settings: &CommonSettings, pool_size: usize) -> anyhow::Result<Infra> {
    let taxonomy = Taxonomy::load_or_default(settings.taxonomy_path.as_deref())
        .context("loading the taxonomy")?;
    let started = std::time::Instant::now();
    let pool = loop {
        match prepare_database(settings, pool_size, &taxonomy).await {
            Ok(pool) => break pool,
            Err(e) if started.elapsed() < STARTUP_WAIT => {
                tracing::warn!(
                    error = format!("{e:#}"),
                    "PostgreSQL not ready; retrying in 1 s"
                );
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
            Err(e) => return Err(e),
        }
    };
    let redis = queue::connect(settings.redis_url.expose())
        .await
        .with_context(|| {
            format!(
                "Redis is not reachable at {}",
                db::redact_url(settings.redis_url.expose())
            )
        })?;
    Ok(Infra {
        pool,
        queues: Queues::new(redis, &settings.queue_prefix),
        taxonomy: std::sync::Arc::new(taxonomy),
    })
}

/// The database part of [`bootstrap`]: create, migrate, build the pool, write the taxonomy.
async fn prepare_database(
    settings: &CommonSettings,
    pool_size: usize,
    taxonomy: &Taxonomy,
) -> anyhow::Result<db::Pool> {
    let url = settings.database_url.expose();
    db::ensure_database(url)
        .await
        .with_context(|| format!("PostgreSQL is not reachable at {}", db::redact_url(url)))?;
    let ran = db::run_migrations(url)
        .await
        .context("applying migrations")?;
    if ran > 0 {
        tracing::info!(migrations = ran, "applied migrations");
    }
    let pool = db::pool(url, pool_size)?;
    let mut conn = pool.get().await?;
    let active = db::models::taxonomy::sync(&mut conn, taxonomy)
        .await
        .context("writing the taxonomy to the database")?;
    tracing::info!(subcategories = active, fingerprint = %taxonomy.fingerprint(), "taxonomy loaded");
    drop(conn);
    Ok(pool)
}

/// `migrate`: creates the database if needed and applies pending migrations. With `reset`,
/// first drops the database and deletes the queue keys of `QUEUE_PREFIX` (for the demo).
pub async fn migrate(settings: &CommonSettings, reset: bool) -> anyhow::Result<()> {
    let url = settings.database_url.expose();
    if reset {
        db::drop_database(url)
            .await
            .with_context(|| format!("dropping the database of {}", db::redact_url(url)))?;
        let redis = queue::connect(settings.redis_url.expose()).await?;
        let deleted = queue::delete_prefix(redis, &settings.queue_prefix).await?;
        println!(
            "reset: dropped the database and {deleted} queue key(s) under {:?}",
            settings.queue_prefix
        );
    }
    db::ensure_database(url)
        .await
        .with_context(|| format!("PostgreSQL is not reachable at {}", db::redact_url(url)))?;
    let ran = db::run_migrations(url).await?;
    println!("applied {ran} migration(s); the schema is up to date");
    Ok(())
}

/// The commands every service binary understands besides its own.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum CommonCommand {
    /// Run the service (the default).
    Serve,
    /// Create the database if needed, apply pending migrations and exit.
    Migrate {
        /// Drop the database and the queues first (everything stored is lost).
        #[arg(long)]
        reset: bool,
    },
}
