//! The analyzer service in-process, consuming the real `analyze` queue.

use analysis::{embedding::EmbeddingAnalyzer, offline::KeywordAnalyzer, Analyzer, AnalyzerError};
use analyzer::Settings;
use chrono::Utc;
use db::models::{issue, ticket};
use domain::{AnalysisOutcome, IncomingTicket, IssueDraft, Taxonomy};
use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;
use testkit::{eventually, Running, TestEnv};

fn spawn_analyzer(env: &TestEnv, analyzer: Arc<dyn Analyzer>) -> Running {
    let settings = Settings {
        common: env.settings(),
        concurrency: 2,
        reconcile_every: Duration::from_secs(3600),
        reconcile_after: Duration::from_secs(3600),
        poll_interval: Duration::from_millis(50),
    };
    let infra = env.infra.clone();
    Running::spawn(|shutdown| analyzer::serve(settings, infra, analyzer, shutdown))
}

/// Answers with a severity that is not in the taxonomy, counting its calls.
#[derive(Default)]
struct OutOfTaxonomy {
    calls: std::sync::atomic::AtomicUsize,
}

impl Analyzer for OutOfTaxonomy {
    fn name(&self) -> &'static str {
        "broken"
    }

    fn analyze<'a>(
        &'a self,
        _: &'a IncomingTicket,
    ) -> BoxFuture<'a, Result<AnalysisOutcome, AnalyzerError>> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Box::pin(async {
            let good = IssueDraft {
                category: "PAYROLL".into(),
                subcategory: "pay_runs".into(),
                issue_type: "bug".into(),
                severity: "high".into(),
                summary: "Pay run stuck".into(),
                detail: None,
                representative_quote: None,
                confidence: Some(0.9),
            };
            let bad = IssueDraft {
                severity: "catastrophic".into(),
                ..good.clone()
            };
            Ok(AnalysisOutcome {
                issues: vec![good, bad],
                no_product_issue: false,
                skip_reason: None,
            })
        })
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_queued_ticket_is_analyzed_stored_and_handed_to_the_clusterer() {
    let env = TestEnv::new().await;
    let mut conn = env.infra.pool.get().await.unwrap();
    let t = testkit::ticket(
        "100",
        "Employees can't clock in",
        "Since Monday nobody can clock in from the Android app; the punch button does nothing.",
        Utc::now(),
    );
    let id = ticket::upsert(&mut conn, &t).await.unwrap().id;
    env.infra.queues.enqueue_analyze(id).await.unwrap();

    let running = spawn_analyzer(&env, Arc::new(KeywordAnalyzer::new(Taxonomy::default())));
    let issues = eventually("the ticket's issues", 20, || {
        let pool = env.infra.pool.clone();
        async move {
            let mut conn = pool.get().await.ok()?;
            let issues = issue::for_ticket(&mut conn, id).await.ok()?;
            (!issues.is_empty()).then_some(issues)
        }
    })
    .await;
    assert_eq!(issues[0].subcategory, "punch_in_out");
    assert_eq!(issues[0].analyzer, "offline-keywords");
    assert!(ticket::find(&mut conn, id)
        .await
        .unwrap()
        .unwrap()
        .is_analyzed());
    eventually("the cluster job", 10, || {
        let queues = env.infra.queues.clone();
        async move { (queues.depth("cluster").await.ok()?.pending == 1).then_some(()) }
    })
    .await;
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_embedding_analyzer_stores_each_issue_with_its_embedding() {
    let env = TestEnv::new().await;
    let mut conn = env.infra.pool.get().await.unwrap();
    let t = testkit::ticket(
        "300",
        "Two problems",
        "The time clock in the warehouse keeps losing its network connection and has to be \
         restarted every morning. Separately, overtime for last week was paid at the regular \
         rate instead of time and a half.",
        Utc::now(),
    );
    let id = ticket::upsert(&mut conn, &t).await.unwrap().id;
    env.infra.queues.enqueue_analyze(id).await.unwrap();

    let embedder = embed::shared().expect("model present: run `make model`");
    let analyzer = EmbeddingAnalyzer::new(embedder, &Taxonomy::default()).unwrap();
    let running = spawn_analyzer(&env, Arc::new(analyzer));
    let issues = eventually("the ticket's issues", 60, || {
        let pool = env.infra.pool.clone();
        async move {
            let mut conn = pool.get().await.ok()?;
            let issues = issue::for_ticket(&mut conn, id).await.ok()?;
            (!issues.is_empty()).then_some(issues)
        }
    })
    .await;
    running.stop().await;

    let mut subcategories: Vec<&str> = issues.iter().map(|i| i.subcategory.as_str()).collect();
    subcategories.sort();
    assert_eq!(subcategories, ["errors", "hardware_issues"], "{issues:?}");
    assert!(issues.iter().all(
        |i| i.analyzer == "offline-embeddings" && i.model.as_deref() == Some(embed::MODEL_NAME)
    ));
    let ids: Vec<_> = issues.iter().map(|i| i.issue_id()).collect();
    let stored = issue::embeddings(&mut conn, &ids).await.unwrap();
    assert_eq!(stored.len(), issues.len(), "every issue has its embedding");
    for (_, model, v) in &stored {
        assert_eq!(model, embed::MODEL_NAME);
        assert_eq!(v.len(), embed::DIM);
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-3, "{norm}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_outside_the_taxonomy_writes_nothing_and_ends_as_a_dead_job() {
    let env = TestEnv::new().await;
    let mut conn = env.infra.pool.get().await.unwrap();
    let t = testkit::ticket(
        "200",
        "Pay run",
        "The pay run is stuck in processing.",
        Utc::now(),
    );
    let id = ticket::upsert(&mut conn, &t).await.unwrap().id;
    env.infra.queues.enqueue_analyze(id).await.unwrap();

    let broken = Arc::new(OutOfTaxonomy::default());
    let running = spawn_analyzer(&env, broken.clone());
    eventually("the job to be dead", 30, || {
        let queues = env.infra.queues.clone();
        async move { (queues.depth("analyze").await.ok()?.dead == 1).then_some(()) }
    })
    .await;
    running.stop().await;

    assert_eq!(
        broken.calls.load(std::sync::atomic::Ordering::SeqCst),
        analyzer::job::MAX_INVALID_OUTPUT_ATTEMPTS,
        "invalid output is retried a bounded number of times"
    );
    assert!(
        issue::for_ticket(&mut conn, id).await.unwrap().is_empty(),
        "the valid half was not written either"
    );
    let row = ticket::find(&mut conn, id).await.unwrap().unwrap();
    assert!(!row.is_analyzed());
    assert!(row.analysis_error.unwrap().contains("catastrophic"));
    assert_eq!(env.infra.queues.depth("cluster").await.unwrap().pending, 0);
    assert_eq!(ticket::counts(&mut conn).await.unwrap().failed, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_reconciler_requeues_a_ticket_that_was_stored_but_never_queued() {
    let env = TestEnv::new().await;
    let mut conn = env.infra.pool.get().await.unwrap();
    // Stored, then the ingest process "died" before queueing it.
    ticket::upsert(
        &mut conn,
        &testkit::ticket("300", "PTO", "PTO balance is wrong", Utc::now()),
    )
    .await
    .unwrap();
    assert_eq!(
        analyzer::reconcile::pass(
            &env.infra.pool,
            &env.infra.queues,
            Duration::from_secs(3600)
        )
        .await
        .unwrap(),
        0,
        "too recent"
    );
    assert_eq!(
        analyzer::reconcile::pass(&env.infra.pool, &env.infra.queues, Duration::ZERO)
            .await
            .unwrap(),
        1
    );
    assert_eq!(env.infra.queues.depth("analyze").await.unwrap().pending, 1);
}
