//! The job queues between the services: apalis with its Redis backend.
//!
//! Queue keys are `{prefix}:{queue}` (e.g. `issue-miner:analyze`), so several deployments or
//! tests can share one Redis without seeing each other's jobs. Jobs carry ids only
//! (see `domain::jobs`). Handlers must be idempotent: the backend redelivers a job whose worker
//! died, and retries a failed job (up to 25 attempts, then it is dead); a handler returns
//! [`apalis::prelude::AbortError`] for a job that can never succeed, which makes it dead at once.

use apalis::prelude::{TaskSink, TaskSinkError};
use apalis_redis::{Config, ConnectionManager, RedisStorage};
use domain::jobs::{
    AnalyzeTicket, ClusterTicket, SyncTickets, ALL_QUEUES, ANALYZE_QUEUE, CLUSTER_QUEUE, SYNC_QUEUE,
};
use domain::TicketId;
use redis::AsyncCommands;
use serde::Serialize;
use std::time::Duration;

pub mod worker;

pub use apalis_redis;
pub use worker::{run_worker, WorkerSettings};

/// The prefix when `QUEUE_PREFIX` is not set.
pub const DEFAULT_PREFIX: &str = "issue-miner";

/// How often workers beat; a worker silent for `HEARTBEAT * MISSED_HEARTBEATS` is presumed dead
/// and its in-flight jobs are handed to the others.
pub const HEARTBEAT: Duration = Duration::from_secs(5);
pub const MISSED_HEARTBEATS: usize = 3;

/// Errors talking to the queues.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("could not connect to Redis at {url}: {source}")]
    Connect {
        url: String,
        source: redis::RedisError,
    },
    #[error("redis command failed: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("could not enqueue a job: {0}")]
    Push(String),
}

/// Connects to Redis (the connection manager reconnects by itself after a drop).
pub async fn connect(redis_url: &str) -> Result<ConnectionManager, QueueError> {
    apalis_redis::connect(redis_url)
        .await
        .map_err(|source| QueueError::Connect {
            url: redis_url.to_string(),
            source,
        })
}

/// The full Redis name of `queue` under `prefix`.
pub fn queue_key(prefix: &str, queue: &str) -> String {
    format!("{prefix}:{queue}")
}

/// The backend configuration of `queue` under `prefix`.
pub fn config(prefix: &str, queue: &str) -> Config {
    Config::default()
        .queue(queue_key(prefix, queue))
        .heartbeat_interval(HEARTBEAT)
        .missed_heartbeats(MISSED_HEARTBEATS)
        // Workers fetch up to 32 jobs at a time: fewer fetches (make bench-queue: 4 → 32 took
        // draining from ~3,000 to ~4,100 jobs/s); replicas still share a backlog 32 at a time.
        .batch_size(32)
        // Nothing subscribes to apalis's per-job pub/sub events; not publishing them saves
        // Redis a PUBLISH per push and per ack.
        .emit_events(false)
}

/// Deletes every key under `prefix` (all queues, jobs and worker records); returns how many.
pub async fn delete_prefix(mut conn: ConnectionManager, prefix: &str) -> Result<usize, QueueError> {
    let mut keys: Vec<String> = Vec::new();
    {
        let mut iter: redis::AsyncIter<'_, String> = conn.scan_match(format!("{prefix}:*")).await?;
        while let Some(key) = futures::StreamExt::next(&mut iter).await {
            keys.push(key?);
        }
    }
    for chunk in keys.chunks(500) {
        let _: () = conn.del(chunk).await?;
    }
    Ok(keys.len())
}

/// A storage of jobs of type `T` on `queue`.
pub fn storage<T>(conn: ConnectionManager, prefix: &str, queue: &str) -> RedisStorage<T> {
    RedisStorage::new(conn).with_config(config(prefix, queue))
}

/// A worker name unique to this process, so a restarted worker is not mistaken for the old one
/// still inside its heartbeat window.
pub fn worker_name(service: &str) -> String {
    let host = std::env::var("HOSTNAME")
        .or_else(|_| std::env::var("RAILWAY_REPLICA_ID"))
        .unwrap_or_else(|_| "local".into());
    format!(
        "{service}-{host}-{}-{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// Enqueues jobs on the pipeline's queues.
#[derive(Clone)]
pub struct Queues {
    sync: RedisStorage<SyncTickets>,
    analyze: RedisStorage<AnalyzeTicket>,
    cluster: RedisStorage<ClusterTicket>,
    conn: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for Queues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queues")
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl Queues {
    pub fn new(conn: ConnectionManager, prefix: &str) -> Self {
        Queues {
            sync: storage(conn.clone(), prefix, SYNC_QUEUE),
            analyze: storage(conn.clone(), prefix, ANALYZE_QUEUE),
            cluster: storage(conn.clone(), prefix, CLUSTER_QUEUE),
            conn,
            prefix: prefix.to_string(),
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Asks the ingest service to sync a source now.
    pub async fn enqueue_sync(&self, job: SyncTickets) -> Result<(), QueueError> {
        let mut storage = self.sync.clone();
        storage.push(job).await.map_err(push_error)
    }

    /// Asks the analyzer to extract the ticket's issues.
    pub async fn enqueue_analyze(&self, ticket_id: TicketId) -> Result<(), QueueError> {
        let mut storage = self.analyze.clone();
        storage
            .push(AnalyzeTicket { ticket_id })
            .await
            .map_err(push_error)
    }

    /// Asks the analyzer to extract the issues of each ticket (one Redis round trip for all).
    pub async fn enqueue_analyze_many(&self, ticket_ids: &[TicketId]) -> Result<(), QueueError> {
        if ticket_ids.is_empty() {
            return Ok(());
        }
        let mut storage = self.analyze.clone();
        storage
            .push_bulk(
                ticket_ids
                    .iter()
                    .map(|&ticket_id| AnalyzeTicket { ticket_id })
                    .collect(),
            )
            .await
            .map_err(push_error)
    }

    /// Asks the clusterer to place the ticket's new issues.
    pub async fn enqueue_cluster(&self, ticket_id: TicketId) -> Result<(), QueueError> {
        let mut storage = self.cluster.clone();
        storage
            .push(ClusterTicket { ticket_id })
            .await
            .map_err(push_error)
    }

    /// Checks that Redis answers.
    pub async fn ping(&self) -> Result<(), QueueError> {
        let mut conn = self.conn.clone();
        let _: String = redis::cmd("PING").query_async(&mut conn).await?;
        Ok(())
    }

    /// Job counts of every queue.
    pub async fn depths(&self) -> Result<Vec<QueueDepth>, QueueError> {
        let mut out = Vec::with_capacity(ALL_QUEUES.len());
        for queue in ALL_QUEUES {
            out.push(self.depth(queue).await?);
        }
        Ok(out)
    }

    /// Job counts of one queue, read straight from the backend's keys (see the crate docs of
    /// apalis-redis' `Config` for their meaning).
    pub async fn depth(&self, queue: &str) -> Result<QueueDepth, QueueError> {
        let config = config(&self.prefix, queue);
        let mut conn = self.conn.clone();
        // The backend pushes every job into the scheduled set with its run time (now, for an
        // immediate job) and promotes due ones to the active list when a worker fetches; so a
        // due scheduled job is pending, and only a future one is waiting for a retry time.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let active: u64 = conn.llen(config.active_jobs_list()).await?;
        let due: u64 = conn
            .zcount(config.scheduled_jobs_set(), "-inf", now)
            .await?;
        let scheduled: u64 = conn
            .zcount(config.scheduled_jobs_set(), format!("({now}"), "+inf")
            .await?;
        let pending = active + due;
        let oldest_pending_secs = self.oldest_pending(&config, now).await?;
        let failed = self.failed_ids(&config, MAX_LISTED).await?.len() as u64;
        let done: u64 = conn.scard(config.done_jobs_set()).await?;
        let dead: u64 = conn.scard(config.dead_jobs_set()).await?;
        let workers: Vec<String> = conn.zrange(config.workers_set(), 0, -1).await?;
        let mut running = 0u64;
        for worker in &workers {
            let n: u64 = conn
                .scard(format!("{}:{worker}", config.inflight_jobs_set()))
                .await?;
            running += n;
        }
        Ok(QueueDepth {
            queue: queue.to_string(),
            pending,
            scheduled,
            running,
            failed,
            done,
            dead,
            workers: workers.len() as u64,
            oldest_pending_secs,
        })
    }

    /// Seconds the oldest pending job has waited: the head of the active list (its ULID task
    /// id carries its enqueue time) or the earliest due entry of the scheduled set.
    async fn oldest_pending(&self, config: &Config, now: u64) -> Result<Option<u64>, QueueError> {
        let mut conn = self.conn.clone();
        let head: Option<String> = conn.lindex(config.active_jobs_list(), 0).await?;
        let head_secs = head
            .and_then(|id| ulid::Ulid::from_string(&id).ok())
            .map(|u| u.timestamp_ms() / 1000);
        let due: Vec<(String, f64)> = conn
            .zrangebyscore_limit_withscores(config.scheduled_jobs_set(), "-inf", now, 0, 1)
            .await?;
        let due_secs = due.first().map(|(_, score)| *score as u64);
        Ok(head_secs
            .into_iter()
            .chain(due_secs)
            .min()
            .map(|t| now.saturating_sub(t)))
    }

    /// Ids of jobs that failed and wait in the scheduled set for another attempt (at most
    /// `limit`, oldest run time first).
    async fn failed_ids(&self, config: &Config, limit: usize) -> Result<Vec<String>, QueueError> {
        let mut conn = self.conn.clone();
        let ids: Vec<String> = conn
            .zrange(config.scheduled_jobs_set(), 0, (MAX_SCANNED - 1) as isize)
            .await?;
        if ids.is_empty() {
            return Ok(ids);
        }
        let mut pipe = redis::pipe();
        for id in &ids {
            pipe.hget(format!("{}:{id}", config.job_meta_hash()), "status");
        }
        let statuses: Vec<Option<String>> = pipe.query_async(&mut conn).await?;
        Ok(ids
            .into_iter()
            .zip(statuses)
            .filter(|(_, s)| s.as_deref() == Some("Failed"))
            .map(|(id, _)| id)
            .take(limit)
            .collect())
    }

    /// Up to `limit` jobs of `queue` in `state` (failed: waiting for a retry; dead: given up),
    /// with their arguments and last error.
    pub async fn jobs(
        &self,
        queue: &str,
        state: JobState,
        limit: usize,
    ) -> Result<Vec<JobInfo>, QueueError> {
        let config = config(&self.prefix, queue);
        let mut conn = self.conn.clone();
        let ids: Vec<String> = match state {
            JobState::Failed => self.failed_ids(&config, limit).await?,
            JobState::Dead => {
                let mut all: Vec<String> = conn.smembers(config.dead_jobs_set()).await?;
                // Newest first: ULIDs sort by creation time.
                all.sort_unstable_by(|a, b| b.cmp(a));
                all.truncate(limit);
                all
            }
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.job(&config, &id, state).await?);
        }
        Ok(out)
    }

    async fn job(&self, config: &Config, id: &str, state: JobState) -> Result<JobInfo, QueueError> {
        let mut conn = self.conn.clone();
        let meta: std::collections::HashMap<String, String> = conn
            .hgetall(format!("{}:{id}", config.job_meta_hash()))
            .await?;
        let data: Option<Vec<u8>> = conn.hget(config.job_data_hash(), id).await?;
        let args = data
            .as_deref()
            .and_then(|d| serde_json::from_slice::<serde_json::Value>(d).ok());
        Ok(JobInfo {
            id: id.to_string(),
            state,
            attempts: meta.get("attempts").and_then(|a| a.parse().ok()),
            status: meta.get("status").cloned(),
            error: meta.get("result").and_then(|r| error_of(r)),
            args,
            enqueued_at: ulid::Ulid::from_string(id)
                .ok()
                .map(|u| u.timestamp_ms() / 1000),
            finished_at: meta.get("done_at").and_then(|d| d.parse().ok()),
        })
    }

    /// Runs a dead job again: pushes its arguments as a new job and takes the old one out of
    /// the dead set. False when `id` is not a dead job of `queue`.
    ///
    /// The push comes first, so a failure between the two steps leaves the job listed as dead
    /// and also re-queued — never lost; the handlers are idempotent.
    pub async fn retry_dead(&self, queue: &str, id: &str) -> Result<bool, QueueError> {
        let config = config(&self.prefix, queue);
        let mut conn = self.conn.clone();
        let is_dead: bool = conn.sismember(config.dead_jobs_set(), id).await?;
        if !is_dead {
            return Ok(false);
        }
        let data: Option<Vec<u8>> = conn.hget(config.job_data_hash(), id).await?;
        let Some(data) = data else {
            return Err(QueueError::Push(format!(
                "dead job {id} has no stored arguments"
            )));
        };
        let bad =
            |e: serde_json::Error| QueueError::Push(format!("job {id} has bad arguments: {e}"));
        match queue {
            SYNC_QUEUE => {
                self.enqueue_sync(serde_json::from_slice(&data).map_err(bad)?)
                    .await?
            }
            ANALYZE_QUEUE => {
                let job: AnalyzeTicket = serde_json::from_slice(&data).map_err(bad)?;
                self.enqueue_analyze(job.ticket_id).await?
            }
            CLUSTER_QUEUE => {
                let job: ClusterTicket = serde_json::from_slice(&data).map_err(bad)?;
                self.enqueue_cluster(job.ticket_id).await?
            }
            other => return Err(QueueError::Push(format!("unknown queue {other:?}"))),
        }
        let _: () = conn.srem(config.dead_jobs_set(), id).await?;
        Ok(true)
    }

    /// The moment before which work still waiting for `queue` (a ticket not analyzed, an issue
    /// not clustered) has lost its job and is queued again by a reconciler: `after` ago while
    /// the queue holds jobs (a backlog may legitimately still hold it), at most [`IDLE_GRACE`]
    /// ago while it holds none (Redis lost the job, or the service died before queueing it).
    /// Also says whether the queue was idle.
    pub async fn stranded_before(
        &self,
        queue: &str,
        after: Duration,
    ) -> Result<(chrono::DateTime<chrono::Utc>, bool), QueueError> {
        let idle = self.depth(queue).await?.outstanding() == 0;
        let wait = if idle { after.min(IDLE_GRACE) } else { after };
        let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
        Ok((chrono::Utc::now() - wait, idle))
    }

    /// Forgets the jobs of `queue` that finished successfully at least `older_than` ago: their
    /// ids leave the done set and their arguments and metadata are deleted. apalis keeps every
    /// finished job otherwise, so Redis would grow with every job ever run. Dead jobs are kept
    /// (operators retry them). Returns how many were forgotten.
    pub async fn vacuum_done(&self, queue: &str, older_than: Duration) -> Result<u64, QueueError> {
        static SCRIPT: std::sync::LazyLock<redis::Script> =
            std::sync::LazyLock::new(|| redis::Script::new(include_str!("../lua/vacuum_done.lua")));
        let config = config(&self.prefix, queue);
        let cutoff = std::time::SystemTime::now()
            .checked_sub(older_than)
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .unwrap_or_default()
            .as_secs();
        let mut conn = self.conn.clone();
        let (mut cursor, mut forgotten) = (0u64, 0u64);
        loop {
            let (next, n): (u64, u64) = SCRIPT
                .key(config.done_jobs_set())
                .key(config.job_data_hash())
                .key(config.job_meta_hash())
                .arg(cutoff)
                .arg(cursor)
                .arg(VACUUM_STEP)
                .invoke_async(&mut conn)
                .await?;
            forgotten += n;
            if next == 0 {
                return Ok(forgotten);
            }
            cursor = next;
        }
    }
}

/// See [`Queues::stranded_before`].
pub const IDLE_GRACE: Duration = Duration::from_secs(10);

/// How long finished jobs stay listed before [`Queues::vacuum_done`] forgets them (the
/// clusterer's scheduled pass vacuums every queue).
pub const DONE_RETENTION: Duration = Duration::from_secs(24 * 3600);

/// Jobs examined per step of [`Queues::vacuum_done`] (one short Lua call each, so Redis keeps
/// serving the workers between steps).
const VACUUM_STEP: usize = 1_000;

/// The most failed or dead jobs listed at once.
pub const MAX_LISTED: usize = 500;
/// The most scheduled entries inspected when looking for failed jobs.
const MAX_SCANNED: usize = 10_000;

/// The error of a finished job's stored result (`{"Err": "…"}`), if it failed.
fn error_of(result: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(result).ok()?;
    match value.get("Err")? {
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The states whose jobs operators list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Failed,
    Dead,
}

/// One job as operators see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobInfo {
    pub id: String,
    pub state: JobState,
    pub attempts: Option<u32>,
    /// The backend's status of its last run (`Failed`, `Killed` …).
    pub status: Option<String>,
    /// The last run's error.
    pub error: Option<String>,
    /// The job's arguments.
    pub args: Option<serde_json::Value>,
    /// Unix seconds.
    pub enqueued_at: Option<u64>,
    /// Unix seconds of the last run's end.
    pub finished_at: Option<u64>,
}

fn push_error<E: std::fmt::Display>(e: TaskSinkError<E>) -> QueueError {
    QueueError::Push(e.to_string())
}

/// How many jobs a queue holds in each state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueDepth {
    pub queue: String,
    /// Waiting to be fetched.
    pub pending: u64,
    /// Waiting for a retry time.
    pub scheduled: u64,
    /// Fetched by a worker, not yet finished.
    pub running: u64,
    /// Failed and waiting for another attempt (a subset of pending + scheduled).
    pub failed: u64,
    /// Finished successfully within [`DONE_RETENTION`] (older ones are forgotten).
    pub done: u64,
    /// Failed for good (aborted, or out of attempts).
    pub dead: u64,
    /// Registered workers (live or not yet presumed dead).
    pub workers: u64,
    /// How long the oldest pending job has waited, in seconds.
    pub oldest_pending_secs: Option<u64>,
}

impl QueueDepth {
    /// Jobs that still have work ahead of them.
    pub fn outstanding(&self) -> u64 {
        self.pending + self.scheduled + self.running
    }
}
