//! One pipeline under test: a private PostgreSQL and Redis, the services' environment, the
//! ingest import, and progress read from the database and the queues.

use crate::infra::{Postgres, Redis};
use crate::service::Service;
use anyhow::{bail, Context as _};
use std::process::Command;
use std::time::{Duration, Instant};

/// The pieces of one run.
pub struct Pipeline {
    pub pg: Postgres,
    pub redis: Redis,
    pub pool: db::Pool,
    pub queues: queue::Queues,
    pub env: Vec<(String, String)>,
    /// The services' logs (kept: the suite prints where they are when something fails).
    pub logs: std::path::PathBuf,
}

impl Pipeline {
    pub async fn start(persistent: bool, extra_env: &[(&str, String)]) -> anyhow::Result<Self> {
        let pg = Postgres::start().context("starting a private PostgreSQL")?;
        let redis = Redis::start(persistent).context("starting a private Redis")?;
        let database_url = pg.url("issue_miner_faults");
        let mut env: Vec<(String, String)> = [
            ("DATABASE_URL", database_url.clone()),
            ("REDIS_URL", redis.url()),
            ("QUEUE_PREFIX", "faults".to_string()),
            ("RUST_LOG", "warn".to_string()),
            ("HOST", "127.0.0.1".to_string()),
            // The keyword analyzer: the offline analyzer that keeps a 20,000-ticket backfill
            // within minutes on two cores (the embedding one is measured by make bench).
            ("EMBEDDING_MODEL_DIR", "/nonexistent".to_string()),
            ("ANALYZER_CONCURRENCY", "4".to_string()),
            ("QUEUE_POLL_MS", "50".to_string()),
            ("STATS_EVERY_SECS", "5".to_string()),
            ("RECONCILE_EVERY_SECS", "5".to_string()),
            ("RECONCILE_AFTER_SECS", "120".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        env.extend(extra_env.iter().map(|(k, v)| (k.to_string(), v.clone())));
        let logs = std::env::temp_dir().join(format!(
            "issue-miner-faults-logs-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&logs)?;

        // Create and migrate the database once, before the services race to do it.
        run_cli("analyzer", &["migrate"], &env)?;
        let pool = db::pool(&database_url, 4)?;
        let queues = queue::Queues::new(queue::connect(&redis.url()).await?, "faults");
        Ok(Pipeline {
            pg,
            redis,
            pool,
            queues,
            env,
            logs,
        })
    }

    pub fn service(&self, name: &'static str) -> Service {
        let mut env = self.env.clone();
        env.push(("PORT".into(), crate::free_port().to_string()));
        Service::new(name, env, self.logs.join(format!("{name}.log")))
    }

    /// Imports `n` generated tickets with the ingest command (in the background).
    pub fn import(&self, n: usize) -> anyhow::Result<std::process::Child> {
        let file = self.logs.join("tickets.jsonl");
        crate::write_ticket_file(&file, n)?;
        Command::new(crate::bin_dir().join("ingest"))
            .arg("import")
            .arg(&file)
            .arg("--rebase-dates")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(std::process::Stdio::null())
            .spawn()
            .context("starting ingest import")
    }

    /// (tickets stored, analyzed or failed, unclustered issues, outstanding jobs)
    pub async fn progress(&self) -> anyhow::Result<(i64, i64, i64, u64)> {
        let mut conn = self.pool.get().await?;
        let t = db::models::ticket::counts(&mut conn).await?;
        let (_, unclustered) = db::models::issue::counts(&mut conn).await?;
        let depths = self.queues.depths().await?;
        Ok((
            t.total,
            t.analyzed + t.failed,
            unclustered,
            depths.iter().map(|d| d.outstanding()).sum(),
        ))
    }

    /// Waits until `expected` tickets are stored and analyzed, every issue clustered, the
    /// clusters consolidated and named, and no job outstanding (twice in a row, a stats pass
    /// apart), sampling memory meanwhile.
    pub async fn settle(
        &self,
        expected: usize,
        limit: Duration,
        services: &mut [&mut Service],
    ) -> anyhow::Result<()> {
        let started = Instant::now();
        let mut calm = 0;
        while started.elapsed() < limit {
            for s in services.iter_mut() {
                s.sample_memory();
            }
            match self.progress().await {
                Ok((total, done, 0, 0))
                    if total as usize == expected
                        && done == total
                        && db::models::consolidation::is_current_in(&self.pool).await =>
                {
                    calm += 1;
                    if calm >= 3 {
                        return Ok(());
                    }
                }
                Ok(_) => calm = 0,
                Err(e) => eprintln!("  (progress unreadable for now: {e})"),
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        bail!(
            "the pipeline did not settle within {limit:?}: {:?}",
            self.progress().await
        )
    }
}

/// Runs one of the service binaries' commands to completion.
pub fn run_cli(bin: &str, args: &[&str], env: &[(String, String)]) -> anyhow::Result<()> {
    let status = Command::new(crate::bin_dir().join(bin))
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .status()
        .with_context(|| format!("running {bin} {args:?}"))?;
    if !status.success() {
        bail!("{bin} {args:?} failed: {status}");
    }
    Ok(())
}
