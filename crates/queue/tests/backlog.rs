//! A backlog bigger than one Lua `unpack` can hold drains. apalis-redis 1.0.0 promoted every due
//! job in one `unpack`, which fails above ~8,000 values ("too many results to unpack"): with
//! 10,000 jobs enqueued before the worker's first poll every fetch failed and nothing ran again
//! (found by `make bench-pipeline`; fixed in vendor/apalis-redis, see PATCHED.md).

use apalis::prelude::{Attempt, BoxDynError, Data};
use domain::jobs::{AnalyzeTicket, ANALYZE_QUEUE};
use domain::TicketId;
use queue::{Queues, WorkerSettings};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// More than Lua's ~8,000-value `unpack` limit.
const JOBS: usize = 10_000;

struct Seen {
    ids: Mutex<HashSet<TicketId>>,
    all: Notify,
}

async fn record(
    job: AnalyzeTicket,
    seen: Data<Arc<Seen>>,
    _attempt: Attempt,
) -> Result<(), BoxDynError> {
    let mut ids = seen.ids.lock().expect("lock");
    ids.insert(job.ticket_id);
    if ids.len() == JOBS {
        seen.all.notify_one();
    }
    Ok(())
}

#[tokio::test]
async fn ten_thousand_jobs_enqueued_before_the_first_poll_all_run() {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let prefix = format!("test-backlog-{}", uuid::Uuid::new_v4().simple());
    let conn = queue::connect(&url).await.expect("redis on 127.0.0.1:6379");
    let queues = Queues::new(conn.clone(), &prefix);
    let ids: Vec<TicketId> = (0..JOBS).map(|_| TicketId(uuid::Uuid::new_v4())).collect();
    for chunk in ids.chunks(1_000) {
        queues.enqueue_analyze_many(chunk).await.expect("push");
    }
    assert_eq!(
        queues.depth(ANALYZE_QUEUE).await.expect("depth").pending,
        JOBS as u64
    );

    let seen = Arc::new(Seen {
        ids: Mutex::new(HashSet::new()),
        all: Notify::new(),
    });
    let stop = Arc::new(Notify::new());
    let stopped = stop.clone();
    let worker = tokio::spawn(queue::run_worker::<AnalyzeTicket, _, _, _>(
        conn.clone(),
        WorkerSettings {
            service: "test-backlog",
            prefix: prefix.clone(),
            queue: ANALYZE_QUEUE,
            concurrency: 16,
            poll_interval: Duration::from_millis(20),
        },
        seen.clone(),
        record,
        async move { stopped.notified().await },
    ));
    let drained = tokio::time::timeout(Duration::from_secs(300), seen.all.notified()).await;
    stop.notify_one();
    worker.await.expect("worker task").expect("worker");
    let done = seen.ids.lock().expect("lock").len();
    queue::delete_prefix(conn, &prefix).await.expect("clean up");
    assert!(drained.is_ok(), "only {done} of {JOBS} jobs ran");
    assert_eq!(done, JOBS);
}
