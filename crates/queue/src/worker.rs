//! Running a queue's worker: the one way every service consumes a queue.

use apalis::prelude::*;
use apalis_redis::ConnectionManager;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How long a stopping worker may take to finish the jobs it holds.
pub const SHUTDOWN_BUDGET: Duration = Duration::from_secs(30);

/// Where a worker reads and how hard it works.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// The service, for the worker's name in Redis and in logs.
    pub service: &'static str,
    pub prefix: String,
    pub queue: &'static str,
    /// Jobs handled at once.
    pub concurrency: usize,
    /// How often an idle worker looks for new jobs.
    pub poll_interval: Duration,
}

/// Consumes jobs of type `Job` with `handler(job, state, attempt)` until `shutdown` resolves,
/// then stops fetching and lets running jobs finish (up to [`SHUTDOWN_BUDGET`]). A panicking
/// handler fails its job instead of the worker. When the worker itself fails — Redis restarted
/// or unreachable, the connection broken mid-poll — it is started again after a pause (1 s,
/// doubling up to [`MAX_RESTART_PAUSE`]) instead of taking the service down with it; jobs the
/// failed worker held are reclaimed by the backend once its heartbeat lapses.
pub async fn run_worker<Job, State, F, Fut>(
    redis: ConnectionManager,
    settings: WorkerSettings,
    state: Arc<State>,
    handler: F,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    Job: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + Unpin + 'static,
    State: Send + Sync + 'static,
    F: Fn(Job, Data<Arc<State>>, Attempt) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), BoxDynError>> + Send + 'static,
{
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let stopping = |mut stop: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    let mut pause = Duration::from_secs(1);
    loop {
        let started = std::time::Instant::now();
        let name = crate::worker_name(settings.service);
        let (redis, settings, state, handler) = (
            redis.clone(),
            settings.clone(),
            state.clone(),
            handler.clone(),
        );
        let queue = settings.queue;
        let signal = stopping(stop.clone());
        let result = Monitor::new()
            .shutdown_timeout(SHUTDOWN_BUDGET)
            .register(move |_restarts| {
                let backend =
                    crate::storage::<Job>(redis.clone(), &settings.prefix, settings.queue)
                        .poll_with_interval(settings.poll_interval);
                WorkerBuilder::new(name.clone())
                    .backend(backend)
                    .data(state.clone())
                    .concurrency(settings.concurrency)
                    .enable_tracing()
                    .catch_panic()
                    .build(handler.clone())
            })
            .run_with_signal(async move {
                signal.await;
                Ok(())
            })
            .await;
        if *stop.borrow() {
            return result.map_err(std::io::Error::other);
        }
        match result {
            Ok(()) => tracing::warn!(queue, "worker stopped unasked; starting it again"),
            Err(e) => tracing::warn!(queue, error = %e, pause_secs = pause.as_secs(),
                "worker failed (is Redis reachable?); starting it again after a pause"),
        }
        if started.elapsed() > MAX_RESTART_PAUSE * 6 {
            pause = Duration::from_secs(1);
        }
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = stopping(stop.clone()) => return Ok(()),
        }
        pause = (pause * 2).min(MAX_RESTART_PAUSE);
    }
}

/// The longest pause before a failed worker is started again.
pub const MAX_RESTART_PAUSE: Duration = Duration::from_secs(10);
