//! The semantic clusterer against real PostgreSQL: incremental assignment on embeddings,
//! centroid sums kept by the database, consolidation, splitting, naming, and curation that
//! later automatic passes respect. Vectors are made by hand (8 dimensions, stored as the
//! model's) so each test decides exactly which issues are similar; one test runs the service
//! with the real model on issues stored without an embedding.

use chrono::{Duration as Days, Utc};
use clusterer::assign::{CentroidCache, Method, Placement};
use clusterer::consolidate::{self, Report};
use clusterer::naming::Namer;
use clustering::Thresholds;
use db::models::issue::{Corrected, Correction};
use db::models::{centroid, cluster, issue, ticket, Page};
use diesel_async::RunQueryDsl;
use domain::{ClusterId, IssueType, Severity, TicketId, ValidatedIssue};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use testkit::fake_anthropic::{Answer, FakeAnthropic};
use testkit::{eventually, Running, TestEnv};
use uuid::Uuid;

const CATEGORY: &str = "TIME_AND_ATTENDANCE";
const SUBCATEGORY: &str = "pto";
const DIM: usize = 8;

fn unit(v: &[f32]) -> Vec<f32> {
    let n: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / n).collect()
}

/// Mostly along `axis`, tilted by `tilt` towards `towards`.
fn near(axis: usize, towards: usize, tilt: f32) -> Vec<f32> {
    let mut v = vec![0.0; DIM];
    v[axis] = 1.0;
    v[towards] += tilt;
    unit(&v)
}

fn axis(a: usize) -> Vec<f32> {
    near(a, a, 0.0)
}

fn pto_issue(summary: &str) -> ValidatedIssue {
    ValidatedIssue {
        category: CATEGORY.into(),
        subcategory: SUBCATEGORY.into(),
        issue_type: IssueType::Bug,
        severity: Severity::High,
        summary: summary.into(),
        detail: None,
        representative_quote: None,
        confidence: None,
    }
}

/// Stores an analyzed ticket with one issue and its embedding; returns the ticket's id.
async fn ticket_with(
    env: &TestEnv,
    sid: &str,
    summary: &str,
    vector: Option<Vec<f32>>,
) -> TicketId {
    let mut conn = env.infra.pool.get().await.unwrap();
    let t = testkit::ticket(sid, "s", &format!("text {sid}"), Utc::now() - Days::days(1));
    let id = ticket::upsert(&mut conn, &t).await.unwrap().id;
    let vectors: Vec<Vec<f32>> = vector.into_iter().collect();
    let embeddings = (!vectors.is_empty()).then_some(issue::Embeddings {
        model: embed::MODEL_NAME,
        vectors: &vectors,
    });
    issue::record_analysis_with_embeddings(
        &mut conn,
        id,
        &t.content_hash(),
        &[pto_issue(summary)],
        embeddings,
        issue::Provenance {
            analyzer: "test",
            model: None,
        },
    )
    .await
    .unwrap();
    id
}

/// One clusterer process's centroid cache per test database: every placement of a test goes
/// through it, as the jobs of one clusterer do, so the tests also check that cached centroids
/// follow changes made elsewhere (moves, merges, deleted tickets, consolidation).
fn cache_of(env: &TestEnv) -> Arc<CentroidCache> {
    static CACHES: LazyLock<Mutex<HashMap<String, Arc<CentroidCache>>>> =
        LazyLock::new(Default::default);
    CACHES
        .lock()
        .unwrap()
        .entry(env.db.name.clone())
        .or_default()
        .clone()
}

/// Places the ticket's unclustered issues as the `cluster` job does (stored vectors only).
async fn place(env: &TestEnv, id: TicketId, join: f32) -> Vec<ClusterId> {
    let mut conn = env.infra.pool.get().await.unwrap();
    let issues = clusterer::job::pending(&mut conn, id).await.unwrap();
    let vectors = clusterer::job::vectors_for(&mut conn, &issues, || None, embed::MODEL_NAME)
        .await
        .unwrap();
    let cache = cache_of(env);
    let placement = Placement {
        method: Method::Embeddings,
        join,
        model: embed::MODEL_NAME,
        vectors: &vectors,
        cache: &cache,
    };
    let touched = clusterer::assign::assign_issues(&mut conn, &issues, Utc::now(), placement)
        .await
        .unwrap();
    cluster::recompute_stats(&mut conn, Utc::now(), Some(&touched))
        .await
        .unwrap();
    touched
}

async fn new_issue(
    env: &TestEnv,
    sid: &str,
    summary: &str,
    v: Vec<f32>,
    join: f32,
) -> (TicketId, Uuid) {
    let id = ticket_with(env, sid, summary, Some(v)).await;
    place(env, id, join).await;
    (id, cluster_of(env, id).await.expect("placed"))
}

/// A person moves the ticket's issue to `to` (None: out of every cluster) through the same
/// function the API uses, without the clusterer's lock.
async fn move_by_hand(env: &TestEnv, id: TicketId, to: Option<Uuid>) -> Corrected {
    let moved = issue_of(env, id).await;
    let mut conn = env.infra.pool.get().await.unwrap();
    issue::correct(
        &mut conn,
        moved.issue_id(),
        &Correction {
            cluster_id: Some(to.map(ClusterId)),
            ..Default::default()
        },
        "pm",
        Utc::now(),
    )
    .await
    .unwrap()
}

async fn cluster_of(env: &TestEnv, id: TicketId) -> Option<Uuid> {
    let mut conn = env.infra.pool.get().await.unwrap();
    issue::for_ticket(&mut conn, id).await.unwrap()[0].cluster_id
}

async fn issue_of(env: &TestEnv, id: TicketId) -> issue::IssueRow {
    let mut conn = env.infra.pool.get().await.unwrap();
    issue::for_ticket(&mut conn, id).await.unwrap().remove(0)
}

async fn row(env: &TestEnv, id: Uuid) -> cluster::ClusterRow {
    let mut conn = env.infra.pool.get().await.unwrap();
    cluster::find(&mut conn, ClusterId(id))
        .await
        .unwrap()
        .unwrap()
}

async fn pass(env: &TestEnv, thresholds: Thresholds, namer: &Namer) -> Report {
    consolidate::pass(
        &env.infra.pool,
        thresholds,
        namer,
        embed::MODEL_NAME,
        Utc::now(),
    )
    .await
    .unwrap()
}

async fn state(env: &TestEnv, id: Uuid) -> Option<centroid::ClusterState> {
    let mut conn = env.infra.pool.get().await.unwrap();
    centroid::active_states(&mut conn, CATEGORY, SUBCATEGORY)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.id == id)
}

fn assert_close(a: &[f32], b: &[f32]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < 1e-5, "{a:?} vs {b:?}");
    }
}

fn sum(vs: &[&[f32]]) -> Vec<f32> {
    (0..DIM).map(|d| vs.iter().map(|v| v[d]).sum()).collect()
}

fn thresholds(join: f32, merge: f32) -> Thresholds {
    Thresholds {
        join,
        merge,
        ..Thresholds::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_issue_joins_the_most_similar_cluster_or_opens_its_own() {
    let env = TestEnv::new().await;
    let (_, a) = new_issue(&env, "1", "Accrual wrong", axis(0), 0.8).await;
    let (_, b) = new_issue(&env, "2", "Accrual off by a day", near(0, 1, 0.3), 0.8).await;
    let (_, c) = new_issue(&env, "3", "Holiday calendar twice", axis(3), 0.8).await;
    let (_, d) = new_issue(&env, "4", "Accrual again", near(0, 2, 0.2), 0.8).await;
    assert_eq!(a, b, "cosine 0.96 clears 0.8");
    assert_eq!(a, d);
    assert_ne!(a, c, "an orthogonal issue opens its own cluster");

    let s = state(&env, a).await.unwrap();
    assert_eq!(s.centroid_count, 3);
    assert_close(
        &s.centroid_sum.unwrap(),
        &sum(&[&axis(0), &near(0, 1, 0.3), &near(0, 2, 0.2)]),
    );
    assert_eq!(row(&env, a).await.issue_count, 3);
    assert_eq!(row(&env, a).await.cluster_name, "Accrual wrong");
}

#[tokio::test(flavor = "multi_thread")]
async fn centroid_sums_follow_moves_merges_and_deleted_issues() {
    let env = TestEnv::new().await;
    let (t1, a) = new_issue(&env, "1", "a one", axis(0), 0.9).await;
    let (t2, _) = new_issue(&env, "2", "a two", near(0, 1, 0.1), 0.9).await;
    let (_, b) = new_issue(&env, "3", "b one", axis(4), 0.9).await;
    let mut conn = env.infra.pool.get().await.unwrap();

    // A person moves issue 2 from a to b.
    let corrected = move_by_hand(&env, t2, Some(b)).await;
    assert!(matches!(corrected, Corrected::Done { .. }));
    assert_close(
        &state(&env, a).await.unwrap().centroid_sum.unwrap(),
        &axis(0),
    );
    let sb = state(&env, b).await.unwrap();
    assert_eq!(sb.centroid_count, 2);
    assert_close(
        &sb.centroid_sum.unwrap(),
        &sum(&[&axis(4), &near(0, 1, 0.1)]),
    );

    // A person merges a into b.
    cluster::merge(&mut conn, ClusterId(a), ClusterId(b), "pm", Utc::now())
        .await
        .unwrap();
    assert!(state(&env, a).await.is_none(), "merged away: inactive");
    let sb = state(&env, b).await.unwrap();
    assert_eq!(sb.centroid_count, 3);

    // Issue 1's ticket is deleted: its vector leaves b's sum.
    diesel::sql_query(format!("DELETE FROM tickets WHERE id = '{}'", t1.0))
        .execute(&mut conn)
        .await
        .unwrap();
    let sb = state(&env, b).await.unwrap();
    assert_eq!(sb.centroid_count, 2);
    assert_close(
        &sb.centroid_sum.unwrap(),
        &sum(&[&axis(4), &near(0, 1, 0.1)]),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn consolidation_merges_converged_clusters_and_leaves_the_others_as_they_were() {
    let env = TestEnv::new().await;
    // Joining needs 0.95; the two "a" issues are at 0.894, so each opens a cluster.
    let (_, a1) = new_issue(&env, "1", "a first", axis(0), 0.95).await;
    let (_, a2) = new_issue(&env, "2", "a second", near(0, 1, 0.5), 0.95).await;
    let (_, c) = new_issue(&env, "3", "c", axis(5), 0.95).await;
    assert_ne!(a1, a2);
    let mut conn = env.infra.pool.get().await.unwrap();
    cluster::update(
        &mut conn,
        ClusterId(c),
        &cluster::ClusterUpdate {
            pm_status: Some(domain::PmStatus::Reviewing),
            pm_notes: Some(Some("customers on the old plan".into())),
            name: None,
            is_active: None,
        },
        "pm",
    )
    .await
    .unwrap();
    let c_before = row(&env, c).await;

    let report = pass(&env, thresholds(0.95, 0.8), &Namer::Offline).await;
    assert_eq!(report.merged, 1);

    let survivor = row(&env, a1).await;
    let absorbed = row(&env, a2).await;
    assert!(
        survivor.is_active,
        "on equal size the older cluster keeps its id"
    );
    assert!(!absorbed.is_active);
    assert_eq!(absorbed.merged_into, Some(a1));
    assert_eq!(
        row(&env, c).await,
        c_before,
        "an unchanged cluster is untouched"
    );
    // Statistics are SQL counts of the members.
    let members = issue::list(
        &mut conn,
        &issue::IssueFilter {
            cluster_id: Some(ClusterId(a1)),
            ..Default::default()
        },
        Page {
            page: 1,
            per_page: 10,
        },
    )
    .await
    .unwrap();
    assert_eq!((survivor.issue_count, members.total), (2, 2));
    assert_eq!(absorbed.issue_count, 0);
    let events = cluster::events(&mut conn, ClusterId(a2)).await.unwrap();
    assert_eq!(
        (events[0].kind.as_str(), events[0].actor.as_str()),
        ("merged_away", "clusterer")
    );

    // A second pass finds nothing more to do.
    assert_eq!(
        pass(&env, thresholds(0.95, 0.8), &Namer::Offline)
            .await
            .merged,
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cached_centroids_follow_a_persons_move_made_outside_the_clusterer() {
    let env = TestEnv::new().await;
    let (ta, a) = new_issue(&env, "1", "a", axis(0), 0.9).await;
    let (_, b) = new_issue(&env, "2", "b", axis(1), 0.9).await;
    assert_eq!(
        cache_of(&env).len(),
        2,
        "both centroids are held between jobs"
    );
    // Through the API (no clusterer lock): a's only issue moves to b. a is left with no
    // centroid and b's direction is halfway between the axes.
    move_by_hand(&env, ta, Some(b)).await;

    // With a's cached centroid this issue would join a (cosine 1); with the current ones it is
    // 0.71 from b and nothing from a, so it opens its own cluster.
    let (_, c) = new_issue(&env, "3", "a again", axis(0), 0.9).await;
    assert_ne!(c, a, "a's stale centroid was not used");
    assert_ne!(c, b);
    let (_, d) = new_issue(&env, "4", "between", near(0, 1, 1.0), 0.9).await;
    assert_eq!(d, b, "b's new centroid was read");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_persons_name_and_move_survive_consolidation_naming_and_new_issues() {
    let env = TestEnv::new().await;
    let (_, x) = new_issue(&env, "1", "x one", axis(0), 0.9).await;
    let (_, y) = new_issue(&env, "2", "y one", axis(6), 0.9).await;
    let (moved, _) = new_issue(&env, "3", "x two", near(0, 1, 0.1), 0.9).await;
    let mut conn = env.infra.pool.get().await.unwrap();
    cluster::update(
        &mut conn,
        ClusterId(x),
        &cluster::ClusterUpdate {
            name: Some("Accruals stop after a leave of absence".into()),
            ..Default::default()
        },
        "pm",
    )
    .await
    .unwrap();
    // The person decides issue "x two" belongs with y, though its vector is x's.
    move_by_hand(&env, moved, Some(y)).await;
    for i in 0..3 {
        new_issue(&env, &format!("x{i}"), "x more", near(0, 2, 0.1), 0.9).await;
    }
    pass(&env, thresholds(0.9, 0.5), &Namer::Offline).await;
    pass(&env, thresholds(0.9, 0.5), &Namer::Offline).await;

    assert_eq!(
        row(&env, x).await.cluster_name,
        "Accruals stop after a leave of absence"
    );
    assert!(row(&env, x).await.name_locked);
    assert_eq!(
        cluster_of(&env, moved).await,
        Some(y),
        "a moved issue stays put"
    );
    assert!(issue_of(&env, moved).await.cluster_pinned);
    assert!(row(&env, y).await.is_active);
}

#[tokio::test(flavor = "multi_thread")]
async fn merged_inactive_and_unclustered_by_hand_stay_that_way() {
    let env = TestEnv::new().await;
    let (_, a) = new_issue(&env, "1", "a", axis(0), 0.9).await;
    let (_, b) = new_issue(&env, "2", "b", axis(1), 0.9).await;
    let (_, z) = new_issue(&env, "3", "z", axis(2), 0.9).await;
    let (out, _) = new_issue(&env, "4", "a again", axis(0), 0.9).await;
    let mut conn = env.infra.pool.get().await.unwrap();
    cluster::merge(&mut conn, ClusterId(b), ClusterId(a), "pm", Utc::now())
        .await
        .unwrap();
    let closed = cluster::update(
        &mut conn,
        ClusterId(z),
        &cluster::ClusterUpdate {
            is_active: Some(false),
            ..Default::default()
        },
        "pm",
    )
    .await
    .unwrap();
    assert!(matches!(closed, cluster::Updated::Done(_)));
    move_by_hand(&env, out, None).await;

    let (_, like_b) = new_issue(&env, "5", "b again", axis(1), 0.9).await;
    let (_, like_z) = new_issue(&env, "6", "z again", axis(2), 0.9).await;
    place(&env, out, 0.9).await;
    pass(&env, thresholds(0.9, 0.5), &Namer::Offline).await;

    assert_ne!(like_b, b, "a merged cluster is not revived");
    assert_ne!(like_z, z, "an inactive cluster receives nothing");
    assert!(!row(&env, b).await.is_active);
    assert!(!row(&env, z).await.is_active);
    assert_eq!(row(&env, b).await.issue_count, 0);
    assert_eq!(
        cluster_of(&env, out).await,
        None,
        "taken out by a person, left out"
    );
    let stranded = issue::tickets_with_unclustered(&mut conn, Utc::now(), 10)
        .await
        .unwrap();
    assert!(
        !stranded.contains(&out),
        "the reconciler does not re-queue it either"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_incoherent_cluster_is_split_and_its_pinned_part_keeps_the_id() {
    let env = TestEnv::new().await;
    // Join everything (threshold -1) so one cluster holds two unrelated problems.
    let mut tickets = Vec::new();
    for i in 0..6 {
        let v = if i % 2 == 0 {
            near(0, 1, 0.05 * i as f32)
        } else {
            near(3, 4, 0.05 * i as f32)
        };
        tickets.push(new_issue(&env, &i.to_string(), &format!("issue {i}"), v, -1.0).await);
    }
    let original = tickets[0].1;
    assert!(tickets.iter().all(|(_, c)| *c == original));
    // A person confirms issue 1 (the second problem) belongs here: pinned.
    let mut conn = env.infra.pool.get().await.unwrap();
    move_by_hand(&env, tickets[1].0, Some(original)).await;

    let split = Thresholds {
        join: 0.8,
        merge: 0.6,
        split_below: 0.6,
        split_min: 6,
        ..Thresholds::default()
    };
    let report = pass(&env, split, &Namer::Offline).await;
    assert_eq!(report.split, 1);
    for (i, (t, _)) in tickets.iter().enumerate() {
        let now = cluster_of(&env, *t).await.unwrap();
        assert_eq!(now == original, i % 2 == 1, "issue {i}");
    }
    let events = cluster::events(&mut conn, ClusterId(original))
        .await
        .unwrap();
    assert!(events.iter().any(|e| e.kind == "split_into"));
    assert_eq!(row(&env, original).await.issue_count, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn clusters_are_named_offline_once_they_grow_and_renamed_only_when_content_shifts() {
    let env = TestEnv::new().await;
    let (_, c) = new_issue(&env, "1", "Accrual balance wrong", axis(0), 0.8).await;
    new_issue(
        &env,
        "2",
        "Sick leave accrual balance wrong for part-time staff",
        near(0, 1, 0.02),
        0.8,
    )
    .await;
    new_issue(&env, "3", "Accrual stopped", near(0, 1, 0.3), 0.8).await;
    new_issue(&env, "4", "Holiday calendar twice", axis(4), 0.8).await;

    let report = pass(&env, thresholds(0.8, 0.9), &Namer::Offline).await;
    assert_eq!(
        report.named, 1,
        "only the cluster that grew to three is renamed"
    );
    let named = row(&env, c).await;
    assert_eq!(
        named.cluster_name,
        "Sick leave accrual balance wrong for part-time staff"
    );
    let summary = named.cluster_summary.unwrap();
    assert!(summary.starts_with("Customers report: "), "{summary}");
    assert!(summary.contains("accrual"), "{summary}");
    assert_eq!(
        pass(&env, thresholds(0.8, 0.9), &Namer::Offline)
            .await
            .named,
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_claude_a_grown_cluster_gets_claudes_name_and_summary() {
    let env = TestEnv::new().await;
    let fake = FakeAnthropic::start(
        vec![Answer::json(serde_json::json!({
            "cluster_name": "PTO accrual stops for part-time staff",
            "cluster_summary": "Part-time employees stop accruing PTO. Balances are wrong after payroll runs."
        }))],
        None,
    );
    let claude = clusterer::NamingClaude {
        api_key: runtime::Secret::new("test-key"),
        model: "claude-sonnet-5-5".into(),
        base_url: fake.url.clone(),
    };
    let namer = claude.namer(domain::Taxonomy::default()).unwrap();
    let (_, c) = new_issue(&env, "1", "Accrual balance wrong", axis(0), 0.8).await;
    new_issue(
        &env,
        "2",
        "Accrual stopped for part-time",
        near(0, 1, 0.1),
        0.8,
    )
    .await;
    new_issue(&env, "3", "Accrual not updating", near(0, 2, 0.1), 0.8).await;

    assert_eq!(pass(&env, thresholds(0.8, 0.9), &namer).await.named, 1);
    let named = row(&env, c).await;
    assert_eq!(named.cluster_name, "PTO accrual stops for part-time staff");
    assert!(named
        .cluster_summary
        .unwrap()
        .starts_with("Part-time employees"));
    let sent = fake.received();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains("Accrual stopped for part-time"),
        "{}",
        sent[0]
    );
}

/// The clusterer service on the test's database: one job at a time, no scheduled statistics
/// or reconciling, a consolidation pass only after `quiet` without placements.
fn spawn_service(env: &TestEnv, thresholds: Thresholds, quiet: Duration) -> Running {
    let settings = clusterer::Settings {
        common: env.settings(),
        concurrency: 1,
        stats_every: Duration::from_secs(3600),
        stats_refresh: Duration::from_millis(100),
        reconcile_after: Duration::from_secs(3600),
        poll_interval: Duration::from_millis(50),
        method: Method::Embeddings,
        thresholds,
        consolidate_every: Duration::from_secs(3600),
        consolidate_quiet: quiet,
        claude: None,
    };
    let infra = env.infra.clone();
    Running::spawn(|shutdown| clusterer::serve(settings, infra, shutdown))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_embeds_issues_stored_without_an_embedding_and_groups_them_by_meaning() {
    let env = TestEnv::new().await;
    let texts = [
        "Employees cannot clock in on the mobile app",
        "The app will not let staff punch in for their shift",
        "Payroll export to the bank file is missing overtime",
    ];
    let mut ids = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        ids.push(ticket_with(&env, &i.to_string(), t, None).await);
    }
    for id in &ids {
        env.infra.queues.enqueue_cluster(*id).await.unwrap();
    }
    let running = spawn_service(&env, thresholds(0.5, 0.9), Duration::from_secs(3600));
    eventually("every job done", 60, || {
        let queues = env.infra.queues.clone();
        async move { (queues.depth("cluster").await.ok()?.done == 3).then_some(()) }
    })
    .await;
    running.stop().await;

    for id in &ids {
        let i = issue_of(&env, *id).await;
        assert!(i.cluster_id.is_some());
    }
    let mut conn = env.infra.pool.get().await.unwrap();
    let stored = issue::embeddings(&mut conn, &[issue_of(&env, ids[0]).await.issue_id()])
        .await
        .unwrap();
    assert_eq!(stored[0].1, embed::MODEL_NAME);
    assert_eq!(stored[0].2.len(), embed::DIM);
    assert_eq!(
        cluster_of(&env, ids[0]).await,
        cluster_of(&env, ids[1]).await
    );
    assert_ne!(
        cluster_of(&env, ids[0]).await,
        cluster_of(&env, ids[2]).await
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn once_a_backlog_drains_the_service_consolidates_names_and_marks_it_done() {
    let env = TestEnv::new().await;
    // Two issues that join one cluster, two more that open their own clusters but belong with
    // it (average similarity above the merge threshold), and one apart.
    let issues = [
        (
            "1",
            "Hi, the PTO balance is wrong in the app",
            near(0, 1, 0.05),
        ),
        (
            "2",
            "PTO balance in the app does not match the web",
            near(0, 1, 0.1),
        ),
        (
            "3",
            "Our PTO balance shows last year's total",
            near(0, 2, 0.7),
        ),
        (
            "4",
            "Balance of sick time differs on the phone",
            near(0, 3, 0.7),
        ),
        ("5", "Accrual stopped after the anniversary", axis(5)),
        // Alike (average similarity about 0.5), not enough to merge: suggested.
        (
            "7",
            "Holiday hours counted twice in the balance",
            near(0, 4, 1.5),
        ),
    ];
    let mut ids = Vec::new();
    for (sid, summary, v) in &issues {
        ids.push(ticket_with(&env, sid, summary, Some(v.clone())).await);
    }
    let mut conn = env.infra.pool.get().await.unwrap();
    assert!(db::models::consolidation::is_current(&mut conn)
        .await
        .unwrap());
    for id in &ids {
        env.infra.queues.enqueue_cluster(*id).await.unwrap();
    }
    // Only the quiet after the backlog can trigger the pass within the test.
    let running = spawn_service(
        &env,
        Thresholds {
            suggest: 0.3,
            ..thresholds(0.9, 0.6)
        },
        Duration::from_millis(300),
    );
    eventually("the backlog consolidated", 60, || {
        let pool = env.infra.pool.clone();
        async move {
            let mut conn = pool.get().await.ok()?;
            let clustered = issue::counts(&mut conn).await.ok()?.1 == 0;
            let current = db::models::consolidation::is_current(&mut conn)
                .await
                .ok()?;
            (clustered && current).then_some(())
        }
    })
    .await;
    running.stop().await;

    let pto = cluster_of(&env, ids[0]).await.unwrap();
    for id in &ids[1..4] {
        assert_eq!(
            cluster_of(&env, *id).await,
            Some(pto),
            "merged into one problem"
        );
    }
    let apart = cluster_of(&env, ids[4]).await.unwrap();
    assert_ne!(apart, pto);
    let named = row(&env, pto).await;
    assert!(
        !named.cluster_name.to_lowercase().starts_with("hi"),
        "{}",
        named.cluster_name
    );
    let summary = named
        .cluster_summary
        .expect("a cluster of 2+ issues has a summary");
    assert!(summary.starts_with("Customers report: "), "{summary}");
    // Below the merge threshold but alike enough: a suggestion for a person.
    let similar = db::models::consolidation::similar_to(&mut conn, ClusterId(pto), 5)
        .await
        .unwrap();
    let near_miss = cluster_of(&env, ids[5]).await.unwrap();
    assert_ne!(near_miss, pto);
    assert_eq!(
        similar.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![near_miss],
        "{similar:?}"
    );

    // A new placement makes the mark stale until the next pass.
    let late = ticket_with(
        &env,
        "6",
        "PTO balance wrong on iPhone",
        Some(near(0, 1, 0.05)),
    )
    .await;
    let cache = cache_of(&env);
    let mut conn = env.infra.pool.get().await.unwrap();
    let pending = clusterer::job::pending(&mut conn, late).await.unwrap();
    let vectors: HashMap<_, _> = pending
        .iter()
        .map(|i| (i.issue_id(), near(0, 1, 0.05)))
        .collect();
    clusterer::assign::assign_issues(
        &mut conn,
        &pending,
        Utc::now(),
        Placement {
            method: Method::Embeddings,
            join: 0.9,
            model: embed::MODEL_NAME,
            vectors: &vectors,
            cache: &cache,
        },
    )
    .await
    .unwrap();
    assert!(!db::models::consolidation::is_current(&mut conn)
        .await
        .unwrap());
}
