//! Finished jobs are forgotten after a retention time; dead jobs and jobs still to run are not.
//! apalis-redis keeps every finished job's id, arguments and metadata forever, so without the
//! vacuum Redis grows with every job ever run.

use apalis::prelude::{AbortError, Attempt, BoxDynError, Data};
use domain::jobs::{AnalyzeTicket, ANALYZE_QUEUE};
use domain::TicketId;
use queue::{Queues, WorkerSettings};
use redis::AsyncCommands;
use std::sync::Arc;
use std::time::Duration;

/// Succeeds, except for the ticket it was told to give up on.
struct Handler {
    give_up_on: TicketId,
}

async fn handle(
    job: AnalyzeTicket,
    state: Data<Arc<Handler>>,
    _attempt: Attempt,
) -> Result<(), BoxDynError> {
    if job.ticket_id == state.give_up_on {
        return Err(AbortError::new("unrecoverable").into());
    }
    Ok(())
}

#[tokio::test]
async fn finished_jobs_are_forgotten_after_the_retention_and_dead_ones_are_kept() {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let prefix = format!("test-vacuum-{}", uuid::Uuid::new_v4().simple());
    let mut conn = queue::connect(&url).await.expect("redis on 127.0.0.1:6379");
    let queues = Queues::new(conn.clone(), &prefix);
    let ids: Vec<TicketId> = (0..5).map(|_| TicketId(uuid::Uuid::new_v4())).collect();
    queues.enqueue_analyze_many(&ids).await.expect("push");

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(queue::run_worker::<AnalyzeTicket, _, _, _>(
        conn.clone(),
        WorkerSettings {
            service: "test-vacuum",
            prefix: prefix.clone(),
            queue: ANALYZE_QUEUE,
            concurrency: 2,
            poll_interval: Duration::from_millis(20),
        },
        Arc::new(Handler { give_up_on: ids[0] }),
        handle,
        async move {
            let _ = stopped.await;
        },
    ));
    let mut depth = queues.depth(ANALYZE_QUEUE).await.expect("depth");
    for _ in 0..500 {
        if depth.done == 4 && depth.dead == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        depth = queues.depth(ANALYZE_QUEUE).await.expect("depth");
    }
    let _ = stop.send(());
    worker.await.expect("worker task").expect("worker");
    assert_eq!((depth.done, depth.dead), (4, 1), "{depth:?}");
    // A job queued after the others finished, not run yet: it must survive the vacuum.
    let waiting = TicketId(uuid::Uuid::new_v4());
    queues.enqueue_analyze(waiting).await.expect("push");

    let config = queue::config(&prefix, ANALYZE_QUEUE);
    let stored: usize = conn.hlen(config.job_data_hash()).await.expect("hlen");
    assert_eq!(stored, 6);

    // Within the retention nothing goes.
    let forgotten = queues
        .vacuum_done(ANALYZE_QUEUE, Duration::from_secs(3600))
        .await
        .expect("vacuum");
    assert_eq!(forgotten, 0);
    assert_eq!(queues.depth(ANALYZE_QUEUE).await.expect("depth").done, 4);

    // Past it, the four finished jobs go: ids, arguments and metadata.
    let done_ids: Vec<String> = conn
        .smembers(config.done_jobs_set())
        .await
        .expect("smembers");
    let forgotten = queues
        .vacuum_done(ANALYZE_QUEUE, Duration::ZERO)
        .await
        .expect("vacuum");
    assert_eq!(forgotten, 4);
    let after = queues.depth(ANALYZE_QUEUE).await.expect("depth");
    assert_eq!(
        (after.done, after.dead, after.pending),
        (0, 1, 1),
        "{after:?}"
    );
    for id in &done_ids {
        let data: bool = conn
            .hexists(config.job_data_hash(), id)
            .await
            .expect("hexists");
        let meta: bool = conn
            .exists(format!("{}:{id}", config.job_meta_hash()))
            .await
            .expect("exists");
        assert!(!data && !meta, "job {id} was not forgotten");
    }
    let stored: usize = conn.hlen(config.job_data_hash()).await.expect("hlen");
    assert_eq!(
        stored, 2,
        "the dead job and the waiting job keep their arguments"
    );
    let dead = queues
        .jobs(ANALYZE_QUEUE, queue::JobState::Dead, 10)
        .await
        .expect("dead jobs");
    assert_eq!(dead.len(), 1);
    assert!(queues
        .retry_dead(ANALYZE_QUEUE, &dead[0].id)
        .await
        .expect("retry"));
    queue::delete_prefix(conn, &prefix).await.expect("clean up");
}
