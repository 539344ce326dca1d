//! `make bench-queue`: jobs per second through the apalis Redis queues with no-op handlers, on
//! the local Redis under a throw-away key prefix. Enqueueing is measured one job per round trip
//! (the baseline) and in bulk (what ingest does); draining with the worker settings the services
//! use and with more concurrency. `cargo test --all-targets` runs this binary too (without
//! `--bench`): then it is a smoke run on a fiftieth of the jobs, checking the bench still works.

use domain::jobs::{AnalyzeTicket, ANALYZE_QUEUE};
use domain::TicketId;
use queue::{Queues, WorkerSettings};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Jobs per measurement (a fiftieth of it in the smoke run).
const JOBS: usize = 20_000;
/// Jobs per bulk push.
const BULK: usize = 1_000;

struct Counter {
    done: AtomicUsize,
    target: usize,
    finished: Notify,
}

async fn no_op(
    _job: AnalyzeTicket,
    counter: apalis::prelude::Data<Arc<Counter>>,
    _attempt: apalis::prelude::Attempt,
) -> Result<(), apalis::prelude::BoxDynError> {
    if counter.done.fetch_add(1, Ordering::Relaxed) + 1 == counter.target {
        counter.finished.notify_one();
    }
    Ok(())
}

fn ids(n: usize) -> Vec<TicketId> {
    (0..n).map(|_| TicketId(uuid::Uuid::new_v4())).collect()
}

/// Jobs/s enqueueing `n` jobs one round trip each.
async fn push_one_by_one(queues: &Queues, n: usize) -> f64 {
    let started = Instant::now();
    for id in ids(n) {
        queues.enqueue_analyze(id).await.expect("push");
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// Jobs/s enqueueing `n` jobs in bulk.
async fn push_bulk(queues: &Queues, n: usize) -> f64 {
    let all = ids(n);
    let started = Instant::now();
    for chunk in all.chunks(BULK) {
        queues.enqueue_analyze_many(chunk).await.expect("push");
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// Jobs/s draining `n` queued jobs with `workers` workers (replicas) of `concurrency` no-op
/// handlers each.
async fn drain(redis_url: &str, prefix: &str, n: usize, workers: usize, concurrency: usize) -> f64 {
    let counter = Arc::new(Counter {
        done: AtomicUsize::new(0),
        target: n,
        finished: Notify::new(),
    });
    let settings = WorkerSettings {
        service: "bench",
        prefix: prefix.to_string(),
        queue: ANALYZE_QUEUE,
        concurrency,
        poll_interval: Duration::from_millis(50),
    };
    let (stop, _) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let mut running = Vec::new();
    for _ in 0..workers {
        let mut stopped = stop.subscribe();
        // Each worker (a replica) on a connection of its own.
        let redis = queue::connect(redis_url).await.expect("redis");
        running.push(tokio::spawn(queue::run_worker::<AnalyzeTicket, _, _, _>(
            redis,
            settings.clone(),
            counter.clone(),
            no_op,
            async move {
                let _ = stopped.wait_for(|s| *s).await;
            },
        )));
    }
    let finished =
        tokio::time::timeout(Duration::from_secs(600), counter.finished.notified()).await;
    let rate = counter.done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    let _ = stop.send(true);
    for worker in running {
        worker.await.expect("worker task").expect("worker");
    }
    if finished.is_err() {
        eprintln!("drain timed out after 600 s");
    }
    rate
}

#[tokio::main]
async fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let jobs = if measuring { JOBS } else { JOBS / 50 };
    let redis_url =
        std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_string());
    let prefix = format!("bench-queue-{}", uuid::Uuid::new_v4().simple());
    let conn = queue::connect(&redis_url).await.expect("redis");
    let queues = Queues::new(conn.clone(), &prefix);

    let single = push_one_by_one(&queues, jobs / 10).await;
    let _ = queue::delete_prefix(conn.clone(), &prefix).await;

    let mut rows = Vec::new();
    let bulk = push_bulk(&queues, jobs).await;
    for (i, (workers, concurrency)) in [(1, 1), (1, 4), (1, 16), (2, 16), (4, 16)]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            push_bulk(&queues, jobs).await;
        }
        let rate = drain(&redis_url, &prefix, jobs, workers, concurrency).await;
        assert!(rate > 0.0, "no job drained with {workers}×{concurrency}");
        rows.push((workers, concurrency, rate));
    }
    let _ = queue::delete_prefix(conn, &prefix).await;

    println!("| queue operation ({jobs} jobs, no-op handler) | jobs/s | vs baseline |");
    println!("|---|---|---|");
    println!("| enqueue one round trip per job (baseline) | {single:.0} | 1.0× |");
    println!(
        "| enqueue in bulk, {BULK} per round trip | {bulk:.0} | {:.1}× |",
        bulk / single
    );
    let base = rows[0].2;
    for (workers, concurrency, rate) in rows {
        println!(
            "| drain, {workers} worker(s) × concurrency {concurrency} | {rate:.0} | {:.1}× |",
            rate / base
        );
    }
}
