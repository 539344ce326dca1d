//! Running Zendesk syncs: on a schedule (incremental), on request (the `sync` queue, which
//! `POST /api/sync/trigger` feeds), and from the command line (`ingest sync`).

use crate::sync::{sync, SyncReport};
use crate::zendesk_api::{Directory, ZendeskExport};
use anyhow::Context as _;
use apalis::prelude::{AbortError, Attempt, BoxDynError, Data};
use chrono::{Duration as ChronoDuration, Utc};
use db::models::sync_state;
use diesel::sql_types::{BigInt, Bool};
use diesel_async::RunQueryDsl;
use domain::jobs::SyncTickets;
use domain::SourceKind;
use std::sync::Arc;
use std::time::Duration;
use zendesk::{Client, ExportFrom};

/// The advisory lock that keeps two replicas from syncing Zendesk at once (they would race on
/// the cursor); the API reads it to tell a running sync from an interrupted one.
const SYNC_LOCK: i64 = sync_state::ZENDESK_SYNC_LOCK;

/// Where a first incremental run starts when no cursor is stored.
pub const FIRST_RUN_DAYS: i64 = 1;

/// Another replica (or run) holds the Zendesk sync.
#[derive(Debug, thiserror::Error)]
#[error("another Zendesk sync is running")]
pub struct Busy;

/// What a sync needs; one per process.
pub struct ZendeskSync {
    pub client: Client,
    pub directory: Directory,
    pool: db::Pool,
    queues: queue::Queues,
    running: tokio::sync::Mutex<()>,
}

#[derive(diesel::QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

impl ZendeskSync {
    pub fn new(client: Client, pool: db::Pool, queues: queue::Queues) -> Self {
        ZendeskSync {
            client,
            directory: Directory::default(),
            pool,
            queues,
            running: tokio::sync::Mutex::new(()),
        }
    }

    /// Runs one sync: with `backfill_days`, everything updated in that many days; otherwise
    /// from the stored cursor (or the last [`FIRST_RUN_DAYS`] on a first run). Fails with
    /// [`Busy`] when another replica is syncing.
    #[tracing::instrument(skip(self))]
    pub async fn run(&self, backfill_days: Option<u32>) -> anyhow::Result<SyncReport> {
        let _one_at_a_time = self.running.lock().await;
        let mut lock_conn = self.pool.get().await?;
        let Locked { locked } = diesel::sql_query("SELECT pg_try_advisory_lock($1) AS locked")
            .bind::<BigInt, _>(SYNC_LOCK)
            .get_result(&mut lock_conn)
            .await?;
        if !locked {
            return Err(Busy.into());
        }
        // The lock lives as long as this connection's session. The connection is taken out of
        // the pool, so if this run is cancelled the connection closes and the lock goes with
        // it; it can never stay behind in a pooled connection.
        let mut lock_conn = db::PooledConn::take(lock_conn);
        let from = match backfill_days {
            Some(days) => ExportFrom::StartTime(
                (Utc::now() - ChronoDuration::days(i64::from(days))).timestamp(),
            ),
            None => {
                let mut conn = self.pool.get().await?;
                match sync_state::latest_cursor(&mut conn, SourceKind::Zendesk.as_str()).await? {
                    Some(cursor) => ExportFrom::Cursor(cursor),
                    None => ExportFrom::StartTime(
                        (Utc::now() - ChronoDuration::days(FIRST_RUN_DAYS)).timestamp(),
                    ),
                }
            }
        };
        tracing::info!(?from, "Zendesk sync starting");
        let mut source = ZendeskExport::new(self.client.clone(), self.directory.clone(), from);
        let report = sync(&mut source, &self.pool, &self.queues).await;
        // Released explicitly: closing the connection releases it too, but only once the
        // server has seen the close, which a run starting right after could beat.
        if let Err(e) = diesel::sql_query("SELECT pg_advisory_unlock($1)")
            .bind::<BigInt, _>(SYNC_LOCK)
            .execute(&mut lock_conn)
            .await
        {
            tracing::warn!(error = %e, "could not release the Zendesk sync lock; it goes when the connection closes");
        }
        drop(lock_conn);
        report.context("Zendesk sync")
    }

    /// Runs an incremental sync every `every` until `shutdown`. A failed run is logged; the
    /// next one resumes from the cursor it stored.
    pub async fn schedule(
        self: Arc<Self>,
        every: Duration,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                _ = ticks.tick() => {}
            }
            tokio::select! {
                () = &mut shutdown => return,
                result = self.run(None) => match result {
                    Ok(report) => tracing::info!(%report, "scheduled Zendesk sync done"),
                    Err(e) if e.is::<Busy>() => tracing::info!("another replica is syncing Zendesk; skipping this tick"),
                    Err(e) => tracing::warn!(error = format!("{e:#}"), "scheduled Zendesk sync failed; the next run resumes from its cursor"),
                }
            }
        }
    }
}

/// What the `sync` queue's handler reads.
pub struct SyncWorkerState {
    /// `None` when Zendesk credentials are not configured.
    pub zendesk: Option<Arc<ZendeskSync>>,
}

/// Handles a [`SyncTickets`] job. Sources without a pull sync, or Zendesk without credentials,
/// can never succeed: the job is aborted (dead) with the reason. A failed sync is retried; it
/// resumes from its stored cursor.
pub async fn handle_sync_job(
    job: SyncTickets,
    state: Data<Arc<SyncWorkerState>>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    if job.source != SourceKind::Zendesk {
        return Err(AbortError::new(format!(
            "{} tickets arrive by webhook or file import; there is nothing to pull",
            job.source
        ))
        .into());
    }
    let Some(zendesk) = state.zendesk.clone() else {
        return Err(AbortError::new(
            "Zendesk sync is off: set ZENDESK_SUBDOMAIN, ZENDESK_EMAIL and ZENDESK_API_TOKEN",
        )
        .into());
    };
    tracing::info!(backfill_days = ?job.backfill_days, attempt = attempt.current(), "sync job");
    match zendesk.run(job.backfill_days).await {
        Ok(report) => {
            tracing::info!(%report, "sync job done");
            Ok(())
        }
        Err(e) => {
            tracing::warn!(
                error = format!("{e:#}"),
                "sync job failed; it will be retried"
            );
            Err(e.into())
        }
    }
}
