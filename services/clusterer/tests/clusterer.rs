//! The clusterer in-process against real PostgreSQL and Redis, and the whole pipeline
//! (ingest → analyze → cluster) through the real queues.

use analysis::offline::KeywordAnalyzer;
use chrono::{Duration as Days, Utc};
use clusterer::assign::{Method, Placement};
use db::models::{cluster, issue, ticket, Page};
use domain::{IssueType, Severity, Taxonomy, ValidatedIssue};
use std::sync::Arc;
use std::time::Duration;
use testkit::{eventually, Running, TestEnv};

fn spawn_clusterer(env: &TestEnv, method: Method) -> Running {
    let settings = clusterer::Settings {
        common: env.settings(),
        concurrency: 2,
        stats_every: Duration::from_secs(3600),
        stats_refresh: Duration::from_millis(100),
        reconcile_after: Duration::from_secs(3600),
        poll_interval: Duration::from_millis(50),
        method,
        thresholds: Default::default(),
        consolidate_every: Duration::from_secs(3600),
        consolidate_quiet: Duration::from_secs(3600),
        claude: None,
    };
    let infra = env.infra.clone();
    Running::spawn(|shutdown| clusterer::serve(settings, infra, shutdown))
}

fn spawn_analyzer(env: &TestEnv) -> Running {
    let settings = analyzer::Settings {
        common: env.settings(),
        concurrency: 2,
        reconcile_every: Duration::from_secs(3600),
        reconcile_after: Duration::from_secs(3600),
        poll_interval: Duration::from_millis(50),
    };
    let analyzer = Arc::new(KeywordAnalyzer::new(Taxonomy::default()));
    let infra = env.infra.clone();
    Running::spawn(|shutdown| analyzer::serve(settings, infra, analyzer, shutdown))
}

fn pto_issue(summary: &str) -> ValidatedIssue {
    ValidatedIssue {
        category: "TIME_AND_ATTENDANCE".into(),
        subcategory: "pto".into(),
        issue_type: IssueType::Bug,
        severity: Severity::High,
        summary: summary.into(),
        detail: None,
        representative_quote: None,
        confidence: None,
    }
}

/// Stores an analyzed ticket with the given issues; returns its id.
async fn analyzed_ticket(env: &TestEnv, sid: &str, issues: &[ValidatedIssue]) -> domain::TicketId {
    let mut conn = env.infra.pool.get().await.unwrap();
    let t = testkit::ticket(sid, "s", &format!("text {sid}"), Utc::now() - Days::days(1));
    let id = ticket::upsert(&mut conn, &t).await.unwrap().id;
    let provenance = issue::Provenance {
        analyzer: "test",
        model: None,
    };
    issue::record_analysis(&mut conn, id, &t.content_hash(), issues, provenance)
        .await
        .unwrap();
    id
}

/// The first 50 clusters, largest first.
async fn largest_clusters(
    conn: &mut diesel_async::AsyncPgConnection,
) -> diesel::QueryResult<db::models::Paged<cluster::ClusterRow>> {
    let page = Page {
        page: 1,
        per_page: 50,
    };
    cluster::list(
        conn,
        &Default::default(),
        cluster::ClusterSort::IssueCount,
        true,
        page,
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn keyword_mode_puts_similar_issues_in_a_cluster_and_a_repeated_job_counts_nothing_twice() {
    let env = TestEnv::new().await;
    let a = analyzed_ticket(
        &env,
        "1",
        &[pto_issue("PTO accrual balance wrong after anniversary")],
    )
    .await;
    let b = analyzed_ticket(
        &env,
        "2",
        &[pto_issue("PTO accrual balance wrong for part-time staff")],
    )
    .await;
    let c = analyzed_ticket(
        &env,
        "3",
        &[pto_issue("Holiday calendar shows Thanksgiving twice")],
    )
    .await;
    for id in [a, b, c, a, b] {
        env.infra.queues.enqueue_cluster(id).await.unwrap();
    }
    let running = spawn_clusterer(&env, Method::Keywords);
    eventually("every job done", 20, || {
        let queues = env.infra.queues.clone();
        async move { (queues.depth("cluster").await.ok()?.done == 5).then_some(()) }
    })
    .await;
    // The statistics follow the jobs within the refresh interval, while the worker runs.
    eventually("statistics refreshed", 10, || {
        let pool = env.infra.pool.clone();
        async move {
            let mut conn = pool.get().await.ok()?;
            let top = largest_clusters(&mut conn).await.ok()?;
            (top.items.first()?.count_7d == 2).then_some(())
        }
    })
    .await;
    running.stop().await;

    let mut conn = env.infra.pool.get().await.unwrap();
    let clusters = largest_clusters(&mut conn).await.unwrap();
    let counts: Vec<i32> = clusters.items.iter().map(|c| c.issue_count).collect();
    assert_eq!(counts, [2, 1], "{:#?}", clusters.items);
    // Jobs run concurrently, so either similar issue may have opened the cluster.
    assert!(clusters.items[0]
        .cluster_name
        .starts_with("PTO accrual balance wrong"));
    assert_eq!(clusters.items[0].count_7d, 2);
    assert_eq!(issue::counts(&mut conn).await.unwrap(), (3, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_replicas_placing_the_same_new_problem_at_once_open_one_cluster() {
    for method in [Method::Embeddings, Method::Keywords] {
        replicas_open_one_cluster(method).await;
    }
}

async fn replicas_open_one_cluster(method: Method) {
    let env = TestEnv::new().await;
    let mut ids = Vec::new();
    for i in 0..8 {
        ids.push(
            analyzed_ticket(
                &env,
                &i.to_string(),
                &[pto_issue("Sick leave accrual stopped")],
            )
            .await,
        );
    }
    // Eight concurrent assignments, as from several replicas.
    let mut tasks = Vec::new();
    for id in ids {
        let pool = env.infra.pool.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = pool.get().await.unwrap();
            let issues = issue::for_ticket(&mut conn, id).await.unwrap();
            let vectors = match method {
                Method::Embeddings => clusterer::job::vectors_for(
                    &mut conn,
                    &issues,
                    || embed::shared().ok(),
                    embed::MODEL_NAME,
                )
                .await
                .unwrap(),
                Method::Keywords => Default::default(),
            };
            let placement = Placement {
                method,
                join: 0.7,
                model: embed::MODEL_NAME,
                vectors: &vectors,
                cache: &Default::default(),
            };
            clusterer::assign::assign_issues(&mut conn, &issues, Utc::now(), placement)
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut conn = env.infra.pool.get().await.unwrap();
    let clusters = cluster::active_in(&mut conn, "TIME_AND_ATTENDANCE", "pto")
        .await
        .unwrap();
    assert_eq!(clusters.len(), 1, "{method:?}");
    assert_eq!(clusters[0].issue_count, 8, "{method:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sample_tickets_flow_from_ingest_through_analysis_into_clusters() {
    let env = TestEnv::new().await;
    let sample: String = include_str!("../../ingest/data/sample_tickets.jsonl")
        .lines()
        .take(80)
        .collect::<Vec<_>>()
        .join("\n");
    let analyzer = spawn_analyzer(&env);
    let clusterer = spawn_clusterer(&env, Method::Embeddings);

    let report = ingest::sync(
        &mut ingest::zendesk_file::ZendeskFile::parse(&sample, Some(Utc::now())),
        &env.infra.pool,
        &env.infra.queues,
    )
    .await
    .unwrap();
    assert_eq!(report.enqueued, 80);

    let pool = env.infra.pool.clone();
    eventually(
        "every ticket analyzed and every issue clustered",
        60,
        || {
            let pool = pool.clone();
            async move {
                let mut conn = pool.get().await.ok()?;
                let t = ticket::counts(&mut conn).await.ok()?;
                let (issues, unclustered) = issue::counts(&mut conn).await.ok()?;
                (t.analyzed == 80 && issues > 0 && unclustered == 0).then_some(())
            }
        },
    )
    .await;
    analyzer.stop().await;
    clusterer.stop().await;

    let mut conn = env.infra.pool.get().await.unwrap();
    let (issues, _) = issue::counts(&mut conn).await.unwrap();
    let all = cluster::list(
        &mut conn,
        &Default::default(),
        cluster::ClusterSort::IssueCount,
        true,
        Page {
            page: 1,
            per_page: 200,
        },
    )
    .await
    .unwrap();
    assert!(all.total > 1);
    let clustered: i64 = all.items.iter().map(|c| i64::from(c.issue_count)).sum();
    assert_eq!(clustered, issues, "cluster counts add up to the issues");
    assert!(all.items.iter().all(|c| c.stats_updated_at.is_some()));
    assert!(
        all.items[0].issue_count > 1,
        "a recurring problem forms a cluster of several issues"
    );
    for q in ["analyze", "cluster"] {
        let d = env.infra.queues.depth(q).await.unwrap();
        assert_eq!((d.outstanding(), d.dead), (0, 0), "{q}: {d:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_statistics_refresh_that_fails_or_is_cancelled_leaves_its_clusters_marked() {
    let dirty = clusterer::stats::DirtyClusters::default();
    let ids = [domain::ClusterId::new(), domain::ClusterId::new()];
    dirty.mark(&ids);
    dirty.mark(&ids[..1]);
    assert_eq!(dirty.len(), 2, "a cluster marked twice waits once");

    // A server that accepts and never answers: the refresh hangs until it is cancelled.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("postgres://x@{}/x", silent.local_addr().unwrap());
    let hanging = db::pool(&url, 1).unwrap();
    let cancelled = tokio::time::timeout(Duration::from_millis(300), dirty.refresh(&hanging)).await;
    assert!(cancelled.is_err(), "the refresh should still be waiting");
    assert_eq!(dirty.len(), 2, "cancelled: still marked");

    // Nothing listens here: the refresh fails.
    drop(silent);
    let refused = db::pool(&url, 1).unwrap();
    assert!(dirty.refresh(&refused).await.is_err());
    assert_eq!(dirty.len(), 2, "failed: still marked");

    // A real database: the refresh takes them (unknown ids update nothing) and clears the marks.
    let env = TestEnv::new().await;
    assert_eq!(dirty.refresh(&env.infra.pool).await.unwrap(), 0);
    assert!(dirty.is_empty());
}
