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
/// handler fails its job instead of the worker.
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
    let name = crate::worker_name(settings.service);
    Monitor::new()
        .shutdown_timeout(SHUTDOWN_BUDGET)
        .register(move |_restarts| {
            let backend = crate::storage::<Job>(redis.clone(), &settings.prefix, settings.queue)
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
            shutdown.await;
            Ok(())
        })
        .await
        .map_err(std::io::Error::other)
}
